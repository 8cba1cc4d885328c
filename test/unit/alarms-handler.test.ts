import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
  type MetricAlarm,
  PutMetricAlarmCommand,
  TagResourceCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeBrokerCommand,
  type DescribeBrokerResponse,
  ListBrokersCommand,
  MqClient,
} from '@aws-sdk/client-mq';
import { toPutMetricAlarmInput } from '@mqops/aws/cloudwatch-alarms';
import { toBroker } from '@mqops/aws/mq-inventory';
import { InvalidInputError } from '@mqops/core';
import { desiredAlarms } from '@mqops/core/alarms/desired';
import { DEFAULT_ALARM_POLICY } from '@mqops/core/alarms/policy';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AlarmsResult, alarms, alarmsConfig } from '../../functions/alarms';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:mqops-alerts';

describe('Function: alarmsConfig', () => {
  it('reads nothing as no actions, the default policy and no delete guard', () => {
    expect(alarmsConfig({})).toEqual({});
  });

  it('reads the topic, the policy and the delete guard', () => {
    // Act
    const config = alarmsConfig({
      MQOPS_ALERT_TOPIC_ARN: TOPIC,
      MQOPS_ALARM_POLICY: '{"alarms":{"cpu":{"threshold":90}},"notifyOnOk":false}',
      MQOPS_ALARMS_MAX_DELETES: '50',
    });

    // Assess
    expect(config).toEqual({
      topicArn: TOPIC,
      policy: {
        alarms: {
          ...DEFAULT_ALARM_POLICY.alarms,
          cpu: { ...DEFAULT_ALARM_POLICY.alarms.cpu, threshold: 90 },
        },
        notifyOnOk: false,
      },
      maxDeletes: 50,
    });
  });

  it.each([
    [{ MQOPS_ALERT_TOPIC_ARN: 'mqops-alerts' }, 'MQOPS_ALERT_TOPIC_ARN is not an SNS topic ARN'],
    [
      { MQOPS_ALERT_TOPIC_ARN: 'arn:aws:sqs:us-east-1:123456789012:q' },
      'MQOPS_ALERT_TOPIC_ARN is not an SNS topic ARN',
    ],
    [{ MQOPS_ALARM_POLICY: '{' }, 'MQOPS_ALARM_POLICY is not valid JSON'],
    [{ MQOPS_ALARM_POLICY: '{"alarms":{"cpu":{"threshold":500}}}' }, 'alarms.cpu.threshold'],
    [{ MQOPS_ALARMS_MAX_DELETES: '-1' }, 'MQOPS_ALARMS_MAX_DELETES must be a whole number'],
    [{ MQOPS_ALARMS_MAX_DELETES: 'many' }, 'MQOPS_ALARMS_MAX_DELETES must be a whole number'],
  ])('refuses %j', (env, text) => {
    expect(() => alarmsConfig(env)).toThrow(InvalidInputError);
    expect(() => alarmsConfig(env)).toThrow(text);
  });
});

describe('Function: alarms', () => {
  it('skips a CloudTrail event it does not react to, without building any client', async () => {
    // Act
    const result = await alarms({
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.amazonmq',
      id: '1',
      account: '123456789012',
      region: 'us-east-1',
      detail: { eventSource: 'amazonmq.amazonaws.com', eventName: 'CreateUser' },
    });

    // Assess
    expect(result).toEqual({
      skipped: 'event needs no alarm reconcile (a failed call, or one alarms do not depend on)',
    });
  });

  it('refuses a malformed event', async () => {
    await expect(alarms({ dryRun: 'yes' })).rejects.toThrow(InvalidInputError);
  });
});

describe('Function: alarms (hourly run, AWS SDK mocked)', () => {
  const cw = mockClient(CloudWatchClient);
  const mq = mockClient(MqClient);
  const REGION = 'us-east-1';
  const orders: DescribeBrokerResponse = {
    BrokerId: 'b-1234',
    BrokerArn: `arn:aws:mq:${REGION}:123456789012:broker:orders:b-1234`,
    BrokerName: 'orders',
    BrokerState: 'RUNNING',
    EngineType: 'ACTIVEMQ',
    DeploymentMode: 'SINGLE_INSTANCE',
    HostInstanceType: 'mq.m5.large',
  };
  /** The orders alarms as CloudWatch holds them once mqops created them (DescribeAlarms). */
  const inSync = (): MetricAlarm[] =>
    desiredAlarms(toBroker(orders, REGION), { alarmActions: [TOPIC] }).alarms.map((alarm) => {
      const { Tags: _tags, ...input } = toPutMetricAlarmInput(alarm, { withTags: true });
      return {
        ...input,
        AlarmArn: `arn:aws:cloudwatch:${REGION}:123456789012:alarm:${alarm.name}`,
      } as MetricAlarm;
    });
  let saved: NodeJS.ProcessEnv;

  beforeAll(() => {
    saved = { ...process.env };
    Object.assign(process.env, { AWS_REGION: REGION, MQOPS_ALERT_TOPIC_ARN: TOPIC, POWERTOOLS_DEV: 'false' });
  });
  afterAll(() => {
    process.env = saved;
    cw.restore();
    mq.restore();
  });
  beforeEach(() => {
    cw.reset();
    mq.reset();
    mq.on(ListBrokersCommand).resolves({
      BrokerSummaries: [
        {
          BrokerId: 'b-1234',
          BrokerName: 'orders',
          EngineType: 'ACTIVEMQ',
          DeploymentMode: 'SINGLE_INSTANCE',
        },
      ],
    });
    mq.on(DescribeBrokerCommand).resolves(orders);
    cw.on(ListTagsForResourceCommand).resolves({ Tags: [] });
  });

  it('makes zero ListTagsForResource and zero write calls over an in-sync fleet', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: inSync() });

    // Act
    const result = (await alarms({})) as AlarmsResult;

    // Assess
    expect(result).toMatchObject({ status: 'complete', unchanged: 8, writes: 0, tagReads: 0, unowned: 0 });
    expect(cw.commandCalls(DescribeAlarmsCommand)).toHaveLength(1);
    expect(cw.commandCalls(ListTagsForResourceCommand)).toHaveLength(0);
    expect(cw.commandCalls(PutMetricAlarmCommand)).toHaveLength(0);
    expect(cw.commandCalls(TagResourceCommand)).toHaveLength(0);
    expect(cw.commandCalls(DeleteAlarmsCommand)).toHaveLength(0);
  });
});
