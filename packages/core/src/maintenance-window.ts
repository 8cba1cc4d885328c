/**
 * Amazon MQ maintenance windows: a weekly start (day, HH:MM, time zone) and a two-hour span. Used to hold alerts
 * inside a window, to tell planned reboots from unplanned ones, and to plan resizes.
 *
 * The start is a wall-clock time in the window's zone. On days when the zone changes its clocks it is read this way
 * (Amazon MQ does not document its own reading):
 * - a start in skipped local time (02:30 on the spring-forward Sunday in Europe/Berlin) is the first instant the wall
 *   clock shows that time or later, i.e. the instant of the change (03:00 CEST);
 * - a start in repeated local time (02:30 on the fall-back Sunday) is the later of its two instants, the one after
 *   the change: its two hours then end when the wall clock shows HH:MM + 2 h, with no clock change inside them.
 * `capacity/apply-window.ts` narrows these days further, to what every reading agrees on, before it starts a resize.
 */

export interface WeeklyWindow {
  dayOfWeek: string;
  timeOfDay: string;
  /** IANA zone, `UTC`, or an offset like `+02:00`; default UTC. */
  timeZone?: string;
}

/** How long Amazon MQ's maintenance window lasts. */
export const MAINTENANCE_WINDOW_HOURS = 2;

const DAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Farther than any zone's offset from UTC (−12:00 … +14:00), so probes this far apart see both sides of a change. */
const PROBE = 14 * HOUR;

/** One formatter per zone (building one costs ~50 µs; formatting with it ~1 µs); `undefined` for an unknown zone. */
const formatters = new Map<string, Intl.DateTimeFormat | undefined>();
/** Zones come from broker data; bound the cache so odd values can't grow it without end. */
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

/** Offset in minutes of `timeZone` at `instant`; undefined for a zone that does not exist. */
export function zoneOffsetMinutes(timeZone: string | undefined, instant: Date): number | undefined {
  const tz = timeZone?.trim() || 'UTC';
  const fixed = /^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$/.exec(tz);
  if (fixed) {
    const minutes = Number(fixed[2]) * 60 + Number(fixed[3] ?? 0);
    return fixed[1] === '-' ? -minutes : minutes;
  }
  const format = formatterFor(tz);
  if (!format) return undefined;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = format.formatToParts(instant);
  } catch {
    return undefined;
  }
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return Math.round((asUtc - Math.floor(instant.getTime() / MINUTE) * MINUTE) / MINUTE);
}

/**
 * Instants whose wall-clock time in `timeZone` is `wall` (epoch ms of the wall time read as if it were UTC): none in
 * skipped time, two in repeated time, one otherwise.
 */
export function instantsAtWallTime(timeZone: string | undefined, wall: number): number[] {
  const offsets = new Set<number>();
  for (const probe of [wall - PROBE, wall, wall + PROBE]) {
    const offset = zoneOffsetMinutes(timeZone, new Date(probe));
    if (offset !== undefined) offsets.add(offset);
  }
  const found = new Set<number>();
  for (const offset of offsets) {
    const instant = wall - offset * MINUTE;
    if (zoneOffsetMinutes(timeZone, new Date(instant)) === offset) found.add(instant);
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * The first instant at which the wall clock of `timeZone` shows `wall` or later: the earliest instant showing it, or,
 * when `wall` is skipped by a clock change, the instant of the change.
 */
export function firstInstantAtOrAfterWallTime(
  timeZone: string | undefined,
  wall: number,
): number | undefined {
  const exact = instantsAtWallTime(timeZone, wall);
  if (exact.length) return exact[0];
  const offsets = [wall - PROBE, wall + PROBE]
    .map((probe) => zoneOffsetMinutes(timeZone, new Date(probe)))
    .filter((o): o is number => o !== undefined);
  if (offsets.length < 2) return undefined;
  // Skipped: before the change the clock shows less than `wall`, after it more. Find the change to the minute.
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

/**
 * The instant the window starts on the wall-clock day and time `wall` (epoch ms of that wall time read as if it were
 * UTC), read as the module comment says: the later instant of a repeated time, the change itself for a skipped one.
 */
function startAtWallTime(timeZone: string | undefined, wall: number): number | undefined {
  const exact = instantsAtWallTime(timeZone, wall);
  return exact.length ? exact[exact.length - 1] : firstInstantAtOrAfterWallTime(timeZone, wall);
}

/**
 * The window's starts on the local days around `at` (eight days either side of its local date, so the last start
 * at or before it and the first one after it are both among them), ascending; undefined for a window that cannot
 * be read.
 */
function startsAround(window: WeeklyWindow, at: Date): number[] | undefined {
  const day = DAYS.indexOf(window.dayOfWeek.toUpperCase());
  const time = /^(\d{2}):(\d{2})$/.exec(window.timeOfDay);
  if (day < 0 || !time) return undefined;
  const hh = Number(time[1]);
  const mm = Number(time[2]);
  if (hh > 23 || mm > 59 || Number.isNaN(at.getTime())) return undefined;
  const offset = zoneOffsetMinutes(window.timeZone, at);
  if (offset === undefined) return undefined;
  const local = new Date(at.getTime() + offset * MINUTE);
  const today = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  const starts: number[] = [];
  for (let shift = -8; shift <= 8; shift++) {
    const date = today + shift * DAY;
    if (new Date(date).getUTCDay() !== day) continue;
    const start = startAtWallTime(window.timeZone, date + hh * HOUR + mm * MINUTE);
    if (start !== undefined) starts.push(start);
  }
  return starts.sort((a, b) => a - b);
}

/**
 * The most recent start of the window at or before `at`, or undefined for a window that cannot be read (an
 * unknown day, time or zone). Clock changes are read as the module comment says.
 *
 * @example
 * lastWindowStart({ dayOfWeek: 'SUNDAY', timeOfDay: '01:00', timeZone: 'Australia/Sydney' }, new Date('2026-04-04T16:30:00Z'));
 * // → 2026-04-04T14:00:00.000Z (01:00 AEDT; the clocks go back at 16:00 UTC)
 */
export function lastWindowStart(window: WeeklyWindow, at: Date): Date | undefined {
  const starts = startsAround(window, at);
  const last = starts?.filter((start) => start <= at.getTime()).pop();
  return last === undefined ? undefined : new Date(last);
}

/** The next start of the window strictly after `at`. */
export function nextWindowStart(window: WeeklyWindow, at: Date): Date | undefined {
  const next = startsAround(window, at)?.find((start) => start > at.getTime());
  return next === undefined ? undefined : new Date(next);
}

/** True when `at` falls inside the window (its start plus two hours). */
export function inMaintenanceWindow(
  window: WeeklyWindow | undefined,
  at: Date,
  hours = MAINTENANCE_WINDOW_HOURS,
): boolean {
  if (!window) return false;
  const start = lastWindowStart(window, at);
  return start !== undefined && at.getTime() < start.getTime() + hours * HOUR;
}
