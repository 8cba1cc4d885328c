import { readFileSync } from 'node:fs';
import { sourcesFor } from '@mqops/aws/targets';
import { type AuditReport, CHECKS, MemoryStateStore, parseConfigText, runAudit } from '@mqops/core';
import {
  ActiveMqBacking,
  activeMqInfo,
  type LocalCloud,
  loadScenario,
  RabbitMqBacking,
  startLocalCloud,
} from '@mqops/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The demo fleet on the real local RabbitMQ and ActiveMQ (started by test/setup/brokers.ts), audited twice, 15 days
// apart on the local cloud's clock: together the two runs must fire every check mqops has.
const config = parseConfigText(readFileSync('packages/local/scenarios/demo.config.json', 'utf8'));
const rabbit = new RabbitMqBacking();
const active = new ActiveMqBacking(activeMqInfo());
let cloud: LocalCloud;
const reports: AuditReport[] = [];

beforeAll(async () => {
  cloud = await startLocalCloud({ scenario: 'demo', backings: [rabbit, active] });
  const store = new MemoryStateStore();
  const audit = () => {
    const { inventory, sources } = sourcesFor(cloud.clientConfig());
    return runAudit(
      {
        targets: [{ name: 'demo', inventory, sources }],
        policy: config.policy,
        suppressions: config.suppressions,
        store,
        now: () => cloud.clock.now(),
      },
      { trigger: 'schedule' },
    );
  };
  reports.push(await audit());
  cloud.clock.advance(15 * 86_400_000);
  reports.push(await audit());
}, 120_000);

afterAll(async () => {
  for (const b of cloud.world.mq.brokers.values())
    await (b.EngineType === 'RABBITMQ' ? rabbit : active).remove(b.BrokerId, b.BrokerName);
  await cloud.stop();
});

describe('The demo fleet', () => {
  it('fires every check at least once', () => {
    const fired = new Set(
      reports.flatMap((r) => r.results.filter((f) => f.status === 'FAIL').map((f) => f.checkId)),
    );
    const silent = CHECKS.map((c) => c.id).filter((id) => !fired.has(id));
    expect(silent).toEqual([]);
  });

  it('can read everything it needs from the real brokers: no check is left unknown', () => {
    const unknown = reports[0]?.results
      .filter((r) => r.status === 'UNKNOWN')
      .map((r) => `${r.checkId}: ${r.message}`);
    expect(unknown).toEqual([]);
    expect(reports[0]?.brokersAudited).toBe(loadScenario('demo').brokers?.length);
  });

  it('keeps its model brokers clean (orders-prod everywhere; events-prod but for the shared local RabbitMQ)', () => {
    const failingOn = (broker: string) =>
      (reports[0]?.results ?? [])
        .filter((r) => r.status === 'FAIL' && r.broker.name === broker)
        .map((r) => r.checkId);
    expect(failingOn('orders-prod')).toEqual([]);
    // The local RabbitMQ is shared and plain: guest exists and listeners are not TLS (documented exceptions).
    expect(failingOn('events-prod').sort()).toEqual(['mq-rabbitmq-guest-user', 'mq-rabbitmq-tls-listeners']);
  });

  it('reports pending changes only once they have waited longer than the policy allows', () => {
    const pendingAge = (r: AuditReport | undefined) =>
      r?.results.find((f) => f.checkId === 'mq-pending-changes-age' && f.broker.name === 'legacy-staging')
        ?.status;
    expect(pendingAge(reports[0])).toBe('PASS');
    expect(pendingAge(reports[1])).toBe('FAIL');
  });
});
