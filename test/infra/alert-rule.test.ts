import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAmazonMqAlarm, parseAlarmEvent } from '@mqops/core/alerts/events';
import { describe, expect, it } from 'vitest';
import { ALERTS_RULE_PATTERN, alertsFunction } from '../../infra/notify';

const FIXTURES = join(import.meta.dirname, '../../packages/core/test/fixtures/alarm-events');
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The values at `key` of an event node, arrays flattened ("crushed out", as EventBridge does). */
function valuesAt(node: Json, key: string): Json[] {
  if (node === null || typeof node !== 'object' || Array.isArray(node) || !(key in node)) return [];
  const flatten = (value: Json): Json[] => (Array.isArray(value) ? value.flatMap(flatten) : [value]);
  return flatten(node[key] as Json);
}

type Leaf = null | boolean | number | string;
const isLeaf = (value: Json): value is Leaf => value === null || typeof value !== 'object';

/**
 * Whether an EventBridge pattern matches an event, for the subset of the pattern syntax the stack uses: nested
 * fields (AND), arrays of exact values (OR; an event array matches when one of its values does), `{ exists: bool }`
 * on leaves only, `{ prefix: string }` on string leaves, and `$or` over two or more sub-patterns. Anything else in a pattern throws, so a pattern that
 * grows past this subset fails the test rather than passing it by accident.
 */
function matches(pattern: Record<string, unknown>, event: Json): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    if (key === '$or') {
      if (!Array.isArray(rule) || rule.length < 2) throw new Error('$or takes two or more patterns');
      return rule.some((sub) => matches(sub as Record<string, unknown>, event));
    }
    const values = valuesAt(event, key);
    if (Array.isArray(rule)) {
      const leaves = values.filter(isLeaf);
      return rule.some((matcher) => {
        if (matcher !== null && typeof matcher === 'object') {
          const keys = Object.keys(matcher);
          if (keys.length === 1 && keys[0] === 'prefix')
            return leaves.some(
              (leaf) => typeof leaf === 'string' && leaf.startsWith((matcher as { prefix: string }).prefix),
            );
          if (keys.length !== 1 || keys[0] !== 'exists')
            throw new Error(`unsupported matcher ${keys.join()}`);
          return (matcher as { exists: boolean }).exists === leaves.length > 0;
        }
        return leaves.includes(matcher as Leaf);
      });
    }
    if (rule === null || typeof rule !== 'object')
      throw new Error(`${key}: a pattern value is an array or object`);
    return values.some((value) => matches(rule as Record<string, unknown>, value));
  });
}

describe('Function: matches (the test’s EventBridge matcher)', () => {
  const event: Json = {
    source: 'aws.cloudwatch',
    detail: { metrics: [{ ns: 'A' }, { ns: 'B' }], tags: { owner: 'x' }, nested: { leaf: 1 } },
  };

  it.each([
    ['an exact value', { source: ['aws.ec2', 'aws.cloudwatch'] }, true],
    ['another value', { source: ['aws.ec2'] }, false],
    ['a value in an array of objects', { detail: { metrics: { ns: ['B'] } } }, true],
    ['a value in no element', { detail: { metrics: { ns: ['C'] } } }, false],
    ['a leaf that exists', { detail: { tags: { owner: [{ exists: true }] } } }, true],
    ['a leaf that does not', { detail: { tags: { team: [{ exists: true }] } } }, false],
    ['exists false on a missing leaf', { detail: { tags: { team: [{ exists: false }] } } }, true],
    ['exists on an intermediate node (only leaves exist)', { detail: { nested: [{ exists: true }] } }, false],
    [
      '$or with one branch true',
      { detail: { $or: [{ tags: { team: ['y'] } }, { metrics: { ns: ['A'] } }] } },
      true,
    ],
    [
      '$or with no branch true',
      { detail: { $or: [{ tags: { team: ['y'] } }, { metrics: { ns: ['C'] } }] } },
      false,
    ],
    ['fields are ANDed', { source: ['aws.cloudwatch'], detail: { metrics: { ns: ['C'] } } }, false],
    ['a prefix of a string leaf', { source: [{ prefix: 'aws.' }] }, true],
    ['a prefix that does not match', { source: [{ prefix: 'mqops.' }] }, false],
  ])('matches %s: %j', (_name, pattern, expected) => {
    expect(matches(pattern, event)).toBe(expected);
  });
});

/** A state change of mqops' own dead-letter alarm (infra/monitoring.ts), as EventBridge delivers it. */
function selfAlarm(): { detail: Record<string, unknown> } & Record<string, unknown> {
  return {
    version: '0',
    id: '5b3c1a0e-1f7e-4d7e-9d1a-8b0b0c0a0001',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: '2026-12-08T04:00:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:mqops.self.prod.dead-letters'],
    detail: {
      alarmName: 'mqops.self.prod.dead-letters',
      state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: '2026-12-08T04:00:00.000+0000' },
      previousState: { value: 'OK', reason: '', timestamp: '2026-12-08T03:00:00.000+0000' },
      configuration: {
        metrics: [
          {
            id: 'm1',
            metricStat: {
              metric: {
                namespace: 'AWS/SQS',
                name: 'ApproximateNumberOfMessagesVisible',
                dimensions: { QueueName: 'mqops-prod-DeadLetters' },
              },
              period: 60,
              stat: 'Maximum',
            },
            returnData: true,
          },
        ],
      },
    },
  };
}

describe('Alerts rule (infra/notify.ts)', () => {
  const untaggedHeap = () => {
    const event = fixture('eventbridge-activemq-heap.json') as { detail: Record<string, unknown> };
    delete event.detail.alarmTags;
    return event;
  };
  const samples: [string, Record<string, unknown>, boolean][] = [
    ['an Amazon MQ metric alarm (untagged)', untaggedHeap(), true],
    ['an mqops-managed Amazon MQ alarm (tagged)', fixture('eventbridge-activemq-heap.json'), true],
    ['an Amazon MQ metric-math alarm', fixture('scope/mq-metric-math.json'), true],
    [
      'a metric-math alarm with an Amazon MQ metric that is not the first',
      fixture('scope/mq-mixed-metric-math.json'),
      true,
    ],
    ['an application alarm tagged mqops:broker', fixture('scope/tagged-application.json'), true],
    ['a composite alarm tagged mqops:broker', fixture('scope/composite-tagged.json'), true],
    ['an EC2 alarm (the documented sample)', fixture('eventbridge-single-metric.json'), false],
    ['an EC2 metric-math alarm (the documented sample)', fixture('eventbridge-metric-math.json'), false],
    ['the Billing alarm', fixture('scope/billing.json'), false],
    ['an untagged composite alarm', fixture('scope/composite-untagged.json'), false],
    ['one of mqops’ own alarms (its dead-letter queue)', selfAlarm(), true],
    [
      'an SQS alarm of someone else',
      { ...selfAlarm(), detail: { ...selfAlarm().detail, alarmName: 'dlq-depth' } },
      false,
    ],
  ];

  it('is the pattern the Alerts function subscribes with', () => {
    const trigger = alertsFunction.triggers.find((t) => t.kind === 'events');
    expect(trigger).toMatchObject({ name: 'AlertsOnAlarm', pattern: ALERTS_RULE_PATTERN });
  });

  it.each(samples)('routes %s: %s', (_name, event, expected) => {
    expect(matches(ALERTS_RULE_PATTERN, event as Json)).toBe(expected);
  });

  it.each(samples)(
    'agrees with isAmazonMqAlarm, which the function applies to other routes, on %s',
    (_name, event) => {
      const [alert] = parseAlarmEvent(event);
      expect(alert && isAmazonMqAlarm(alert)).toBe(matches(ALERTS_RULE_PATTERN, event as Json));
    },
  );

  it('does not route other CloudWatch events of an Amazon MQ alarm (configuration changes)', () => {
    const change = { ...untaggedHeap(), 'detail-type': 'CloudWatch Alarm Configuration Change' };
    expect(matches(ALERTS_RULE_PATTERN, change as Json)).toBe(false);
  });
});
