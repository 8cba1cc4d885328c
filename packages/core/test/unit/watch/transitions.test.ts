import { describe, expect, it } from 'vitest';
import {
  decide,
  decideGone,
  needsDescribe,
  needsRebootContext,
  type Observation,
  plannedReason,
} from '../../../src/watch/transitions';
import type { OpenAlert, WatchRecord } from '../../../src/watch/types';

const WEDNESDAY_NOON = new Date('2026-11-25T12:00:00Z');
const SUNDAY_WINDOW = { dayOfWeek: 'SUNDAY', timeOfDay: '03:00', timeZone: 'UTC' };
const OPTIONS = { windowGraceMs: 15 * 60_000 };
const ARN = 'arn:aws:mq:eu-west-1:123456789012:broker:orders:b-1';

function record(state: string, overrides: Partial<WatchRecord> = {}): WatchRecord {
  return {
    broker: { id: 'b-1', name: 'orders', arn: ARN, region: 'eu-west-1', engine: 'ACTIVEMQ' },
    state,
    codes: [],
    since: '2026-11-20T00:00:00.000Z',
    outbox: [],
    ...overrides,
  };
}

function seen(state: string, detail?: Observation['detail'], extra: Partial<Observation> = {}): Observation {
  return {
    summary: {
      id: 'b-1',
      name: 'orders',
      state,
      arn: ARN,
      engine: 'ACTIVEMQ',
      deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
      instanceType: 'mq.m5.large',
    },
    ...(detail ? { detail } : {}),
    ...extra,
  };
}

const OPEN_CRITICAL: OpenAlert = {
  kind: 'critical',
  since: '2026-11-24T00:00:00.000Z',
  state: 'CRITICAL_ACTION_REQUIRED',
  codes: ['BROKER_OOM'],
};
const OPEN_REBOOT: OpenAlert = {
  kind: 'unplanned-reboot',
  since: '2026-11-24T00:00:00.000Z',
  state: 'REBOOT_IN_PROGRESS',
  codes: [],
};

describe('Function: decide (the watcher transition table)', () => {
  it.each([
    ['RUNNING'],
    ['CRITICAL_ACTION_REQUIRED'],
    ['REBOOT_IN_PROGRESS'],
    ['CREATION_FAILED'],
    ['DELETION_IN_PROGRESS'],
  ])('records a broker first seen in %s as the baseline, without an alert', (state) => {
    const decision = decide(undefined, seen(state, { codes: ['BROKER_OOM'] }), WEDNESDAY_NOON, OPTIONS);
    expect(decision.alert).toBeUndefined();
    expect(decision.transition).toMatchObject({ kind: 'first-seen', to: state });
    expect(decision.record).toMatchObject({ state, since: WEDNESDAY_NOON.toISOString(), outbox: [] });
    expect(decision.record?.codes).toEqual(state === 'CRITICAL_ACTION_REQUIRED' ? ['BROKER_OOM'] : []);
  });

  it.each([
    ['RUNNING', record('RUNNING')],
    ['REBOOT_IN_PROGRESS', record('REBOOT_IN_PROGRESS', { open: OPEN_REBOOT })],
    ['DELETION_IN_PROGRESS', record('DELETION_IN_PROGRESS')],
    ['CRITICAL_ACTION_REQUIRED', record('CRITICAL_ACTION_REQUIRED', { codes: ['BROKER_OOM'] })],
  ])('writes nothing and alerts nothing when %s did not change', (state, previous) => {
    expect(decide(previous, seen(state, { codes: ['BROKER_OOM'] }), WEDNESDAY_NOON, OPTIONS)).toEqual({});
  });

  it.each([
    ['RUNNING', 'RUNNING'],
    ['REBOOT_IN_PROGRESS', 'REBOOT_IN_PROGRESS'],
    ['CREATION_IN_PROGRESS', 'CREATION_IN_PROGRESS'],
    ['a tombstone', 'GONE'],
  ])('alerts CRITICAL once when a broker goes from %s to CRITICAL_ACTION_REQUIRED', (_label, from) => {
    const decision = decide(
      record(from),
      seen('CRITICAL_ACTION_REQUIRED', { codes: ['BROKER_OOM'] }),
      WEDNESDAY_NOON,
      OPTIONS,
    );
    expect(decision.transition).toMatchObject({ kind: 'critical', from, to: 'CRITICAL_ACTION_REQUIRED' });
    expect(decision.alert).toMatchObject({
      kind: 'critical',
      severity: 'CRITICAL',
      from,
      state: 'CRITICAL_ACTION_REQUIRED',
      summary: 'Broker orders is in CRITICAL_ACTION_REQUIRED: BROKER_OOM.',
      id: `b-1/critical/${WEDNESDAY_NOON.toISOString()}`,
    });
    expect(decision.alert?.actions).toEqual([
      expect.objectContaining({ code: 'BROKER_OOM', known: true, remedy: expect.stringContaining('drain') }),
    ]);
    expect(decision.record?.open).toEqual({
      kind: 'critical',
      since: WEDNESDAY_NOON.toISOString(),
      state: 'CRITICAL_ACTION_REQUIRED',
      codes: ['BROKER_OOM'],
    });
    expect(decision.transition?.alertId).toBe(decision.alert?.id);
  });

  it('alerts a critical broker that reports a new code, naming it, and keeps the alert open since the first', () => {
    const previous = record('CRITICAL_ACTION_REQUIRED', { codes: ['BROKER_OOM'], open: OPEN_CRITICAL });
    const decision = decide(
      previous,
      seen('CRITICAL_ACTION_REQUIRED', { codes: ['BROKER_OOM', 'BROKER_ENI_DELETED'] }),
      WEDNESDAY_NOON,
      OPTIONS,
    );
    expect(decision.alert).toMatchObject({ kind: 'critical', newCodes: ['BROKER_ENI_DELETED'] });
    expect(decision.alert?.summary).toBe(
      'Broker orders reports a new action code (BROKER_ENI_DELETED) while in CRITICAL_ACTION_REQUIRED: ' +
        'BROKER_OOM, BROKER_ENI_DELETED.',
    );
    expect(decision.record?.open?.since).toBe(OPEN_CRITICAL.since);
    expect(decision.record?.since).toBe(previous.since);
  });

  it('records fewer codes without an alert', () => {
    const previous = record('CRITICAL_ACTION_REQUIRED', { codes: ['A', 'B'], open: OPEN_CRITICAL });
    const decision = decide(
      previous,
      seen('CRITICAL_ACTION_REQUIRED', { codes: ['A'] }),
      WEDNESDAY_NOON,
      OPTIONS,
    );
    expect(decision.alert).toBeUndefined();
    expect(decision.transition).toMatchObject({ kind: 'codes-changed' });
    expect(decision.record).toMatchObject({ codes: ['A'], open: OPEN_CRITICAL });
  });

  it('alerts a critical broker without any code, saying how to read them', () => {
    const decision = decide(
      record('RUNNING'),
      seen('CRITICAL_ACTION_REQUIRED', { codes: [] }),
      WEDNESDAY_NOON,
      OPTIONS,
    );
    expect(decision.alert?.summary).toBe(
      'Broker orders is in CRITICAL_ACTION_REQUIRED: no action code reported.',
    );
    expect(decision.alert?.remedy).toContain(
      'aws mq describe-broker --broker-id b-1 --query ActionsRequired',
    );
  });

  it.each([
    ['inside the maintenance window', new Date('2026-11-29T03:30:00Z'), undefined, 'maintenance window'],
    [
      'just after the window (within the grace)',
      new Date('2026-11-29T05:10:00Z'),
      undefined,
      'maintenance window',
    ],
    [
      'during a runbook',
      WEDNESDAY_NOON,
      { name: 'safe-reboot', startedAt: '2026-11-25T11:55:00Z', until: '2026-11-25T12:30:00Z' },
      'runbook safe-reboot',
    ],
  ])('records a reboot %s as planned, without an alert', (_label, at, runbook, reason) => {
    const decision = decide(
      record('RUNNING'),
      seen('REBOOT_IN_PROGRESS', { codes: [], maintenanceWindow: SUNDAY_WINDOW }, runbook ? { runbook } : {}),
      at,
      OPTIONS,
    );
    expect(decision.alert).toBeUndefined();
    expect(decision.transition).toMatchObject({ kind: 'planned-reboot', note: reason });
    expect(decision.record).toMatchObject({ state: 'REBOOT_IN_PROGRESS', planned: reason });
    expect(decision.record?.open).toBeUndefined();
  });

  it.each([
    ['on a weekday', WEDNESDAY_NOON, SUNDAY_WINDOW, 'outside its maintenance window (SUNDAY 03:00 UTC)'],
    ['after the grace', new Date('2026-11-29T05:20:00Z'), SUNDAY_WINDOW, 'outside its maintenance window'],
    [
      'with no window on record',
      WEDNESDAY_NOON,
      undefined,
      'outside any maintenance window (none on record)',
    ],
  ])('alerts an unplanned reboot %s', (_label, at, window, words) => {
    const decision = decide(
      record('RUNNING'),
      seen('REBOOT_IN_PROGRESS', { codes: [], ...(window ? { maintenanceWindow: window } : {}) }),
      at,
      OPTIONS,
    );
    expect(decision.alert).toMatchObject({ kind: 'unplanned-reboot', severity: 'HIGH', from: 'RUNNING' });
    expect(decision.alert?.summary).toContain(words);
    expect(decision.alert?.summary).toContain('no mqops runbook is running');
    expect(decision.record?.open).toMatchObject({ kind: 'unplanned-reboot' });
  });

  it('records the reboot of a critical broker as remedial and keeps the critical alert open', () => {
    const decision = decide(
      record('CRITICAL_ACTION_REQUIRED', { codes: ['BROKER_OOM'], open: OPEN_CRITICAL }),
      seen('REBOOT_IN_PROGRESS'),
      WEDNESDAY_NOON,
      OPTIONS,
    );
    expect(decision.alert).toBeUndefined();
    expect(decision.transition).toMatchObject({ kind: 'remedial-reboot' });
    expect(decision.record).toMatchObject({ state: 'REBOOT_IN_PROGRESS', codes: [], open: OPEN_CRITICAL });
  });

  it.each([
    ['critical', 'CRITICAL_ACTION_REQUIRED', OPEN_CRITICAL, 'CRITICAL_ACTION_REQUIRED (BROKER_OOM)'],
    ['critical, after the remedial reboot', 'REBOOT_IN_PROGRESS', OPEN_CRITICAL, 'CRITICAL_ACTION_REQUIRED'],
    ['unplanned reboot', 'REBOOT_IN_PROGRESS', OPEN_REBOOT, 'an unplanned reboot'],
    [
      'disappearance',
      'GONE',
      { kind: 'disappeared', since: '2026-11-24T00:00:00.000Z', state: 'GONE', codes: [] } as OpenAlert,
      'disappearing from the broker list',
    ],
  ])(
    'sends one recovered message when a broker is RUNNING again after an alerted %s',
    (_label, from, open, words) => {
      const decision = decide(record(from, { open }), seen('RUNNING'), WEDNESDAY_NOON, OPTIONS);
      expect(decision.alert).toMatchObject({ kind: 'recovered', severity: 'INFO', from, resolves: open });
      expect(decision.alert?.summary).toContain(`is RUNNING again after ${words}`);
      expect(decision.record?.open).toBeUndefined();
    },
  );

  it.each([
    ['a planned reboot', 'REBOOT_IN_PROGRESS'],
    ['creation', 'CREATION_IN_PROGRESS'],
    ['a critical state first seen (never alerted)', 'CRITICAL_ACTION_REQUIRED'],
  ])('says nothing when a broker is RUNNING again after %s', (_label, from) => {
    const decision = decide(record(from), seen('RUNNING'), WEDNESDAY_NOON, OPTIONS);
    expect(decision.alert).toBeUndefined();
    expect(decision.transition).toMatchObject({ kind: 'state-changed', from, to: 'RUNNING' });
  });

  it('treats REPLICA as healthy: it resolves an open alert', () => {
    const decision = decide(
      record('REBOOT_IN_PROGRESS', { open: OPEN_REBOOT }),
      seen('REPLICA'),
      WEDNESDAY_NOON,
      OPTIONS,
    );
    expect(decision.alert?.kind).toBe('recovered');
  });

  it('alerts CREATION_FAILED', () => {
    const decision = decide(record('CREATION_IN_PROGRESS'), seen('CREATION_FAILED'), WEDNESDAY_NOON, OPTIONS);
    expect(decision.alert).toMatchObject({ kind: 'creation-failed', severity: 'HIGH' });
    expect(decision.alert?.remedy).toContain('aws mq delete-broker --broker-id b-1');
  });

  it.each([
    ['RUNNING', 'DELETION_IN_PROGRESS'],
    ['CRITICAL_ACTION_REQUIRED', 'DELETION_IN_PROGRESS'],
    ['RUNNING', 'SOME_NEW_STATE'],
  ])('records %s → %s without an alert, keeping an open alert', (from, to) => {
    const decision = decide(record(from, { open: OPEN_CRITICAL }), seen(to), WEDNESDAY_NOON, OPTIONS);
    expect(decision.alert).toBeUndefined();
    expect(decision.transition).toMatchObject({ kind: 'state-changed', from, to });
    expect(decision.record?.open).toEqual(OPEN_CRITICAL);
  });

  it('keeps the pending outbox of the previous record', () => {
    const pending = {
      alert: { id: 'x' } as never,
      pending: ['slack'],
      attempts: 1,
    };
    const decision = decide(
      record('RUNNING', { outbox: [pending] }),
      seen('CREATION_FAILED'),
      WEDNESDAY_NOON,
      OPTIONS,
    );
    expect(decision.record?.outbox).toEqual([pending]);
  });
});

describe('Function: decideGone', () => {
  it('alerts a broker that left the listing without being deleted, once', () => {
    const decision = decideGone(record('RUNNING'), WEDNESDAY_NOON);
    expect(decision.alert).toMatchObject({
      kind: 'disappeared',
      severity: 'HIGH',
      from: 'RUNNING',
      state: 'GONE',
      summary:
        'Broker orders is no longer listed by ListBrokers and was not seen being deleted (last state RUNNING).',
    });
    expect(decision.record).toMatchObject({ state: 'GONE', open: { kind: 'disappeared' } });
    expect(decideGone(decision.record as WatchRecord, WEDNESDAY_NOON)).toEqual({});
  });

  it('records a deletion it saw coming as deleted, without an alert', () => {
    const decision = decideGone(record('DELETION_IN_PROGRESS'), WEDNESDAY_NOON);
    expect(decision.alert).toBeUndefined();
    expect(decision.transition).toMatchObject({
      kind: 'deleted',
      from: 'DELETION_IN_PROGRESS',
      to: 'DELETED',
    });
    expect(decideGone(decision.record as WatchRecord, WEDNESDAY_NOON)).toEqual({});
  });

  it('closes an open alert when the broker is deleted', () => {
    const decision = decideGone(record('DELETION_IN_PROGRESS', { open: OPEN_CRITICAL }), WEDNESDAY_NOON);
    expect(decision.alert).toMatchObject({ kind: 'deleted', severity: 'INFO', resolves: OPEN_CRITICAL });
    expect(decision.record?.open).toBeUndefined();
  });
});

describe('Function: needsDescribe', () => {
  it.each([
    ['a first-seen RUNNING broker', undefined, 'RUNNING', false],
    ['a first-seen critical broker (its codes)', undefined, 'CRITICAL_ACTION_REQUIRED', true],
    ['a broker still RUNNING', 'RUNNING', 'RUNNING', false],
    [
      'a broker still critical (codes can change)',
      'CRITICAL_ACTION_REQUIRED',
      'CRITICAL_ACTION_REQUIRED',
      true,
    ],
    ['a reboot that just started (its window)', 'RUNNING', 'REBOOT_IN_PROGRESS', true],
    ['a reboot already recorded', 'REBOOT_IN_PROGRESS', 'REBOOT_IN_PROGRESS', false],
    ['the reboot of a critical broker', 'CRITICAL_ACTION_REQUIRED', 'REBOOT_IN_PROGRESS', false],
    ['a recovery', 'REBOOT_IN_PROGRESS', 'RUNNING', false],
    ['a deletion', 'RUNNING', 'DELETION_IN_PROGRESS', false],
  ])('is %s → %s', (_label, from, to, expected) => {
    const previous = from ? record(from) : undefined;
    expect(needsDescribe(previous, seen(to).summary)).toBe(expected);
    expect(needsRebootContext(previous, seen(to).summary)).toBe(expected && to === 'REBOOT_IN_PROGRESS');
  });
});

describe('Function: plannedReason', () => {
  it.each([
    ['at the window start', '2026-11-29T03:00:00Z', 'maintenance window'],
    ['in the last minute of the grace', '2026-11-29T05:14:00Z', 'maintenance window'],
    ['after the grace', '2026-11-29T05:15:00Z', undefined],
    ['a minute before the window', '2026-11-29T02:59:00Z', undefined],
  ])('%s', (_label, at, expected) => {
    expect(plannedReason(SUNDAY_WINDOW, undefined, new Date(at), 15 * 60_000)).toBe(expected);
  });

  it('reads the window in its time zone', () => {
    const window = { dayOfWeek: 'SUNDAY', timeOfDay: '03:00', timeZone: 'Europe/Berlin' };
    expect(plannedReason(window, undefined, new Date('2026-11-29T02:30:00Z'), 0)).toBe('maintenance window');
    expect(plannedReason(window, undefined, new Date('2026-11-29T04:30:00Z'), 0)).toBeUndefined();
  });
});
