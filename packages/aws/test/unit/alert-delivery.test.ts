import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Broker, BrokerInventory } from '@mqops/core';
import { parseAlertConfig } from '@mqops/core/alerts/config';
import type { AlertNotification, StoredAlert } from '@mqops/core/alerts/engine';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AlertDelivery, BrokerDirectory } from '../../src/alert-delivery';
import { CloudWatchMetricHistory } from '../../src/alert-metrics';
import type { SlackChannel } from '../../src/slack-channel';

const cloudwatch = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:mqops-alerts';

const alert: StoredAlert = {
  alarmName: 'mqops-orders-heap',
  alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:mqops-orders-heap',
  accountId: '123456789012',
  region: 'us-east-1',
  state: 'ALARM',
  reason: 'Threshold Crossed',
  timestamp: '2026-11-25T12:00:00.000Z',
  metric: { namespace: 'AWS/AmazonMQ', name: 'HeapUsage', dimensions: { Broker: 'orders-1' }, period: 60 },
  recentDatapoints: [81, 92],
  broker: 'orders',
  severity: 'CRITICAL',
  tags: {},
  source: 'eventbridge',
};

const notification: AlertNotification = {
  id: 'g-1',
  groupId: 'g',
  groupKey: 'broker=orders',
  labels: { broker: 'orders' },
  sequence: 1,
  status: 'firing',
  repeat: false,
  severity: 'CRITICAL',
  firing: [{ fingerprint: 'fp1', alert, status: 'firing', startsAt: alert.timestamp, isNew: true }],
  resolved: [],
  muted: [],
  createdAt: '2026-11-25T12:00:30.000Z',
};

const broker = {
  id: 'b-1',
  arn: 'arn:aws:mq:us-east-1:123456789012:broker:orders:b-1',
  name: 'orders',
  region: 'us-east-1',
  accountId: '123456789012',
  engine: 'ACTIVEMQ',
  engineVersion: '5.18',
  deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
  instanceType: 'mq.m5.large',
  maintenanceWindow: { dayOfWeek: 'SUNDAY', timeOfDay: '03:00', timeZone: 'UTC' },
  tags: { team: 'payments' },
  instances: [],
} as unknown as Broker;

function inventory(): BrokerInventory & {
  list: ReturnType<typeof vi.fn>;
  describe: ReturnType<typeof vi.fn>;
} {
  return {
    list: vi.fn(async () => [{ id: 'b-1', name: 'orders' }]),
    describe: vi.fn(async () => broker),
  };
}

/** A Slack channel stand-in that records posts (the real one is tested on its own). */
function fakeChannel(fail?: Error) {
  const posts: unknown[] = [];
  const channel = {
    send: vi.fn(async (m: unknown) => {
      if (fail) throw fail;
      posts.push(m);
    }),
  } as unknown as SlackChannel;
  return { channel, posts };
}

beforeEach(() => {
  cloudwatch.reset();
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  cloudwatch.on(GetMetricDataCommand).resolves({
    MetricDataResults: [
      {
        Id: 'm0',
        Timestamps: [new Date('2026-11-25T11:59:00Z'), new Date('2026-11-25T11:58:00Z')],
        Values: [92, 70],
      },
    ],
  });
});

describe('Class: AlertDelivery', () => {
  it('sends the Slack and SNS forms with the broker and recent values, and reports both delivered', async () => {
    // Prepare
    const slack = fakeChannel();
    const delivery = new AlertDelivery({
      config: parseAlertConfig({}),
      slack: { default: slack.channel },
      sns: { client: new SNSClient({ region: 'us-east-1' }), defaultTopicArn: TOPIC },
      brokers: new BrokerDirectory(() => inventory()),
      metrics: new CloudWatchMetricHistory(new CloudWatchClient({ region: 'us-east-1' })),
    });

    // Act
    const outcome = await delivery.deliver(notification, []);

    // Assess
    expect(outcome).toEqual({
      delivered: expect.arrayContaining(['slack:default', 'sns:default']),
      failed: [],
    });
    const text = JSON.stringify(slack.posts[0]);
    expect(text).toContain('mq.m5.large');
    expect(text).toContain('70 → 92 (max 92, last 60 min)');
    const [publish] = sns.commandCalls(PublishCommand);
    expect(publish?.args[0].input).toMatchObject({
      TopicArn: TOPIC,
      MessageStructure: 'json',
      MessageAttributes: { severity: { DataType: 'String', StringValue: 'CRITICAL' } },
    });
    const [query] = cloudwatch.commandCalls(GetMetricDataCommand);
    expect(query?.args[0].input).toMatchObject({
      EndTime: new Date(notification.createdAt),
      ScanBy: 'TimestampAscending',
      MetricDataQueries: [
        {
          Id: 'm0',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/AmazonMQ',
              MetricName: 'HeapUsage',
              Dimensions: [{ Name: 'Broker', Value: 'orders-1' }],
            },
            Period: 60,
            Stat: 'Average',
          },
        },
      ],
    });
  });

  it('skips targets an earlier attempt reached', async () => {
    const slack = fakeChannel();
    const delivery = new AlertDelivery({
      config: parseAlertConfig({}),
      slack: { default: slack.channel },
      sns: { client: new SNSClient({ region: 'us-east-1' }), defaultTopicArn: TOPIC },
    });

    const outcome = await delivery.deliver(notification, ['sns:default']);

    expect(outcome.delivered).toEqual(['slack:default']);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('reports a failing target without hiding the others', async () => {
    sns.on(PublishCommand).rejects(new Error('AuthorizationError'));
    const slack = fakeChannel();
    const delivery = new AlertDelivery({
      config: parseAlertConfig({}),
      slack: { default: slack.channel },
      sns: { client: new SNSClient({ region: 'us-east-1' }), defaultTopicArn: TOPIC },
    });

    const outcome = await delivery.deliver(notification, []);

    expect(outcome.delivered).toEqual(['slack:default']);
    expect(outcome.failed).toEqual([{ target: 'sns:default', error: 'AuthorizationError' }]);
  });

  it('routes by the broker’s tags, falling back to the default channel for an unknown one', async () => {
    const warn = vi.fn();
    const slack = fakeChannel();
    const delivery = new AlertDelivery({
      config: parseAlertConfig({ routes: [{ match: { tags: { team: 'payments' } }, slack: 'payments' }] }),
      slack: { default: slack.channel },
      brokers: new BrokerDirectory(() => inventory()),
      warn,
    });

    const outcome = await delivery.deliver(notification, []);

    expect(outcome).toEqual({ delivered: ['slack:payments'], failed: [] });
    expect(slack.posts).toHaveLength(1);
    expect(warn).toHaveBeenCalledWith(
      'no webhook for Slack channel payments: sending to the default channel',
    );
  });

  it('sends nowhere (and fails nothing) when neither Slack nor SNS is configured', async () => {
    const delivery = new AlertDelivery({ config: parseAlertConfig({}) });
    expect(await delivery.deliver(notification, [])).toEqual({ delivered: [], failed: [] });
  });

  it('fails a route to a named channel when there is no webhook at all', async () => {
    const delivery = new AlertDelivery({
      config: parseAlertConfig({ defaultRoute: { slack: 'oncall' } }),
    });
    expect((await delivery.deliver(notification, [])).failed).toEqual([
      { target: 'slack:oncall', error: 'no webhook configured for Slack channel oncall' },
    ]);
  });

  it('sends with the alarm’s own datapoints when the metrics cannot be read', async () => {
    cloudwatch.on(GetMetricDataCommand).rejects(new Error('AccessDenied'));
    const warn = vi.fn();
    const slack = fakeChannel();
    const delivery = new AlertDelivery({
      config: parseAlertConfig({}),
      slack: { default: slack.channel },
      metrics: new CloudWatchMetricHistory(new CloudWatchClient({ region: 'us-east-1' })),
      warn,
    });

    await delivery.deliver(notification, []);

    expect(JSON.stringify(slack.posts[0])).toContain('81 → 92 (max 92, evaluated datapoints)');
    expect(warn).toHaveBeenCalledWith('could not read recent metric values', {
      region: 'us-east-1',
      error: 'Error',
    });
  });
});

describe('Class: BrokerDirectory', () => {
  it('lists once and describes once per time-to-live', async () => {
    let now = 0;
    const inv = inventory();
    const directory = new BrokerDirectory(() => inv, { ttlMs: 1000, now: () => now });

    await directory.find('us-east-1', 'orders');
    await directory.find('us-east-1', 'orders');
    now = 2000;
    const found = await directory.find('us-east-1', 'orders');

    expect(found?.id).toBe('b-1');
    expect(inv.list).toHaveBeenCalledTimes(2);
    expect(inv.describe).toHaveBeenCalledTimes(2);
  });

  it('answers undefined for an unknown broker, a bad region, or an inventory that fails', async () => {
    const failing = { list: vi.fn(async () => Promise.reject(new Error('denied'))), describe: vi.fn() };
    expect(await new BrokerDirectory(() => inventory()).find('us-east-1', 'nope')).toBeUndefined();
    expect(await new BrokerDirectory(() => inventory()).find('EXAMPLE', 'orders')).toBeUndefined();
    expect(await new BrokerDirectory(() => failing).find('us-east-1', 'orders')).toBeUndefined();
  });

  it('gives the engine the broker id and maintenance window', async () => {
    const directory = new BrokerDirectory(() => inventory());
    expect(await directory.lookup(alert)).toEqual({ id: 'b-1', maintenanceWindow: broker.maintenanceWindow });
  });
});
