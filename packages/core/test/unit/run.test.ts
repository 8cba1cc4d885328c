import { describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/audit';
import { checkById } from '../../src/checks';
import { BrokerNotFoundError } from '../../src/errors';
import type { Broker } from '../../src/model';
import type { BrokerInventory, Notifier } from '../../src/ports';
import { slackMessage } from '../../src/report/slack';
import { runAudit } from '../../src/run';
import { MemoryStateStore } from '../../src/state';
import { makeBroker } from '../helpers/broker';

function fleet(brokers: Broker[]): BrokerInventory {
  return {
    list: async () => brokers.map((b) => ({ id: b.id, name: b.name })),
    describe: async (id) => {
      const found = brokers.find((b) => b.id === id || b.name === id);
      if (!found) throw new Error(`no ${id}`);
      return found;
    },
  };
}

function recorder(): Notifier & { sent: AuditReport[] } {
  const sent: AuditReport[] = [];
  return { channel: 'slack', sent, send: async (r) => void sent.push(structuredClone(r)) };
}

const checks = [checkById('mq-public-access')!];
let clock = new Date('2026-11-20T00:00:00Z');
const now = () => clock;

describe('Function: runAudit (state, suppressions, notifications)', () => {
  it('reports a new finding once, then as still open, then as fixed', async () => {
    const store = new MemoryStateStore();
    const slack = recorder();
    const broker = makeBroker({ publiclyAccessible: true });
    const deps = { inventory: fleet([broker]), checks, store, notifiers: [slack], now };

    const first = await runAudit(deps, { trigger: 'schedule' });
    expect(first.diff?.new.map((f) => f.checkId)).toEqual(['mq-public-access']);

    const second = await runAudit(deps, { trigger: 'schedule' });
    expect(second.diff?.new).toEqual([]);
    expect(second.diff?.stillOpen).toHaveLength(1);

    broker.publiclyAccessible = false;
    const third = await runAudit(deps, { trigger: 'schedule' });
    expect(third.diff?.fixed.map((f) => f.checkId)).toEqual(['mq-public-access']);
    expect(slack.sent).toHaveLength(3);
    expect(slackMessage(slack.sent[2]!).text).toBe('mqops audit: 0 new, 1 fixed, 0 still open');

    // Nothing open, nothing fixed: nothing to say.
    await runAudit(deps, { trigger: 'schedule' });
    expect(slack.sent).toHaveLength(3);
    expect(store.writes).toBe(4);
  });

  it('speaks on a change only when something is new or fixed', async () => {
    const store = new MemoryStateStore();
    const slack = recorder();
    const broker = makeBroker({ publiclyAccessible: true });
    const deps = { inventory: fleet([broker]), checks, store, notifiers: [slack], now };
    await runAudit(deps, { trigger: 'change', brokerIds: [broker.id] });
    await runAudit(deps, { trigger: 'change', brokerIds: [broker.id] });
    expect(slack.sent).toHaveLength(1);
    expect(slack.sent[0]?.diff?.new).toHaveLength(1);
  });

  it('hides a suppressed finding until the suppression expires, then fires it again', async () => {
    clock = new Date('2026-11-20T00:00:00Z');
    const store = new MemoryStateStore();
    const slack = recorder();
    const broker = makeBroker({
      publiclyAccessible: true,
      tags: {
        env: 'production',
        team: 'x',
        'mqops:suppress:mq-public-access': '2026-11-30 partner VPN pending',
      },
    });
    const deps = { inventory: fleet([broker]), checks, store, notifiers: [slack], now };
    const quiet = await runAudit(deps, { trigger: 'schedule' });
    expect(quiet.results[0]?.suppressed).toEqual({
      reason: 'partner VPN pending',
      expires: '2026-11-30',
      source: 'tag',
    });
    // Said once, as suppressed (who, why, until when), never as failing.
    expect(slack.sent).toHaveLength(1);
    expect(slack.sent[0]?.diff?.newlySuppressed).toHaveLength(1);
    expect(slack.sent[0]?.diff?.new).toHaveLength(0);
    await runAudit(deps, { trigger: 'schedule' });
    expect(slack.sent).toHaveLength(1);

    clock = new Date('2026-12-01T00:00:00Z');
    const loud = await runAudit(deps, { trigger: 'schedule' });
    expect(loud.results[0]?.suppressed).toBeUndefined();
    expect(loud.results[0]?.suppressionExpired?.expires).toBe('2026-11-30');
    // Suppressed before: it fires again as "suppression expired", never as new (and was never "fixed").
    expect(loud.diff?.new).toHaveLength(0);
    expect(loud.diff?.suppressionExpired.map((f) => f.checkId)).toEqual(['mq-public-access']);
    expect(loud.results[0]?.lifecycle).toBe('suppression-expired');
    expect(loud.diff?.fixed).toEqual([]);
    expect(slack.sent).toHaveLength(2);
  });

  it('applies config-file suppressions and warns about malformed suppression tags', async () => {
    const broker = makeBroker({
      publiclyAccessible: true,
      tags: { 'mqops:suppress:mq-public-access': 'someday' },
    });
    const report = await runAudit(
      {
        inventory: fleet([broker]),
        checks,
        now,
        suppressions: [
          { check: '*', broker: 'ord*', reason: 'decommissioning', expires: '2099-01-01', source: 'config' },
        ],
      },
      { trigger: 'cli' },
    );
    expect(report.results[0]?.suppressed?.source).toBe('config');
    expect(report.warnings).toEqual([expect.stringContaining('mqops:suppress:mq-public-access')]);
  });

  it('remembers when pending changes were first seen and hands that to checks', async () => {
    const store = new MemoryStateStore();
    const broker = makeBroker({ pending: { instanceType: 'mq.m5.xlarge' } });
    clock = new Date('2026-11-01T00:00:00Z');
    await runAudit({ inventory: fleet([broker]), checks, store, now }, { trigger: 'schedule' });
    expect(store.state?.pendingSince[broker.arn]).toBe('2026-11-01T00:00:00.000Z');
    clock = new Date('2026-11-20T00:00:00Z');
    let seen: Date | undefined;
    const spy = {
      ...checks[0]!,
      evaluate: (_f: unknown, ctx: { pendingSince?: Date }) => {
        seen = ctx.pendingSince;
        return { status: 'PASS' as const, message: 'ok' };
      },
    };
    await runAudit({ inventory: fleet([broker]), checks: [spy], store, now }, { trigger: 'schedule' });
    expect(seen?.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    broker.pending = {};
    await runAudit({ inventory: fleet([broker]), checks, store, now }, { trigger: 'schedule' });
    expect(store.state?.pendingSince[broker.arn]).toBeUndefined();
  });

  it('saves nothing and sends nothing when a named broker does not exist', async () => {
    const store = new MemoryStateStore();
    const slack = recorder();
    await expect(
      runAudit(
        { inventory: fleet([]), checks, store, notifiers: [slack], now },
        { trigger: 'manual', brokerIds: ['nope'] },
      ),
    ).rejects.toThrow('no nope');
    expect(store.writes).toBe(0);
    expect(slack.sent).toHaveLength(0);
  });

  it('audits only brokers using a changed security group', async () => {
    const a = makeBroker({
      id: 'b-a',
      name: 'a',
      arn: 'arn:aws:mq:us-east-1:1:broker:a:b-a',
      securityGroups: ['sg-1'],
    });
    const b = makeBroker({
      id: 'b-b',
      name: 'b',
      arn: 'arn:aws:mq:us-east-1:1:broker:b:b-b',
      securityGroups: ['sg-2'],
    });
    const c = makeBroker({
      id: 'b-c',
      name: 'c',
      arn: 'arn:aws:mq:us-east-1:1:broker:c:b-c',
      securityGroups: ['sg-3'],
      pending: { securityGroups: ['sg-1'] },
    });
    const report = await runAudit(
      { inventory: fleet([a, b, c]), checks, now },
      { trigger: 'change', securityGroupIds: ['sg-1'] },
    );
    expect(report.brokers.map((x) => x.name)).toEqual(['a', 'c']);
  });

  it('resolves the findings of a broker deleted after a change event', async () => {
    const store = new MemoryStateStore();
    const slack = recorder();
    const broker = makeBroker({ publiclyAccessible: true });
    const brokers = [broker];
    const inventory: BrokerInventory = {
      list: async () => brokers.map((b) => ({ id: b.id, name: b.name })),
      describe: async (id) => {
        const found = brokers.find((b) => b.id === id);
        if (!found) throw new BrokerNotFoundError(id);
        return found;
      },
    };
    await runAudit({ inventory, checks, store, notifiers: [slack], now }, { trigger: 'schedule' });
    brokers.length = 0;
    const report = await runAudit(
      { inventory, checks, store, notifiers: [slack], now },
      { trigger: 'change', brokerIds: [broker.id] },
    );
    expect(report.diff?.gone).toEqual([
      expect.objectContaining({ checkId: 'mq-public-access', reason: 'broker-gone' }),
    ]);
    expect(slack.sent).toHaveLength(2);
  });
});

describe('Function: runAudit on a retried invocation', () => {
  const broken: BrokerInventory = {
    list: async () => {
      throw new Error('ExpiredToken');
    },
    describe: async () => {
      throw new Error('unreachable');
    },
  };

  it('does not send the same outcome twice for one invocation, even with other audits in between', async () => {
    const store = new MemoryStateStore();
    const slack = recorder();
    const failing = { inventory: broken, checks, store, notifiers: [slack], now };
    await runAudit({ ...failing, invocation: 'req-1' }, { trigger: 'schedule' });
    // Another invocation (a change-triggered audit) between the attempts.
    await runAudit({ ...failing, invocation: 'req-2' }, { trigger: 'schedule' });
    const retry = await runAudit({ ...failing, invocation: 'req-1' }, { trigger: 'schedule' });
    expect(slack.sent.map((r) => r.outcome.status)).toEqual(['failed', 'failed']);
    expect(retry.notified).toEqual([]);
    expect(retry.warnings).toContain('slack: already sent by an earlier attempt of this invocation');
  });

  it('sends a retry that ends otherwise than the attempt before it (it reached what that one could not)', async () => {
    const store = new MemoryStateStore();
    const slack = recorder();
    await runAudit(
      { inventory: broken, checks, store, notifiers: [slack], now, invocation: 'req-1' },
      { trigger: 'schedule' },
    );
    const retry = await runAudit(
      {
        inventory: fleet([makeBroker({ publiclyAccessible: true })]),
        checks,
        store,
        notifiers: [slack],
        now,
        invocation: 'req-1',
      },
      { trigger: 'schedule' },
    );
    expect(retry.outcome.status).toBe('complete');
    expect(slack.sent.map((r) => r.outcome.status)).toEqual(['failed', 'complete']);
  });

  it('two overlapping audits of the same broker report its finding as new once (the later one builds on the earlier save)', async () => {
    const store = new MemoryStateStore();
    const slack = recorder();
    const broker = makeBroker({ publiclyAccessible: true });
    // Both audits read the (empty) state, then describe the broker slowly: both read before either saves.
    const slow: BrokerInventory = {
      ...fleet([broker]),
      describe: async (id) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return fleet([broker]).describe(id);
      },
    };
    const deps = { inventory: slow, checks, store, notifiers: [slack], now };
    const [a, b] = await Promise.all([
      runAudit(deps, { trigger: 'change', brokerIds: [broker.id] }),
      runAudit(deps, { trigger: 'change', brokerIds: [broker.id] }),
    ]);
    expect([a.diff?.new.length, b.diff?.new.length].sort()).toEqual([0, 1]);
    expect([a.diff?.stillOpen.length, b.diff?.stillOpen.length].sort()).toEqual([0, 1]);
    expect(slack.sent).toHaveLength(1);
    expect(store.writes).toBe(2);
  });
});
