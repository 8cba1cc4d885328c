/**
 * The part of a maintenance window a resize may use. Amazon MQ defines the window as a weekly start (day, HH:MM,
 * time zone) and two hours; on days when the zone changes its clocks that definition has more than one reading:
 * - the start falls in skipped local time (e.g. 02:30 on the spring-forward Sunday in Europe/Berlin): it does not
 *   exist that day;
 * - the start falls in repeated local time (02:30 on the fall-back Sunday): it happens twice;
 * - the clocks change inside the two hours: "two hours" can end at start + 2 h, or when the wall clock shows
 *   HH:MM + 2 h (one hour earlier or later; at the change itself when that wall time is skipped).
 * Amazon MQ does not document which reading it uses. A resize must never start outside the window, so this module
 * takes what every reading agrees on: the latest possible start to the earliest possible end, and no window at all
 * the week its start does not exist. On ordinary days that is exactly the window `inMaintenanceWindow` reads.
 */
import {
  firstInstantAtOrAfterWallTime,
  instantsAtWallTime,
  MAINTENANCE_WINDOW_HOURS,
  type WeeklyWindow,
  zoneOffsetMinutes,
} from '../maintenance-window';

export { firstInstantAtOrAfterWallTime, instantsAtWallTime };

/** A window occurrence every reading of the schedule agrees on. */
export interface WindowSpan {
  start: Date;
  end: Date;
}

const MINUTE = 60_000;

const DAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];

/**
 * The occurrence of the window that contains `now`, as narrowed above, or undefined when `now` is outside it (or
 * the window cannot be read, or its start does not exist this week).
 *
 * The occurrence is found from the local calendar day of `now` (the window started today or yesterday, at most
 * three hours ago); a start that does not exist this week (a skipped hour) means no resize that week, and a
 * repeated start takes the later instant and the earlier end: the narrowest reading.
 *
 * @example
 * const span = applyWindow(broker.maintenanceWindow, now);
 * if (span && now.getTime() + 10 * 60_000 <= span.end.getTime()) { ...there is time to start a resize }
 */
export function applyWindow(window: WeeklyWindow | undefined, now: Date): WindowSpan | undefined {
  if (!window) return undefined;
  const day = DAYS.indexOf(window.dayOfWeek.trim().toUpperCase());
  const time = /^(\d{2}):(\d{2})$/.exec(window.timeOfDay);
  const [hh, mm] = time ? [Number(time[1]), Number(time[2])] : [99, 99];
  if (day < 0 || hh > 23 || mm > 59) return undefined;
  const offset = zoneOffsetMinutes(window.timeZone, now);
  if (offset === undefined) return undefined;
  const local = new Date(now.getTime() + offset * MINUTE);
  const span = MAINTENANCE_WINDOW_HOURS * 3_600_000;
  for (const back of [0, 1]) {
    const date = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() - back));
    if (date.getUTCDay() !== day) continue;
    const wallStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), hh, mm);
    const starts = instantsAtWallTime(window.timeZone, wallStart);
    if (starts.length === 0) continue;
    const wallEnd = firstInstantAtOrAfterWallTime(window.timeZone, wallStart + span);
    const ends = [...starts.map((s) => s + span), ...(wallEnd !== undefined ? [wallEnd] : [])];
    const start = Math.max(...starts);
    const end = Math.min(...ends);
    if (start <= now.getTime() && now.getTime() < end) return { start: new Date(start), end: new Date(end) };
  }
  return undefined;
}
