import { randomBytes } from 'node:crypto';
import { type AuditReport, auditFleet, CHECKS, DEFAULT_POLICY, type Finding } from '@mqops/core';
import {
  type LocalCloud,
  RabbitMqBacking,
  type Scenario,
  type ScenarioBroker,
  startLocalCloud,
} from '@mqops/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqBrokerInventory } from '../../src/mq-inventory';
import { RabbitManagementSource } from '../../src/rabbitmq-management';
import { SecretsCredentialSource } from '../../src/secrets-credentials';

// The real RabbitMQ (started by test/setup/brokers.ts) outlives test runs: every name is unique to this run.
const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const pw = () => `Pw-${randomBytes(12).toString('base64url')}`;

const RISKY = `rmq-risky-${RUN}`;
const COMPLIANT = `rmq-ok-${RUN}`;
const CHECK_IDS = [
  'mq-rabbitmq-guest-user',
  'mq-rabbitmq-admin-users',
  'mq-rabbitmq-broad-permissions',
  'mq-rabbitmq-tls-listeners',
  'mq-rabbitmq-resource-alarm',
  'mq-rabbitmq-queue-backlog',
  'mq-rabbitmq-classic-mirroring',
  'mq-rabbitmq-queue-dead-lettering',
];
const RABBIT_CHECKS = CHECKS.filter((c) => CHECK_IDS.includes(c.id));
const users = {
  riskyAdmin: `admin-r-${RUN}`,
  riskyAudit: `audit-r-${RUN}`,
  riskyOps: `ops-r-${RUN}`,
  riskyApp: `app-r-${RUN}`,
  okAdmin: `admin-c-${RUN}`,
  okAudit: `audit-c-${RUN}`,
  okApp: `app-c-${RUN}`,
};
const passwords = Object.fromEntries(Object.values(users).map((u) => [u, pw()]));

const base = {
  EngineType: 'RABBITMQ',
  EngineVersion: '3.13',
  DeploymentMode: 'SINGLE_INSTANCE',
  HostInstanceType: 'mq.m5.large',
  Logs: { General: true },
} as const;

/** Everything risky at once: an extra administrator, a `.*` user, ha-mode, a backlog without DLX, a memory alarm. */
const risky: ScenarioBroker = {
  ...base,
  BrokerName: RISKY,
  Users: [{ Username: users.riskyAdmin, Password: passwords[users.riskyAdmin] as string }],
  RabbitDefinitions: {
    users: [
      { name: users.riskyAudit, password: passwords[users.riskyAudit] as string, tags: ['administrator'] },
      { name: users.riskyOps, password: passwords[users.riskyOps] as string, tags: ['administrator'] },
      { name: users.riskyApp, password: passwords[users.riskyApp] as string },
    ],
    permissions: [{ user: users.riskyApp, configure: '.*', write: '.*', read: '.*' }],
    policies: [
      {
        name: 'ha-legacy',
        pattern: '^ha\\.',
        'apply-to': 'queues',
        priority: 1,
        definition: { 'ha-mode': 'all' },
      },
    ],
    queues: [
      { name: 'orders.in', messages: 25 },
      { name: 'ha.legacy', arguments: { 'x-queue-type': 'classic' } },
    ],
    nodes: { mem_used: 1_900_000_000, mem_limit: 1_717_986_918, mem_alarm: true },
  },
};

/** Least privilege, dead-lettering by policy and by argument, a small backlog, no ha-mode. */
const compliant: ScenarioBroker = {
  ...base,
  BrokerName: COMPLIANT,
  Users: [{ Username: users.okAdmin, Password: passwords[users.okAdmin] as string }],
  RabbitDefinitions: {
    users: [
      { name: users.okAudit, password: passwords[users.okAudit] as string, tags: ['administrator'] },
      { name: users.okApp, password: passwords[users.okApp] as string },
    ],
    permissions: [{ user: users.okApp, configure: '^orders\\.', write: '^orders\\.', read: '^orders\\.' }],
    exchanges: [{ name: 'dlx', type: 'fanout' }],
    queues: [
      { name: 'orders.in', messages: 3 },
      { name: 'orders.out', arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': 'dlx' } },
      { name: 'orders.dlq' },
    ],
    bindings: [{ source: 'dlx', destination: 'orders.dlq' }],
    policies: [
      {
        name: 'orders-dlx',
        pattern: '^orders\\.in$',
        'apply-to': 'queues',
        priority: 5,
        definition: { 'dead-letter-exchange': 'dlx' },
      },
    ],
  },
};

const auditSecret = (broker: string, username: string) => ({
  Name: `mqops/${broker}/audit`,
  SecretString: JSON.stringify({ username, password: passwords[username] }),
  Tags: [
    { Key: 'mqops:broker', Value: broker },
    { Key: 'mqops:role', Value: 'audit' },
    { Key: 'mqops:username', Value: username },
  ],
});

const scenario: Scenario = {
  accountId: '123456789012',
  region: 'us-east-1',
  brokers: [risky, compliant],
  secrets: [auditSecret(RISKY, users.riskyAudit), auditSecret(COMPLIANT, users.okAudit)],
};

const basic = (username: string) =>
  `Basic ${Buffer.from(`${username}:${passwords[username]}`).toString('base64')}`;

describe('RabbitMQ data plane, end to end against the real RabbitMQ', () => {
  let backing: RabbitMqBacking;
  let cloud: LocalCloud;
  let report: AuditReport;
  let startSeconds: number;
  let auditSeconds: number;

  beforeAll(async () => {
    backing = new RabbitMqBacking();
    const t0 = Date.now();
    cloud = await startLocalCloud({ scenario, backings: [backing] });
    startSeconds = (Date.now() - t0) / 1000;
    const t1 = Date.now();
    report = await auditFleet(
      {
        inventory: new MqBrokerInventory(cloud.clientConfig()),
        sources: {
          credentials: new SecretsCredentialSource(cloud.clientConfig()),
          rabbit: new RabbitManagementSource(),
        },
        checks: RABBIT_CHECKS,
        // 25 messages on the risky broker, 3 on the compliant one: a threshold between them.
        policy: { ...DEFAULT_POLICY, queueBacklogMessages: 10 },
      },
      { trigger: 'manual' },
    );
    auditSeconds = (Date.now() - t1) / 1000;
    process.stdout.write(
      `[rabbitmq-data-plane] cloud with 2 seeded brokers up in ${startSeconds.toFixed(1)} s, audit in ${auditSeconds.toFixed(2)} s\n`,
    );
  });

  afterAll(async () => {
    await cloud?.stop();
    for (const b of cloud?.world.mq.brokers.values() ?? []) {
      await backing.remove(b.BrokerId, b.BrokerName).catch(() => undefined);
    }
    await backing?.close();
  });

  const result = (broker: string, checkId: string): Finding => {
    const found = report.results.find((f) => f.broker.name === broker && f.checkId === checkId);
    if (!found) throw new Error(`no result for ${checkId} on ${broker}`);
    return found;
  };

  it('audits both brokers with every data-plane check and no gap', () => {
    expect(report.errors).toEqual([]);
    expect(report.brokersAudited).toBe(2);
    expect(RABBIT_CHECKS.map((c) => c.id).sort()).toEqual([...CHECK_IDS].sort());
    const unknown = report.results.filter((f) => f.status === 'UNKNOWN');
    expect(unknown.map((f) => f.message)).toEqual([]);
    expect(report.results).toHaveLength(2 * CHECK_IDS.length);
  });

  it('each broker reports its own view as console URL', async () => {
    const inventory = new MqBrokerInventory(cloud.clientConfig());
    const describe = await inventory.describe(RISKY);
    const consoleUrl = describe.instances[0]?.consoleUrl ?? '';
    expect(consoleUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${RISKY}$`));
    expect(consoleUrl).toBe(backing.viewUrl(RISKY));
    expect(consoleUrl).not.toBe(backing.info.managementUrl);
  });

  it.each(CHECK_IDS)('%s FAILS on the risky broker', (checkId) => {
    expect(result(RISKY, checkId).status).toBe('FAIL');
  });

  it('names the concrete problems on the risky broker', () => {
    expect(result(RISKY, 'mq-rabbitmq-admin-users').message).toBe(
      `Broker ${RISKY} has 2 administrators the policy does not list (${[users.riskyAdmin, users.riskyOps].sort().join(', ')}); ` +
        'only one, the admin Amazon MQ created at provisioning, is expected.',
    );
    expect(result(RISKY, 'mq-rabbitmq-admin-users').message).not.toContain(users.riskyAudit);
    expect(result(RISKY, 'mq-rabbitmq-broad-permissions').message).toContain(`${users.riskyApp} (${RISKY})`);
    expect(result(RISKY, 'mq-rabbitmq-classic-mirroring').message).toBe(
      `Broker ${RISKY} has 1 classic-mirroring policy, removed in RabbitMQ 4.0, applying to 1 classic queue: ` +
        `ha-legacy on vhost ${RISKY} (ha-mode all).`,
    );
    expect(result(RISKY, 'mq-rabbitmq-queue-backlog').message).toBe(
      `Broker ${RISKY} has 1 queue over the policy's 10 messages: ${RISKY}/orders.in (25 messages).`,
    );
    expect(result(RISKY, 'mq-rabbitmq-queue-dead-lettering').message).toBe(
      `Broker ${RISKY} has 2 of 2 durable queues without a dead-letter exchange: ${RISKY}/ha.legacy, ${RISKY}/orders.in.`,
    );
    expect(result(RISKY, 'mq-rabbitmq-resource-alarm').message).toMatch(
      /: memory 1\.8 GiB of its 1\.6 GiB limit \(memory alarm raised\)\.$/,
    );
  });

  it.each([
    'mq-rabbitmq-admin-users',
    'mq-rabbitmq-broad-permissions',
    'mq-rabbitmq-resource-alarm',
    'mq-rabbitmq-queue-backlog',
    'mq-rabbitmq-classic-mirroring',
    'mq-rabbitmq-queue-dead-lettering',
  ])('%s PASSES on the compliant broker', (checkId) => {
    const finding = result(COMPLIANT, checkId);
    expect(finding.message).toContain(COMPLIANT);
    expect(finding.status).toBe('PASS');
  });

  it("shows the shared local server's guest user and plain listeners on every broker (the documented exception)", () => {
    expect(result(COMPLIANT, 'mq-rabbitmq-guest-user').message).toBe(
      `Broker ${COMPLIANT} has the default RabbitMQ user guest (tags administrator).`,
    );
    expect(result(COMPLIANT, 'mq-rabbitmq-tls-listeners').message).toContain('amqp 5672');
  });

  describe('the view', () => {
    const api = async (broker: string, path: string, username: string) => {
      const res = await fetch(`${backing.viewUrl(broker)}${path}`, {
        headers: { authorization: basic(username) },
      });
      return { status: res.status, json: (await res.json()) as unknown };
    };

    it('shows one broker only: its vhost, its queues, its users', async () => {
      const vhosts = await api(COMPLIANT, '/api/vhosts', users.okAudit);
      expect((vhosts.json as { name: string }[]).map((v) => v.name)).toEqual([COMPLIANT]);
      const queues = (await api(COMPLIANT, '/api/queues', users.okAudit)).json as {
        vhost: string;
        name: string;
      }[];
      expect(queues.map((q) => q.name).sort()).toEqual(['orders.dlq', 'orders.in', 'orders.out']);
      const names = ((await api(COMPLIANT, '/api/users', users.okAudit)).json as { name: string }[]).map(
        (u) => u.name,
      );
      expect(names.sort()).toEqual([users.okAdmin, users.okApp, users.okAudit, 'guest'].sort());
      expect(names).not.toContain(users.riskyApp);
    });

    it("answers 404 for another broker's vhost and for an unknown broker", async () => {
      expect((await api(COMPLIANT, `/api/queues/${RISKY}`, users.okAudit)).status).toBe(404);
      const unknown = (backing.viewUrl(COMPLIANT) ?? '').replace(COMPLIANT, `nope-${RUN}`);
      const res = await fetch(`${unknown}/api/overview`, {
        headers: { authorization: basic(users.okAudit) },
      });
      expect(res.status).toBe(404);
    });

    it("keeps RabbitMQ's own authorisation: a user without the administrator tag cannot list users", async () => {
      const denied = await api(COMPLIANT, '/api/users', users.okApp);
      expect(denied.status).toBe(401);
    });

    it("lists permissions of the broker's vhost only (guest's come from RabbitMQ: it created the vhost)", async () => {
      const permissions = (await api(COMPLIANT, '/api/permissions', users.okAudit)).json as {
        user: string;
        vhost: string;
      }[];
      expect(permissions.map((p) => `${p.user}@${p.vhost}`).sort()).toEqual(
        [`${users.okAdmin}@${COMPLIANT}`, `${users.okApp}@${COMPLIANT}`, `guest@${COMPLIANT}`].sort(),
      );
    });

    it('overlays emulated node figures on the risky broker only', async () => {
      const node = async (broker: string, user: string) =>
        ((await api(broker, '/api/nodes', user)).json as { mem_alarm: boolean; mem_limit: number }[])[0];
      expect(await node(RISKY, users.riskyAudit)).toMatchObject({
        mem_alarm: true,
        mem_limit: 1_717_986_918,
      });
      expect((await node(COMPLIANT, users.okAudit))?.mem_alarm).toBe(false);
    });

    it("refuses writes to another broker's vhost", async () => {
      const res = await fetch(`${backing.viewUrl(COMPLIANT)}/api/queues/${RISKY}/sneaky`, {
        method: 'PUT',
        headers: { authorization: basic(users.okAudit), 'content-type': 'application/json' },
        body: JSON.stringify({ durable: true }),
      });
      expect(res.status).toBe(404);
    });

    it("pages queues for the broker's vhost", async () => {
      const page = (await api(RISKY, '/api/queues?page=1&page_size=1', users.riskyAudit)).json as {
        items: { vhost: string }[];
        page_count: number;
        total_count: number;
      };
      expect(page.items).toHaveLength(1);
      expect(page.items[0]?.vhost).toBe(RISKY);
      expect(page.page_count).toBe(2);
    });
  });
});
