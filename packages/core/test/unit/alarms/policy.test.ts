import { describe, expect, it } from 'vitest';
import {
  ALARM_CATALOG,
  ALARM_KEYS,
  brokerAlarmPolicy,
  DEFAULT_ALARM_POLICY,
  parseAlarmPolicy,
  thresholdProblem,
  timingProblem,
} from '../../../src/alarms/policy';
import { InvalidInputError } from '../../../src/errors';

describe('Constant: DEFAULT_ALARM_POLICY', () => {
  it('has valid settings for every key', () => {
    for (const key of ALARM_KEYS) {
      const s = DEFAULT_ALARM_POLICY.alarms[key];
      expect(timingProblem(s), key).toBeUndefined();
      if (ALARM_CATALOG[key].thresholdRange) expect(thresholdProblem(key, s.threshold), key).toBeUndefined();
      expect(s.enabled).toBe(true);
    }
  });
});

describe('Function: brokerAlarmPolicy', () => {
  it('returns the policy unchanged for a broker without mqops tags', () => {
    // Act
    const result = brokerAlarmPolicy(DEFAULT_ALARM_POLICY, { env: 'production', 'mqops:suppress:x': 'y' });

    // Assess
    expect(result.alarms).toEqual(DEFAULT_ALARM_POLICY.alarms);
    expect(result).toMatchObject({ enabled: true, applied: [], issues: [] });
  });

  it('applies thresholds, switches and timing from tags', () => {
    // Act
    const result = brokerAlarmPolicy(DEFAULT_ALARM_POLICY, {
      'mqops:alarm:backlog:threshold': '5,000',
      'mqops:alarm:cpu': 'OFF',
      'mqops:alarm:heap:period': '60',
      'mqops:alarm:heap:evaluation-periods': '10',
      'mqops:alarm:heap:datapoints': '8',
      'mqops:alarm:dlq:missing-data': 'breaching',
      'mqops:alarm:Store:Threshold': '90',
    });

    // Assess
    expect(result.issues).toEqual([]);
    expect(result.alarms.backlog.threshold).toBe(5_000);
    expect(result.alarms.cpu.enabled).toBe(false);
    expect(result.alarms.heap).toMatchObject({ period: 60, evaluationPeriods: 10, datapointsToAlarm: 8 });
    expect(result.alarms.dlq.treatMissingData).toBe('breaching');
    expect(result.alarms.store.threshold).toBe(90);
    expect(result.applied).toHaveLength(7);
  });

  it('turns every alarm off with mqops:alarms=off', () => {
    expect(brokerAlarmPolicy(DEFAULT_ALARM_POLICY, { 'mqops:alarms': 'off' }).enabled).toBe(false);
  });

  it('lowers datapoints with the evaluation periods when only those are tagged', () => {
    // Act: cpu is 3 of 3 by default
    const result = brokerAlarmPolicy(DEFAULT_ALARM_POLICY, { 'mqops:alarm:cpu:evaluation-periods': '1' });

    // Assess
    expect(result.alarms.cpu).toMatchObject({ evaluationPeriods: 1, datapointsToAlarm: 1 });
    expect(result.issues).toEqual([]);
  });

  it.each([
    ['mqops:alarm:cpu:threshold', 'abc', 'expected a number'],
    ['mqops:alarm:cpu:threshold', '150', 'threshold must be between 1 and 100'],
    ['mqops:alarm:cpu:threshold', '-5', 'threshold must be between 1 and 100'],
    ['mqops:alarm:backlog:threshold', '10.5', 'threshold must be a whole number'],
    ['mqops:alarm:down:threshold', '3', 'down has no adjustable threshold'],
    ['mqops:alarm:cpu', 'maybe', 'expected "off" or "on"'],
    ['mqops:alarms', 'sometimes', 'expected "off" or "on"'],
    ['mqops:alarm:nope', 'off', 'unknown alarm key "nope"'],
    ['mqops:alarm:cpu:colour', 'red', 'unknown setting "colour"'],
    ['mqops:alarm:cpu:threshold:extra', '5', 'expected mqops:alarm:<key>'],
    ['mqops:alarm:cpu:period', '90', 'period must be 60 seconds or a multiple of 60'],
    ['mqops:alarm:cpu:period', '30', 'period must be 60 seconds or a multiple of 60'],
    ['mqops:alarm:cpu:evaluation-periods', '0', 'evaluation periods must be a whole number'],
    ['mqops:alarm:cpu:datapoints', '4', 'datapoints cannot exceed the evaluation periods'],
    ['mqops:alarm:cpu:evaluation-periods', '300', 'cannot exceed one day'],
    ['mqops:alarm:dlq:missing-data', 'sometimes', 'expected one of missing, notBreaching'],
  ])('reports %s=%s and keeps the policy value', (tag, value, problem) => {
    // Act
    const result = brokerAlarmPolicy(DEFAULT_ALARM_POLICY, { [tag]: value });

    // Assess
    expect(result.issues).toEqual([{ tag, value, problem: expect.stringContaining(problem) }]);
    expect(result.alarms).toEqual(DEFAULT_ALARM_POLICY.alarms);
    expect(result.enabled).toBe(true);
    expect(result.applied).toEqual([]);
  });

  it('reverts all timing tags of a key when their combination is invalid, and keeps other tags', () => {
    // Act
    const result = brokerAlarmPolicy(DEFAULT_ALARM_POLICY, {
      'mqops:alarm:cpu:evaluation-periods': '2',
      'mqops:alarm:cpu:datapoints': '3',
      'mqops:alarm:cpu:threshold': '95',
    });

    // Assess
    expect(result.issues.map((i) => i.tag).sort()).toEqual([
      'mqops:alarm:cpu:datapoints',
      'mqops:alarm:cpu:evaluation-periods',
    ]);
    expect(result.alarms.cpu).toEqual({ ...DEFAULT_ALARM_POLICY.alarms.cpu, threshold: 95 });
  });
});

describe('Function: parseAlarmPolicy', () => {
  it('fills what is left out with the defaults', () => {
    // Act
    const policy = parseAlarmPolicy({ alarms: { cpu: { threshold: 90 }, journal: { enabled: false } } });

    // Assess
    expect(policy.alarms.cpu).toEqual({ ...DEFAULT_ALARM_POLICY.alarms.cpu, threshold: 90 });
    expect(policy.alarms.journal.enabled).toBe(false);
    expect(policy.alarms.heap).toEqual(DEFAULT_ALARM_POLICY.alarms.heap);
    expect(policy.notifyOnOk).toBe(true);
  });

  it.each([undefined, null, {}])('reads %j as the defaults', (value) => {
    expect(parseAlarmPolicy(value)).toEqual(DEFAULT_ALARM_POLICY);
  });

  it.each([
    [{ alarms: { cpu: { threshold: 500 } } }, 'alarms.cpu.threshold'],
    [{ alarms: { cpu: { period: 45 } } }, 'alarms.cpu: period'],
    [{ alarms: { nope: {} } }, 'alarms.nope: unknown field'],
    [{ alarms: { cpu: { colour: 'red' } } }, 'alarms.cpu.colour: unknown field'],
    [{ notifyOnOk: 'yes' }, 'notifyOnOk'],
    [{ extra: 1 }, 'extra: unknown field'],
    [{ alarms: [] }, 'alarms: Invalid type: Expected Object but received Array'],
  ])('refuses %j naming %s', (value, where) => {
    expect(() => parseAlarmPolicy(value)).toThrow(InvalidInputError);
    expect(() => parseAlarmPolicy(value)).toThrow(where);
  });
});
