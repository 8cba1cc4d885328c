import { beforeEach, describe, expect, it } from 'vitest';
import { parseAlertConfig } from '../../../src/alerts/config';
import {
  AlertEngine,
  type AlertGroup,
  type AlertNotification,
  type BrokerContext,
  type Deliver,
  type DeliveryOutcome,
} from '../../../src/alerts/engine';
import {
  type AlarmState,
  type Alert,
  type AlertSeverity,
  MAX_CLOCK_SKEW_MS,
} from '../../../src/alerts/events';
import { InvalidInputError } from '../../../src/errors';
import { MemoryKeyValueStore } from '../../../src/kv';
import { markRunbook } from '../../../src/runbook-marker';

/** Wednesday noon UTC. */
const T0 = Date.parse('2026-11-25T12:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const MIN = 60;
const HOUR = 3600;

function alarm(o: {
  name: string;
  broker?: string;
  state?: AlarmState;
  /** Seconds after T0 of the state change. */
  t?: number;
  severity?: AlertSeverity;
  metric?: string;
  tags?: Record<string, string>;
}): Alert {
  const broker = o.broker ?? 'orders';
  return {
    alarmName: o.name,
    alarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${o.name}`,
    accountId: '123456789012',
    region: 'us-east-1',
    state: o.state ?? 'ALARM',
    previousState: o.state === 'OK' ? 'ALARM' : 'OK',
    reason: `Threshold Crossed (${o.name})`,
    timestamp: at(o.t ?? 0).toISOString(),
    metric: {
      namespace: 'AWS/AmazonMQ',
      name: o.metric ?? 'HeapUsage',
      dimensions: { Broker: `${broker}-1` },
    },
    broker,
    engine: 'ACTIVEMQ',
    severity: o.severity ?? 'WARNING',
    tags: o.tags ?? {},
    source: 'eventbridge',
  };
}

/** Delivery that records what it was given and reports the targets as delivered. */
class Recorder {
  readonly sent: AlertNotification[] = [];
  readonly skips: string[][] = [];
  /** Outcomes to answer next, in order (then: delivered to slack and sns). */
  readonly next: (DeliveryOutcome | Error)[] = [];
  deliver: Deliver = async (n, skip) => {
    this.skips.push([...skip]);
    const planned = this.next.shift();
    if (planned instanceof Error) throw planned;
    if (planned) {
      if (planned.failed.length === 0) this.sent.push(n);
      return planned;
    }
    this.sent.push(n);
    return { delivered: ['slack:default', 'sns:default'].filter((t) => !skip.includes(t)), failed: [] };
  };
}

const names = (list: { alert: { alarmName: string } }[]) => list.map((a) => a.alert.alarmName).sort();

let store: MemoryKeyValueStore;
let recorder: Recorder;
let brokers: Record<string, BrokerContext>;

function engine(config: Record<string, unknown> = {}): AlertEngine {
  return new AlertEngine({
    store,
    deliver: recorder.deliver,
    config: parseAlertConfig(config),
    brokers: async (alert) => brokers[alert.broker ?? ''],
  });
}

beforeEach(() => {
  store = new MemoryKeyValueStore();
  recorder = new Recorder();
  brokers = {
    orders: {
      id: 'b-orders',
      maintenanceWindow: { dayOfWeek: 'SUNDAY', timeOfDay: '03:00', timeZone: 'UTC' },
    },
    billing: { id: 'b-billing' },
  };
});

describe('Class: AlertEngine — grouping and group_wait', () => {
  it('batches a burst for one broker into one notification after group_wait', async () => {
    // Prepare
    const e = engine();

    // Act
    for (const [i, name] of ['heap', 'cpu', 'store'].entries()) {
      const r = await e.receive(alarm({ name: `mqops-orders-${name}`, t: i * 5 }), at(i * 5));
      expect(r.outcome).toBe('recorded');
      expect(r.sent).toEqual([]);
    }
    const early = await e.flush(at(29));
    const due = await e.flush(at(30));

    // Assess
    expect(early.sent).toEqual([]);
    expect(due.sent).toHaveLength(1);
    const [n] = due.sent;
    expect(n).toMatchObject({ status: 'firing', repeat: false, groupKey: 'broker=orders', sequence: 1 });
    expect(names(n?.firing ?? [])).toEqual(['mqops-orders-cpu', 'mqops-orders-heap', 'mqops-orders-store']);
    expect(n?.firing.every((a) => a.isNew)).toBe(true);
    expect(recorder.sent).toHaveLength(1);
  });

  it('keeps brokers apart and orders alerts by severity', async () => {
    const e = engine();
    await e.receive(alarm({ name: 'a-heap', severity: 'WARNING' }), at(0));
    await e.receive(alarm({ name: 'b-store', severity: 'CRITICAL' }), at(1));
    await e.receive(alarm({ name: 'c-cpu', broker: 'billing' }), at(2));

    const { sent } = await e.flush(at(60));

    expect(sent.map((n) => n.groupKey).sort()).toEqual(['broker=billing', 'broker=orders']);
    const orders = sent.find((n) => n.groupKey === 'broker=orders');
    expect(orders?.severity).toBe('CRITICAL');
    expect(orders?.firing.map((a) => a.alert.alarmName)).toEqual(['b-store', 'a-heap']);
  });

  it('groups by the configured labels', async () => {
    const e = engine({ groupBy: ['broker', 'severity'] });
    await e.receive(alarm({ name: 'heap', severity: 'WARNING' }), at(0));
    await e.receive(alarm({ name: 'store', severity: 'CRITICAL' }), at(0));

    const { sent } = await e.flush(at(30));

    expect(sent.map((n) => n.groupKey).sort()).toEqual([
      'broker=orders,severity=CRITICAL',
      'broker=orders,severity=WARNING',
    ]);
    expect(sent[0]?.labels).toHaveProperty('severity');
  });

  it('sends at once from receive when nothing has to wait (group_wait 0)', async () => {
    const e = engine({ groupWaitSeconds: 0 });
    const r = await e.receive(alarm({ name: 'heap' }), at(0));
    expect(r.sent).toHaveLength(1);
    expect((await e.flush(at(1))).sent).toEqual([]);
  });

  it('never sends an alert that resolves within group_wait', async () => {
    const e = engine();
    await e.receive(alarm({ name: 'heap', t: 0 }), at(0));
    await e.receive(alarm({ name: 'heap', state: 'OK', t: 10 }), at(10));

    const flushed = [await e.flush(at(30)), await e.flush(at(10 * MIN)), await e.flush(at(5 * HOUR))];

    expect(flushed.flatMap((f) => f.sent)).toEqual([]);
  });

  it('ignores an OK for an alert it does not hold, remembering it only as a tombstone', async () => {
    const e = engine();
    const r = await e.receive(alarm({ name: 'heap', state: 'OK' }), at(0));
    const again = await e.receive(alarm({ name: 'heap', state: 'OK' }), at(1));
    const [group] = await store.list<AlertGroup>('alertgroup:');
    expect(r.outcome).toBe('ignored');
    expect(again.outcome).toBe('duplicate');
    expect(group?.item.value.alerts).toEqual({});
    expect(Object.keys(group?.item.value.tombstones ?? {})).toHaveLength(1);
    expect(group?.item.expiresAt).toBeDefined();
    expect((await e.flush(at(60))).sent).toEqual([]);
  });
});

describe('Class: AlertEngine — group_interval, repeat and resolve', () => {
  async function notified(e: AlertEngine, names: string[]): Promise<void> {
    for (const name of names) await e.receive(alarm({ name }), at(0));
    expect((await e.flush(at(30))).sent).toHaveLength(1);
  }

  it('holds changes until group_interval after the last notification', async () => {
    const e = engine();
    await notified(e, ['heap']);

    const r = await e.receive(alarm({ name: 'cpu', t: 60 }), at(60));
    const before = await e.flush(at(30 + 5 * MIN - 1));
    const after = await e.flush(at(30 + 5 * MIN));

    expect(r.sent).toEqual([]);
    expect(before.sent).toEqual([]);
    expect(after.sent).toHaveLength(1);
    const n = after.sent[0];
    expect(names(n?.firing ?? [])).toEqual(['cpu', 'heap']);
    expect(n?.firing.find((a) => a.alert.alarmName === 'cpu')?.isNew).toBe(true);
    expect(n?.firing.find((a) => a.alert.alarmName === 'heap')?.isNew).toBe(false);
  });

  it('sends a change after a quiet period once group_wait has passed, from receive or flush', async () => {
    const e = engine();
    await notified(e, ['heap']);

    const r = await e.receive(alarm({ name: 'cpu', t: 20 * MIN }), at(20 * MIN));
    const flushed = await e.flush(at(20 * MIN + 30));

    expect(r.sent).toEqual([]);
    expect(flushed.sent).toHaveLength(1);
  });

  it('re-sends a group that still fires after repeat_interval', async () => {
    const e = engine();
    await notified(e, ['heap']);

    const before = await e.flush(at(30 + 4 * HOUR - 1));
    const repeat = await e.flush(at(30 + 4 * HOUR));
    const next = await e.flush(at(30 + 4 * HOUR + 10 * MIN));

    expect(before.sent).toEqual([]);
    expect(repeat.sent).toHaveLength(1);
    expect(repeat.sent[0]).toMatchObject({ repeat: true, status: 'firing', sequence: 2 });
    expect(repeat.sent[0]?.firing[0]?.isNew).toBe(false);
    expect(next.sent).toEqual([]);
  });

  it('never repeats when repeat_interval is 0', async () => {
    const e = engine({ repeatIntervalSeconds: 0 });
    await notified(e, ['heap']);
    expect((await e.flush(at(30 * HOUR))).sent).toEqual([]);
  });

  it('sends a resolved notification, then forgets the group', async () => {
    const e = engine();
    await notified(e, ['heap']);

    await e.receive(alarm({ name: 'heap', state: 'OK', t: 10 * MIN }), at(10 * MIN));
    const resolved = await e.flush(at(10 * MIN + 30));
    const later = await e.flush(at(10 * HOUR));

    expect(resolved.sent).toHaveLength(1);
    expect(resolved.sent[0]).toMatchObject({ status: 'resolved', severity: 'WARNING' });
    expect(resolved.sent[0]?.firing).toEqual([]);
    expect(resolved.sent[0]?.resolved[0]).toMatchObject({
      status: 'resolved',
      startsAt: at(0).toISOString(),
      endsAt: at(10 * MIN).toISOString(),
    });
    expect(later.sent).toEqual([]);
    const group = await e.group(resolved.sent[0]?.groupId ?? '');
    expect(group?.alerts).toEqual({});
    expect(group?.notifiedAt).toBeUndefined();
  });

  it('tells what resolved next to what still fires', async () => {
    const e = engine();
    await notified(e, ['heap', 'cpu']);

    await e.receive(alarm({ name: 'cpu', state: 'OK', t: 6 * MIN }), at(6 * MIN));
    const { sent } = await e.flush(at(6 * MIN + 30));

    expect(sent[0]?.status).toBe('firing');
    expect(names(sent[0]?.firing ?? [])).toEqual(['heap']);
    expect(names(sent[0]?.resolved ?? [])).toEqual(['cpu']);
  });

  it('sends no resolved notification when sendResolved is off', async () => {
    const e = engine({ sendResolved: false });
    await notified(e, ['heap']);
    await e.receive(alarm({ name: 'heap', state: 'OK', t: 60 }), at(60));
    expect((await e.flush(at(HOUR))).sent).toEqual([]);
  });

  it('keeps a firing alert firing on INSUFFICIENT_DATA by default', async () => {
    const e = engine();
    await notified(e, ['heap']);
    const r = await e.receive(alarm({ name: 'heap', state: 'INSUFFICIENT_DATA', t: 60 }), at(60));
    expect(r.outcome).toBe('recorded');
    expect((await e.flush(at(HOUR))).sent).toEqual([]);
    const repeat = await e.flush(at(30 + 4 * HOUR));
    expect(repeat.sent[0]?.firing[0]?.alert.state).toBe('INSUFFICIENT_DATA');
  });

  it('treats INSUFFICIENT_DATA as firing when configured', async () => {
    const e = engine({ insufficientData: 'firing' });
    await e.receive(alarm({ name: 'heap', state: 'INSUFFICIENT_DATA' }), at(0));
    expect((await e.flush(at(30))).sent).toHaveLength(1);
  });
});

describe('Class: AlertEngine — deduplication', () => {
  it('records a re-delivered event once', async () => {
    const e = engine();
    const event = alarm({ name: 'heap' });

    const first = await e.receive(event, at(0));
    const again = await e.receive(structuredClone(event), at(2));
    const { sent } = await e.flush(at(30));
    const late = await e.receive(structuredClone(event), at(10 * MIN));

    expect(first.outcome).toBe('recorded');
    expect(again.outcome).toBe('duplicate');
    expect(late.outcome).toBe('duplicate');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.firing).toHaveLength(1);
    expect((await e.flush(at(20 * MIN))).sent).toEqual([]);
  });

  it('recognises a duplicate from the group state alone (dedup key lost in a crash)', async () => {
    const e = engine();
    const event = alarm({ name: 'heap' });
    await e.receive(event, at(0));
    for (const { key } of await store.list('alertevent:')) await store.delete(key);

    expect((await e.receive(event, at(5))).outcome).toBe('duplicate');
  });

  it('drops a stale event that arrives after a newer one', async () => {
    const e = engine();
    await e.receive(alarm({ name: 'heap', state: 'OK', t: 20 }), at(21));
    const stale = await e.receive(alarm({ name: 'heap', state: 'ALARM', t: 10 }), at(22));

    expect(stale.outcome).toBe('stale');
    expect((await e.flush(at(HOUR))).sent).toEqual([]);
  });

  it('recognises a re-delivered ALARM after its resolution was sent and the alert forgotten', async () => {
    const e = engine();
    await e.receive(alarm({ name: 'heap', t: 0 }), at(0));
    await e.flush(at(30));
    await e.receive(alarm({ name: 'heap', state: 'OK', t: 60 }), at(60));
    await e.flush(at(10 * MIN));
    for (const { key } of await store.list('alertevent:')) await store.delete(key);

    const redelivered = await e.receive(alarm({ name: 'heap', t: 0 }), at(11 * MIN));

    expect(redelivered.outcome).toBe('stale');
    expect((await e.flush(at(HOUR))).sent).toEqual([]);
  });

  it('writes the dedup key create-only with an expiry', async () => {
    const e = engine();
    await e.receive(alarm({ name: 'heap' }), at(0));
    const [entry] = await store.list('alertevent:');
    expect(entry?.key).toMatch(/^alertevent:[0-9a-f]{16}#20261125120000000$/);
    expect(entry?.item.expiresAt).toBe(Math.ceil((T0 + 48 * HOUR * 1000) / 1000));
    expect(entry?.item.version).toBe(1);
  });
});

describe('Class: AlertEngine — inhibition', () => {
  it('mutes a broker inside its maintenance window, and sends once the window is over', async () => {
    // Wednesday 11:00 UTC + 2 h covers T0 (12:00).
    brokers.orders = { id: 'b-orders', maintenanceWindow: { dayOfWeek: 'WEDNESDAY', timeOfDay: '11:00' } };
    const e = engine();
    await e.receive(alarm({ name: 'heap' }), at(0));
    await e.receive(alarm({ name: 'other', broker: 'billing' }), at(0));

    const inside = await e.flush(at(30));
    const after = await e.flush(at(HOUR + 1));

    expect(inside.sent.map((n) => n.groupKey)).toEqual(['broker=billing']);
    expect(after.sent).toHaveLength(1);
    expect(after.sent[0]).toMatchObject({ groupKey: 'broker=orders', status: 'firing' });
  });

  it('never sends what fires and resolves inside the maintenance window', async () => {
    brokers.orders = { id: 'b-orders', maintenanceWindow: { dayOfWeek: 'WEDNESDAY', timeOfDay: '11:00' } };
    const e = engine();
    await e.receive(alarm({ name: 'heap' }), at(0));
    await e.flush(at(30));
    await e.receive(alarm({ name: 'heap', state: 'OK', t: 20 * MIN }), at(20 * MIN));
    expect((await e.flush(at(3 * HOUR))).sent).toEqual([]);
  });

  it('lists muted alerts and why next to what is sent', async () => {
    await markRunbook(store, 'b-billing', 'safe-reboot', at(0), at(HOUR));
    const e = engine({ groupBy: [] });
    await e.receive(alarm({ name: 'heap' }), at(0));
    await e.receive(alarm({ name: 'cpu', broker: 'billing' }), at(0));

    const { sent } = await e.flush(at(30));

    expect(names(sent[0]?.firing ?? [])).toEqual(['heap']);
    expect(sent[0]?.muted).toEqual([
      expect.objectContaining({ alarmName: 'cpu', reason: 'runbook safe-reboot running' }),
    ]);
  });

  it('mutes a broker while a runbook marker is active, by broker id', async () => {
    await markRunbook(store, 'b-orders', 'resize', at(0), at(20 * MIN));
    const e = engine();
    await e.receive(alarm({ name: 'heap' }), at(0));

    expect((await e.flush(at(30))).sent).toEqual([]);
    expect((await e.flush(at(20 * MIN))).sent).toHaveLength(1);
  });

  it('lets a broker-down alarm mute the broker’s other alarms, never itself', async () => {
    const e = engine();
    await e.receive(alarm({ name: 'mqops-orders-broker-down', severity: 'CRITICAL' }), at(0));
    await e.receive(alarm({ name: 'mqops-orders-heap' }), at(1));
    await e.receive(alarm({ name: 'mqops-billing-heap', broker: 'billing' }), at(1));

    const { sent } = await e.flush(at(31));
    const orders = sent.find((n) => n.groupKey === 'broker=orders');

    expect(names(orders?.firing ?? [])).toEqual(['mqops-orders-broker-down']);
    expect(orders?.muted).toEqual([
      expect.objectContaining({
        alarmName: 'mqops-orders-heap',
        reason: 'broker down (mqops-orders-broker-down)',
      }),
    ]);
    expect(names(sent.find((n) => n.groupKey === 'broker=billing')?.firing ?? [])).toEqual([
      'mqops-billing-heap',
    ]);
  });

  it('un-mutes the broker’s alarms when the broker-down alarm resolves', async () => {
    const e = engine();
    await e.receive(alarm({ name: 'mqops-orders-broker-down' }), at(0));
    await e.receive(alarm({ name: 'mqops-orders-heap' }), at(0));
    await e.flush(at(30));

    // The muted alert has waited long enough: the change goes out from receive (or the next flush).
    const r = await e.receive(
      alarm({ name: 'mqops-orders-broker-down', state: 'OK', t: 10 * MIN }),
      at(10 * MIN),
    );
    const sent = [...r.sent, ...(await e.flush(at(10 * MIN + 30))).sent];

    expect(sent).toHaveLength(1);
    expect(names(sent[0]?.firing ?? [])).toEqual(['mqops-orders-heap']);
    expect(sent[0]?.firing[0]?.isNew).toBe(true);
    expect(names(sent[0]?.resolved ?? [])).toEqual(['mqops-orders-broker-down']);
  });

  it('recognises a broker-down alarm by the mqops:role tag and by configured names', async () => {
    const e = engine({ inhibit: { brokerDown: { alarms: ['*-unreachable'], equal: ['broker'] } } });
    expect(e.isInhibitionSource(alarm({ name: 'x', tags: { 'mqops:role': 'broker-down' } }))).toBe(true);
    expect(e.isInhibitionSource(alarm({ name: 'orders-unreachable' }))).toBe(true);
    expect(e.isInhibitionSource(alarm({ name: 'mqops-orders-broker-down' }))).toBe(false);
    expect(e.isInhibitionSource({ ...alarm({ name: 'y' }), key: 'broker-down' })).toBe(true);
    // The reconciler's broker-down alarm: key `down`, named mqops-<broker>-down.
    expect(e.isInhibitionSource({ ...alarm({ name: 'mqops-orders-down' }), key: 'down' })).toBe(true);
    expect(engine().isInhibitionSource(alarm({ name: 'mqops-orders-down' }))).toBe(true);
  });

  it('is not confused by a broker-down event arriving out of order', async () => {
    const e = engine();
    await e.receive(alarm({ name: 'mqops-orders-broker-down', state: 'OK', t: 20 }), at(21));
    await e.receive(alarm({ name: 'mqops-orders-broker-down', state: 'ALARM', t: 10 }), at(22));
    await e.receive(alarm({ name: 'mqops-orders-heap', t: 30 }), at(30));

    const { sent } = await e.flush(at(60));

    expect(names(sent[0]?.firing ?? [])).toEqual(['mqops-orders-heap']);
  });

  it('honours silences while they last', async () => {
    const e = engine();
    await e.addSilence({
      id: 's-1',
      matchers: { alarm: 'mqops-orders-cpu*' },
      startsAt: at(-60).toISOString(),
      endsAt: at(10 * MIN).toISOString(),
      createdBy: 'alice',
      comment: 'load test',
    });
    await e.receive(alarm({ name: 'mqops-orders-cpu' }), at(0));

    const silenced = await e.flush(at(30));
    const after = await e.flush(at(10 * MIN));

    expect(silenced.sent).toEqual([]);
    expect(after.sent).toHaveLength(1);
  });

  it('counts a due notification that a maintenance window holds back as suppressed, once per hold', async () => {
    // Prepare: orders in its window (Wednesday 11:00 UTC + 2 h covers T0), billing not.
    brokers.orders = { id: 'b-orders', maintenanceWindow: { dayOfWeek: 'WEDNESDAY', timeOfDay: '11:00' } };
    const e = engine();
    await e.receive(alarm({ name: 'heap' }), at(0));
    await e.receive(alarm({ name: 'other', broker: 'billing' }), at(0));

    // Act: three flushes inside the window, one after it.
    const first = await e.flush(at(30));
    const second = await e.flush(at(90));
    const third = await e.flush(at(10 * MIN));
    const after = await e.flush(at(HOUR + 1));

    // Assess: the held notification counts once (not at every flush), the sent ones never.
    expect(first).toMatchObject({
      suppressed: 1,
      sent: [expect.objectContaining({ groupKey: 'broker=billing' })],
    });
    expect([second.suppressed, third.suppressed]).toEqual([0, 0]);
    expect(after).toMatchObject({
      suppressed: 0,
      sent: [expect.objectContaining({ groupKey: 'broker=orders' })],
    });
  });

  it('counts a new alert muted after a notification as a new hold', async () => {
    // Prepare: a broker-down alarm sent on its own; then another alarm of the broker fires (muted by it).
    const e = engine();
    await e.receive(alarm({ name: 'mqops-orders-broker-down' }), at(0));
    expect((await e.flush(at(30))).sent).toHaveLength(1);
    await e.receive(alarm({ name: 'mqops-orders-heap', t: 60 }), at(60));

    // Act: after group_interval (5 min) from the notification, when the change is due.
    const early = await e.flush(at(120));
    const held = await e.flush(at(6 * MIN));
    const again = await e.flush(at(7 * MIN));

    // Assess
    expect(early.suppressed).toBe(0);
    expect(held).toMatchObject({ suppressed: 1, sent: [] });
    expect(again.suppressed).toBe(0);
  });

  it('counts what a silence holds back right away from receive, and nothing when nothing is muted', async () => {
    // Prepare: group_wait 0, so receive sends what is due at once.
    const e = engine({ groupWaitSeconds: 0 });
    await e.addSilence({
      id: 's-1',
      matchers: { alarm: 'mqops-orders-cpu*' },
      startsAt: at(-60).toISOString(),
      endsAt: at(10 * MIN).toISOString(),
      createdBy: 'alice',
      comment: 'load test',
    });

    // Act
    const silenced = await e.receive(alarm({ name: 'mqops-orders-cpu' }), at(0));
    const heard = await e.receive(alarm({ name: 'mqops-billing-heap', broker: 'billing' }), at(0));

    // Assess
    expect(silenced).toMatchObject({ suppressed: 1, sent: [] });
    expect(heard.suppressed).toBe(0);
    expect(heard.sent).toHaveLength(1);
  });

  it('can turn inhibition by maintenance window and runbook off', async () => {
    brokers.orders = { id: 'b-orders', maintenanceWindow: { dayOfWeek: 'WEDNESDAY', timeOfDay: '11:00' } };
    await markRunbook(store, 'b-orders', 'resize', at(0), at(HOUR));
    const e = engine({ inhibit: { maintenanceWindow: false, runbook: false } });
    await e.receive(alarm({ name: 'heap' }), at(0));
    expect((await e.flush(at(30))).sent).toHaveLength(1);
  });
});

describe('Class: AlertEngine — concurrency and delivery', () => {
  it('lets only one of two racing receives send the group', async () => {
    const e = engine({ groupWaitSeconds: 0 });

    const results = await Promise.all([
      e.receive(alarm({ name: 'heap' }), at(0)),
      e.receive(alarm({ name: 'cpu' }), at(0)),
    ]);
    const later = await e.flush(at(5 * MIN));

    const now = results.flatMap((r) => r.sent);
    expect(now).toHaveLength(1);
    // Every alert is announced as new exactly once, now or at the next interval.
    const announced = [...now, ...later.sent].flatMap((n) => n.firing.filter((a) => a.isNew));
    expect(names(announced)).toEqual(['cpu', 'heap']);
  });

  it('lets only one of two racing flushes send', async () => {
    const e = engine();
    await e.receive(alarm({ name: 'heap' }), at(0));

    const [a, b] = await Promise.all([e.flush(at(30)), e.flush(at(30))]);

    expect(a.sent.length + b.sent.length).toBe(1);
    expect(recorder.sent).toHaveLength(1);
  });

  it('serialises many concurrent receives on one group without losing any', async () => {
    const e = engine();
    await Promise.all(Array.from({ length: 25 }, (_, i) => e.receive(alarm({ name: `a-${i}` }), at(0))));
    const { sent } = await e.flush(at(30));
    expect(sent[0]?.firing).toHaveLength(25);
  });

  it('retries a failed delivery at the next flush, only to the targets it missed', async () => {
    const e = engine();
    await e.receive(alarm({ name: 'heap' }), at(0));
    recorder.next.push({
      delivered: ['sns:default'],
      failed: [{ target: 'slack:default', error: 'HTTP 500' }],
    });

    const failed = await e.flush(at(30));
    const retried = await e.flush(at(90));
    const after = await e.flush(at(10 * MIN));

    expect(failed.sent).toEqual([]);
    expect(failed.failed).toEqual([
      expect.objectContaining({ errors: [{ target: 'slack:default', error: 'HTTP 500' }] }),
    ]);
    expect(retried.sent).toHaveLength(1);
    expect(retried.sent[0]?.id).toBe(failed.failed[0]?.notificationId);
    expect(recorder.skips).toEqual([[], ['sns:default']]);
    expect(after.sent).toEqual([]);
  });

  it('treats a throwing delivery as failed and keeps the notification', async () => {
    const e = engine();
    await e.receive(alarm({ name: 'heap' }), at(0));
    recorder.next.push(new Error('network down'));

    const failed = await e.flush(at(30));
    const retried = await e.flush(at(60));

    expect(failed.failed[0]?.errors[0]?.error).toBe('network down');
    expect(retried.sent).toHaveLength(1);
  });

  it('leaves a claimed notification to its claimant until the lease runs out', async () => {
    const e = engine();
    await e.receive(alarm({ name: 'heap' }), at(0));
    // Another flusher claimed it and is still sending (or died while sending).
    const [entry] = await store.list<AlertGroup>('alertgroup:');
    const group = entry?.item.value as AlertGroup;
    const claimedElsewhere = structuredClone(group);
    claimedElsewhere.outbox = {
      notification: {
        id: `${group.id}-1`,
        groupId: group.id,
        groupKey: group.key,
        labels: group.labels,
        sequence: 1,
        status: 'firing',
        repeat: false,
        severity: 'WARNING',
        firing: [],
        resolved: [],
        muted: [],
        createdAt: at(30).toISOString(),
      },
      claimedAt: at(30).toISOString(),
      leaseUntil: at(30 + 5 * MIN).toISOString(),
      attempts: 1,
      deliveredTo: [],
    };
    await store.put(entry?.key ?? '', claimedElsewhere, { expectedVersion: entry?.item.version });

    const busy = await e.flush(at(60));
    const retried = await e.flush(at(30 + 5 * MIN + 1));

    expect(busy).toMatchObject({ busy: 1, sent: [] });
    expect(retried.sent.map((n) => n.id)).toEqual([`${group.id}-1`]);
  });

  it('gives up loudly after maxDeliveryAttempts so the group can move on', async () => {
    const e = engine({ maxDeliveryAttempts: 2 });
    await e.receive(alarm({ name: 'heap' }), at(0));
    const failure = { delivered: [], failed: [{ target: 'slack:default', error: 'HTTP 404 no_service' }] };
    recorder.next.push(failure, failure);

    await e.flush(at(30));
    await e.flush(at(60));
    const gaveUp = await e.flush(at(90));

    expect(gaveUp.abandoned).toEqual([
      expect.objectContaining({
        errors: [expect.objectContaining({ error: expect.stringMatching(/gave up after 2 attempts/) })],
      }),
    ]);
    expect((await e.flush(at(120))).sent).toEqual([]);
  });

  it('stops claiming when told to, and reports the groups left for the next run', async () => {
    const e = engine();
    await e.receive(alarm({ name: 'a', broker: 'orders' }), at(0));
    await e.receive(alarm({ name: 'b', broker: 'billing' }), at(0));
    let budget = 1;

    const first = await e.flush(at(30), { shouldContinue: () => budget-- > 0 });
    const second = await e.flush(at(31));

    expect(first.sent).toHaveLength(1);
    expect(first.deferred).toBe(1);
    expect(second.sent).toHaveLength(1);
  });
});

describe('Class: AlertEngine — store layout', () => {
  it('keeps one item per group, an index entry per group, and gives idle groups an expiry', async () => {
    const e = engine();
    await e.receive(alarm({ name: 'heap' }), at(0));
    await e.receive(alarm({ name: 'cpu', broker: 'billing' }), at(0));

    const groups = await store.list<AlertGroup>('alertgroup:');
    const index = await store.list('alertindex#');

    expect(groups).toHaveLength(2);
    expect(index).toHaveLength(2);
    expect(groups.every((g) => g.item.expiresAt === undefined)).toBe(true);

    await e.flush(at(30));
    await e.receive(alarm({ name: 'heap', state: 'OK', t: 60 }), at(60));
    await e.flush(at(6 * MIN));
    const orders = (await store.list<AlertGroup>('alertgroup:')).find(
      (g) => g.item.value.key === 'broker=orders',
    );
    expect(orders?.item.value.alerts).toEqual({});
    expect(Object.keys(orders?.item.value.tombstones ?? {})).toHaveLength(1);
    expect(orders?.item.expiresAt).toBeGreaterThan(Math.floor(T0 / 1000));
  });

  it('retires the index entry of a group that is gone', async () => {
    const e = engine();
    await e.receive(alarm({ name: 'heap' }), at(0));
    for (const { key } of await store.list('alertgroup:')) await store.delete(key);

    await e.flush(at(60));

    const [entry] = await store.list<{ retired?: boolean }>('alertindex#');
    expect(entry?.item.value.retired).toBe(true);
    // A new alert for the group brings the entry back.
    await e.receive(alarm({ name: 'heap', t: 100 }), at(100));
    const [back] = await store.list<{ retired?: boolean }>('alertindex#');
    expect(back?.item.value.retired).toBeUndefined();
    expect((await e.flush(at(130))).sent).toHaveLength(1);
  });
});

describe('Class: AlertEngine — scope and state times (hostile input)', () => {
  /** An alarm of another service: an EC2 metric, no mqops tags. */
  function ec2Alarm(t = 0): Alert {
    const { broker: _b, engine: _e, ...rest } = alarm({ name: 'ServerCpuTooHigh', t });
    return {
      ...rest,
      metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { InstanceId: 'i-12345678' } },
    };
  }

  it('refuses a state time beyond the clock skew before reading or writing anything', async () => {
    // Prepare: a forged OK "from 2099" of a real alarm, then the alarm really fires.
    const e = engine();
    const forged = {
      ...alarm({ name: 'mqops-orders-store', state: 'OK' }),
      timestamp: '2099-01-01T00:00:00.000Z',
    };
    const reads: string[] = [];
    const get = store.get.bind(store);
    store.get = async (key) => {
      reads.push(key);
      return get(key);
    };

    // Act
    const refused = e.receive(forged, at(0));
    await expect(refused).rejects.toBeInstanceOf(InvalidInputError);
    const real = await e.receive(alarm({ name: 'mqops-orders-store', t: 60 }), at(60));

    // Assess: the forged event left nothing behind, so the real ALARM fires.
    await expect(e.receive(forged, at(0))).rejects.toThrow(/2099-01-01T00:00:00\.000Z is \d+ min ahead/);
    expect(reads.filter((k) => k.includes('2099'))).toEqual([]);
    expect(real.outcome).toBe('recorded');
    expect((await e.flush(at(90))).sent).toHaveLength(1);
  });

  it('accepts a state time within the allowed skew, and refuses one just past it', async () => {
    const e = engine();
    const within = await e.receive(alarm({ name: 'heap', t: MAX_CLOCK_SKEW_MS / 1000 }), at(0));
    await expect(e.receive(alarm({ name: 'cpu', t: MAX_CLOCK_SKEW_MS / 1000 + 1 }), at(0))).rejects.toThrow(
      InvalidInputError,
    );
    expect(within.outcome).toBe('recorded');
  });

  it('ignores an alarm that is not about Amazon MQ, without a read or a write', async () => {
    const e = engine();
    let touched = 0;
    const get = store.get.bind(store);
    store.get = async (key) => {
      touched++;
      return get(key);
    };

    const r = await e.receive(ec2Alarm(), at(0));

    expect(r).toMatchObject({ outcome: 'ignored', reason: 'not an Amazon MQ alarm', sent: [] });
    expect(touched).toBe(0);
    expect(await store.list('')).toEqual([]);
    expect((await e.flush(at(60))).sent).toEqual([]);
  });

  it('takes an alarm tagged mqops:broker, whatever its metric', async () => {
    const e = engine();
    const tagged = { ...ec2Alarm(), tags: { 'mqops:broker': 'orders' } };

    expect((await e.receive(tagged, at(0))).outcome).toBe('recorded');
  });

  it('ignores an event older than the dedup horizon for an alarm it no longer remembers, writing nothing', async () => {
    const e = engine({ dedupRetentionHours: 48 });

    const r = await e.receive(alarm({ name: 'heap', t: -49 * HOUR }), at(0));

    expect(r).toMatchObject({ outcome: 'stale', reason: 'older than the dedup horizon (48 h)' });
    expect(await store.list('')).toEqual([]);
  });

  it('still applies an old event to an alarm it remembers (the resolution of a long-firing alert)', async () => {
    const e = engine({ dedupRetentionHours: 48 });
    await e.receive(alarm({ name: 'heap', t: 0 }), at(0));
    await e.flush(at(30));

    const r = await e.receive(alarm({ name: 'heap', state: 'OK', t: 60 }), at(50 * HOUR));
    const flushed = await e.flush(at(50 * HOUR + 30));

    expect(r.outcome).toBe('recorded');
    expect(flushed.sent.map((n) => n.status)).toEqual(['resolved']);
  });
});
