import { describe, expect, it } from 'vitest';
import { parseAlertConfig } from '../../../src/alerts/config';
import type { AlertNotification, NotifiedAlert, StoredAlert } from '../../../src/alerts/engine';
import {
  ALERT_COLOURS,
  alarmConsoleUrl,
  formatValue,
  mqConsoleUrl,
  notificationBroker,
  routeNotification,
  runbookHint,
  SNS_ALERT_LIMITS,
  slackAlertMessage,
  snsAlertMessage,
  sparkline,
} from '../../../src/alerts/messages';
import { SLACK_LIMITS } from '../../../src/report/slack-limits';
import { makeBroker } from '../../helpers/broker';

const NOW = new Date('2026-11-25T12:30:00.000Z');

function stored(overrides: Partial<StoredAlert> = {}): StoredAlert {
  const name = overrides.alarmName ?? 'mqops-orders-heap';
  return {
    alarmName: name,
    alarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`,
    accountId: '123456789012',
    region: 'us-east-1',
    state: 'ALARM',
    previousState: 'OK',
    reason:
      'Threshold Crossed: 5 out of the last 5 datapoints were greater than or equal to the threshold (80.0).',
    timestamp: '2026-11-25T12:03:10.204Z',
    metric: { namespace: 'AWS/AmazonMQ', name: 'HeapUsage', dimensions: { Broker: 'orders-1' } },
    label: 'HeapUsage',
    threshold: 80,
    comparison: 'GreaterThanOrEqualToThreshold',
    recentDatapoints: [82.4, 85.2, 88, 91.7, 93.1],
    broker: 'orders',
    engine: 'ACTIVEMQ',
    brokerInstance: 1,
    severity: 'WARNING',
    key: 'heap',
    tags: {},
    source: 'eventbridge',
    ...overrides,
  };
}

function firing(alert: StoredAlert, isNew = true): NotifiedAlert {
  return {
    fingerprint: `fp-${alert.alarmName}`,
    alert,
    status: 'firing',
    startsAt: alert.timestamp,
    isNew,
  };
}

function notification(overrides: Partial<AlertNotification> = {}): AlertNotification {
  return {
    id: 'g1-1',
    groupId: 'g1',
    groupKey: 'broker=orders',
    labels: { broker: 'orders' },
    sequence: 1,
    status: 'firing',
    repeat: false,
    severity: 'WARNING',
    firing: [firing(stored())],
    resolved: [],
    muted: [],
    createdAt: NOW.toISOString(),
    ...overrides,
  };
}

const broker = makeBroker({ region: 'us-east-1' });
/** Every text in a Slack message (attachment blocks included). */
const slackText = (message: unknown) => JSON.stringify(message);

describe('Function: sparkline', () => {
  it.each([
    ['an empty series', [], ''],
    ['a rising series', [1, 2, 3, 4, 5, 6, 7, 8], '▁▂▃▄▅▆▇█'],
    ['a flat series', [5, 5, 5], '▄▄▄'],
    ['gaps', [1, null, 3], '▁ █'],
    ['only gaps', [null, undefined], '  '],
  ])('draws %s', (_name, values, expected) => {
    expect(sparkline(values)).toBe(expected);
  });

  it('averages long series down to the width', () => {
    const line = sparkline(
      Array.from({ length: 120 }, (_, i) => i),
      20,
    );
    expect(line).toHaveLength(20);
    expect(line[0]).toBe('▁');
    expect(line.at(-1)).toBe('█');
  });
});

describe('Function: formatValue', () => {
  it.each([
    [93.1234, '93.1'],
    [4.5678, '4.57'],
    [12_345, '12.3k'],
    [3_400_000, '3.4M'],
    [5_000_000_000, '5G'],
    [0, '0'],
  ])('formats %d as %s', (value, expected) => {
    expect(formatValue(value)).toBe(expected);
  });
});

describe('Function: runbookHint', () => {
  it.each([
    ['HeapUsage', /producer flow control.*mqops runbook resize orders/],
    ['StorePercentUsage', /at 100% the broker refuses/],
    ['RabbitMQMemUsed', /publisher is blocked/],
    ['ConnectionCount', /connection leaks/],
    ['SomethingElse', /mqops audit --broker orders/],
  ])('advises on %s', (metric, expected) => {
    const alert = stored({ metric: { namespace: 'AWS/AmazonMQ', name: metric, dimensions: {} } });
    expect(runbookHint(alert)).toMatch(expected);
  });

  it('advises on a dead-letter queue', () => {
    const alert = stored({
      metric: { namespace: 'AWS/AmazonMQ', name: 'QueueSize', dimensions: {} },
      destination: 'ActiveMQ.DLQ',
    });
    expect(runbookHint(alert)).toMatch(/dead-letter queue/);
  });

  it('takes overrides per metric', () => {
    expect(runbookHint(stored(), { HeapUsage: 'Page {broker} owners' })).toBe('Page orders owners');
  });
});

describe('Function: slackAlertMessage', () => {
  it('shows the broker, the trend, the reason, the hint and links, coloured by severity', () => {
    // Prepare
    const n = notification({
      severity: 'CRITICAL',
      firing: [
        firing(stored({ severity: 'CRITICAL' })),
        firing(stored({ alarmName: 'mqops-orders-cpu' }), false),
      ],
      muted: [{ fingerprint: 'x', alarmName: 'mqops-orders-store', reason: 'runbook resize running' }],
    });

    // Act
    const message = slackAlertMessage(n, {
      broker,
      now: NOW,
      series: { 'fp-mqops-orders-heap': [41, 45, 52, 60, 71, 80, 88, 93] },
    });

    // Assess
    const [attachment] = message.attachments;
    const text = slackText(message);
    expect(message.text).toBe('FIRING · orders · 2 CRITICAL');
    expect(attachment.color).toBe(ALERT_COLOURS.CRITICAL);
    expect(attachment.blocks[0]).toMatchObject({ type: 'header' });
    expect(text).toContain('ActiveMQ 5.18 · active/standby');
    expect(text).toContain('mq.m5.large');
    expect(text).toContain('SUNDAY 03:00 UTC (2 h)');
    expect(text).toContain('HeapUsage ≥ 80');
    expect(text).toContain('`▁▁▂▃▅▇██` 41 → 93 (max 93, last 60 min)');
    expect(text).toContain('since 12:03 UTC (27 min)');
    expect(text).toContain(':new:');
    expect(text).toContain('producer flow control');
    expect(text).toContain(mqConsoleUrl('us-east-1', 'b-1234'));
    expect(text).toContain(alarmConsoleUrl(stored()));
    expect(text).toContain('1 muted: `mqops-orders-store` (runbook resize running)');
    expect(text).toContain('broker web console');
  });

  it('falls back to the evaluated datapoints without a series, and works without the broker', () => {
    const message = slackAlertMessage(notification(), { now: NOW });
    const text = slackText(message);
    expect(text).toContain('`▁▃▅▇█` 82.4 → 93.1 (max 93.1, evaluated datapoints)');
    expect(text).toContain('*Broker*\\norders');
  });

  it('says when the broker is inside its maintenance window', () => {
    const inWindow = makeBroker({
      maintenanceWindow: { dayOfWeek: 'WEDNESDAY', timeOfDay: '12:00', timeZone: 'UTC' },
    });
    expect(slackText(slackAlertMessage(notification(), { broker: inWindow, now: NOW }))).toContain(
      'WEDNESDAY 12:00 UTC (2 h, in progress now)',
    );
  });

  it('has a resolved form', () => {
    const a = stored();
    const n = notification({
      status: 'resolved',
      firing: [],
      resolved: [
        {
          ...firing(a),
          status: 'resolved',
          startsAt: '2026-11-25T12:03:10.000Z',
          endsAt: '2026-11-25T12:20:00.000Z',
        },
      ],
    });
    const message = slackAlertMessage(n, { broker, now: NOW });
    expect(message.text).toBe('RESOLVED · orders · 1 alert resolved');
    expect(message.attachments[0].color).toBe(ALERT_COLOURS.RESOLVED);
    expect(slackText(message)).toContain('resolved at 12:20 UTC after 17 min');
    expect(slackText(message)).not.toContain('producer flow control');
  });

  it('marks a repeat', () => {
    const message = slackAlertMessage(notification({ repeat: true, sequence: 4 }), { now: NOW });
    expect(message.text).toMatch(/^STILL FIRING/);
    expect(slackText(message)).toContain('notification 4 (repeat)');
  });

  it('escapes Slack control characters from alarm data', () => {
    const message = slackAlertMessage(
      notification({ firing: [firing(stored({ alarmName: '<!channel> & co', reason: 'a <b> c' }))] }),
      { now: NOW },
    );
    const text = slackText(message);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt; &amp; co');
  });

  it('stays within Slack limits for a huge group and counts what it leaves out', () => {
    const many = Array.from({ length: 300 }, (_, i) =>
      firing(
        stored({ alarmName: `mqops-orders-q${i}`, reason: 'x'.repeat(2000), destination: `queue-${i}` }),
      ),
    );
    const message = slackAlertMessage(notification({ firing: many }), { broker, now: NOW });
    const blocks = message.attachments[0].blocks;
    const sectionTexts = blocks.map((b) => JSON.stringify(b).length);

    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(sectionTexts.every((l) => l < SLACK_LIMITS.sectionText + 500)).toBe(true);
    expect(JSON.stringify(blocks).length).toBeLessThan(15_000);
    const shown = blocks.filter((b) => JSON.stringify(b).includes('Open the alarm')).length;
    expect(slackText(message)).toContain(`…and ${300 - shown} more alerts`);
  });
});

describe('Function: snsAlertMessage', () => {
  it('publishes plain text and JSON with filterable attributes', () => {
    // Act
    const sns = snsAlertMessage(notification({ severity: 'CRITICAL' }), { broker, now: NOW });

    // Assess
    const structure = JSON.parse(sns.message) as Record<string, string>;
    expect(sns.messageStructure).toBe('json');
    expect(sns.subject).toBe('[FIRING:1] orders CRITICAL - mqops');
    expect(Object.keys(structure).sort()).toEqual([
      'default',
      'email',
      'firehose',
      'http',
      'https',
      'lambda',
      'sqs',
    ]);
    expect(structure.default).toContain('[FIRING] FIRING · orders');
    expect(structure.default).toContain('What to do: JVM heap high');
    const json = JSON.parse(structure.sqs ?? '{}');
    expect(json).toMatchObject({
      source: 'mqops',
      kind: 'alert',
      status: 'firing',
      severity: 'CRITICAL',
      broker: { id: 'b-1234', name: 'orders', engine: 'ACTIVEMQ', instanceType: 'mq.m5.large' },
      firing: [{ alarmName: 'mqops-orders-heap', recentValues: [82.4, 85.2, 88, 91.7, 93.1], new: true }],
      truncated: 0,
    });
    expect(sns.attributes).toMatchObject({
      kind: { DataType: 'String', StringValue: 'alert' },
      severity: { StringValue: 'CRITICAL' },
      broker: { StringValue: 'orders' },
      state: { StringValue: 'firing' },
      region: { StringValue: 'us-east-1' },
    });
    expect(Object.keys(sns.attributes).length).toBeLessThanOrEqual(SNS_ALERT_LIMITS.attributes);
  });

  it('keeps the subject ASCII and short', () => {
    const sns = snsAlertMessage(notification({ labels: { broker: `bröker-${'x'.repeat(200)}` } }), {
      now: NOW,
    });
    expect(sns.subject.length).toBeLessThanOrEqual(SNS_ALERT_LIMITS.subject);
    expect(sns.subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it('fits 256 KiB by leaving alerts out, and says how many', () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      firing(stored({ alarmName: `mqops-orders-q${i}`, reason: 'y'.repeat(1000) })),
    );
    const sns = snsAlertMessage(notification({ firing: many }), { broker, now: NOW });
    expect(Buffer.byteLength(sns.message)).toBeLessThanOrEqual(SNS_ALERT_LIMITS.messageBytes);
    const json = JSON.parse(JSON.parse(sns.message).lambda);
    expect(json.truncated).toBeGreaterThan(0);
    expect(json.firing.length + json.truncated).toBe(400);
  });
});

describe('Function: routeNotification', () => {
  const config = parseAlertConfig({
    routes: [
      { match: { severity: ['CRITICAL'] }, slack: 'oncall', sns: 'default', continue: true },
      { match: { tags: { team: 'payments' } }, slack: 'payments' },
      { match: { brokers: ['legacy-*'] }, slack: 'legacy' },
    ],
    defaultRoute: { slack: 'default' },
  });

  it.each([
    ['a warning with no tags goes to the default route', {}, {}, 'WARNING', 'orders', ['slack:default']],
    ['a critical alert pages and continues', {}, {}, 'CRITICAL', 'orders', ['slack:oncall', 'sns:default']],
    [
      'a critical payments alert goes to both',
      { team: 'payments' },
      {},
      'CRITICAL',
      'orders',
      ['slack:oncall', 'sns:default', 'slack:payments'],
    ],
    ['an alarm tag routes', { team: 'payments' }, {}, 'WARNING', 'orders', ['slack:payments']],
    ['a broker tag routes', {}, { team: 'payments' }, 'WARNING', 'orders', ['slack:payments']],
    ['a broker name pattern routes', {}, {}, 'INFO', 'legacy-eu', ['slack:legacy']],
  ] as const)('%s', (_name, alarmTags, brokerTags, severity, brokerName, expected) => {
    const n = notification({
      severity,
      labels: { broker: brokerName },
      firing: [firing(stored({ tags: { ...alarmTags }, severity, broker: brokerName }))],
    });
    expect(routeNotification(n, config, { ...brokerTags })).toEqual(expected);
  });

  it('uses both default targets when nothing is configured', () => {
    expect(routeNotification(notification(), parseAlertConfig({}))).toEqual(['slack:default', 'sns:default']);
  });
});

describe('Function: notificationBroker', () => {
  it.each([
    ['the group label', { labels: { broker: 'orders' } }, 'orders'],
    ['the one broker of all alerts', { labels: {} }, 'orders'],
    [
      'nothing when the group spans brokers',
      { labels: {}, firing: [firing(stored()), firing(stored({ alarmName: 'b', broker: 'billing' }))] },
      undefined,
    ],
  ] as [string, Partial<AlertNotification>, string | undefined][])(
    'reads %s',
    (_name, overrides, expected) => {
      expect(notificationBroker(notification(overrides))).toBe(expected);
    },
  );

  it('names a group of several brokers by their count', () => {
    const n = notification({
      labels: {},
      groupKey: '(all)',
      firing: [firing(stored()), firing(stored({ alarmName: 'b', broker: 'billing' }))],
    });
    expect(slackAlertMessage(n, { now: NOW }).text).toBe('FIRING · 2 brokers · 2 WARNING');
  });
});
