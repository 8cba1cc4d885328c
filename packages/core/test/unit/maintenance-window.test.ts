import { describe, expect, it } from 'vitest';
import { inMaintenanceWindow, lastWindowStart, nextWindowStart } from '../../src/maintenance-window';

const sunday3utc = { dayOfWeek: 'SUNDAY', timeOfDay: '03:00', timeZone: 'UTC' };

describe('Function: lastWindowStart / nextWindowStart', () => {
  it('finds the weekly start around an instant (UTC)', () => {
    // 2026-11-25 is a Wednesday.
    expect(lastWindowStart(sunday3utc, new Date('2026-11-25T12:00:00Z'))?.toISOString()).toBe(
      '2026-11-22T03:00:00.000Z',
    );
    expect(nextWindowStart(sunday3utc, new Date('2026-11-25T12:00:00Z'))?.toISOString()).toBe(
      '2026-11-29T03:00:00.000Z',
    );
    expect(nextWindowStart(sunday3utc, new Date('2026-11-22T03:00:00Z'))?.toISOString()).toBe(
      '2026-11-29T03:00:00.000Z',
    );
  });

  it.each([
    ['Europe/Berlin in winter (UTC+1)', 'Europe/Berlin', '2026-11-25T12:00:00Z', '2026-11-25T13:00:00.000Z'],
    ['Europe/Berlin in summer (UTC+2)', 'Europe/Berlin', '2026-07-01T12:00:00Z', '2026-07-01T12:00:00.000Z'],
    ['a fixed offset', '-05:00', '2026-11-25T12:00:00Z', '2026-11-25T19:00:00.000Z'],
  ])('honours the time zone: %s', (_name, timeZone, at, expected) => {
    const window = { dayOfWeek: 'WEDNESDAY', timeOfDay: '14:00', timeZone };
    expect(
      nextWindowStart(window, new Date(new Date(at).getTime() - 86_400_000 * 7 + 1))?.toISOString(),
    ).toBeDefined();
    expect(lastWindowStart(window, new Date(new Date(expected).getTime() + 60_000))?.toISOString()).toBe(
      expected,
    );
  });

  it('reads nothing from a window it cannot understand', () => {
    expect(lastWindowStart({ dayOfWeek: 'FUNDAY', timeOfDay: '03:00' }, new Date())).toBeUndefined();
    expect(lastWindowStart({ dayOfWeek: 'SUNDAY', timeOfDay: '3am' }, new Date())).toBeUndefined();
    expect(
      lastWindowStart({ dayOfWeek: 'SUNDAY', timeOfDay: '03:00', timeZone: 'Mars/Olympus' }, new Date()),
    ).toBeUndefined();
  });
});

describe('Function: inMaintenanceWindow', () => {
  it.each([
    ['just before', '2026-11-22T02:59:00Z', false],
    ['at the start', '2026-11-22T03:00:00Z', true],
    ['inside', '2026-11-22T04:30:00Z', true],
    ['after two hours', '2026-11-22T05:00:00Z', false],
    ['another day', '2026-11-25T03:30:00Z', false],
  ])('%s → %s', (_name, at, inside) => {
    expect(inMaintenanceWindow(sunday3utc, new Date(at))).toBe(inside);
  });

  it('is never inside a missing window', () => {
    expect(inMaintenanceWindow(undefined, new Date())).toBe(false);
  });
});
