import { defineCheck, fail, pass } from '../../check';

const DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];

/** A UTC offset as Amazon MQ accepts it: `+05:30`, `-0800`, `UTC+1`, `GMT-03:00`. */
const OFFSET = /^(?:UTC|GMT)?[+-](\d{1,2})(?::?(\d{2}))?$/;

/** True when `zone` is an IANA time zone the runtime knows, or a UTC offset of at most ±14:00. */
function isValidTimeZone(zone: string): boolean {
  const offset = OFFSET.exec(zone);
  if (offset) {
    const hours = Number(offset[1]);
    const minutes = Number(offset[2] ?? 0);
    return minutes < 60 && hours * 60 + minutes <= 14 * 60;
  }
  if (zone.trim() === '') return false;
  try {
    // Intl throws a RangeError for a zone name it does not know.
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The maintenance window is when Amazon MQ patches and reboots the broker and applies pending changes. */
export const mqMaintenanceWindow = defineCheck({
  id: 'mq-maintenance-window',
  title: 'Broker has a valid weekly maintenance window',
  severity: 'LOW',
  rationale:
    'Amazon MQ applies minor version upgrades, forced end-of-support upgrades, pending engine versions and ' +
    'ActiveMQ user changes in the weekly maintenance window, with a reboot. A window chosen for low traffic, in a ' +
    'time zone that is understood, keeps those reboots predictable.',
  remediation:
    '`aws mq update-broker --broker-id ID --maintenance-window-start-time ' +
    'DayOfWeek=SUNDAY,TimeOfDay=03:00,TimeZone=Europe/Berlin` (applies at once; TimeZone is an IANA name such as ' +
    'Europe/Berlin or a UTC offset). CloudFormation `MaintenanceWindowStartTime`, Terraform ' +
    '`maintenance_window_start_time { day_of_week, time_of_day, time_zone }`.',
  evaluate: ({ broker }) => {
    const window = broker.maintenanceWindow;
    if (!window) return fail(`Broker ${broker.name} has no maintenance window.`);
    const { dayOfWeek, timeOfDay, timeZone } = window;
    if (!DAYS.includes(dayOfWeek.toUpperCase()))
      return fail(
        `Broker ${broker.name} has a maintenance window on "${dayOfWeek}", which is not a day of the week.`,
      );
    const time = /^(\d{2}):(\d{2})$/.exec(timeOfDay);
    if (!time || Number(time[1]) > 23 || Number(time[2]) > 59)
      return fail(
        `Broker ${broker.name} has a maintenance window at "${timeOfDay}", which is not a 24-hour HH:MM time.`,
      );
    if (!isValidTimeZone(timeZone))
      return fail(
        `Broker ${broker.name} has a maintenance window in time zone "${timeZone}", which is neither an IANA time zone nor a UTC offset.`,
      );
    return pass(
      `Broker ${broker.name} has a maintenance window on ${dayOfWeek} at ${timeOfDay} ${timeZone}.`,
    );
  },
});
