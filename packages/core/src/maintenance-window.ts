/**
 * Amazon MQ maintenance windows: a weekly start (day, HH:MM, time zone) and a two-hour span. Used to hold alerts
 * inside a window, to tell planned reboots from unplanned ones, and to plan resizes.
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

/** Offset in minutes of `timeZone` at `instant`; undefined for a zone that does not exist. */
export function zoneOffsetMinutes(timeZone: string | undefined, instant: Date): number | undefined {
  const tz = timeZone?.trim() || 'UTC';
  const fixed = /^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$/.exec(tz);
  if (fixed) {
    const minutes = Number(fixed[2]) * 60 + Number(fixed[3] ?? 0);
    return fixed[1] === '-' ? -minutes : minutes;
  }
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    }).formatToParts(instant);
  } catch {
    return undefined;
  }
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return Math.round((asUtc - Math.floor(instant.getTime() / 60_000) * 60_000) / 60_000);
}

/**
 * The most recent start of the window at or before `at`, or undefined for a window that cannot be read (an
 * unknown day, time or zone).
 */
export function lastWindowStart(window: WeeklyWindow, at: Date): Date | undefined {
  const day = DAYS.indexOf(window.dayOfWeek.toUpperCase());
  const time = /^(\d{2}):(\d{2})$/.exec(window.timeOfDay);
  if (day < 0 || !time) return undefined;
  let best: number | undefined;
  for (let back = -1; back <= 8; back++) {
    const probe = new Date(at.getTime() - back * 86_400_000);
    const offset = zoneOffsetMinutes(window.timeZone, probe);
    if (offset === undefined) return undefined;
    const local = new Date(probe.getTime() + offset * 60_000);
    if (local.getUTCDay() !== day) continue;
    const localStart = Date.UTC(
      local.getUTCFullYear(),
      local.getUTCMonth(),
      local.getUTCDate(),
      Number(time[1]),
      Number(time[2]),
    );
    const startOffset = zoneOffsetMinutes(window.timeZone, new Date(localStart)) ?? offset;
    const start = localStart - startOffset * 60_000;
    if (start <= at.getTime() && (best === undefined || start > best)) best = start;
  }
  return best === undefined ? undefined : new Date(best);
}

/** The next start of the window strictly after `at`. */
export function nextWindowStart(window: WeeklyWindow, at: Date): Date | undefined {
  const last = lastWindowStart(window, new Date(at.getTime() + 8 * 86_400_000));
  if (!last) return undefined;
  // Step back week by week to the first start after `at` (time-zone changes keep it within an hour of 7 days).
  let next = last;
  for (;;) {
    const previous = lastWindowStart(window, new Date(next.getTime() - 60_000));
    if (!previous || previous.getTime() <= at.getTime()) return next;
    next = previous;
  }
}

/** True when `at` falls inside the window (its start plus two hours). */
export function inMaintenanceWindow(
  window: WeeklyWindow | undefined,
  at: Date,
  hours = MAINTENANCE_WINDOW_HOURS,
): boolean {
  if (!window) return false;
  const start = lastWindowStart(window, at);
  return start !== undefined && at.getTime() < start.getTime() + hours * 3_600_000;
}
