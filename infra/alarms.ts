import { ALARM_CHANGE_EVENTS } from '@mqops/core';
import { alertTopic } from './alerts';
import { ownedAlarms } from './iam-scopes';
import { deadLetters } from './storage';
import type { FunctionSpec } from './types';

/**
 * The alarm reconciler: keeps the recommended CloudWatch alarms on every broker in sync — hourly as a safety net,
 * and right after a broker is created, deleted, resized, rebooted or re-tagged.
 */
export const alarmsFunction: FunctionSpec = {
  name: 'Alarms',
  handler: 'functions/alarms.handler',
  description: 'Keeps the recommended CloudWatch alarms on every Amazon MQ broker in sync',
  timeout: 300,
  memory: 512,
  environment: {
    MQOPS_ALERT_TOPIC_ARN: { ref: alertTopic.name, attribute: 'arn' },
  },
  triggers: [
    { kind: 'schedule', name: 'AlarmsSchedule', expression: 'rate(1 hour)' },
    {
      kind: 'events',
      name: 'AlarmsOnChange',
      pattern: {
        'detail-type': ['AWS API Call via CloudTrail'],
        source: ['aws.amazonmq'],
        detail: { eventSource: ['amazonmq.amazonaws.com'], eventName: [...ALARM_CHANGE_EVENTS] },
      },
    },
  ],
  // It changes (and reads the tags of) the alarms it owns, named mqops-…, and no other.
  scopes: {
    'cloudwatch:PutMetricAlarm': ownedAlarms,
    'cloudwatch:DeleteAlarms': ownedAlarms,
    'cloudwatch:TagResource': ownedAlarms,
    'cloudwatch:UntagResource': ownedAlarms,
    'cloudwatch:ListTagsForResource': ownedAlarms,
  },
  deadLetterQueue: deadLetters.name,
};
