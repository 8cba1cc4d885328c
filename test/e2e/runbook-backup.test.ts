import {
  CreateUserCommand,
  DescribeBrokerCommand,
  MqClient,
  UpdateBrokerCommand,
  UpdateConfigurationCommand,
} from '@aws-sdk/client-mq';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { MqBackupSource, S3BackupStore } from '@mqops/aws/config-backup';
import { MqBrokerInventory } from '@mqops/aws/mq-inventory';
import { MemoryKeyValueStore, type Notice, type NoticeSink } from '@mqops/core';
import {
  type BackupRunbookPorts,
  type BrokerBackup,
  backupConfig,
  type DefinitionsDiff,
  restoreConfig,
  type UsersDiff,
} from '@mqops/core/runbooks/backup';
import { type RunRecord, runRunbook } from '@mqops/core/runbooks/run';
import type { RunbookDefinition } from '@mqops/core/runbooks/types';
import { ControllableClock, type LocalCloud, RabbitMqBacking, startLocalCloud } from '@mqops/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The e2e global setup (test/setup/brokers.ts) has started the real RabbitMQ. Names are unique per run: the
// RabbitMQ server is shared by every run.
const run = Date.now().toString(36);
const activeName = `e2e-backup-active-${run}`;
const rabbitName = `e2e-backup-rabbit-${run}`;
const rabbitAdmin = `${rabbitName}-admin`;
const rabbitAdminPassword = 'backup-Admin-Pass-1';
const CONFIGURATION_ID = 'c-backup00-0000-4000-8000-000000000001';
const BUCKET = `mqops-backups-${run}`;
const rabbit = new RabbitMqBacking();

const XML_1 = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<broker xmlns="http://activemq.apache.org/schema/core">
  <plugins>
  </plugins>
</broker>
`;
const XML_2 = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<broker xmlns="http://activemq.apache.org/schema/core">
  <destinationPolicy>
    <policyMap>
      <policyEntries>
        <policyEntry queue="&gt;" memoryLimit="64mb" producerFlowControl="true"/>
      </policyEntries>
    </policyMap>
  </destinationPolicy>
  <plugins>
  </plugins>
</broker>
`;
const XML_3 = XML_2.replace('memoryLimit="64mb"', 'memoryLimit="256mb"');

let cloud: LocalCloud;
let mq: MqClient;
let s3: S3Client;
let ports: BackupRunbookPorts;
let activeId: string;
let rabbitId: string;
const trail = new MemoryKeyValueStore();
const notices: Notice[] = [];
const sink: NoticeSink = { channel: 'test', send: async (notice) => void notices.push(notice) };
const RUNBOOKS = [backupConfig, restoreConfig] as unknown as RunbookDefinition<BackupRunbookPorts>[];

const invoke = (event: Record<string, unknown>): Promise<RunRecord> =>
  runRunbook<BackupRunbookPorts>(
    { by: 'e2e', ...event },
    { runbooks: RUNBOOKS, ports, store: trail, sinks: [sink], now: () => cloud.clock.now() },
  );

const keysIn = async () =>
  ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? [])
    .map((o) => o.Key ?? '')
    .sort();

const object = async (key: string) =>
  (await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString()) ?? '';

/** A request to the RabbitMQ broker's own management API (its console URL), as its admin. */
async function management(method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${rabbit.viewUrl(rabbitName)}${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${rabbitAdmin}:${rabbitAdminPassword}`).toString('base64')}`,
      'content-type': 'application/json',
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
}

beforeAll(async () => {
  cloud = await startLocalCloud({
    // Frozen: a backup's key is its time, known to the test.
    clock: new ControllableClock('2026-11-25T12:00:00.000Z', { frozen: true }),
    scenario: {
      configurations: [
        {
          Id: CONFIGURATION_ID,
          Name: `${activeName}-hardened`,
          EngineType: 'ACTIVEMQ',
          EngineVersion: '5.18',
          Revisions: [
            { Data: XML_1, Description: 'Auto-generated default' },
            { Data: XML_2, Description: 'Memory limits on every queue' },
          ],
        },
      ],
      brokers: [
        {
          BrokerName: activeName,
          EngineType: 'ACTIVEMQ',
          EngineVersion: '5.18',
          DeploymentMode: 'SINGLE_INSTANCE',
          HostInstanceType: 'mq.m5.large',
          Configuration: { Id: CONFIGURATION_ID, Revision: 2 },
          Users: [
            { Username: 'admin', Password: 'active-Admin-Pass-1', ConsoleAccess: true, Groups: ['admins'] },
            { Username: 'orders-app', Password: 'active-App-Pass-12', Groups: ['apps'] },
          ],
        },
        {
          BrokerName: rabbitName,
          EngineType: 'RABBITMQ',
          EngineVersion: '3.13',
          DeploymentMode: 'SINGLE_INSTANCE',
          HostInstanceType: 'mq.m5.large',
          Users: [{ Username: rabbitAdmin, Password: rabbitAdminPassword }],
          RabbitDefinitions: {
            users: [{ name: `${rabbitName}-app`, password: 'backup-App-Pass-12', tags: [] }],
            permissions: [
              { user: `${rabbitName}-app`, configure: '^orders\\.', write: '^orders\\.', read: '^orders\\.' },
            ],
            exchanges: [{ name: 'orders.dlx', type: 'fanout' }],
            queues: [
              {
                name: 'orders.in',
                arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': 'orders.dlx' },
              },
              { name: 'orders.dlq', arguments: { 'x-queue-type': 'quorum' } },
            ],
            bindings: [{ source: 'orders.dlx', destination: 'orders.dlq' }],
            policies: [
              { name: 'orders-limits', pattern: '^orders\\.', definition: { 'max-length': 100000 } },
            ],
          },
        },
      ],
      secrets: [
        {
          Name: `mqops/${rabbitName}/audit`,
          SecretString: JSON.stringify({ username: rabbitAdmin, password: rabbitAdminPassword }),
          Tags: [
            { Key: 'mqops:broker', Value: rabbitName },
            { Key: 'mqops:role', Value: 'audit' },
          ],
        },
      ],
    },
    backings: [rabbit],
  });
  const config = cloud.clientConfig();
  mq = new MqClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  ports = {
    inventory: new MqBrokerInventory(config),
    backup: {
      source: new MqBackupSource({ mq: config, credentials: config }),
      store: new S3BackupStore(BUCKET, { ...config, forcePathStyle: true }),
    },
  };
  activeId = (await mq.send(new DescribeBrokerCommand({ BrokerId: activeName }))).BrokerId ?? '';
  rabbitId = (await mq.send(new DescribeBrokerCommand({ BrokerId: rabbitName }))).BrokerId ?? '';
});

afterAll(async () => {
  await rabbit.remove(rabbitId, rabbitName);
  mq?.destroy();
  s3?.destroy();
  await cloud?.stop();
});

describe('Runbooks backup-config and restore-config, end to end (local cloud, S3, real RabbitMQ)', () => {
  it('dry run: reads both brokers and lists what it would save with sizes, writing nothing', async () => {
    const record = await invoke({ runbook: 'backup-config' });

    expect(record.status).toBe('dry-run');
    const backups = record.details.backups as {
      broker: string;
      key: string;
      bytes: number;
      contents: object;
    }[];
    expect(backups.map((b) => b.broker).sort()).toEqual([activeName, rabbitName].sort());
    for (const b of backups) expect(b.bytes).toBeGreaterThan(500);
    expect(backups.find((b) => b.broker === activeName)?.contents).toEqual({
      configuration: `${CONFIGURATION_ID} revision 2`,
      revisionsKept: 2,
      revisions: 2,
      users: 2,
    });
    expect(backups.find((b) => b.broker === rabbitName)?.contents).toMatchObject({
      queues: 2,
      exchanges: 1,
      bindings: 1,
      policies: 1,
      vhosts: 1,
      passwordHashes: 'stripped',
    });
    expect(record.summary).toMatch(
      new RegExp(`^would save 2 backups \\(\\d+\\.\\d KB\\) to s3://${BUCKET}/backups/`),
    );
    expect(await keysIn()).toEqual([]);
    expect(cloud.requests.filter((r) => r.service === 's3' && r.operation === 'PutObject')).toEqual([]);
  });

  it('execute: writes one object per broker with the expected content, and no password hash', async () => {
    const record = await invoke({ runbook: 'backup-config', execute: true });

    expect(record.status).toBe('done');
    const at = '2026-11-25T12:00:00.000Z';
    const keys = [`backups/${activeName}/${at}.json`, `backups/${rabbitName}/${at}.json`].sort();
    expect([...(record.details.keys as string[])].sort()).toEqual(keys);
    expect(await keysIn()).toEqual(keys);

    const activeText = await object(`backups/${activeName}/${at}.json`);
    const active = JSON.parse(activeText) as BrokerBackup;
    expect(active).toMatchObject({
      format: 'mqops-backup/1',
      takenAt: at,
      by: 'e2e',
      broker: { id: activeId, name: activeName, engine: 'ACTIVEMQ' },
      configuration: { id: CONFIGURATION_ID, revision: 2, data: XML_2, latest: 2 },
    });
    expect(active.configuration?.revisions).toMatchObject([
      { revision: 2, description: 'Memory limits on every queue', data: XML_2 },
      { revision: 1, description: 'Auto-generated default', data: XML_1 },
    ]);
    expect(active.users).toEqual([
      { username: 'admin', consoleAccess: true, groups: ['admins'], replicationUser: false },
      { username: 'orders-app', consoleAccess: false, groups: ['apps'], replicationUser: false },
    ]);
    expect(activeText).not.toMatch(/active-(Admin|App)-Pass/);

    const rabbitText = await object(`backups/${rabbitName}/${at}.json`);
    const backup = JSON.parse(rabbitText) as BrokerBackup;
    expect(backup.passwordHashes).toBe('stripped');
    expect(rabbitText).not.toContain('"password_hash"');
    const d = backup.definitions ?? {};
    expect(d.vhosts?.map((v) => v.name)).toEqual([rabbitName]);
    expect(d.users?.map((u) => u.name)).toEqual(expect.arrayContaining([rabbitAdmin, `${rabbitName}-app`]));
    expect(d.queues?.map((q) => [q.vhost, q.name]).sort()).toEqual([
      [rabbitName, 'orders.dlq'],
      [rabbitName, 'orders.in'],
    ]);
    expect(d.queues?.find((q) => q.name === 'orders.in')?.arguments).toEqual({
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': 'orders.dlx',
    });
    expect(d.bindings).toEqual([
      expect.objectContaining({ vhost: rabbitName, source: 'orders.dlx', destination: 'orders.dlq' }),
    ]);
    expect(d.policies).toEqual([
      expect.objectContaining({
        vhost: rabbitName,
        name: 'orders-limits',
        definition: { 'max-length': 100000 },
      }),
    ]);
    expect(d.permissions).toEqual(
      expect.arrayContaining([
        {
          user: `${rabbitName}-app`,
          vhost: rabbitName,
          configure: '^orders\\.',
          write: '^orders\\.',
          read: '^orders\\.',
        },
      ]),
    );
    expect(notices.at(-1)?.title).toBe('backup-config: done');
  });

  it('keeps RabbitMQ password hashes only when asked', async () => {
    cloud.clock.advance(60_000);
    const record = await invoke({
      runbook: 'backup-config',
      execute: true,
      payload: { brokers: [rabbitName], includePasswordHashes: true },
    });
    const [key] = record.details.keys as string[];
    const backup = JSON.parse(await object(key ?? '')) as BrokerBackup;
    expect(backup.passwordHashes).toBe('included');
    expect(backup.definitions?.users?.find((u) => u.name === rabbitAdmin)?.password_hash).toEqual(
      expect.any(String),
    );
  });

  it('restore-config against the latest backup: nothing changed yet', async () => {
    const active = await invoke({ runbook: 'restore-config', payload: { brokerId: activeName } });
    expect(active.status).toBe('dry-run');
    expect(active.summary).toMatch(new RegExp(`^broker ${activeName} matches backup backups/${activeName}/`));

    // The latest RabbitMQ backup has hashes: the broker now is read with hashes too, and they match.
    const rabbitRun = await invoke({ runbook: 'restore-config', payload: { brokerId: rabbitId } });
    expect(rabbitRun.status).toBe('dry-run');
    expect(rabbitRun.details.definitions).toMatchObject({ counts: { added: 0, removed: 0, changed: 0 } });
  });

  it('restore-config shows exactly what changed since the backup, and changes nothing', async () => {
    // ActiveMQ: a new configuration revision set on the broker (pending its reboot), and a new user.
    await mq.send(
      new UpdateConfigurationCommand({
        ConfigurationId: CONFIGURATION_ID,
        Data: Buffer.from(XML_3).toString('base64'),
        Description: 'More memory for queues',
      }),
    );
    await mq.send(
      new UpdateBrokerCommand({ BrokerId: activeId, Configuration: { Id: CONFIGURATION_ID, Revision: 3 } }),
    );
    await mq.send(
      new CreateUserCommand({
        BrokerId: activeId,
        Username: 'reporting',
        Password: 'reporting-Pass-123',
        Groups: ['readers'],
      }),
    );
    // RabbitMQ, through the broker's management API: a queue, and a user with a permission on the broker's vhost.
    const vhost = encodeURIComponent(rabbitName);
    await management('PUT', `/api/queues/${vhost}/orders.retry`, {
      durable: true,
      auto_delete: false,
      arguments: { 'x-queue-type': 'quorum' },
    });
    await management('PUT', `/api/users/${rabbitName}-late`, { password: 'late-User-Pass-123', tags: '' });
    await management('PUT', `/api/permissions/${vhost}/${rabbitName}-late`, {
      configure: '',
      write: '^orders\\.',
      read: '',
    });
    const before = await keysIn();

    const active = await invoke({ runbook: 'restore-config', payload: { brokerId: activeName } });
    expect(active.status).toBe('dry-run');
    const configuration = active.details.configuration as {
      backup: object;
      live: object;
      diff: string;
      linesAdded: number;
      linesRemoved: number;
    };
    expect(configuration.backup).toEqual({ id: CONFIGURATION_ID, revision: 2 });
    expect(configuration.live).toEqual({ id: CONFIGURATION_ID, revision: 3, pending: true });
    expect(configuration.diff).toMatch(
      new RegExp(
        `^--- backup ${CONFIGURATION_ID} revision 2 \\(.+\\)\\n\\+\\+\\+ broker ${CONFIGURATION_ID} revision 3 \\(pending reboot\\)\\n@@ -3,7 \\+3,7 @@\\n`,
      ),
    );
    const changed = configuration.diff.split('\n').filter((l) => /^[-+](?![-+]{2})/.test(l));
    expect(changed).toEqual([
      '-        <policyEntry queue="&gt;" memoryLimit="64mb" producerFlowControl="true"/>',
      '+        <policyEntry queue="&gt;" memoryLimit="256mb" producerFlowControl="true"/>',
    ]);
    expect(active.details.users).toEqual({
      added: ['reporting'],
      removed: [],
      changed: [],
    } satisfies UsersDiff);
    expect(active.summary).toContain(
      'configuration revision 2 → revision 3: +1 −1 lines; users: added reporting',
    );

    // The latest backup of the RabbitMQ broker holds hashes; compare with the first one, which does not.
    const firstRabbit = before.find((k) => k.startsWith(`backups/${rabbitName}/`));
    const rabbitRun = await invoke({
      runbook: 'restore-config',
      payload: { brokerId: rabbitName, key: firstRabbit },
    });
    expect(rabbitRun.status).toBe('dry-run');
    expect(rabbitRun.details.definitions).toEqual({
      added: [
        { kind: 'users', name: `${rabbitName}-late` },
        { kind: 'permissions', vhost: rabbitName, name: `${rabbitName}-late` },
        { kind: 'queues', vhost: rabbitName, name: 'orders.retry' },
      ],
      removed: [],
      changed: [],
      counts: { added: 3, removed: 0, changed: 0 },
    } satisfies DefinitionsDiff & { counts: object });
    expect(rabbitRun.summary).toContain(
      `definitions: added user ${rabbitName}-late, permission of ${rabbitName}-late, queue orders.retry`,
    );

    // Nothing was written or changed by restore-config.
    expect(await keysIn()).toEqual(before);
    const broker = await mq.send(new DescribeBrokerCommand({ BrokerId: activeId }));
    expect(broker.Configurations?.Current).toEqual({ Id: CONFIGURATION_ID, Revision: 2 });
  });

  it('restore-config refuses execute: true', async () => {
    const requestsBefore = cloud.requests.length;
    const record = await invoke({
      runbook: 'restore-config',
      payload: { brokerId: activeName },
      execute: true,
    });
    expect(record.status).toBe('refused');
    expect(record.summary).toContain('restore-config only shows a diff and never changes a broker');
    expect(cloud.requests.length).toBe(requestsBefore);
    expect(notices.at(-1)).toMatchObject({ level: 'warning', title: 'restore-config: refused' });
  });
});
