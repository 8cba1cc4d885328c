import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  inMaintenanceWindow,
  lastWindowStart,
  nextWindowStart,
  zoneOffsetMinutes,
} from '../../src/maintenance-window';

const sunday3utc = { dayOfWeek: 'SUNDAY', timeOfDay: '03:00', timeZone: 'UTC' };
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const iso = (d: Date | undefined) => d?.toISOString();

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

  it.each([
    ['an hour past midnight', '24:00'],
    ['a minute past the hour', '03:60'],
  ])('reads nothing from a time of day out of range: %s', (_name, timeOfDay) => {
    const window = { dayOfWeek: 'SUNDAY', timeOfDay, timeZone: 'UTC' };
    expect(lastWindowStart(window, new Date('2026-11-25T12:00:00Z'))).toBeUndefined();
    expect(nextWindowStart(window, new Date('2026-11-25T12:00:00Z'))).toBeUndefined();
  });

  it('finds a start on the previous UTC day in a zone far ahead of UTC, next to a clock change (Sydney, 2026-04-05)', () => {
    // SUNDAY 01:00 AEDT (UTC+11) is Saturday 14:00 UTC; the clocks go back two hours later (03:00 AEDT → 02:00 AEST,
    // 16:00 UTC). Reading the offset at 01:00 UTC on Sunday (already AEST) would put the start an hour late.
    const window = { dayOfWeek: 'SUNDAY', timeOfDay: '01:00', timeZone: 'Australia/Sydney' };
    expect(iso(lastWindowStart(window, new Date('2026-04-04T16:30:00Z')))).toBe('2026-04-04T14:00:00.000Z');
    expect(iso(lastWindowStart(window, new Date('2026-04-04T14:00:00Z')))).toBe('2026-04-04T14:00:00.000Z');
    expect(iso(lastWindowStart(window, new Date('2026-04-04T13:59:00Z')))).toBe('2026-03-28T14:00:00.000Z');
    expect(iso(nextWindowStart(window, new Date('2026-04-01T00:00:00Z')))).toBe('2026-04-04T14:00:00.000Z');
    // The Sunday after is in AEST (UTC+10).
    expect(iso(nextWindowStart(window, new Date('2026-04-04T14:00:00Z')))).toBe('2026-04-11T15:00:00.000Z');
    expect(inMaintenanceWindow(window, new Date('2026-04-04T15:59:00Z'))).toBe(true);
    expect(inMaintenanceWindow(window, new Date('2026-04-04T16:00:00Z'))).toBe(false);
  });

  // [case, zone, day, time, start]: the instant the window starts that day. Skipped starts are the instant of the
  // change (the first instant the wall clock shows the time or later); repeated ones the later reading.
  it.each([
    [
      'New York, day before spring forward',
      'America/New_York',
      'SATURDAY',
      '02:30',
      '2026-03-07T07:30:00.000Z',
    ],
    [
      'New York, skipped 02:30 (2026-03-08)',
      'America/New_York',
      'SUNDAY',
      '02:30',
      '2026-03-08T07:00:00.000Z',
    ],
    ['New York, day after spring forward', 'America/New_York', 'MONDAY', '02:30', '2026-03-09T06:30:00.000Z'],
    ['New York, day before fall back', 'America/New_York', 'SATURDAY', '01:30', '2026-10-31T05:30:00.000Z'],
    [
      'New York, repeated 01:30 (2026-11-01)',
      'America/New_York',
      'SUNDAY',
      '01:30',
      '2026-11-01T06:30:00.000Z',
    ],
    ['New York, day after fall back', 'America/New_York', 'MONDAY', '01:30', '2026-11-02T06:30:00.000Z'],
    ['Berlin, day before spring forward', 'Europe/Berlin', 'SATURDAY', '02:30', '2026-03-28T01:30:00.000Z'],
    ['Berlin, skipped 02:30 (2026-03-29)', 'Europe/Berlin', 'SUNDAY', '02:30', '2026-03-29T01:00:00.000Z'],
    ['Berlin, day after spring forward', 'Europe/Berlin', 'MONDAY', '02:30', '2026-03-30T00:30:00.000Z'],
    ['Berlin, day before fall back', 'Europe/Berlin', 'SATURDAY', '02:30', '2026-10-24T00:30:00.000Z'],
    ['Berlin, repeated 02:30 (2026-10-25)', 'Europe/Berlin', 'SUNDAY', '02:30', '2026-10-25T01:30:00.000Z'],
    ['Berlin, day after fall back', 'Europe/Berlin', 'MONDAY', '02:30', '2026-10-26T01:30:00.000Z'],
    ['Auckland, day before fall back', 'Pacific/Auckland', 'SATURDAY', '02:30', '2026-04-03T13:30:00.000Z'],
    [
      'Auckland, repeated 02:30 (2026-04-05)',
      'Pacific/Auckland',
      'SUNDAY',
      '02:30',
      '2026-04-04T14:30:00.000Z',
    ],
    ['Auckland, day after fall back', 'Pacific/Auckland', 'MONDAY', '02:30', '2026-04-05T14:30:00.000Z'],
    [
      'Auckland, day before spring forward',
      'Pacific/Auckland',
      'SATURDAY',
      '02:30',
      '2026-09-25T14:30:00.000Z',
    ],
    [
      'Auckland, skipped 02:30 (2026-09-27)',
      'Pacific/Auckland',
      'SUNDAY',
      '02:30',
      '2026-09-26T14:00:00.000Z',
    ],
    ['Auckland, day after spring forward', 'Pacific/Auckland', 'MONDAY', '02:30', '2026-09-27T13:30:00.000Z'],
    [
      'São Paulo, day before spring forward',
      'America/Sao_Paulo',
      'SATURDAY',
      '00:30',
      '2018-11-03T03:30:00.000Z',
    ],
    [
      'São Paulo, skipped 00:30 (2018-11-04)',
      'America/Sao_Paulo',
      'SUNDAY',
      '00:30',
      '2018-11-04T03:00:00.000Z',
    ],
    [
      'São Paulo, day after spring forward',
      'America/Sao_Paulo',
      'MONDAY',
      '00:30',
      '2018-11-05T02:30:00.000Z',
    ],
    ['São Paulo, day before fall back', 'America/Sao_Paulo', 'FRIDAY', '23:30', '2019-02-16T01:30:00.000Z'],
    [
      'São Paulo, repeated 23:30 (2019-02-16)',
      'America/Sao_Paulo',
      'SATURDAY',
      '23:30',
      '2019-02-17T02:30:00.000Z',
    ],
    ['São Paulo, day after fall back', 'America/Sao_Paulo', 'SUNDAY', '23:30', '2019-02-18T02:30:00.000Z'],
  ])('reads the start around a clock change: %s', (_name, timeZone, dayOfWeek, timeOfDay, expected) => {
    const window = { dayOfWeek, timeOfDay, timeZone };
    const start = Date.parse(expected);

    const atStart = lastWindowStart(window, new Date(start));
    const dayLater = lastWindowStart(window, new Date(start + DAY));
    const before = lastWindowStart(window, new Date(start - MIN));
    const next = nextWindowStart(window, new Date(start - MIN));
    const after = nextWindowStart(window, new Date(start));

    expect(iso(atStart)).toBe(expected);
    expect(iso(dayLater)).toBe(expected);
    expect(iso(next)).toBe(expected);
    // The neighbouring starts are a week away, give or take the clock change.
    expect(Math.abs(start - (before?.getTime() ?? 0) - 7 * DAY)).toBeLessThanOrEqual(HOUR);
    expect(Math.abs((after?.getTime() ?? 0) - start - 7 * DAY)).toBeLessThanOrEqual(HOUR);
    expect(inMaintenanceWindow(window, new Date(start + 2 * HOUR - MIN))).toBe(true);
    expect(inMaintenanceWindow(window, new Date(start + 2 * HOUR))).toBe(false);
  });

  it('counts a repeated start from its second reading (Berlin, 02:30 on 2026-10-25)', () => {
    // 02:30 CEST (00:30 UTC) comes before the clocks go back at 01:00 UTC, 02:30 CET (01:30 UTC) after. Between the
    // two the window of the week before is the last start.
    const window = { dayOfWeek: 'SUNDAY', timeOfDay: '02:30', timeZone: 'Europe/Berlin' };
    expect(iso(lastWindowStart(window, new Date('2026-10-25T01:00:00Z')))).toBe('2026-10-18T00:30:00.000Z');
    expect(iso(nextWindowStart(window, new Date('2026-10-25T00:30:00Z')))).toBe('2026-10-25T01:30:00.000Z');
    expect(inMaintenanceWindow(window, new Date('2026-10-25T01:00:00Z'))).toBe(false);
    expect(inMaintenanceWindow(window, new Date('2026-10-25T03:29:00Z'))).toBe(true);
  });
});

describe('Function: zoneOffsetMinutes', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it.each([
    ['UTC by default', undefined, '2026-07-01T12:00:00Z', 0],
    ['a fixed offset', '+05:30', '2026-07-01T12:00:00Z', 330],
    ['a fixed offset with a prefix', 'UTC-03:00', '2026-07-01T12:00:00Z', -180],
    ['Berlin in summer', 'Europe/Berlin', '2026-07-01T12:00:00Z', 120],
    ['Berlin in winter', 'Europe/Berlin', '2026-01-15T12:00:00Z', 60],
    ['Sydney just before the clocks go back', 'Australia/Sydney', '2026-04-04T15:59:00Z', 660],
    ['Sydney as they go back', 'Australia/Sydney', '2026-04-04T16:00:00Z', 600],
    ['an unknown zone', 'Mars/Olympus', '2026-07-01T12:00:00Z', undefined],
  ])('%s', (_name, zone, instant, expected) => {
    expect(zoneOffsetMinutes(zone, new Date(instant))).toBe(expected);
  });

  it('builds one formatter per zone, not one per call', () => {
    // Count the formatters asked for, while still building real ones.
    let built = 0;
    class Counting extends Intl.DateTimeFormat {
      constructor(...args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
        built++;
        super(...args);
      }
    }
    vi.stubGlobal('Intl', { ...Intl, DateTimeFormat: Counting });
    for (let hour = 0; hour < 50; hour++) {
      zoneOffsetMinutes('Asia/Kathmandu', new Date(Date.UTC(2026, 0, 1, hour)));
      zoneOffsetMinutes('Nowhere/Atlantis', new Date(Date.UTC(2026, 0, 1, hour)));
    }
    expect(zoneOffsetMinutes('Asia/Kathmandu', new Date('2026-01-01T00:00:00Z'))).toBe(345);
    expect(zoneOffsetMinutes('Nowhere/Atlantis', new Date('2026-01-01T00:00:00Z'))).toBeUndefined();
    // One for Kathmandu, one attempt for the unknown zone (the constructor throws; the failure is remembered).
    expect(built).toBe(2);
  });
});

/**
 * Property: the starts agree with an oracle that reads wall-clock time on its own (Intl for IANA zones, offset
 * arithmetic for fixed offsets) and finds the instants showing the window's day and time by scanning.
 */
describe('Property: lastWindowStart / nextWindowStart', () => {
  const DAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];
  const IANA = [
    'America/New_York',
    'Europe/Berlin',
    'Pacific/Auckland',
    'America/Sao_Paulo',
    'Australia/Sydney',
  ];
  const FIXED = ['UTC', '+05:30', '-03:00', '+00:00', 'UTC+09:00', '-09:30', '+12:45'];
  /** Clock changes of the IANA zones (UTC instants). */
  const CHANGES: [string, string][] = [
    ['America/New_York', '2026-03-08T07:00:00Z'],
    ['America/New_York', '2026-11-01T06:00:00Z'],
    ['Europe/Berlin', '2026-03-29T01:00:00Z'],
    ['Europe/Berlin', '2026-10-25T01:00:00Z'],
    ['Pacific/Auckland', '2026-04-04T14:00:00Z'],
    ['Pacific/Auckland', '2026-09-26T14:00:00Z'],
    ['America/Sao_Paulo', '2018-11-04T03:00:00Z'],
    ['America/Sao_Paulo', '2019-02-17T02:00:00Z'],
    ['Australia/Sydney', '2026-04-04T16:00:00Z'],
    ['Australia/Sydney', '2026-10-03T16:00:00Z'],
  ];
  const formats = new Map<string, Intl.DateTimeFormat>();

  /** The wall clock of `zone` at `instant`, as epoch ms of that wall time read as UTC (seconds dropped). */
  function wallOf(zone: string, instant: number): number {
    const fixed = /^(?:UTC)?([+-])(\d{2}):(\d{2})$/.exec(zone);
    if (fixed || zone === 'UTC') {
      const offset = fixed ? (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3])) : 0;
      return Math.floor(instant / MIN) * MIN + offset * MIN;
    }
    let format = formats.get(zone);
    if (!format) {
      format = new Intl.DateTimeFormat('en-GB', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
      });
      formats.set(zone, format);
    }
    const part = Object.fromEntries(format.formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
    return Date.UTC(
      Number(part.year),
      Number(part.month) - 1,
      Number(part.day),
      Number(part.hour),
      Number(part.minute),
    );
  }

  /** The latest wall time at or before `wall` on the window's day and minute of the day. */
  function windowWallAtOrBefore(day: number, minute: number, wall: number): number {
    const date = Math.floor(wall / DAY) * DAY;
    const back = (new Date(date).getUTCDay() - day + 7) % 7;
    const candidate = date - back * DAY + minute * MIN;
    return candidate <= wall ? candidate : candidate - 7 * DAY;
  }

  /**
   * When the window whose wall time is `target` starts: the last instant showing it (offsets are whole quarter
   * hours, so scanning in quarter hours from the target finds them all), else the first minute showing a later time.
   */
  function oracleStart(zone: string, target: number): number {
    const showing: number[] = [];
    let firstLater: number | undefined;
    for (let t = target - 14 * HOUR; t <= target + 14 * HOUR; t += 15 * MIN) {
      const wall = wallOf(zone, t);
      if (wall === target) showing.push(t);
      if (wall > target && firstLater === undefined) firstLater = t;
    }
    if (showing.length) return Math.max(...showing);
    if (firstLater === undefined)
      throw new Error(`no instant reaches ${new Date(target).toISOString()} in ${zone}`);
    let t = firstLater - 15 * MIN;
    while (wallOf(zone, t) < target) t += MIN;
    return t;
  }

  const anyWindow = fc.record({
    zone: fc.constantFrom(...IANA, ...FIXED),
    day: fc.integer({ min: 0, max: 6 }),
    minute: fc.oneof(
      fc.integer({ min: 0, max: 95 }).map((q) => q * 15),
      fc.integer({ min: 0, max: 1439 }),
    ),
    at: fc.integer({ min: Date.UTC(2015, 0, 1), max: Date.UTC(2035, 0, 1) }),
  });
  /** A window starting within 90 minutes of the wall time at which the clocks change, and an instant near it. */
  const nearChange = fc
    .record({
      change: fc.constantFrom(...CHANGES),
      shift: fc.oneof(
        fc.integer({ min: -6, max: 6 }).map((q) => q * 15),
        fc.integer({ min: -90, max: 90 }),
      ),
      at: fc.integer({ min: -9 * DAY, max: 9 * DAY }),
    })
    .map(({ change: [zone, when], shift, at }) => {
      const instant = Date.parse(when);
      const wall = wallOf(zone, instant - MIN) + MIN + shift * MIN;
      const date = new Date(wall);
      return {
        zone,
        day: date.getUTCDay(),
        minute: date.getUTCHours() * 60 + date.getUTCMinutes(),
        at: instant + at,
      };
    });

  it('finds the last start at or before and the next start after any instant', () => {
    fc.assert(
      fc.property(fc.oneof(anyWindow, nearChange), ({ zone, day, minute, at }) => {
        const hhmm = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
        const window = { dayOfWeek: DAYS[day] as string, timeOfDay: hhmm, timeZone: zone };

        const last = lastWindowStart(window, new Date(at))?.getTime();
        const next = nextWindowStart(window, new Date(at))?.getTime();

        expect(last).toBeDefined();
        expect(next).toBeDefined();
        if (last === undefined || next === undefined) return;
        expect(last).toBeLessThanOrEqual(at);
        // The wall clock shows the window's day and time at `last`, or jumps over it there (skipped time).
        const target = windowWallAtOrBefore(day, minute, wallOf(zone, last));
        if (wallOf(zone, last) !== target) expect(wallOf(zone, last - MIN)).toBeLessThan(target);
        // ...and does not show it again later (a repeated time counts from its second reading).
        for (let k = 1; k <= 8; k++) expect(wallOf(zone, last + k * 15 * MIN)).not.toBe(target);
        expect(last).toBe(oracleStart(zone, target));
        // No later start at or before `at`: the one a week on is after it, and it is the next start.
        const following = oracleStart(zone, target + 7 * DAY);
        expect(following).toBeGreaterThan(at);
        expect(next).toBe(following);
        expect(lastWindowStart(window, new Date(next))?.getTime()).toBe(next);
        expect(inMaintenanceWindow(window, new Date(at))).toBe(at < last + 2 * HOUR);
      }),
      { numRuns: 1_000 },
    );
  }, 30_000);
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
