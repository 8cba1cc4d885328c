import { describe, expect, it, vi } from 'vitest';
import { parseAlertConfig } from '../../../src/alerts/config';
import {
  AlertEngine,
  type AlertGroup,
  type AlertNotification,
  type Deliver,
} from '../../../src/alerts/engine';
import type { Alert } from '../../../src/alerts/events';
import { CAS_POLICY, ConcurrentWriteError } from '../../../src/cas';
import { MemoryKeyValueStore } from '../../../src/kv';
import { InterleavingStore, seeded } from '../../helpers/interleaving-store';

/** The alert engine's writes under real concurrency: all through the one compare-and-swap helper and its policy. */

const T0 = Date.parse('2026-11-25T12:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

function alarm(name: string): Alert {
  return {
    alarmName: name,
    alarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`,
    accountId: '123456789012',
    region: 'us-east-1',
    state: 'ALARM',
    previousState: 'OK',
    reason: `Threshold Crossed (${name})`,
    timestamp: at(0).toISOString(),
    metric: { namespace: 'AWS/AmazonMQ', name: 'HeapUsage', dimensions: { Broker: 'orders-1' } },
    broker: 'orders',
    engine: 'ACTIVEMQ',
    severity: 'WARNING',
    tags: {},
    source: 'eventbridge',
  };
}

/** A store where another writer always writes `key` first: every conditional write of it by the engine loses. */
class ContendedStore extends MemoryKeyValueStore {
  /** Writes of `key` attempted by the engine. */
  attempts = 0;

  constructor(
    private readonly key: string,
    private readonly initial: unknown,
  ) {
    super();
  }

  override async put<T>(
    key: string,
    value: T,
    options: { expectedVersion?: number; expiresAt?: number } = {},
  ) {
    if (key !== this.key) return super.put(key, value, options);
    this.attempts++;
    const current = await super.get(key);
    await super.put(key, current?.value ?? this.initial, { expectedVersion: current?.version ?? 0 });
    return super.put(key, value, options);
  }
}

describe('Class: AlertEngine — one compare-and-swap helper, one retry policy', () => {
  it('gives up on a group others keep writing after the policy’s rounds, with ConcurrentWriteError', async () => {
    // Prepare: another writer wins every write of the group (it keeps rewriting it empty).
    const config = parseAlertConfig({});
    const probe = new AlertEngine({
      store: new MemoryKeyValueStore(),
      deliver: async () => ({ delivered: [], failed: [] }),
      config,
    });
    const group = probe.groupOf(alarm('heap'));
    const empty: AlertGroup = {
      id: group.id,
      key: group.key,
      labels: group.labels,
      createdAt: at(0).toISOString(),
      updatedAt: at(0).toISOString(),
      alerts: {},
      tombstones: {},
      sequence: 0,
    };
    const store = new ContendedStore(`alertgroup:${group.id}`, empty);
    const engine = new AlertEngine({ store, deliver: async () => ({ delivered: [], failed: [] }), config });

    // Act (the back-off between rounds runs on fake timers: no real waiting)
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    let error: unknown;
    try {
      const pending = engine.receive(alarm('heap'), at(0)).catch((e: unknown) => e);
      await vi.runAllTimersAsync();
      error = await pending;
    } finally {
      vi.useRealTimers();
    }

    // Assess: the one policy's rounds, then the one error; nothing recorded, no dedup key.
    expect(error).toBeInstanceOf(ConcurrentWriteError);
    expect((error as ConcurrentWriteError).attempts).toBe(CAS_POLICY.attempts);
    expect(store.attempts).toBe(CAS_POLICY.attempts);
    expect((await store.get<AlertGroup>(`alertgroup:${group.id}`))?.value.alerts).toEqual({});
    expect(await store.list('alertevent:')).toEqual([]);
  });

  it('announces every alert of racing receives and flushes exactly once, however they interleave', async () => {
    for (let seed = 1; seed <= 25; seed++) {
      // Prepare: no group_wait, so each receive may send at once, while flushes run too.
      const store = new InterleavingStore(seeded(seed));
      const sent: AlertNotification[] = [];
      const deliver: Deliver = async (n, skip) => {
        sent.push(n);
        return { delivered: ['slack:default'].filter((t) => !skip.includes(t)), failed: [] };
      };
      const engine = new AlertEngine({ store, deliver, config: parseAlertConfig({ groupWaitSeconds: 0 }) });
      const names = Array.from({ length: 8 }, (_, i) => `mqops-orders-${i}`);

      // Act: 8 receives (one of them twice: a re-delivery) and 3 flushes of the one group at once; then the
      // flushes of the next intervals.
      await Promise.all([
        ...names.map((name) => engine.receive(alarm(name), at(0))),
        engine.receive(alarm(names[0] as string), at(0)),
        ...Array.from({ length: 3 }, () => engine.flush(at(0))),
      ]);
      for (let interval = 1; interval <= 4; interval++) await engine.flush(at(interval * 300));

      // Assess: each notification sent once, each alert announced as new firing exactly once.
      const ids = sent.map((n) => n.id);
      expect(new Set(ids).size, `seed ${seed}: ${ids.join(',')}`).toBe(ids.length);
      const announced = sent.flatMap((n) => n.firing.filter((a) => a.isNew).map((a) => a.alert.alarmName));
      expect(announced.sort(), `seed ${seed}`).toEqual([...names].sort());
    }
  });
});
