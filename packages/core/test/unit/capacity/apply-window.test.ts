import { describe, expect, it } from 'vitest';
import { applyWindow, instantsAtWallTime } from '../../../src/capacity/apply-window';
import { inMaintenanceWindow, lastWindowStart } from '../../../src/maintenance-window';

const at = (iso: string) => new Date(iso);
const span = (window: Parameters<typeof applyWindow>[0], iso: string) => {
  const s = applyWindow(window, at(iso));
  return s ? [s.start.toISOString(), s.end.toISOString()] : undefined;
};

describe('Function: instantsAtWallTime', () => {
  it.each([
    ['an ordinary time', 'Europe/Berlin', '2026-11-22T03:00:00Z', ['2026-11-22T02:00:00.000Z']],
    ['skipped time (spring forward)', 'Europe/Berlin', '2026-03-29T02:30:00Z', []],
    [
      'repeated time (fall back)',
      'Europe/Berlin',
      '2026-10-25T02:30:00Z',
      ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z'],
    ],
    ['skipped time in New York', 'America/New_York', '2026-03-08T02:15:00Z', []],
    ['a fixed offset', '+05:30', '2026-03-08T02:15:00Z', ['2026-03-07T20:45:00.000Z']],
    ['UTC', 'UTC', '2026-03-08T02:15:00Z', ['2026-03-08T02:15:00.000Z']],
  ])('%s', (_name, zone, wall, expected) => {
    expect(instantsAtWallTime(zone, Date.parse(wall)).map((t) => new Date(t).toISOString())).toEqual(
      expected,
    );
  });
});

describe('Function: applyWindow', () => {
  const sunday3utc = { dayOfWeek: 'SUNDAY', timeOfDay: '03:00', timeZone: 'UTC' };

  it.each([
    ['before the start', '2026-11-22T02:59:59Z', undefined],
    ['at the start', '2026-11-22T03:00:00Z', ['2026-11-22T03:00:00.000Z', '2026-11-22T05:00:00.000Z']],
    ['just before the end', '2026-11-22T04:59:59Z', ['2026-11-22T03:00:00.000Z', '2026-11-22T05:00:00.000Z']],
    ['at the end', '2026-11-22T05:00:00Z', undefined],
    ['another day', '2026-11-25T03:30:00Z', undefined],
  ])('is the whole window on ordinary days: %s', (_name, iso, expected) => {
    expect(span(sunday3utc, iso)).toEqual(expected);
  });

  it('is nothing without a window or with an unreadable one', () => {
    expect(applyWindow(undefined, at('2026-11-22T03:30:00Z'))).toBeUndefined();
    expect(
      applyWindow(
        { dayOfWeek: 'SUNDAY', timeOfDay: '03:00', timeZone: 'Mars/Base' },
        at('2026-11-22T03:30:00Z'),
      ),
    ).toBeUndefined();
  });

  it('skips the week whose start falls in skipped local time (Berlin, 2026-03-29 02:30)', () => {
    const window = { dayOfWeek: 'SUNDAY', timeOfDay: '02:30', timeZone: 'Europe/Berlin' };
    for (const iso of ['2026-03-29T00:45:00Z', '2026-03-29T01:15:00Z', '2026-03-29T02:00:00Z']) {
      expect(span(window, iso)).toBeUndefined();
    }
    // The Sunday after is ordinary: 02:30 CEST is 00:30 UTC.
    expect(span(window, '2026-04-05T01:00:00Z')).toEqual([
      '2026-04-05T00:30:00.000Z',
      '2026-04-05T02:30:00.000Z',
    ]);
  });

  it('takes what both readings of a repeated start agree on (Berlin, 2026-10-25 02:30)', () => {
    const window = { dayOfWeek: 'SUNDAY', timeOfDay: '02:30', timeZone: 'Europe/Berlin' };
    // 02:30 happens at 00:30 UTC (CEST) and 01:30 UTC (CET): the window is only sure from 01:30 to 02:30 UTC.
    expect(span(window, '2026-10-25T01:00:00Z')).toBeUndefined();
    expect(span(window, '2026-10-25T01:45:00Z')).toEqual([
      '2026-10-25T01:30:00.000Z',
      '2026-10-25T02:30:00.000Z',
    ]);
    expect(span(window, '2026-10-25T02:45:00Z')).toBeUndefined();
    expect(inMaintenanceWindow(window, at('2026-10-25T02:45:00Z'))).toBe(true);
  });

  it('ends at the earlier of two hours and the wall clock two hours on, when clocks jump inside the window', () => {
    // 01:30 CET = 00:30 UTC; clocks jump at 01:00 UTC; 03:30 CEST = 01:30 UTC, one real hour later.
    const window = { dayOfWeek: 'SUNDAY', timeOfDay: '01:30', timeZone: 'Europe/Berlin' };
    expect(span(window, '2026-03-29T01:00:00Z')).toEqual([
      '2026-03-29T00:30:00.000Z',
      '2026-03-29T01:30:00.000Z',
    ]);
    expect(span(window, '2026-03-29T01:45:00Z')).toBeUndefined();
  });

  it('takes the later reading of a repeated start in Sydney (DST ends 2026-04-05, 03:00 → 02:00)', () => {
    // 02:30 AEDT is 15:30 UTC, 02:30 AEST is 16:30 UTC; the first reading's window ends at 17:30 UTC.
    const window = { dayOfWeek: 'SUNDAY', timeOfDay: '02:30', timeZone: 'Australia/Sydney' };
    expect(span(window, '2026-04-04T15:45:00Z')).toBeUndefined();
    expect(span(window, '2026-04-04T16:45:00Z')).toEqual([
      '2026-04-04T16:30:00.000Z',
      '2026-04-04T17:30:00.000Z',
    ]);
    expect(span(window, '2026-04-04T17:45:00Z')).toBeUndefined();
  });

  it('has no window when its start is skipped in Auckland (DST starts 2026-09-27, 02:00 → 03:00)', () => {
    const window = { dayOfWeek: 'SUNDAY', timeOfDay: '02:30', timeZone: 'Pacific/Auckland' };
    // The project's reading puts the start at 01:30 NZST (13:30 UTC); no instant shows 02:30 that day.
    expect(inMaintenanceWindow(window, at('2026-09-26T14:15:00Z'))).toBe(true);
    expect(span(window, '2026-09-26T14:15:00Z')).toBeUndefined();
    expect(span(window, '2026-10-03T14:00:00Z')).toEqual([
      '2026-10-03T13:30:00.000Z',
      '2026-10-03T15:30:00.000Z',
    ]);
  });

  it('finds the start near a clock change far from UTC, as lastWindowStart does (Sydney, SUNDAY 01:00 on 2026-04-05)', () => {
    const window = { dayOfWeek: 'SUNDAY', timeOfDay: '01:00', timeZone: 'Australia/Sydney' };
    // 01:00 AEDT is 14:00 UTC; the clocks go back at 16:00 UTC, two real hours later, so the window ends then.
    expect(span(window, '2026-04-04T14:00:00Z')).toEqual([
      '2026-04-04T14:00:00.000Z',
      '2026-04-04T16:00:00.000Z',
    ]);
    expect(span(window, '2026-04-04T16:30:00Z')).toBeUndefined();
    // The shared helper reads the same start (it used to put it an hour late, at 15:00 UTC).
    expect(lastWindowStart(window, at('2026-04-04T16:30:00Z'))?.toISOString()).toBe(
      '2026-04-04T14:00:00.000Z',
    );
  });
});
