import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandInput,
  ListTagsForResourceCommand,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
  ValidationException,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControllableClock } from '../../src/clock';
import type { Scenario } from '../../src/scenario';
import { type LocalCloud, startLocalCloud } from '../../src/server';
import { evaluateAlarmRule, parseAlarmRule } from '../../src/services/cloudwatch';
import { World } from '../../src/world';

const NOW = '2025-03-10T12:00:00.000Z';

/** A metric alarm of the scenario in `state`. */
const metricAlarm = (name: string, state: 'OK' | 'ALARM') => ({
  AlarmName: name,
  Namespace: 'AWS/AmazonMQ',
  MetricName: 'CpuUtilization',
  Dimensions: [{ Name: 'Broker', Value: 'orders-1' }],
  Statistic: 'Average',
  Period: 300,
  EvaluationPeriods: 1,
  Threshold: 80,
  ComparisonOperator: 'GreaterThanThreshold',
  StateValue: state,
});

const scenario: Scenario = {
  accountId: '111122223333',
  region: 'eu-west-1',
  now: NOW,
  alarms: [
    metricAlarm('orders-down', 'OK'),
    metricAlarm('app-x', 'OK'),
    // Declared with a rule: a composite alarm, its state evaluated from the start.
    {
      AlarmName: 'orders-or-app',
      AlarmRule: 'ALARM("orders-down") OR ALARM(app-x)',
      Tags: [{ Key: 'mqops:broker', Value: 'orders' }],
    },
  ],
};

describe('Emulated CloudWatch: composite alarms', () => {
  let cloud: LocalCloud;
  let cw: CloudWatchClient;
  const arn = (name: string) => `arn:aws:cloudwatch:eu-west-1:111122223333:alarm:${name}`;
  const describe_ = (input: DescribeAlarmsCommandInput) => cw.send(new DescribeAlarmsCommand(input));
  const stateOf = async (name: string) =>
    (await describe_({ AlarmNames: [name], AlarmTypes: ['CompositeAlarm', 'MetricAlarm'] }))
      .CompositeAlarms?.[0]?.StateValue;

  beforeAll(async () => {
    cloud = await startLocalCloud({ scenario, clock: new ControllableClock(NOW, { frozen: true }) });
    cw = new CloudWatchClient(cloud.clientConfig());
  });

  afterAll(async () => {
    cw?.destroy();
    await cloud?.stop();
  });

  it('answers composite alarms only when AlarmTypes asks for them, with their rule and tags', async () => {
    // Act
    const metricOnly = await describe_({});
    const both = await describe_({ AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] });
    const tags = await cw.send(new ListTagsForResourceCommand({ ResourceARN: arn('orders-or-app') }));

    // Assess
    expect(metricOnly.CompositeAlarms).toEqual([]);
    expect(metricOnly.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['app-x', 'orders-down']);
    expect(both.CompositeAlarms).toEqual([
      expect.objectContaining({
        AlarmName: 'orders-or-app',
        AlarmArn: arn('orders-or-app'),
        AlarmRule: 'ALARM("orders-down") OR ALARM(app-x)',
        StateValue: 'OK',
      }),
    ]);
    expect(tags.Tags).toEqual([{ Key: 'mqops:broker', Value: 'orders' }]);
  });

  it('follows its rule when a referenced alarm changes state, and filters by StateValue', async () => {
    // Act
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'app-x', StateValue: 'ALARM', StateReason: 'test' }));

    // Assess
    expect(await stateOf('orders-or-app')).toBe('ALARM');
    const firing = await describe_({ StateValue: 'ALARM', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] });
    expect(firing.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['app-x']);
    expect(firing.CompositeAlarms?.map((a) => a.AlarmName)).toEqual(['orders-or-app']);

    await cw.send(new SetAlarmStateCommand({ AlarmName: 'app-x', StateValue: 'OK', StateReason: 'test' }));
    expect(await stateOf('orders-or-app')).toBe('OK');
  });

  it('creates composites over composites with PutCompositeAlarm, and deletes them', async () => {
    // Prepare
    await cw.send(
      new PutCompositeAlarmCommand({
        AlarmName: 'outer',
        AlarmRule: `NOT OK(${arn('orders-or-app')})`,
        Tags: [{ Key: 'team', Value: 'payments' }],
      }),
    );
    expect(await stateOf('outer')).toBe('OK');

    // Act: a change two levels down reaches the outer composite.
    await cw.send(
      new SetAlarmStateCommand({ AlarmName: 'orders-down', StateValue: 'ALARM', StateReason: 't' }),
    );

    // Assess
    expect(await stateOf('outer')).toBe('ALARM');
    expect((await cw.send(new ListTagsForResourceCommand({ ResourceARN: arn('outer') }))).Tags).toEqual([
      { Key: 'team', Value: 'payments' },
    ]);
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['outer'] }));
    expect(await stateOf('outer')).toBeUndefined();
  });

  it.each([
    ['a rule it cannot read', { AlarmName: 'bad', AlarmRule: 'ALARM(a) XOR ALARM(b)' }],
    ['no rule', { AlarmName: 'bad', AlarmRule: '' }],
    ['the name of a metric alarm', { AlarmName: 'app-x', AlarmRule: 'TRUE' }],
  ])('refuses a composite alarm with %s', async (_what, input) => {
    await expect(cw.send(new PutCompositeAlarmCommand(input))).rejects.toBeInstanceOf(ValidationException);
  });

  it('refuses a metric alarm named as a composite alarm', async () => {
    await expect(
      cw.send(
        new PutMetricAlarmCommand({
          AlarmName: 'orders-or-app',
          Namespace: 'AWS/AmazonMQ',
          MetricName: 'CpuUtilization',
          Statistic: 'Average',
          Period: 300,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      ),
    ).rejects.toBeInstanceOf(ValidationException);
  });

  it('keeps composite alarms in its snapshot', () => {
    const world = new World(scenario, {
      accountId: '111122223333',
      region: 'eu-west-1',
      clock: new ControllableClock(NOW, { frozen: true }),
    });
    const again = new World(scenario, {
      accountId: '111122223333',
      region: 'eu-west-1',
      clock: new ControllableClock(NOW, { frozen: true }),
    });
    world.cloudwatch.setAlarmState('app-x', 'ALARM', 'test');
    again.restore(world.snapshot());
    expect(again.cloudwatch.composites.get('orders-or-app')?.StateValue).toBe('ALARM');
  });
});

describe('Function: parseAlarmRule / evaluateAlarmRule', () => {
  const states: Record<string, 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'> = { a: 'ALARM', b: 'OK', c: 'ALARM' };
  const holds = (rule: string) => {
    const node = parseAlarmRule(rule);
    if (!node) throw new Error(`not parsed: ${rule}`);
    return evaluateAlarmRule(node, (n) => states[n]);
  };

  it.each([
    ['ALARM(a)', true],
    ['OK(a)', false],
    ['ALARM(a) AND ALARM(b)', false],
    ['ALARM(b) AND ALARM(a) OR ALARM(c)', true], // AND binds tighter than OR
    ['ALARM(b) AND (ALARM(a) OR ALARM(c))', false],
    ['NOT ALARM(b) AND TRUE', true],
    ['INSUFFICIENT_DATA(missing)', false], // an alarm that does not exist is in no state
    ['AT_LEAST(2, ALARM, (a, b, c))', true],
    ['AT_LEAST(70%, ALARM, (a, b, c))', false],
    ['AT_LEAST(1, NOT ALARM, ("a", b))', true],
    ['ALARM("arn:aws:cloudwatch:eu-west-1:111122223333:alarm:c")', true],
  ])('%s is %s', (rule, expected) => {
    expect(holds(rule)).toBe(expected);
  });

  it.each(['ALARM(a) XOR ALARM(b)', 'ALARM(a', 'ALARM()', 'AT_LEAST(2, ALARM, ())', ''])(
    'does not parse %j',
    (rule) => {
      expect(parseAlarmRule(rule)).toBeUndefined();
    },
  );
});
