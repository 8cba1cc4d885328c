/**
 * Maintenance windows for the emulated Amazon MQ: a weekly start (day, HH:MM, time zone) at which pending changes
 * are applied. A standalone copy of the reading in `@mqops/core` (the emulator imports nothing from the product).
 *
 * The start is a wall-clock time in the window's zone. On days when the zone changes its clocks it is read this way
 * (Amazon MQ does not document its own reading):
 * - a start in skipped local time (02:30 on the spring-forward Sunday in Europe/Berlin) is the first instant the wall
 *   clock shows that time or later, i.e. the instant of the change (03:00 CEST);
 * - a start in repeated local time (02:30 on the fall-back Sunday) is the later of its two instants.
 */

/** A broker's weekly maintenance window start, as the MQ API shows it. */
export interface WeeklyStart {
  DayOfWeek: string;
  TimeOfDay: string;
  TimeZone?: string;
}

const DAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Farther than any zone's offset from UTC (−12:00 … +14:00), so probes this far apart see both sides of a change. */
const PROBE = 14 * HOUR;
/** How far back from `to` maintenanceWindowStartsBetween looks: a window starts once a week. */
const LOOK_BACK = 8 * DAY;

/** One formatter per zone (building one costs ~50 µs; formatting with it ~1 µs); `undefined` for an unknown zone. */
const formatters = new Map<string, Intl.DateTimeFormat | undefined>();
/** Zones come from API calls; bound the cache so odd values can't grow it without end. */
const MAX_CACHED_ZONES = 256;

function formatterFor(timeZone: string): Intl.DateTimeFormat | undefined {
  if (formatters.has(timeZone)) return formatters.get(timeZone);
  let format: Intl.DateTimeFormat | undefined;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
  } catch {
    format = undefined;
  }
  if (formatters.size >= MAX_CACHED_ZONES) formatters.clear();
  formatters.set(timeZone, format);
  return format;
}

/**
 * Offset in minutes of `timeZone` (IANA name, `UTC`, or `+HH:MM`/`-HH:MM`) at `instant`. An unknown zone reads as
 * UTC (0): Amazon MQ would refuse it; UTC keeps the emulator going.
 */
export function zoneOffsetMinutes(timeZone: string | undefined, instant: Date): number {
  const tz = timeZone?.trim() || 'UTC';
  const fixed = /^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$/.exec(tz);
  if (fixed) {
    const minutes = Number(fixed[2]) * 60 + Number(fixed[3] ?? 0);
    return fixed[1] === '-' ? -minutes : minutes;
  }
  const format = formatterFor(tz);
  if (!format) return 0;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = format.formatToParts(instant);
  } catch {
    return 0; // An invalid instant.
  }
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return Math.round((asUtc - Math.floor(instant.getTime() / MINUTE) * MINUTE) / MINUTE);
}

/**
 * The instant the window starts on the wall-clock day and time `wall` (epoch ms of that wall time read as if it were
 * UTC), read as the module comment says: the later instant of a repeated time, the change itself for a skipped one.
 */
function startAtWallTime(timeZone: string | undefined, wall: number): number | undefined {
  // Every instant showing `wall` is `wall - offset` for an offset the zone uses within PROBE of it.
  const offsets = new Set<number>();
  for (const probe of [wall - PROBE, wall, wall + PROBE])
    offsets.add(zoneOffsetMinutes(timeZone, new Date(probe)));
  let latest: number | undefined;
  for (const offset of offsets) {
    const instant = wall - offset * MINUTE;
    if (
      zoneOffsetMinutes(timeZone, new Date(instant)) === offset &&
      (latest === undefined || instant > latest)
    )
      latest = instant;
  }
  if (latest !== undefined || offsets.size < 2) return latest;
  // Skipped: the clock jumps from below `wall` to above it somewhere between the readings with the largest and the
  // smallest offset. Find the jump to the minute.
  let low = wall - Math.max(...offsets) * MINUTE;
  let high = wall - Math.min(...offsets) * MINUTE;
  const before = zoneOffsetMinutes(timeZone, new Date(low));
  while (high - low > MINUTE) {
    const mid = low + Math.floor((high - low) / 2 / MINUTE) * MINUTE;
    if (zoneOffsetMinutes(timeZone, new Date(mid)) === before) low = mid;
    else high = mid;
  }
  return high;
}

/** Epoch ms of the local calendar date (midnight, read as UTC) of `instant` in `timeZone`. */
function localDate(timeZone: string | undefined, instant: number): number {
  const local = new Date(instant + zoneOffsetMinutes(timeZone, new Date(instant)) * MINUTE);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
}

/**
 * The first start of the weekly window in (from, to], or undefined (none, or a day or time the window cannot have).
 * Looks at most 8 days back from `to`, which is plenty: a window can only start once a week. Clock changes are read
 * as the module comment says.
 *
 * @example
 * maintenanceWindowStartsBetween(
 *   { DayOfWeek: 'SUNDAY', TimeOfDay: '01:00', TimeZone: 'Australia/Sydney' },
 *   new Date('2026-04-04T00:00:00Z'),
 *   new Date('2026-04-05T00:00:00Z'),
 * );
 * // → 2026-04-04T14:00:00.000Z (01:00 AEDT; the clocks go back at 16:00 UTC)
 */
export function maintenanceWindowStartsBetween(window: WeeklyStart, from: Date, to: Date): Date | undefined {
  const day = DAYS.indexOf(window.DayOfWeek.toUpperCase());
  const time = /^(\d{2}):(\d{2})$/.exec(window.TimeOfDay);
  if (day < 0 || !time) return undefined;
  const hh = Number(time[1]);
  const mm = Number(time[2]);
  const fromMs = from.getTime();
  const toMs = to.getTime();
  if (hh > 23 || mm > 59 || Number.isNaN(fromMs) || Number.isNaN(toMs) || toMs <= fromMs) return undefined;
  const lowest = Math.max(fromMs, toMs - LOOK_BACK);
  // A start lies within a day of its local date (offsets are under 14 h; a clock change moves it by a few hours).
  const first = localDate(window.TimeZone, lowest) - DAY;
  const last = localDate(window.TimeZone, toMs) + DAY;
  for (let date = first; date <= last; date += DAY) {
    if (new Date(date).getUTCDay() !== day) continue;
    const start = startAtWallTime(window.TimeZone, date + hh * HOUR + mm * MINUTE);
    if (start !== undefined && start > fromMs && start <= toMs) return new Date(start);
  }
  return undefined;
}
