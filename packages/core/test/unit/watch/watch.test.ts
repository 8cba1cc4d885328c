import { beforeEach, describe, expect, it } from 'vitest';
import { BrokerNotFoundError } from '../../../src/errors';
import { type KeyValueStore, MemoryKeyValueStore } from '../../../src/kv';
import type { Broker } from '../../../src/model';
import { markRunbook } from '../../../src/runbook-marker';
import type {
  AlertChannel,
  BrokerSummary,
  WatchAlert,
  WatchDeps,
  WatchInventory,
  WatchRecord,
} from '../../../src/watch/types';
import { watchBrokers, watchKey } from '../../../src/watch/watch';
import { makeBroker } from '../../helpers/broker';

const WEDNESDAY_NOON = new Date('2026-11-25T12:00:00Z');
const SUNDAY_IN_WINDOW = new Date('2026-11-29T03:30:00Z');
const minutes = (n: number) => n * 60_000;
const later = (at: Date, ms: number) => new Date(at.getTime() + ms);

/** Amazon MQ as the watcher sees it: brokers in pages, call counts, failures on demand. */
class FakeMq implements WatchInventory {
  readonly brokers = new Map<string, { summary: BrokerSummary; codes: string[] }>();
  pageSize = 2;
  listCalls = 0;
  readonly describeCalls: string[] = [];
  /** Page number (1-based) whose call fails. */
  failPage: number | undefined;
  readonly failDescribe = new Set<string>();

  add(name: string, state = 'RUNNING', codes: string[] = []): string {
    const id = `b-${name}`;
    this.brokers.set(id, {
      summary: {
        id,
        name,
        state,
        arn: `arn:aws:mq:us-east-1:123456789012:broker:${name}:${id}`,
        engine: 'ACTIVEMQ',
        deploymentMode: 'SINGLE_INSTANCE',
        instanceType: 'mq.m5.large',
      },
      codes,
    });
    return id;
  }

  set(name: string, state: string, codes: string[] = []): void {
    const entry = this.brokers.get(`b-${name}`);
    if (!entry) throw new Error(`no broker ${name}`);
    entry.summary = { ...entry.summary, state };
    entry.codes = codes;
  }

  async *pages(): AsyncIterable<BrokerSummary[]> {
    const all = [...this.brokers.values()].map((b) => b.summary);
    for (let page = 1; page === 1 || (page - 1) * this.pageSize < all.length; page++) {
      this.listCalls++;
      if (this.failPage === page) throw new Error('ThrottlingException: Rate exceeded');
      yield all.slice((page - 1) * this.pageSize, page * this.pageSize);
    }
  }

  async describe(id: string): Promise<Broker> {
    this.describeCalls.push(id);
    const entry = this.brokers.get(id);
    if (!entry) throw new BrokerNotFoundError(id);
    if (this.failDescribe.has(id)) throw new Error('InternalServerErrorException');
    return makeBroker({
      id,
      name: entry.summary.name,
      state: entry.summary.state,
      actionsRequired: entry.codes,
      maintenanceWindow: { dayOfWeek: 'SUNDAY', timeOfDay: '03:00', timeZone: 'UTC' },
    });
  }
}

/** The memory store, counting calls. */
class CountingStore extends MemoryKeyValueStore {
  puts = 0;
  lists = 0;
  gets = 0;
  override async put<T>(key: string, value: T, options?: { expectedVersion?: number; expiresAt?: number }) {
    this.puts++;
    return super.put(key, value, options);
  }
  override async list<T>(prefix: string) {
    this.lists++;
    return super.list<T>(prefix);
  }
  override async get<T>(key: string) {
    this.gets++;
    return super.get<T>(key);
  }
  reset(): void {
    this.puts = 0;
    this.lists = 0;
    this.gets = 0;
  }
}

/** A channel that records what it was sent, and fails when told to. */
class RecordingChannel implements AlertChannel {
  readonly sent: WatchAlert[] = [];
  failures = 0;
  constructor(readonly channel: string) {}
  async send(alert: WatchAlert): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error(`${this.channel} answered HTTP 503`);
    }
    this.sent.push(alert);
  }
}

let mq: FakeMq;
let store: CountingStore;
let slack: RecordingChannel;
let sns: RecordingChannel;

beforeEach(() => {
  mq = new FakeMq();
  store = new CountingStore();
  slack = new RecordingChannel('slack');
  sns = new RecordingChannel('sns');
});

const poll = (now: Date, extra: Partial<WatchDeps> = {}) =>
  watchBrokers({ inventory: mq, store, now, channels: [slack, sns], region: 'us-east-1', ...extra });

const record = async (id: string) => (await store.get<WatchRecord>(watchKey(id)))?.value;

describe('Function: watchBrokers', () => {
  it('records every broker on the first poll without alerting, then costs only ListBrokers and one query', async () => {
    mq.add('orders');
    mq.add('billing');
    mq.add('audit', 'CRITICAL_ACTION_REQUIRED', ['BROKER_OOM']);

    const first = await poll(WEDNESDAY_NOON);
    expect(first.transitions.map((t) => t.kind)).toEqual(['first-seen', 'first-seen', 'first-seen']);
    expect(first.alerts).toEqual([]);
    expect(slack.sent).toEqual([]);
    expect((await record('b-audit'))?.codes).toEqual(['BROKER_OOM']);
    expect(mq.describeCalls).toEqual(['b-audit']); // only to read the critical broker's codes

    mq.set('audit', 'RUNNING');
    await poll(later(WEDNESDAY_NOON, minutes(5)));
    mq.describeCalls.length = 0;
    mq.listCalls = 0;
    store.reset();

    const quiet = await poll(later(WEDNESDAY_NOON, minutes(10)));
    expect(quiet).toMatchObject({
      complete: true,
      pages: 2,
      brokers: 3,
      described: 0,
      transitions: [],
      alerts: [],
      outcome: { status: 'complete', covered: 3, gaps: [] },
    });
    expect(mq.listCalls).toBe(2); // one call per page of ListBrokers
    expect(mq.describeCalls).toEqual([]);
    expect({ puts: store.puts, lists: store.lists, gets: store.gets }).toEqual({
      puts: 0,
      lists: 1,
      gets: 0,
    });
  });

  it('turns CRITICAL_ACTION_REQUIRED into exactly one alert naming the code and its remedy, and its recovery into one resolved message', async () => {
    mq.add('orders');
    await poll(WEDNESDAY_NOON);

    mq.set('orders', 'CRITICAL_ACTION_REQUIRED', ['BROKER_OOM']);
    const broken = await poll(later(WEDNESDAY_NOON, minutes(5)));
    expect(broken.alerts).toHaveLength(1);
    expect(broken.delivered).toHaveLength(1);
    expect(slack.sent).toHaveLength(1);
    expect(sns.sent).toHaveLength(1);
    const alert = slack.sent[0];
    expect(alert).toMatchObject({
      kind: 'critical',
      from: 'RUNNING',
      broker: { name: 'orders', region: 'us-east-1' },
    });
    expect(alert?.actions[0]).toMatchObject({
      code: 'BROKER_OOM',
      meaning: expect.stringContaining('out of memory'),
    });
    expect((await record('b-orders'))?.outbox).toEqual([]); // delivered: nothing left to send

    const again = await poll(later(WEDNESDAY_NOON, minutes(10)));
    expect(again.alerts).toEqual([]);
    expect(again.described).toBe(1); // a critical broker is described each poll (its codes may change)
    expect(slack.sent).toHaveLength(1);

    mq.set('orders', 'RUNNING');
    const fixed = await poll(later(WEDNESDAY_NOON, minutes(15)));
    expect(fixed.alerts.map((a) => a.kind)).toEqual(['recovered']);
    expect(slack.sent.map((a) => a.kind)).toEqual(['critical', 'recovered']);
    expect(slack.sent[1]?.resolves).toMatchObject({ kind: 'critical', codes: ['BROKER_OOM'] });

    await poll(later(WEDNESDAY_NOON, minutes(20)));
    expect(slack.sent).toHaveLength(2);
  });

  it.each([
    ['outside the maintenance window, without a runbook', WEDNESDAY_NOON, false, ['unplanned-reboot']],
    ['inside the maintenance window', SUNDAY_IN_WINDOW, false, []],
    ['during an mqops runbook', WEDNESDAY_NOON, true, []],
  ])('alerts a reboot %s only when it is unplanned', async (_label, at, runbook, kinds) => {
    mq.add('orders');
    await poll(later(at, -minutes(5)));
    if (runbook) await markRunbook(store, 'b-orders', 'safe-reboot', at, later(at, minutes(30)));

    mq.set('orders', 'REBOOT_IN_PROGRESS');
    const rebooting = await poll(at);
    expect(rebooting.alerts.map((a) => a.kind)).toEqual(kinds);
    expect(rebooting.transitions[0]?.kind).toBe(kinds.length ? 'unplanned-reboot' : 'planned-reboot');

    mq.set('orders', 'RUNNING');
    const back = await poll(later(at, minutes(5)));
    expect(back.alerts.map((a) => a.kind)).toEqual(kinds.length ? ['recovered'] : []);
    expect(slack.sent).toHaveLength(kinds.length ? 2 : 0);
  });

  it('alerts a disappeared broker once, and records a deletion it saw coming silently', async () => {
    mq.add('orders');
    mq.add('legacy');
    await poll(WEDNESDAY_NOON);
    mq.set('legacy', 'DELETION_IN_PROGRESS');
    await poll(later(WEDNESDAY_NOON, minutes(5)));

    mq.brokers.delete('b-orders');
    mq.brokers.delete('b-legacy');
    const gone = await poll(later(WEDNESDAY_NOON, minutes(10)));
    expect(gone.transitions.map((t) => [t.brokerName, t.kind]).sort()).toEqual([
      ['legacy', 'deleted'],
      ['orders', 'disappeared'],
    ]);
    expect(slack.sent.map((a) => [a.broker.name, a.kind])).toEqual([['orders', 'disappeared']]);

    const after = await poll(later(WEDNESDAY_NOON, minutes(15)));
    expect(after.transitions).toEqual([]);
    expect(slack.sent).toHaveLength(1);
  });

  it('keeps a tombstone for a week (TTL) so the disappearance is not alerted again', async () => {
    mq.add('orders');
    await poll(WEDNESDAY_NOON);
    mq.brokers.delete('b-orders');
    await poll(later(WEDNESDAY_NOON, minutes(5)));
    const item = await store.get<WatchRecord>(watchKey('b-orders'));
    expect(item?.value.state).toBe('GONE');
    expect(item?.expiresAt).toBe(Math.ceil((WEDNESDAY_NOON.getTime() + minutes(5) + 7 * 86_400_000) / 1000));
  });

  it('sends one resolved message when a broker with an open alert is deleted', async () => {
    mq.add('orders');
    await poll(WEDNESDAY_NOON);
    mq.set('orders', 'CRITICAL_ACTION_REQUIRED', ['BROKER_ENI_DELETED']);
    await poll(later(WEDNESDAY_NOON, minutes(5)));
    mq.set('orders', 'DELETION_IN_PROGRESS');
    await poll(later(WEDNESDAY_NOON, minutes(10)));
    mq.brokers.delete('b-orders');
    await poll(later(WEDNESDAY_NOON, minutes(15)));
    expect(slack.sent.map((a) => a.kind)).toEqual(['critical', 'deleted']);
  });

  it('judges no disappearance after an incomplete listing, but still handles the pages it read', async () => {
    mq.add('a-broker');
    mq.add('b-broker');
    mq.add('c-broker');
    await poll(WEDNESDAY_NOON);

    mq.set('a-broker', 'CRITICAL_ACTION_REQUIRED', ['BROKER_OOM']);
    mq.failPage = 2; // c-broker is on page 2
    const partial = await poll(later(WEDNESDAY_NOON, minutes(5)));
    expect(partial.complete).toBe(false);
    expect(partial.errors[0]?.message).toContain('ListBrokers failed after 1 page(s)');
    expect(partial.alerts.map((a) => [a.broker.name, a.kind])).toEqual([['a-broker', 'critical']]);
    expect((await record('b-c-broker'))?.state).toBe('RUNNING');
    expect(partial.outcome).toEqual({
      status: 'partial',
      covered: 2,
      gaps: [
        {
          target: 'self/us-east-1',
          reason:
            'brokers past page 1 not watched, disappearances not judged: ListBrokers failed after 1 page(s): ' +
            'Error: ThrottlingException: Rate exceeded',
        },
      ],
    });
  });

  it('fails when not even the first page can be listed', async () => {
    mq.add('orders');
    await poll(WEDNESDAY_NOON);
    mq.failPage = 1;
    const failed = await poll(later(WEDNESDAY_NOON, minutes(5)), { target: '123456789012/us-east-1' });
    expect(failed.outcome).toEqual({
      status: 'failed',
      covered: 0,
      gaps: [
        {
          target: '123456789012/us-east-1',
          reason:
            'not watched, disappearances not judged: ListBrokers failed after 0 page(s): ' +
            'Error: ThrottlingException: Rate exceeded',
        },
      ],
    });
    expect(failed.transitions).toEqual([]);
  });

  it('fails, and writes nothing, when the remembered states cannot be read', async () => {
    mq.add('orders');
    store.list = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    const failed = await poll(WEDNESDAY_NOON);
    expect(failed.outcome).toMatchObject({
      status: 'failed',
      gaps: [
        {
          target: 'self/us-east-1',
          reason: expect.stringMatching(/remembered broker states could not be read/),
        },
      ],
    });
    expect(store.puts).toBe(0);
    expect(mq.listCalls).toBe(0);
  });

  it('never judges the records of another region gone', async () => {
    mq.add('orders');
    await poll(WEDNESDAY_NOON);
    const other = await store.get<WatchRecord>(watchKey('b-orders'));
    await store.put(
      watchKey('b-orders'),
      { ...other?.value, broker: { ...other?.value.broker, region: 'eu-west-1' } },
      { expectedVersion: other?.version ?? 0 },
    );
    mq.brokers.delete('b-orders');
    expect((await poll(later(WEDNESDAY_NOON, minutes(5)))).transitions).toEqual([]);
  });

  it('alerts a new code of a broker that stays critical, and not fewer codes', async () => {
    mq.add('rabbit', 'RUNNING');
    await poll(WEDNESDAY_NOON);
    mq.set('rabbit', 'CRITICAL_ACTION_REQUIRED', ['RABBITMQ_MEMORY_ALARM']);
    await poll(later(WEDNESDAY_NOON, minutes(5)));
    mq.set('rabbit', 'CRITICAL_ACTION_REQUIRED', ['RABBITMQ_MEMORY_ALARM', 'RABBITMQ_DISK_ALARM']);
    await poll(later(WEDNESDAY_NOON, minutes(10)));
    mq.set('rabbit', 'CRITICAL_ACTION_REQUIRED', ['RABBITMQ_DISK_ALARM']);
    await poll(later(WEDNESDAY_NOON, minutes(15)));
    expect(slack.sent.map((a) => a.newCodes ?? a.actions.map((x) => x.code))).toEqual([
      ['RABBITMQ_MEMORY_ALARM'],
      ['RABBITMQ_DISK_ALARM'],
    ]);
  });

  it('leaves a broker undecided when DescribeBroker fails, and decides it on the next poll', async () => {
    mq.add('orders');
    await poll(WEDNESDAY_NOON);
    mq.set('orders', 'CRITICAL_ACTION_REQUIRED', ['BROKER_OOM']);
    mq.failDescribe.add('b-orders');
    const failed = await poll(later(WEDNESDAY_NOON, minutes(5)));
    expect(failed.errors).toEqual([
      { brokerId: 'b-orders', message: 'DescribeBroker failed: Error: InternalServerErrorException' },
    ]);
    expect(failed.alerts).toEqual([]);
    expect((await record('b-orders'))?.state).toBe('RUNNING');
    // Its only broker undecided: nothing covered.
    expect(failed.outcome).toEqual({
      status: 'failed',
      covered: 0,
      gaps: [
        {
          target: 'self/us-east-1',
          broker: 'orders',
          reason: 'not watched: DescribeBroker failed: Error: InternalServerErrorException',
        },
      ],
    });

    mq.failDescribe.clear();
    const next = await poll(later(WEDNESDAY_NOON, minutes(10)));
    expect(next.alerts.map((a) => a.actions.map((x) => x.code))).toEqual([['BROKER_OOM']]);
    expect(next.outcome).toEqual({ status: 'complete', covered: 1, gaps: [] });
  });

  it('is partial when one broker of several is left undecided', async () => {
    mq.add('orders');
    mq.add('billing');
    await poll(WEDNESDAY_NOON);
    mq.set('orders', 'CRITICAL_ACTION_REQUIRED', ['BROKER_OOM']);
    mq.failDescribe.add('b-orders');
    const partial = await poll(later(WEDNESDAY_NOON, minutes(5)));
    expect(partial.outcome).toMatchObject({
      status: 'partial',
      covered: 1,
      gaps: [{ broker: 'orders', reason: expect.stringMatching(/^not watched: DescribeBroker failed/) }],
    });
  });

  it('uses the state DescribeBroker reports when it moved on since the listing', async () => {
    mq.add('orders');
    await poll(WEDNESDAY_NOON);
    mq.set('orders', 'CRITICAL_ACTION_REQUIRED', ['BROKER_OOM']);
    const original = mq.describe.bind(mq);
    mq.describe = async (id) => ({ ...(await original(id)), state: 'RUNNING', actionsRequired: [] });
    const result = await poll(later(WEDNESDAY_NOON, minutes(5)));
    expect(result.alerts).toEqual([]);
    expect((await record('b-orders'))?.state).toBe('RUNNING');
  });

  it('records changes without alerting anyone when no channel is configured', async () => {
    mq.add('orders');
    await poll(WEDNESDAY_NOON, { channels: [] });
    mq.set('orders', 'CREATION_FAILED');
    const result = await poll(later(WEDNESDAY_NOON, minutes(5)), { channels: [] });
    expect(result.alerts.map((a) => a.kind)).toEqual(['creation-failed']);
    expect(result.delivered).toEqual([]);
    expect((await record('b-orders'))?.outbox).toEqual([]);
  });
});

describe('Function: watchBrokers — overlapping polls and failed deliveries', () => {
  it.each([2, 5])('alerts a change once when %i polls overlap', async (polls) => {
    mq.add('orders');
    mq.add('billing');
    await poll(WEDNESDAY_NOON);
    mq.set('orders', 'CRITICAL_ACTION_REQUIRED', ['BROKER_OOM']);
    mq.brokers.delete('b-billing');

    const at = later(WEDNESDAY_NOON, minutes(5));
    const results = await Promise.all(Array.from({ length: polls }, () => poll(at)));
    expect(results.flatMap((r) => r.alerts.map((a) => a.kind)).sort()).toEqual(['critical', 'disappeared']);
    expect(slack.sent.map((a) => a.kind).sort()).toEqual(['critical', 'disappeared']);
    expect(sns.sent).toHaveLength(2);
    expect(results.flatMap((r) => r.errors)).toEqual([]);
  });

  it('decides again on what the other poll wrote when it loses the conditional write', async () => {
    mq.add('orders');
    await poll(WEDNESDAY_NOON);
    mq.set('orders', 'CRITICAL_ACTION_REQUIRED', ['BROKER_OOM']);
    // The other poll writes between this poll's read and its write.
    const racing: KeyValueStore = Object.create(store);
    let raced = false;
    racing.put = async (key, value, options) => {
      if (!raced) {
        raced = true;
        await poll(later(WEDNESDAY_NOON, minutes(5)));
      }
      return store.put(key, value, options);
    };
    const loser = await watchBrokers({
      inventory: mq,
      store: racing,
      now: later(WEDNESDAY_NOON, minutes(5)),
      channels: [slack, sns],
    });
    expect(loser.alerts).toEqual([]);
    expect(loser.transitions).toEqual([]);
    expect(slack.sent).toHaveLength(1);
  });

  it('retries only the channel that failed, on the next poll, and then stops', async () => {
    mq.add('orders');
    await poll(WEDNESDAY_NOON);
    mq.set('orders', 'CRITICAL_ACTION_REQUIRED', ['BROKER_OOM']);
    slack.failures = 1;

    const failed = await poll(later(WEDNESDAY_NOON, minutes(5)));
    expect(failed.delivered).toEqual([]);
    expect(failed.undelivered).toEqual([
      {
        alert: expect.objectContaining({ kind: 'critical' }),
        pending: ['slack'],
        error: 'slack: Error: slack answered HTTP 503',
      },
    ]);
    expect(sns.sent).toHaveLength(1);
    expect((await record('b-orders'))?.outbox).toEqual([
      expect.objectContaining({
        pending: ['slack'],
        attempts: 1,
        lastError: 'slack: Error: slack answered HTTP 503',
      }),
    ]);
    expect(failed.outcome).toEqual({
      status: 'partial',
      covered: 1,
      gaps: [
        {
          target: 'self/us-east-1',
          broker: 'orders',
          check: 'critical alert',
          reason: 'not delivered to slack (retried by the next poll): slack: Error: slack answered HTTP 503',
        },
      ],
    });

    const retried = await poll(later(WEDNESDAY_NOON, minutes(10)));
    expect(retried.alerts).toEqual([]); // no new change
    expect(retried.delivered.map((a) => a.kind)).toEqual(['critical']);
    expect(slack.sent).toHaveLength(1);
    expect(sns.sent).toHaveLength(1);
    expect((await record('b-orders'))?.outbox).toEqual([]);

    await poll(later(WEDNESDAY_NOON, minutes(15)));
    expect(slack.sent).toHaveLength(1);
  });

  it('keeps alerts in order when a broker changes again before the first was delivered', async () => {
    mq.add('orders');
    await poll(WEDNESDAY_NOON);
    mq.set('orders', 'REBOOT_IN_PROGRESS');
    slack.failures = 1;
    await poll(later(WEDNESDAY_NOON, minutes(5)));
    mq.set('orders', 'RUNNING');
    await poll(later(WEDNESDAY_NOON, minutes(10)));
    expect(slack.sent.map((a) => a.kind)).toEqual(['unplanned-reboot', 'recovered']);
    expect(sns.sent.map((a) => a.kind)).toEqual(['unplanned-reboot', 'recovered']);
  });

  it('does not retry an alert another poll is still delivering until its claim lapses', async () => {
    mq.add('orders');
    await poll(WEDNESDAY_NOON);
    const item = await store.get<WatchRecord>(watchKey('b-orders'));
    const stuck = {
      alert: {
        id: 'b-orders/critical/x',
        kind: 'critical',
        broker: { id: 'b-orders', name: 'orders' },
      } as WatchAlert,
      pending: ['slack'],
      attempts: 0,
      claimedUntil: later(WEDNESDAY_NOON, minutes(5)).toISOString(),
    };
    await store.put(
      watchKey('b-orders'),
      { ...item?.value, outbox: [stuck] },
      { expectedVersion: item?.version ?? 0 },
    );

    await poll(later(WEDNESDAY_NOON, minutes(2)));
    expect(slack.sent).toEqual([]);
    const lapsed = await poll(later(WEDNESDAY_NOON, minutes(6)));
    expect(lapsed.delivered.map((a) => a.id)).toEqual(['b-orders/critical/x']);
    expect(slack.sent).toHaveLength(1);
  });

  it('drops a pending channel that is no longer configured, saying so', async () => {
    mq.add('orders');
    await poll(WEDNESDAY_NOON);
    mq.set('orders', 'CREATION_FAILED');
    sns.failures = 1;
    await poll(later(WEDNESDAY_NOON, minutes(5)));
    const result = await poll(later(WEDNESDAY_NOON, minutes(10)), { channels: [slack] });
    expect(result.errors).toEqual([
      { brokerId: 'b-orders', message: expect.stringContaining('channel sns is not configured any more') },
    ]);
    expect((await record('b-orders'))?.outbox).toEqual([]);
  });
});
