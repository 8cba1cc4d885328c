import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { BrokerNotFoundError, InvalidInputError } from '../../../src/errors';
import { MemoryKeyValueStore } from '../../../src/kv';
import type { Broker } from '../../../src/model';
import type { Notice, NoticeSink } from '../../../src/notices';
import type { BrokerInventory, BrokerRef } from '../../../src/ports';
import {
  type ActiveMqUserBackup,
  BACKUP_FORMAT,
  type BackupObject,
  type BackupRunbookPorts,
  type BackupSource,
  type BackupStore,
  type BrokerBackup,
  backupConfig,
  backupKey,
  type ConfigurationBackup,
  diffActiveMqUsers,
  diffDefinitions,
  latestBackupKey,
  lineDiff,
  maskUriPasswords,
  parseBackup,
  type RabbitMqDefinitions,
  restoreConfig,
  sanitiseDefinitions,
  unifiedDiff,
} from '../../../src/runbooks/backup';
import { type RunRecord, runRunbook } from '../../../src/runbooks/run';
import type { RunbookDefinition } from '../../../src/runbooks/types';
import { makeBroker } from '../../helpers/broker';

const T0 = new Date('2026-11-25T12:00:00.000Z');
const T1 = new Date('2026-11-26T08:30:00.000Z');
const HASH = 'kI8yZ2eVn5m7hQ0bJ8Jp6xJdY0RkWcM1cFh2mJwUq3xUoPq9';

// ---- real-looking data ----------------------------------------------------------------------------------------

const XML_REV_1 = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<broker xmlns="http://activemq.apache.org/schema/core">
  <destinationPolicy>
    <policyMap>
      <policyEntries>
        <policyEntry topic="&gt;">
          <pendingMessageLimitStrategy>
            <constantPendingMessageLimitStrategy limit="3000"/>
          </pendingMessageLimitStrategy>
        </policyEntry>
      </policyEntries>
    </policyMap>
  </destinationPolicy>
  <plugins>
  </plugins>
</broker>
`;

const XML_REV_2 = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<broker xmlns="http://activemq.apache.org/schema/core">
  <destinationPolicy>
    <policyMap>
      <policyEntries>
        <policyEntry topic="&gt;">
          <pendingMessageLimitStrategy>
            <constantPendingMessageLimitStrategy limit="3000"/>
          </pendingMessageLimitStrategy>
        </policyEntry>
        <policyEntry queue="&gt;" memoryLimit="64mb" producerFlowControl="true"/>
      </policyEntries>
    </policyMap>
  </destinationPolicy>
  <plugins>
    <authorizationPlugin>
      <map>
        <authorizationMap>
          <authorizationEntries>
            <authorizationEntry admin="admins" queue="&gt;" read="admins,apps" write="admins,apps"/>
          </authorizationEntries>
        </authorizationMap>
      </map>
    </authorizationPlugin>
  </plugins>
</broker>
`;

const XML_REV_3 = XML_REV_2.replace('memoryLimit="64mb"', 'memoryLimit="128mb"');

function definitions(overrides: Partial<RabbitMqDefinitions> = {}): RabbitMqDefinitions {
  return {
    rabbit_version: '3.13.7',
    rabbitmq_version: '3.13.7',
    product_name: 'RabbitMQ',
    product_version: '3.13.7',
    users: [
      {
        name: 'events-admin',
        password_hash: HASH,
        hashing_algorithm: 'rabbit_password_hashing_sha256',
        tags: ['administrator'],
        limits: {},
      },
      {
        name: 'events-app',
        password_hash: `${HASH}x`,
        hashing_algorithm: 'rabbit_password_hashing_sha256',
        tags: [],
        limits: {},
      },
    ],
    vhosts: [{ name: '/', description: 'Default virtual host', tags: [], metadata: { tags: [] } }],
    permissions: [
      { user: 'events-admin', vhost: '/', configure: '.*', write: '.*', read: '.*' },
      { user: 'events-app', vhost: '/', configure: '^events\\.', write: '^events\\.', read: '^events\\.' },
    ],
    topic_permissions: [
      { user: 'events-app', vhost: '/', exchange: 'amq.topic', write: '^events', read: '.*' },
    ],
    parameters: [
      {
        value: {
          'src-uri': 'amqps://shovel:S3cret-Shovel-Pw@b-9.mq.us-east-1.amazonaws.com:5671',
          'src-queue': 'events.in',
          'dest-uri': ['amqps://shovel:Other-Pw-22@b-8.mq.us-east-1.amazonaws.com:5671'],
          'dest-queue': 'events.copy',
        },
        vhost: '/',
        component: 'shovel',
        name: 'events-copy',
      },
    ],
    global_parameters: [{ name: 'cluster_name', value: 'rabbit@ip-10-0-1-23' }],
    policies: [
      {
        vhost: '/',
        name: 'events-limits',
        pattern: '^events\\.',
        'apply-to': 'queues',
        definition: { 'max-length': 100000, overflow: 'reject-publish' },
        priority: 1,
      },
    ],
    queues: [
      {
        name: 'events.in',
        vhost: '/',
        durable: true,
        auto_delete: false,
        arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': 'events.dlx' },
      },
      {
        name: 'events.dlq',
        vhost: '/',
        durable: true,
        auto_delete: false,
        arguments: { 'x-queue-type': 'quorum' },
      },
    ],
    exchanges: [
      {
        name: 'events.dlx',
        vhost: '/',
        type: 'fanout',
        durable: true,
        auto_delete: false,
        internal: false,
        arguments: {},
      },
    ],
    bindings: [
      {
        source: 'events.dlx',
        vhost: '/',
        destination: 'events.dlq',
        destination_type: 'queue',
        routing_key: 'events.dlq',
        arguments: {},
      },
    ],
    ...overrides,
  };
}

const configuration = (overrides: Partial<ConfigurationBackup> = {}): ConfigurationBackup => ({
  id: 'c-1',
  revision: 2,
  data: XML_REV_2,
  latest: 2,
  revisions: [
    { revision: 2, created: '2026-11-01T00:00:00.000Z', data: XML_REV_2 },
    {
      revision: 1,
      created: '2026-10-01T00:00:00.000Z',
      description: 'Auto-generated default',
      data: XML_REV_1,
    },
  ],
  ...overrides,
});

const USERS: ActiveMqUserBackup[] = [
  { username: 'admin', consoleAccess: true, groups: ['admins'], replicationUser: false },
  { username: 'orders-app', consoleAccess: false, groups: ['apps'], replicationUser: false },
];

// ---- fakes ------------------------------------------------------------------------------------------------------

class FakeInventory implements BrokerInventory {
  readonly brokers = new Map<string, Broker>();
  add(broker: Broker): Broker {
    this.brokers.set(broker.id, broker);
    return broker;
  }
  async list(): Promise<BrokerRef[]> {
    return [...this.brokers.values()].map((b) => ({ id: b.id, name: b.name }));
  }
  async describe(id: string): Promise<Broker> {
    const broker = this.brokers.get(id);
    if (!broker) throw new BrokerNotFoundError(id);
    return structuredClone(broker);
  }
}

/** What the brokers hold now, by broker id; `keepAsked` records each configuration call's `keep`. */
class FakeSource implements BackupSource {
  readonly configurations = new Map<string, ConfigurationBackup>();
  readonly users = new Map<string, ActiveMqUserBackup[]>();
  readonly definitions = new Map<string, RabbitMqDefinitions>();
  readonly failing = new Map<string, Error>();
  readonly keepAsked: number[] = [];

  async configuration(broker: Broker, keep: number): Promise<ConfigurationBackup | undefined> {
    this.keepAsked.push(keep);
    const c = this.configurations.get(broker.id);
    return c && structuredClone(c);
  }
  async activeMqUsers(broker: Broker): Promise<ActiveMqUserBackup[]> {
    const failure = this.failing.get(broker.id);
    if (failure) throw failure;
    return structuredClone(this.users.get(broker.id) ?? []);
  }
  async rabbitDefinitions(broker: Broker): Promise<RabbitMqDefinitions> {
    const failure = this.failing.get(broker.id);
    if (failure) throw failure;
    return structuredClone(this.definitions.get(broker.id) ?? {});
  }
}

class MemoryBackupStore implements BackupStore {
  readonly location = 's3://mqops-backups-test';
  readonly objects = new Map<string, string>();
  readonly calls: string[] = [];
  async put(key: string, json: string): Promise<void> {
    this.calls.push(`put ${key}`);
    this.objects.set(key, json);
  }
  async get(key: string): Promise<string | undefined> {
    this.calls.push(`get ${key}`);
    return this.objects.get(key);
  }
  async list(prefix: string): Promise<BackupObject[]> {
    this.calls.push(`list ${prefix}`);
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([key, body]) => ({ key, size: body.length }));
  }
}

class RecordingSink implements NoticeSink {
  readonly channel = 'test';
  readonly notices: Notice[] = [];
  async send(notice: Notice): Promise<void> {
    this.notices.push(notice);
  }
}

const ACTIVE = makeBroker({
  id: 'b-active-1',
  name: 'orders-prod',
  arn: 'arn:aws:mq:us-east-1:123456789012:broker:orders-prod:b-active-1',
  configuration: { id: 'c-1', revision: 2 },
});
const RABBIT = makeBroker({
  id: 'b-rabbit-1',
  name: 'events-prod',
  arn: 'arn:aws:mq:us-east-1:123456789012:broker:events-prod:b-rabbit-1',
  engine: 'RABBITMQ',
  engineVersion: '3.13',
  deploymentMode: 'CLUSTER_MULTI_AZ',
  configuration: undefined,
  users: [],
});

let inventory: FakeInventory;
let source: FakeSource;
let store: MemoryBackupStore;
let trail: MemoryKeyValueStore;
let sink: RecordingSink;
let clock: Date;

const RUNBOOKS = [backupConfig, restoreConfig] as unknown as RunbookDefinition<BackupRunbookPorts>[];

const run = (
  event: Record<string, unknown>,
  ports: BackupRunbookPorts = { inventory, backup: { source, store } },
) =>
  runRunbook<BackupRunbookPorts>(
    { by: 'arn:aws:iam::123456789012:user/ops', ...event },
    { runbooks: RUNBOOKS, ports, store: trail, sinks: [sink], now: () => clock, newId: () => 'run-1' },
  );

const stored = (key: string) => JSON.parse(store.objects.get(key) ?? 'null') as BrokerBackup;

beforeEach(() => {
  inventory = new FakeInventory();
  source = new FakeSource();
  store = new MemoryBackupStore();
  trail = new MemoryKeyValueStore();
  sink = new RecordingSink();
  clock = T0;
  inventory.add(ACTIVE);
  inventory.add(RABBIT);
  source.configurations.set(ACTIVE.id, configuration());
  source.users.set(ACTIVE.id, structuredClone(USERS));
  source.definitions.set(RABBIT.id, definitions());
});

// ---- pure helpers -----------------------------------------------------------------------------------------------

describe('Function: unifiedDiff', () => {
  it('answers an empty string when the texts have the same lines', () => {
    expect(unifiedDiff(XML_REV_2, XML_REV_2, { fromLabel: 'a', toLabel: 'b' })).toBe('');
    // A missing final newline is not a change.
    expect(unifiedDiff('<a/>\n', '<a/>', { fromLabel: 'a', toLabel: 'b' })).toBe('');
  });

  it('writes one hunk with three lines of context for a one-attribute change', () => {
    const diff = unifiedDiff(XML_REV_2, XML_REV_3, { fromLabel: 'backup rev 2', toLabel: 'live rev 3' });
    expect(diff).toBe(
      [
        '--- backup rev 2',
        '+++ live rev 3',
        '@@ -8,7 +8,7 @@',
        '             <constantPendingMessageLimitStrategy limit="3000"/>',
        '           </pendingMessageLimitStrategy>',
        '         </policyEntry>',
        '-        <policyEntry queue="&gt;" memoryLimit="64mb" producerFlowControl="true"/>',
        '+        <policyEntry queue="&gt;" memoryLimit="128mb" producerFlowControl="true"/>',
        '       </policyEntries>',
        '     </policyMap>',
        '   </destinationPolicy>',
        '',
      ].join('\n'),
    );
  });

  it('merges nearby changes into one hunk and keeps distant ones apart', () => {
    const diff = unifiedDiff(XML_REV_1, XML_REV_2, { fromLabel: 'rev 1', toLabel: 'rev 2' });
    const lines = diff.split('\n');
    expect(lines.filter((l) => l.startsWith('@@'))).toEqual(['@@ -8,9 +8,19 @@']);
    expect(lines.filter((l) => l.startsWith('+') && !l.startsWith('+++'))).toHaveLength(10);
    expect(lines.filter((l) => l.startsWith('-') && !l.startsWith('---'))).toHaveLength(0);

    const a = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    const b = a.map((l, i) => (i === 1 || i === 27 ? `${l} changed` : l));
    const two = unifiedDiff(a.join('\n'), b.join('\n'), { fromLabel: 'a', toLabel: 'b', context: 2 });
    expect(two.split('\n').filter((l) => l.startsWith('@@'))).toEqual([
      '@@ -1,4 +1,4 @@',
      '@@ -26,5 +26,5 @@',
    ]);
  });

  it.each([
    ['added to an empty text', '', 'a\nb\n', '@@ -0,0 +1,2 @@'],
    ['all removed', 'a\nb\n', '', '@@ -1,2 +0,0 @@'],
    ['a line added at the end', 'a\nb\nc\nd\n', 'a\nb\nc\nd\ne\n', '@@ -2,3 +2,4 @@'],
    ['a line added at the start', 'b\nc\n', 'a\nb\nc\n', '@@ -1,2 +1,3 @@'],
  ])('writes the hunk header of %s', (_name, from, to, header) => {
    expect(unifiedDiff(from, to, { fromLabel: 'a', toLabel: 'b' }).split('\n')[2]).toBe(header);
  });

  it('keeps a shortest edit script: the kept lines of the edit script are a longest common subsequence', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('<a/>', '<b/>', '<c/>', '<d/>'), { maxLength: 14 }),
        fc.array(fc.constantFrom('<a/>', '<b/>', '<c/>', '<d/>'), { maxLength: 14 }),
        (a, b) => {
          const script = lineDiff(a, b);
          expect(script.filter((l) => l.op !== '+').map((l) => l.text)).toEqual(a);
          expect(script.filter((l) => l.op !== '-').map((l) => l.text)).toEqual(b);
          // LCS length by the textbook recurrence.
          const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
          for (let i = a.length - 1; i >= 0; i--)
            for (let j = b.length - 1; j >= 0; j--)
              (lcs[i] as number[])[j] =
                a[i] === b[j]
                  ? ((lcs[i + 1] as number[])[j + 1] as number) + 1
                  : Math.max((lcs[i + 1] as number[])[j] as number, (lcs[i] as number[])[j + 1] as number);
          expect(script.filter((l) => l.op === ' ')).toHaveLength((lcs[0] as number[])[0] as number);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('Function: sanitiseDefinitions', () => {
  it('strips users’ password hashes by default and keeps everything else', () => {
    const out = sanitiseDefinitions(definitions(), { includePasswordHashes: false });
    expect(out.users).toEqual([
      {
        name: 'events-admin',
        hashing_algorithm: 'rabbit_password_hashing_sha256',
        tags: ['administrator'],
        limits: {},
      },
      { name: 'events-app', hashing_algorithm: 'rabbit_password_hashing_sha256', tags: [], limits: {} },
    ]);
    expect(JSON.stringify(out)).not.toContain(HASH);
    expect(out.queues).toEqual(definitions().queues);
    expect(out.rabbit_version).toBe('3.13.7');
  });

  it('keeps the hashes when asked', () => {
    const out = sanitiseDefinitions(definitions(), { includePasswordHashes: true });
    expect(out.users?.[0]?.password_hash).toBe(HASH);
  });

  it('always masks passwords in shovel and federation URIs', () => {
    const out = sanitiseDefinitions(definitions(), { includePasswordHashes: true });
    const text = JSON.stringify(out);
    expect(text).not.toContain('S3cret-Shovel-Pw');
    expect(text).not.toContain('Other-Pw-22');
    expect(out.parameters?.[0]?.value).toMatchObject({
      'src-uri': 'amqps://shovel:***@b-9.mq.us-east-1.amazonaws.com:5671',
      'dest-uri': ['amqps://shovel:***@b-8.mq.us-east-1.amazonaws.com:5671'],
      'src-queue': 'events.in',
    });
  });

  it.each([
    ['amqp://user:pw@host', 'amqp://user:***@host'],
    ['amqps://host:5671', 'amqps://host:5671'],
    ['no uri here', 'no uri here'],
    ['amqp://u:p@h1,amqp://v:q@h2', 'amqp://u:***@h1,amqp://v:***@h2'],
  ])('masks %s as %s', (value, masked) => {
    expect(maskUriPasswords({ uri: value })).toEqual({ uri: masked });
  });

  it('leaves kinds it does not know out', () => {
    const out = sanitiseDefinitions(
      { ...definitions(), ...{ operator_secret: [{ a: 1 }] } } as RabbitMqDefinitions,
      {
        includePasswordHashes: false,
      },
    );
    expect(Object.keys(out)).not.toContain('operator_secret');
  });
});

describe('Function: diffDefinitions', () => {
  const base = () => sanitiseDefinitions(definitions(), { includePasswordHashes: false });

  it('finds nothing between identical definitions, whatever the order of keys and tags form', () => {
    const live = base();
    live.users = (live.users ?? []).map((u) => ({
      limits: u.limits,
      tags: (u.tags as string[]).join(','),
      name: u.name,
    }));
    const backup = base();
    backup.users = (backup.users ?? []).map(({ hashing_algorithm: _h, ...u }) => u);
    expect(diffDefinitions(backup, live)).toEqual({ added: [], removed: [], changed: [] });
  });

  it('names what was added, removed and changed since the backup, with the changed fields', () => {
    const live = base();
    live.queues?.push({ name: 'events.retry', vhost: '/', durable: true, auto_delete: false, arguments: {} });
    live.bindings = [];
    const policy = live.policies?.[0];
    if (policy) policy.definition = { 'max-length': 200000, overflow: 'reject-publish' };
    const permission = live.permissions?.[1];
    if (permission) permission.write = '.*';
    live.users?.push({ name: 'intruder', tags: ['administrator'], limits: {} });

    expect(diffDefinitions(base(), live)).toEqual({
      added: [
        { kind: 'users', name: 'intruder' },
        { kind: 'queues', vhost: '/', name: 'events.retry' },
      ],
      removed: [{ kind: 'bindings', vhost: '/', name: 'events.dlx → queue events.dlq [events.dlq]' }],
      changed: [
        {
          kind: 'permissions',
          vhost: '/',
          name: 'events-app',
          fields: [{ field: 'write', backup: '^events\\.', live: '.*' }],
        },
        {
          kind: 'policies',
          vhost: '/',
          name: 'events-limits',
          fields: [
            {
              field: 'definition',
              backup: { 'max-length': 100000, overflow: 'reject-publish' },
              live: { 'max-length': 200000, overflow: 'reject-publish' },
            },
          ],
        },
      ],
    });
  });

  it('tells queues of the same name on two vhosts apart', () => {
    const live = base();
    live.queues?.push({
      name: 'events.in',
      vhost: 'other',
      durable: true,
      auto_delete: false,
      arguments: {},
    });
    expect(diffDefinitions(base(), live).added).toEqual([
      { kind: 'queues', vhost: 'other', name: 'events.in' },
    ]);
  });

  it('shows that a password hash changed without showing either hash', () => {
    const backup = sanitiseDefinitions(definitions(), { includePasswordHashes: true });
    const live = sanitiseDefinitions(definitions(), { includePasswordHashes: true });
    const user = live.users?.[1];
    if (user) user.password_hash = 'bmV3LWhhc2gtdmFsdWU=';
    const diff = diffDefinitions(backup, live);
    expect(diff.changed).toEqual([
      {
        kind: 'users',
        name: 'events-app',
        fields: [{ field: 'password_hash', backup: '(hash)', live: '(hash)' }],
      },
    ]);
    expect(JSON.stringify(diff)).not.toContain(HASH);
  });
});

describe('Function: diffActiveMqUsers', () => {
  it('lists users added, removed and changed, as they will be after the next reboot', () => {
    const live: ActiveMqUserBackup[] = [
      { username: 'admin', consoleAccess: true, groups: ['admins', 'ops'], replicationUser: false },
      {
        username: 'orders-app',
        consoleAccess: false,
        groups: ['apps'],
        replicationUser: false,
        pending: { change: 'DELETE' },
      },
      {
        username: 'reporting',
        consoleAccess: false,
        groups: [],
        replicationUser: false,
        pending: { change: 'CREATE', consoleAccess: true, groups: ['readers'] },
      },
    ];
    expect(diffActiveMqUsers(USERS, live)).toEqual({
      added: ['reporting'],
      removed: ['orders-app'],
      changed: [
        { username: 'admin', fields: [{ field: 'groups', backup: ['admins'], live: ['admins', 'ops'] }] },
      ],
    });
  });

  it('ignores the order of groups', () => {
    const backup: ActiveMqUserBackup[] = [
      { username: 'a', consoleAccess: false, groups: ['x', 'y'], replicationUser: false },
    ];
    const live: ActiveMqUserBackup[] = [
      { username: 'a', consoleAccess: false, groups: ['y', 'x'], replicationUser: false },
    ];
    expect(diffActiveMqUsers(backup, live)).toEqual({ added: [], removed: [], changed: [] });
  });
});

describe('Function: latestBackupKey', () => {
  it('picks the newest JSON backup', () => {
    expect(
      latestBackupKey([
        backupKey('orders', T1),
        backupKey('orders', T0),
        'backups/orders/notes.txt',
        backupKey('orders', new Date('2025-01-01T00:00:00Z')),
      ]),
    ).toBe('backups/orders/2026-11-26T08:30:00.000Z.json');
    expect(latestBackupKey([])).toBeUndefined();
  });
});

describe('Function: parseBackup', () => {
  it.each([
    ['not JSON', '{', /not JSON/],
    ['another format', JSON.stringify({ format: 'x/1' }), /not an mqops backup/],
    ['no broker', JSON.stringify({ format: BACKUP_FORMAT, takenAt: T0.toISOString() }), /broker: required/],
    [
      'definitions that are not an object',
      JSON.stringify({
        format: BACKUP_FORMAT,
        takenAt: T0.toISOString(),
        broker: { id: RABBIT.id, name: RABBIT.name, engine: 'RABBITMQ' },
        definitions: [],
      }),
      'definitions: Invalid type: Expected Object but received Array',
    ],
  ])('refuses %s', (_name, text, error) => {
    expect(() => parseBackup(text, 'backups/x/1.json')).toThrow(InvalidInputError);
    expect(() => parseBackup(text, 'backups/x/1.json')).toThrow(error);
  });
});

// ---- backup-config ------------------------------------------------------------------------------------------------

describe('Runbook: backup-config', () => {
  it('dry run: reads every broker and lists what it would save with sizes, writing nothing', async () => {
    const record = await run({ runbook: 'backup-config' });

    expect(record.status).toBe('dry-run');
    expect(store.calls).toEqual([]);
    const backups = record.details.backups as {
      broker: string;
      key: string;
      bytes: number;
      contents: object;
    }[];
    expect(backups.map((b) => b.key)).toEqual([
      'backups/orders-prod/2026-11-25T12:00:00.000Z.json',
      'backups/events-prod/2026-11-25T12:00:00.000Z.json',
    ]);
    expect(backups.every((b) => b.bytes > 500)).toBe(true);
    expect(backups[0]?.contents).toEqual({
      configuration: 'c-1 revision 2',
      revisionsKept: 2,
      revisions: 2,
      users: 2,
    });
    expect(backups[1]?.contents).toMatchObject({
      users: 2,
      queues: 2,
      bindings: 1,
      passwordHashes: 'stripped',
    });
    expect(record.summary).toMatch(
      /^would save 2 backups \(\d+\.\d KB\) to s3:\/\/mqops-backups-test\/backups\/: /,
    );
    expect(record.summary).toContain('RabbitMQ password hashes stripped');
    expect(record.brokers).toEqual([ACTIVE.id, RABBIT.id]);
    expect(source.keepAsked).toEqual([5, 5]);
    expect(sink.notices[0]?.title).toBe('backup-config: dry run');
  });

  it('execute: writes one object per broker with the expected content and returns the keys', async () => {
    const record = await run({ runbook: 'backup-config', execute: true });

    expect(record.status).toBe('done');
    const keys = [
      'backups/orders-prod/2026-11-25T12:00:00.000Z.json',
      'backups/events-prod/2026-11-25T12:00:00.000Z.json',
    ];
    expect(record.details.keys).toEqual(keys);
    expect([...store.objects.keys()].sort()).toEqual([...keys].sort());
    const active = stored(keys[0] as string);
    expect(active).toMatchObject({
      format: BACKUP_FORMAT,
      takenAt: T0.toISOString(),
      by: 'arn:aws:iam::123456789012:user/ops',
      broker: { id: ACTIVE.id, name: 'orders-prod', engine: 'ACTIVEMQ', engineVersion: '5.18' },
      configuration: { id: 'c-1', revision: 2, data: XML_REV_2, latest: 2 },
      users: USERS,
    });
    expect(active.definitions).toBeUndefined();
    const rabbit = stored(keys[1] as string);
    expect(rabbit.passwordHashes).toBe('stripped');
    expect(rabbit.definitions?.queues).toEqual(definitions().queues);
    expect(store.objects.get(keys[1] as string)).not.toContain('"password_hash"');
    expect(store.objects.get(keys[1] as string)).not.toContain(HASH);
    expect(store.objects.get(keys[1] as string)).not.toContain('S3cret-Shovel-Pw');
    expect(record.summary).toContain('saved 2 backups');
  });

  it('keeps RabbitMQ password hashes when the payload asks for them, and the revisions asked for', async () => {
    const record = await run({
      runbook: 'backup-config',
      execute: true,
      payload: { brokers: ['events-prod', RABBIT.id], includePasswordHashes: true, revisions: 0 },
    });
    expect(record.details.keys).toEqual(['backups/events-prod/2026-11-25T12:00:00.000Z.json']);
    const rabbit = stored('backups/events-prod/2026-11-25T12:00:00.000Z.json');
    expect(rabbit.passwordHashes).toBe('included');
    expect(rabbit.definitions?.users?.[0]?.password_hash).toBe(HASH);
    expect(record.summary).not.toContain('stripped');
    expect(source.keepAsked).toEqual([0]);
  });

  it('saves the brokers it can read and fails the run naming the broker it could not', async () => {
    source.failing.set(RABBIT.id, new Error('no secret tagged mqops:role=audit for broker events-prod'));
    const record = await run({ runbook: 'backup-config', execute: true });

    expect(record.status).toBe('failed');
    expect([...store.objects.keys()]).toEqual(['backups/orders-prod/2026-11-25T12:00:00.000Z.json']);
    expect(record.details.failed).toEqual([
      {
        broker: 'events-prod',
        brokerId: RABBIT.id,
        error: 'no secret tagged mqops:role=audit for broker events-prod',
      },
    ]);
    expect(record.summary).toContain(
      '1 broker could not be read: events-prod (no secret tagged mqops:role=audit',
    );
    expect(sink.notices[0]?.level).toBe('warning');
  });

  it('refuses an unknown broker before reading anything', async () => {
    await expect(run({ runbook: 'backup-config', payload: { brokers: ['nope'] } })).rejects.toThrow(
      BrokerNotFoundError,
    );
    expect(source.keepAsked).toEqual([]);
  });

  it.each([
    [{ revisions: 301 }],
    [{ revisions: -1 }],
    [{ includePasswordHashes: 'yes' }],
    [{ brokers: [] }],
    [{ bucket: 'x' }],
  ])('refuses the payload %j', async (payload) => {
    await expect(run({ runbook: 'backup-config', payload })).rejects.toThrow(
      /bad payload for runbook backup-config/,
    );
  });

  it('refuses a payload that is not an object, before anything is recorded', async () => {
    const failed = run({ runbook: 'backup-config', payload: [] });
    await expect(failed).rejects.toThrow(InvalidInputError);
    await expect(failed).rejects.toThrow('payload: Invalid type: Expected Object but received Array');
    expect(await trail.list('runbookrun#')).toEqual([]);
  });

  it('fails clearly when the deployment has no backup bucket', async () => {
    const failed = run({ runbook: 'backup-config' }, { inventory });
    await expect(failed).rejects.toThrow(InvalidInputError);
    await expect(failed).rejects.toThrow(
      'runbook backup-config is not available here: the backup bucket is not configured',
    );
  });
});

// ---- restore-config -----------------------------------------------------------------------------------------------

describe('Runbook: restore-config', () => {
  /** Two backups of both brokers, a day apart: the second is the latest. */
  async function backups(): Promise<void> {
    await run({ runbook: 'backup-config', execute: true });
    clock = T1;
    await run({ runbook: 'backup-config', execute: true });
    clock = new Date('2026-11-27T09:00:00.000Z');
    store.calls.length = 0;
  }

  it('refuses execute without reading or writing anything', async () => {
    const record = await run({ runbook: 'restore-config', payload: { brokerId: ACTIVE.id }, execute: true });
    expect(record.status).toBe('refused');
    expect(record.summary).toMatch(/only shows a diff and never changes a broker/);
    expect(store.calls).toEqual([]);
    expect(source.keepAsked).toEqual([]);
    expect(sink.notices[0]).toMatchObject({ level: 'warning', title: 'restore-config: refused' });
  });

  it('reports no change against the latest backup when nothing changed', async () => {
    await backups();
    const record = await run({ runbook: 'restore-config', payload: { brokerId: 'orders-prod' } });
    expect(record.status).toBe('dry-run');
    expect(record.details.key).toBe('backups/orders-prod/2026-11-26T08:30:00.000Z.json');
    expect(record.summary).toBe(
      'broker orders-prod matches backup backups/orders-prod/2026-11-26T08:30:00.000Z.json: nothing changed since 2026-11-26T08:30:00.000Z',
    );
    expect(store.calls).toEqual([
      'list backups/orders-prod/',
      'get backups/orders-prod/2026-11-26T08:30:00.000Z.json',
    ]);
    // The broker now is read without keeping old revisions.
    expect(source.keepAsked.at(-1)).toBe(0);
  });

  it('ActiveMQ: shows the pending revision’s XML as a unified diff and the users changed', async () => {
    await backups();
    source.configurations.set(
      ACTIVE.id,
      configuration({ pending: { id: 'c-1', revision: 3, data: XML_REV_3 }, latest: 3 }),
    );
    source.users.set(ACTIVE.id, [
      { username: 'admin', consoleAccess: false, groups: ['admins'], replicationUser: false },
      { username: 'orders-app', consoleAccess: false, groups: ['apps'], replicationUser: false },
      {
        username: 'late',
        consoleAccess: false,
        groups: [],
        replicationUser: false,
        pending: { change: 'CREATE', groups: ['apps'] },
      },
    ]);

    const record = await run({ runbook: 'restore-config', payload: { brokerId: ACTIVE.id } });

    expect(record.status).toBe('dry-run');
    expect(record.summary).toBe(
      'broker orders-prod since backup backups/orders-prod/2026-11-26T08:30:00.000Z.json: configuration revision 2 → revision 3: +1 −1 lines; users: added late; changed admin (nothing restored: apply by hand, see howTo)',
    );
    const c = record.details.configuration as { diff: string; backup: object; live: object };
    expect(c.backup).toEqual({ id: 'c-1', revision: 2 });
    expect(c.live).toEqual({ id: 'c-1', revision: 3, pending: true });
    expect(c.diff).toContain(
      '--- backup c-1 revision 2 (2026-11-26T08:30:00.000Z)\n+++ broker c-1 revision 3 (pending reboot)\n',
    );
    expect(c.diff).toContain(
      '-        <policyEntry queue="&gt;" memoryLimit="64mb" producerFlowControl="true"/>\n',
    );
    expect(c.diff).toContain(
      '+        <policyEntry queue="&gt;" memoryLimit="128mb" producerFlowControl="true"/>\n',
    );
    expect(record.details.users).toEqual({
      added: ['late'],
      removed: [],
      changed: [{ username: 'admin', fields: [{ field: 'consoleAccess', backup: true, live: false }] }],
    });
    expect((record.details.howTo as string[]).join(' ')).toContain('aws mq update-configuration');
    expect(store.calls.filter((c) => c.startsWith('put'))).toEqual([]);
  });

  it('RabbitMQ: shows the definitions added, removed and changed since a chosen backup', async () => {
    await backups();
    const live = definitions();
    live.queues?.push({ name: 'events.retry', vhost: '/', durable: true, auto_delete: false, arguments: {} });
    live.users = live.users?.filter((u) => u.name !== 'events-app');
    const admin = live.users?.[0];
    if (admin) {
      admin.tags = ['administrator', 'monitoring'];
      admin.password_hash = 'Y2hhbmdlZA==';
    }
    source.definitions.set(RABBIT.id, live);
    const key = 'backups/events-prod/2026-11-25T12:00:00.000Z.json';

    const record = await run({ runbook: 'restore-config', payload: { brokerId: 'events-prod', key } });

    expect(record.status).toBe('dry-run');
    expect(record.details.key).toBe(key);
    expect(record.details.definitions).toEqual({
      added: [{ kind: 'queues', vhost: '/', name: 'events.retry' }],
      removed: [{ kind: 'users', name: 'events-app' }],
      // The backup has no hashes, so a changed password is not a difference: the tags are.
      changed: [
        {
          kind: 'users',
          name: 'events-admin',
          fields: [{ field: 'tags', backup: ['administrator'], live: ['administrator', 'monitoring'] }],
        },
      ],
      counts: { added: 1, removed: 1, changed: 1 },
    });
    expect(record.summary).toContain(
      'definitions: added queue events.retry; removed user events-app; changed user events-admin',
    );
    expect(record.details.passwordHashes).toBe('stripped');
    expect(JSON.stringify(record.details)).not.toContain('Y2hhbmdlZA==');
  });

  it('refuses when the broker has no backup yet', async () => {
    const record = await run({ runbook: 'restore-config', payload: { brokerId: RABBIT.id } });
    expect(record.status).toBe('refused');
    expect(record.summary).toBe(
      'no backup of broker events-prod under s3://mqops-backups-test/backups/events-prod/: run backup-config with "execute": true first',
    );
  });

  it('refuses a backup key that does not exist, and one of another engine', async () => {
    await backups();
    const missing = await run({
      runbook: 'restore-config',
      payload: { brokerId: RABBIT.id, key: 'backups/events-prod/2020-01-01T00:00:00.000Z.json' },
    });
    expect(missing.status).toBe('refused');
    expect(missing.summary).toContain('no backup backups/events-prod/2020-01-01T00:00:00.000Z.json');

    const other = await run({
      runbook: 'restore-config',
      payload: { brokerId: RABBIT.id, key: 'backups/orders-prod/2026-11-25T12:00:00.000Z.json' },
    });
    expect(other.status).toBe('refused');
    expect(other.summary).toBe(
      'backup backups/orders-prod/2026-11-25T12:00:00.000Z.json is of ACTIVEMQ broker orders-prod; broker events-prod runs RABBITMQ',
    );
  });

  it('fails the run on an object that is not a backup', async () => {
    store.objects.set('backups/orders-prod/2026-11-20T00:00:00.000Z.json', '{"hello": "world"}');
    const failed = run({ runbook: 'restore-config', payload: { brokerId: ACTIVE.id } });
    await expect(failed).rejects.toThrow(/is not an mqops backup/);
    const record = (await trail.list<RunRecord>('runbookrun#'))[0]?.item.value;
    expect(record?.status).toBe('failed');
  });

  it.each([
    [{}],
    [{ brokerId: ACTIVE.id, key: 'other/orders-prod/x.json' }],
    [{ brokerId: ACTIVE.id, key: 'backups/orders-prod/x.txt' }],
  ])('refuses the payload %j', async (payload) => {
    await expect(run({ runbook: 'restore-config', payload })).rejects.toThrow(
      /bad payload for runbook restore-config/,
    );
  });

  it('refuses an unknown broker', async () => {
    await expect(run({ runbook: 'restore-config', payload: { brokerId: 'b-nope' } })).rejects.toThrow(
      'unknown broker: b-nope',
    );
  });
});
