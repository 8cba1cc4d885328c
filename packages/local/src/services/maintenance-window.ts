/** A broker's weekly maintenance window start, as the MQ API shows it. */
export interface WeeklyStart {
  DayOfWeek: string;
  TimeOfDay: string;
  TimeZone?: string;
}

const DAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];

/** Offset in minutes of `timeZone` (IANA name, `UTC`, or `+HH:MM`/`-HH:MM`) at `instant`. */
export function zoneOffsetMinutes(timeZone: string | undefined, instant: Date): number {
  const tz = timeZone && timeZone.trim() !== '' ? timeZone.trim() : 'UTC';
  const fixed = /^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$/.exec(tz);
  if (fixed) {
    const minutes = Number(fixed[2]) * 60 + Number(fixed[3] ?? 0);
    return fixed[1] === '-' ? -minutes : minutes;
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
  } catch {
    return 0; // An unknown zone name: Amazon MQ would refuse it; UTC keeps the emulator going.
  }
  const parts = format.formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return Math.round((asUtc - Math.floor(instant.getTime() / 60_000) * 60_000) / 60_000);
}

/**
 * The first start of the weekly window in (from, to], or undefined. Looks at most 8 days back from `to`, which is
 * plenty: a window can only start once a week.
 */
export function maintenanceWindowStartsBetween(window: WeeklyStart, from: Date, to: Date): Date | undefined {
  const day = DAYS.indexOf(window.DayOfWeek.toUpperCase());
  const time = /^(\d{2}):(\d{2})$/.exec(window.TimeOfDay);
  if (day < 0 || !time || to <= from) return undefined;
  const start = Math.max(from.getTime(), to.getTime() - 8 * 86_400_000);
  for (let t = start - 86_400_000; t <= to.getTime() + 86_400_000; t += 86_400_000) {
    // The local calendar date around t, then that date's window time converted back to UTC.
    const offset = zoneOffsetMinutes(window.TimeZone, new Date(t));
    const local = new Date(t + offset * 60_000);
    if (local.getUTCDay() !== day) continue;
    const localWindow = Date.UTC(
      local.getUTCFullYear(),
      local.getUTCMonth(),
      local.getUTCDate(),
      Number(time[1]),
      Number(time[2]),
    );
    const instant = localWindow - zoneOffsetMinutes(window.TimeZone, new Date(localWindow)) * 60_000;
    if (instant > from.getTime() && instant <= to.getTime()) return new Date(instant);
  }
  return undefined;
}
