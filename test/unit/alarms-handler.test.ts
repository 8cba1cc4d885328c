import { InvalidInputError } from '@mqops/core';
import { DEFAULT_ALARM_POLICY } from '@mqops/core/alarms/policy';
import { describe, expect, it } from 'vitest';
import { alarms, alarmsConfig } from '../../functions/alarms';

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
