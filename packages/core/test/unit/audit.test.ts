import { describe, expect, it, vi } from 'vitest';
import { auditFleet, failing } from '../../src/audit';
import { mqAuditLogs, mqPublicAccess, mqSingleInstanceProduction } from '../../src/checks';
import { BrokerNotFoundError, DeliveryError } from '../../src/errors';
import type { Broker } from '../../src/model';
import type { BrokerInventory, Notifier } from '../../src/ports';
import { runAudit } from '../../src/run';
import { makeBroker } from '../helpers/broker';

/** The checks these tests reason about (the whole catalog has its own tests). */
const checks = [mqPublicAccess, mqSingleInstanceProduction, mqAuditLogs];

function inventoryOf(brokers: Broker[], vanished: string[] = []): BrokerInventory {
  return {
    list: async () => [
      ...brokers.map((b) => ({ id: b.id, name: b.name })),
      ...vanished.map((id) => ({ id, name: id })),
    ],
    describe: async (id) => {
      const found = brokers.find((b) => b.id === id || b.name === id);
      if (!found) throw new BrokerNotFoundError(id);
      return found;
    },
  };
}

function recordingNotifier(channel = 'test'): Notifier & { sent: unknown[] } {
  const sent: unknown[] = [];
  return { channel, sent, send: async (r) => void sent.push(r) };
}

const risky = makeBroker({
  id: 'b-risky',
  name: 'risky',
  publiclyAccessible: true,
  deploymentMode: 'SINGLE_INSTANCE',
});
const compliant = makeBroker({ id: 'b-ok', name: 'ok' });

describe('Function: runAudit', () => {
  it('notifies every channel when a broker fails a check', async () => {
    const slack = recordingNotifier('slack');
    const sns = recordingNotifier('sns');
    const report = await runAudit(
      { inventory: inventoryOf([risky, compliant]), notifiers: [slack, sns], checks },
      { trigger: 'schedule' },
    );
    expect(report.brokersAudited).toBe(2);
    expect(failing(report).map((f) => [f.broker.name, f.checkId])).toEqual([
      ['risky', 'mq-public-access'],
      ['risky', 'mq-single-instance-production'],
    ]);
    expect(slack.sent).toHaveLength(1);
    expect(sns.sent).toHaveLength(1);
    expect(report.notified).toEqual(['slack', 'sns']);
  });

  it('sends nothing when every broker passes', async () => {
    const slack = recordingNotifier();
    const report = await runAudit(
      { inventory: inventoryOf([compliant]), notifiers: [slack], checks },
      { trigger: 'schedule' },
    );
    expect(failing(report)).toHaveLength(0);
    expect(report.results.length).toBeGreaterThan(0);
    expect(slack.sent).toHaveLength(0);
  });

  it('takes a broker that vanished between the listing and its description as deleted, not as a gap', async () => {
    const report = await auditFleet(
      { inventory: inventoryOf([compliant], ['b-gone']) },
      { trigger: 'schedule' },
    );
    expect(report.brokersAudited).toBe(1);
    expect(report.errors).toEqual([]);
    expect(report.goneIds).toEqual(['b-gone']);
    expect(report.outcome.gaps.filter((g) => g.broker === 'b-gone')).toEqual([]);
  });

  it('reports a broker that could not be described as not audited: a partial audit', async () => {
    const inventory = inventoryOf([compliant], ['b-denied']);
    const describe = inventory.describe;
    inventory.describe = async (id) => {
      if (id === 'b-denied') throw new Error('AccessDeniedException: mq:DescribeBroker on b-denied');
      return describe(id);
    };
    const report = await auditFleet({ inventory }, { trigger: 'schedule' });
    expect(report.errors).toEqual([
      { target: 'default', brokerId: 'b-denied', message: expect.stringContaining('AccessDenied') },
    ]);
    expect(report.outcome.status).toBe('partial');
    expect(report.outcome.gaps).toContainEqual({
      target: 'default',
      broker: 'b-denied',
      reason: expect.stringContaining('not audited'),
    });
  });

  it('is partial, not failed, when one target lists an empty account and another cannot list', async () => {
    const empty = inventoryOf([]);
    const broken: BrokerInventory = {
      list: async () => {
        throw new Error('ExpiredToken');
      },
      describe: async () => {
        throw new Error('unreachable');
      },
    };
    const report = await auditFleet(
      {
        targets: [
          { name: 'a/us-east-1', inventory: empty },
          { name: 'b/us-east-1', inventory: broken },
        ],
      },
      { trigger: 'schedule' },
    );
    expect(report.outcome.status).toBe('partial');
    expect(report.listings).toEqual([
      { target: 'a/us-east-1', ids: [] },
      { target: 'b/us-east-1', error: 'ExpiredToken' },
    ]);
  });

  it('throws for an unknown broker asked for by id, before notifying anyone', async () => {
    const slack = recordingNotifier();
    await expect(
      runAudit(
        { inventory: inventoryOf([risky]), notifiers: [slack] },
        { trigger: 'manual', brokerIds: ['b-risky', 'b-nope'] },
      ),
    ).rejects.toBeInstanceOf(BrokerNotFoundError);
    expect(slack.sent).toHaveLength(0);
  });

  it('still tries the other channels when one fails, then says which failed', async () => {
    const broken: Notifier = { channel: 'slack', send: vi.fn().mockRejectedValue(new Error('HTTP 500')) };
    const sns = recordingNotifier('sns');
    const run = runAudit(
      { inventory: inventoryOf([risky]), notifiers: [broken, sns] },
      { trigger: 'schedule' },
    );
    await expect(run).rejects.toThrow(DeliveryError);
    await expect(run).rejects.toThrow(/slack: HTTP 500/);
    expect(sns.sent).toHaveLength(1);
  });

  it('audits with bounded concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const brokers = Array.from({ length: 20 }, (_, i) => makeBroker({ id: `b-${i}`, name: `n${i}` }));
    const inventory: BrokerInventory = {
      list: async () => brokers.map((b) => ({ id: b.id, name: b.name })),
      describe: async (id) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 2));
        inFlight--;
        return brokers.find((b) => b.id === id)!;
      },
    };
    const report = await auditFleet({ inventory, concurrency: 3 }, { trigger: 'schedule' });
    expect(report.brokersAudited).toBe(20);
    expect(peak).toBe(3);
  });
});

describe('Function: auditFleet across targets', () => {
  const broken = (message: string): BrokerInventory => ({
    list: async () => [{ id: 'b-x', name: 'x' }],
    describe: async () => {
      throw new Error(message);
    },
  });

  it('is failed when it listed brokers and could read none of them', async () => {
    const report = await auditFleet({ inventory: broken('AccessDeniedException') }, { trigger: 'schedule' });
    expect(report.outcome.status).toBe('failed');
  });

  it('finds a broker asked for by id in whichever target has it', async () => {
    const report = await auditFleet(
      {
        targets: [
          { name: 'self/eu-west-1', inventory: inventoryOf([]) },
          { name: 'self/us-east-1', inventory: inventoryOf([compliant]) },
        ],
      },
      { trigger: 'manual', brokerIds: [compliant.id] },
    );
    expect(report.brokersAudited).toBe(1);
    expect(report.goneIds).toBeUndefined();
  });

  it('takes an id no target knows as deleted after a change event, and as a mistake when a person asked', async () => {
    const targets = [
      { name: 'a', inventory: inventoryOf([]) },
      { name: 'b', inventory: inventoryOf([]) },
    ];
    const change = await auditFleet({ targets }, { trigger: 'change', brokerIds: ['b-gone'] });
    expect(change.goneIds).toEqual(['b-gone']);
    await expect(auditFleet({ targets }, { trigger: 'cli', brokerIds: ['b-gone'] })).rejects.toBeInstanceOf(
      BrokerNotFoundError,
    );
  });

  it('reports a change-triggered broker it could not read as not audited (partial), never as deleted', async () => {
    const report = await auditFleet(
      {
        targets: [
          { name: 'a', inventory: inventoryOf([risky]) },
          { name: 'b', inventory: broken('ThrottlingException: Rate exceeded') },
        ],
      },
      { trigger: 'change', brokerIds: [risky.id, 'b-x'] },
    );
    expect(report.goneIds).toBeUndefined();
    expect(report.outcome.gaps).toContainEqual(expect.objectContaining({ broker: 'b-x' }));
    // Found and audited in its own target: the other target's failure to read it is no gap.
    expect(report.outcome.gaps.filter((g) => g.broker === risky.id)).toEqual([]);
  });
});
