import { describe, expect, it } from 'vitest';
import {
  announceUpcomingMaintenance,
  localIso,
  maintenanceReport,
  pendingChanges,
  upcomingNotices,
} from '../../../src/capacity/maintenance';
import { BrokerNotFoundError } from '../../../src/errors';
import { MemoryKeyValueStore } from '../../../src/kv';
import type { Broker } from '../../../src/model';
import { type Notice, postNotice } from '../../../src/notices';
import type { BrokerInventory } from '../../../src/ports';
import { makeBroker } from '../../helpers/broker';

// 2026-11-25 is a Wednesday.
const NOW = new Date('2026-11-25T12:00:00Z');

describe('Function: pendingChanges', () => {
  it('lists every kind of pending change in words', () => {
    const broker = makeBroker({
      users: [{ username: 'app', pendingChange: 'UPDATE' }, { username: 'admin' }],
      pending: {
        instanceType: 'mq.m5.xlarge',
        engineVersion: '5.19',
        securityGroups: ['sg-2'],
        configuration: { id: 'c-1', revision: 2 },
        logs: { general: false },
        authenticationStrategy: 'LDAP',
      },
    });
    expect(pendingChanges(broker).map((c) => c.text)).toEqual([
      'instance type mq.m5.large → mq.m5.xlarge',
      'engine version 5.18 → 5.19',
      'security groups sg-1 → sg-2',
      'configuration c-1 revision 1 → c-1 revision 2',
      'logs general on, audit on → general off, audit unchanged',
      'authentication SIMPLE → LDAP',
      'users app (UPDATE)',
    ]);
  });

  it('ignores "pending" values equal to what runs', () => {
    const broker = makeBroker({
      pending: {
        instanceType: 'MQ.M5.LARGE',
        engineVersion: '5.18',
        securityGroups: ['sg-1'],
        configuration: { id: 'c-1', revision: 1 },
        logs: { general: true },
      },
    });
    expect(pendingChanges(broker)).toEqual([]);
  });
});

describe('Function: localIso', () => {
  it.each([
    [new Date('2026-11-29T03:00:00Z'), 'Europe/Berlin', '2026-11-29T04:00+01:00'],
    [new Date('2026-07-05T03:00:00Z'), 'Europe/Berlin', '2026-07-05T05:00+02:00'],
    [new Date('2026-11-29T03:00:00Z'), '-03:30', '2026-11-28T23:30-03:30'],
    [new Date('2026-11-29T03:00:00Z'), 'UTC', '2026-11-29T03:00+00:00'],
  ])('%s in %s is %s', (instant, zone, expected) => {
    expect(localIso(instant, zone)).toBe(expected);
  });
});

describe('Function: maintenanceReport', () => {
  it('gives each broker its pending changes and next window in UTC and its zone, soonest first', () => {
    const berlin = makeBroker({
      id: 'b-berlin',
      name: 'berlin',
      maintenanceWindow: { dayOfWeek: 'FRIDAY', timeOfDay: '02:00', timeZone: 'Europe/Berlin' },
      pending: { engineVersion: '5.19' },
    });
    const utc = makeBroker({ id: 'b-utc', name: 'utc' });
    const report = maintenanceReport([utc, berlin], NOW);
    expect(report.map((e) => e.brokerName)).toEqual(['berlin', 'utc']);
    expect(report[0]).toMatchObject({
      window: 'FRIDAY 02:00 Europe/Berlin',
      next: {
        startUtc: '2026-11-27T01:00:00.000Z',
        endUtc: '2026-11-27T03:00:00.000Z',
        startLocal: '2026-11-27T02:00+01:00',
        timeZone: 'Europe/Berlin',
      },
      willApply: true,
    });
    expect(report[1]).toMatchObject({
      next: { startUtc: '2026-11-29T03:00:00.000Z' },
      pending: [],
      willApply: false,
    });
  });

  it('shows the window going on now', () => {
    const report = maintenanceReport([makeBroker()], new Date('2026-11-29T04:00:00Z'));
    expect(report[0]?.current?.startUtc).toBe('2026-11-29T03:00:00.000Z');
    expect(report[0]?.next?.startUtc).toBe('2026-12-06T03:00:00.000Z');
  });

  it.each([
    ['no window', undefined, 'no maintenance window reported'],
    ['an unreadable window', { dayOfWeek: 'SUNDAY', timeOfDay: '3am', timeZone: 'UTC' }, 'cannot be read'],
  ])('reports %s as a problem', (_name, maintenanceWindow, problem) => {
    const [entry] = maintenanceReport([makeBroker({ maintenanceWindow })], NOW);
    expect(entry?.problem).toContain(problem);
    expect(entry?.next).toBeUndefined();
  });
});

describe('Function: upcomingNotices', () => {
  const pendingType = makeBroker({ pending: { instanceType: 'mq.m5.xlarge' } });

  it('announces a window within the lead time that will apply something', () => {
    const now = new Date('2026-11-28T12:00:00Z'); // Sunday 03:00 UTC is 15 h away
    const notices = upcomingNotices([pendingType, makeBroker({ id: 'b-clean', name: 'clean' })], now, 24);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({
      kind: 'maintenance',
      level: 'warning',
      title: 'Maintenance window of broker orders will apply a pending change',
      key: 'maintenance:b-1234:2026-11-29T03:00:00.000Z',
      broker: { id: 'b-1234', name: 'orders', region: 'us-east-1' },
    });
    expect(notices[0]?.text).toContain('instance type mq.m5.large → mq.m5.xlarge');
    expect(notices[0]?.text).toContain('in about 15 h');
  });

  it('says nothing about a window beyond the lead time', () => {
    expect(upcomingNotices([pendingType], NOW, 24)).toEqual([]);
    expect(upcomingNotices([pendingType], NOW, 96)).toHaveLength(1);
  });

  it('is sent once per window however often the schedule runs', async () => {
    const store = new MemoryKeyValueStore();
    const sent: Notice[] = [];
    const sink = { channel: 'test', send: async (n: Notice) => void sent.push(n) };
    for (const hour of [12, 13, 14]) {
      const now = new Date(`2026-11-28T${hour}:00:00Z`);
      for (const notice of upcomingNotices([pendingType], now, 24))
        await postNotice([sink], notice, { store, now: () => now });
    }
    expect(sent).toHaveLength(1);
  });
});

describe('Function: announceUpcomingMaintenance', () => {
  const pendingType = makeBroker({ pending: { instanceType: 'mq.m5.xlarge' } });
  const clean = makeBroker({ id: 'b-clean', name: 'clean' });
  const now = new Date('2026-11-28T12:00:00Z'); // Sunday 03:00 UTC is 15 h away
  const inventory = (brokers: Broker[], failing = new Map<string, Error>()): BrokerInventory => ({
    list: async () => [...brokers, ...[...failing.keys()].map((id) => ({ id, name: `name-of-${id}` }))],
    describe: async (id) => {
      const failure = failing.get(id);
      if (failure) throw failure;
      const broker = brokers.find((b) => b.id === id);
      if (!broker) throw new BrokerNotFoundError(id);
      return broker;
    },
  });
  const sink = (fail = false) => ({
    channel: 'slack',
    sent: [] as Notice[],
    async send(n: Notice) {
      if (fail) throw new Error('HTTP 500');
      this.sent.push(n);
    },
  });

  it('is complete when every broker is read and every notice delivered', async () => {
    const slack = sink();
    const run = await announceUpcomingMaintenance({
      inventory: inventory([pendingType, clean]),
      store: new MemoryKeyValueStore(),
      sinks: [slack],
      now,
      leadHours: 24,
      target: 'self/us-east-1',
    });
    expect(run).toMatchObject({ brokers: 2, failed: [] });
    expect(run.sent).toEqual(['Maintenance window of broker orders will apply a pending change']);
    expect(run.outcome).toEqual({ status: 'complete', covered: 2, gaps: [] });
  });

  it('is partial, naming them, with a broker not described and a notice not delivered', async () => {
    const run = await announceUpcomingMaintenance({
      inventory: inventory([pendingType, clean], new Map([['b-x', new Error('AccessDenied')]])),
      store: new MemoryKeyValueStore(),
      sinks: [sink(true)],
      now,
      leadHours: 24,
      target: 'self/us-east-1',
    });
    expect(run.outcome).toEqual({
      status: 'partial',
      covered: 2,
      gaps: [
        { target: 'self/us-east-1', broker: 'name-of-b-x', reason: 'not described: AccessDenied' },
        {
          target: 'self/us-east-1',
          broker: 'orders',
          check: 'maintenance notice',
          reason: 'not delivered to slack: HTTP 500',
        },
      ],
    });
  });

  it('fails when the brokers cannot be listed', async () => {
    const run = await announceUpcomingMaintenance({
      inventory: {
        ...inventory([]),
        list: async () => {
          throw new Error('AccessDenied');
        },
      },
      store: new MemoryKeyValueStore(),
      sinks: [sink()],
      now,
      leadHours: 24,
      target: 'self/us-east-1',
    });
    expect(run.outcome).toEqual({
      status: 'failed',
      covered: 0,
      gaps: [{ target: 'self/us-east-1', reason: 'not listed: AccessDenied' }],
    });
  });
});
