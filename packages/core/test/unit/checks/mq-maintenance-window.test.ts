import { describe, expect, it } from 'vitest';
import { mqMaintenanceWindow } from '../../../src/checks/mq-maintenance-window';
import { makeContext, makeFacts } from '../../helpers/broker';

const withWindow = (dayOfWeek: string, timeOfDay: string, timeZone: string) =>
  makeFacts({ maintenanceWindow: { dayOfWeek, timeOfDay, timeZone } });

describe('Check: mq-maintenance-window', () => {
  it('returns PASS naming day, time and zone', () => {
    expect(
      mqMaintenanceWindow.evaluate(withWindow('WEDNESDAY', '14:00', 'Europe/Berlin'), makeContext()),
    ).toEqual({
      status: 'PASS',
      message: 'Broker orders has a maintenance window on WEDNESDAY at 14:00 Europe/Berlin.',
    });
  });

  it('returns FAIL when the broker has no maintenance window', () => {
    expect(mqMaintenanceWindow.evaluate(makeFacts({ maintenanceWindow: undefined }), makeContext())).toEqual({
      status: 'FAIL',
      message: 'Broker orders has no maintenance window.',
    });
  });

  it.each([
    ['UTC', 'PASS'],
    ['GMT', 'PASS'],
    ['America/New_York', 'PASS'],
    ['Asia/Kolkata', 'PASS'],
    ['Etc/GMT+5', 'PASS'],
    ['+05:30', 'PASS'],
    ['-08:00', 'PASS'],
    ['-0800', 'PASS'],
    ['UTC+1', 'PASS'],
    ['GMT-03:00', 'PASS'],
    ['+14:00', 'PASS'],
    ['Mars/Olympus', 'FAIL'],
    ['Europe/Berlinn', 'FAIL'],
    ['', 'FAIL'],
    ['  ', 'FAIL'],
    ['+15:00', 'FAIL'],
    ['+05:75', 'FAIL'],
    ['CEST+2', 'FAIL'],
  ] as const)('time zone %j gives %s', (timeZone, status) => {
    const outcome = mqMaintenanceWindow.evaluate(withWindow('SUNDAY', '03:00', timeZone), makeContext());
    expect(outcome.status).toBe(status);
    if (status === 'FAIL')
      expect(outcome.message).toBe(
        `Broker orders has a maintenance window in time zone "${timeZone}", which is neither an IANA time zone nor a UTC offset.`,
      );
  });

  it.each([
    ['FUNDAY', '03:00', 'not a day of the week'],
    ['SUNDAY', '3:00', 'not a 24-hour HH:MM time'],
    ['SUNDAY', '24:00', 'not a 24-hour HH:MM time'],
    ['SUNDAY', '03:60', 'not a 24-hour HH:MM time'],
  ])('returns FAIL for day %j at %j', (day, time, words) => {
    const outcome = mqMaintenanceWindow.evaluate(withWindow(day, time, 'UTC'), makeContext());
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain(words);
  });
});
