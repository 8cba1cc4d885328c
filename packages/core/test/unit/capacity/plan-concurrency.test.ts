import { describe, expect, it } from 'vitest';
import {
  acceptPlan,
  advancePlan,
  type CapacityPlan,
  type PlanDeps,
  planFromRecommendation,
  planKey,
  RESIZE_RUNBOOK,
} from '../../../src/capacity/plan';
import type { BrokerControl } from '../../../src/capacity/ports';
import { BrokerNotFoundError } from '../../../src/errors';
import { type KeyValueStore, MemoryKeyValueStore } from '../../../src/kv';
import type { Broker } from '../../../src/model';
import type { Notice } from '../../../src/notices';
import { activeRunbook } from '../../../src/runbook-marker';
import { makeBroker } from '../../helpers/broker';
import { InterleavingStore, seeded } from '../../helpers/interleaving-store';

/** Plan writes under real concurrency: every one a compare-and-swap over the plan as read. */

const ID = 'b-1234';
const ACCEPTED = new Date('2026-11-25T12:00:00Z');
/** Inside the broker's window (Sunday 03:00 UTC). */
const IN_WINDOW = new Date('2026-11-29T03:05:00Z');

const plan = (id = 'first', to = 'mq.m5.xlarge'): CapacityPlan => ({
  ...planFromRecommendation(
    {
      brokerId: ID,
      brokerName: 'orders',
      region: 'us-east-1',
      engine: 'ACTIVEMQ',
      deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
      action: 'upsize',
      from: 'mq.m5.large',
      to,
      reasons: ['CPU p95 82% over 14 days is above 70%'],
      metrics: {},
    },
    { source: 'cli', now: ACCEPTED, acceptedBy: 'alice' },
  ),
  id,
});

/** DescribeBroker and UpdateBroker in memory; every UpdateBroker and RebootBroker is listed. */
class FakeMq implements BrokerControl {
  readonly calls: string[] = [];
  broker: Broker = makeBroker({ id: ID });

  async describe(brokerId: string): Promise<Broker> {
    await Promise.resolve();
    if (brokerId !== ID) throw new BrokerNotFoundError(brokerId);
    return structuredClone(this.broker);
  }

  async updateInstanceType(_brokerId: string, instanceType: string): Promise<void> {
    this.calls.push(`update ${instanceType}`);
    this.broker.pending = { ...this.broker.pending, instanceType };
  }

  async reboot(): Promise<void> {
    this.calls.push('reboot');
    this.broker.state = 'REBOOT_IN_PROGRESS';
  }
}

const depsOf = (store: KeyValueStore, mq: FakeMq, notices: Notice[]): PlanDeps => ({
  store,
  control: mq,
  alarms: { inAlarm: async () => [] },
  probe: { probe: async () => ({ ok: true, detail: 'OpenWire login worked' }) },
  sinks: [{ channel: 'test', send: async (n) => void notices.push(n) }],
  now: () => IN_WINDOW,
});

describe('Function: advancePlan — concurrent ticks', () => {
  it('sends UpdateBroker once when three ticks of one plan run at once, however they interleave', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      // Prepare
      const store = new InterleavingStore(seeded(seed));
      const mq = new FakeMq();
      const notices: Notice[] = [];
      await acceptPlan(store, plan());
      const deps = depsOf(store, mq, notices);

      // Act
      const results = await Promise.all([1, 2, 3].map(() => advancePlan(deps, ID, { maxSteps: 1 })));

      // Assess: one tick claimed the step and made the call; the others found the plan moved on.
      expect(mq.calls, `seed ${seed}`).toEqual(['update mq.m5.xlarge']);
      expect(
        results.filter((r) => r.outcome === 'advanced'),
        `seed ${seed}`,
      ).toHaveLength(1);
      expect((await store.get<CapacityPlan>(planKey(ID)))?.value).toMatchObject({
        state: 'applying',
        step: 1,
      });
      expect((await activeRunbook(store, ID, IN_WINDOW))?.name).toBe(RESIZE_RUNBOOK);
      expect(notices.filter((n) => n.title.startsWith('Resizing'))).toHaveLength(1);
    }
  });

  it('gives the resize marker back when its claim of UpdateBroker is lost to a write that holds the plan', async () => {
    // Prepare: as the tick takes the marker, another writer (resize-now, a CLI) rewrites the plan, still planned.
    const mq = new FakeMq();
    const notices: Notice[] = [];
    let interfered = false;
    const store = new (class extends MemoryKeyValueStore {
      override async put<T>(
        key: string,
        value: T,
        options?: { expectedVersion?: number; expiresAt?: number },
      ) {
        const written = await super.put(key, value, options);
        if (key === `runbook#${ID}` && !interfered) {
          interfered = true;
          const stored = await super.get<CapacityPlan>(planKey(ID));
          if (stored)
            await super.put(
              planKey(ID),
              { ...stored.value, acceptedBy: 'bob' },
              { expectedVersion: stored.version },
            );
        }
        return written;
      }
    })();
    await acceptPlan(store, plan());

    // Act
    const result = await advancePlan(depsOf(store, mq, notices), ID);

    // Assess: busy, no call, and the broker is not held (its alerts are not muted, a safe-reboot may take it).
    expect(result.outcome).toBe('busy');
    expect(mq.calls).toEqual([]);
    expect(await activeRunbook(store, ID, IN_WINDOW)).toBeUndefined();
  });
});

describe('Function: acceptPlan — concurrent accepts', () => {
  it('stores one of two plans accepted at once for a broker; the other is refused and says why', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      // Prepare
      const store = new InterleavingStore(seeded(seed));

      // Act
      const [a, b] = await Promise.all([
        acceptPlan(store, plan('first')),
        acceptPlan(store, plan('second', 'mq.m5.2xlarge')),
      ]);

      // Assess
      expect([a.accepted, b.accepted].sort(), `seed ${seed}`).toEqual([false, true]);
      const [won, lost] = a.accepted ? [a, b] : [b, a];
      expect((await store.get<CapacityPlan>(planKey(ID)))?.value.id).toBe(won.plan.id);
      expect(lost.plan.id).toBe(won.plan.id);
      expect(lost.reason).toMatch(/another plan was stored at the same time|already has a planned plan/);
    }
  });
});
