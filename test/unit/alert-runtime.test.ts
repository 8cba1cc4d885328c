import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError, MqopsError } from '@mqops/core';
import { AlertEngine } from '@mqops/core/alerts/engine';
import { MemoryKeyValueStore } from '@mqops/core/kv';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushAlerts } from '../../functions/alert-flush';
import { receiveAlarmEvent } from '../../functions/alerts';
import { type AlertRuntime, alertRuntime } from '../../functions/lib/alert-runtime';

const SECRET = 'https://hooks.example.test/services/T0/B0/very-secret-token';
const base = { AWS_REGION: 'us-east-1', MQOPS_STATE_TABLE: 'mqops-state' };

describe('Function: alertRuntime', () => {
  it('builds the engine with channels from MQOPS_SLACK_WEBHOOK_URL and MQOPS_SLACK_WEBHOOKS', () => {
    const runtime = alertRuntime({
      ...base,
      MQOPS_SLACK_WEBHOOK_URL: SECRET,
      MQOPS_SLACK_WEBHOOKS: JSON.stringify({ oncall: `${SECRET}-2`, alias: SECRET }),
      MQOPS_ALERTS_CONFIG: JSON.stringify({ groupWaitSeconds: 10 }),
    });
    expect(runtime.channels.sort()).toEqual(['alias', 'default', 'oncall']);
    expect(runtime.config.groupWaitSeconds).toBe(10);
    expect(JSON.stringify(runtime.channels)).not.toContain('very-secret-token');
  });

  it('reuses the runtime while the environment is the same', () => {
    const env = { ...base, MQOPS_ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:a' };
    expect(alertRuntime(env)).toBe(alertRuntime({ ...env }));
    expect(alertRuntime(env)).not.toBe(alertRuntime({ ...env, MQOPS_STATE_TABLE: 'other' }));
  });

  it('needs the state table', () => {
    expect(() => alertRuntime({ AWS_REGION: 'us-east-1' })).toThrow(MqopsError);
    expect(() => alertRuntime({ AWS_REGION: 'us-east-1' })).toThrow(/MQOPS_STATE_TABLE is not set/);
  });

  it.each([
    [
      'webhooks that are not JSON',
      { MQOPS_SLACK_WEBHOOKS: `{"oncall": ${SECRET}` },
      /MQOPS_SLACK_WEBHOOKS is not valid JSON/,
    ],
    ['webhooks that are a list', { MQOPS_SLACK_WEBHOOKS: JSON.stringify([SECRET]) }, /must be a JSON object/],
    [
      'a webhook that is not a URL',
      { MQOPS_SLACK_WEBHOOKS: JSON.stringify({ oncall: 'very-secret-token' }) },
      /the webhook of channel oncall is not an http\(s\) URL/,
    ],
    [
      'a bad alerts configuration',
      { MQOPS_ALERTS_CONFIG: '{"groupWait": 1}' },
      /invalid alerts configuration/,
    ],
  ])('rejects %s without echoing secrets', (_name, extra, message) => {
    let error: unknown;
    try {
      alertRuntime({ ...base, ...extra });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('very-secret-token');
  });
});

const FIXTURES = join(import.meta.dirname, '../../packages/core/test/fixtures/alarm-events');
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
/** The handler's clock: noon of the fixtures' day. */
const NOW = new Date('2026-11-25T12:05:00.000Z');

/** The SNS Lambda event of CloudWatch's notification for the store alarm of broker orders-prod (issue 12). */
function storeNotification(state: 'OK' | 'ALARM', stateChangeTime: string) {
  const message = {
    AlarmName: 'mqops-orders-prod-store',
    AWSAccountId: '123456789012',
    NewStateValue: state,
    NewStateReason: `Threshold Crossed (${state})`,
    StateChangeTime: stateChangeTime,
    Region: 'EU (Ireland)',
    AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:mqops-orders-prod-store',
    Trigger: {
      MetricName: 'StorePercentUsage',
      Namespace: 'AWS/AmazonMQ',
      Statistic: 'MAXIMUM',
      Dimensions: [{ name: 'Broker', value: 'orders-prod-1' }],
      Period: 60,
      Threshold: 90,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    },
  };
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        Sns: { MessageId: crypto.randomUUID(), Message: JSON.stringify(message) },
      },
    ],
  };
}

describe('Function: receiveAlarmEvent (hostile and foreign events)', () => {
  let store: MemoryKeyValueStore;
  let built: number;
  let sent: number;
  let logged: string[];
  const runtime = (): AlertRuntime => {
    built++;
    const engine = new AlertEngine({
      store,
      deliver: async () => {
        sent++;
        return { delivered: ['slack:default'], failed: [] };
      },
    });
    return { config: engine.config, engine, delivery: {} as never, channels: [] };
  };
  const receive = (event: unknown) => receiveAlarmEvent(event, runtime, () => NOW);

  beforeEach(() => {
    store = new MemoryKeyValueStore();
    built = 0;
    sent = 0;
    logged = [];
    const capture = (chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('refuses a forged OK from 2099, so the real ALARM that follows still fires', async () => {
    // Prepare
    const forged = storeNotification('OK', '2099-01-01T00:00:00.000+0000');
    const real = storeNotification('ALARM', '2026-11-25T12:04:00.000+0000');

    // Act
    const refused = await receive(forged).catch((error: unknown) => error);
    const result = await receive(real);

    // Assess
    expect(refused).toBeInstanceOf(InvalidInputError);
    expect((refused as Error).message).toMatch(
      /state time 2099-01-01T00:00:00\.000Z is \d+ min ahead of the clock/,
    );
    expect(result).toMatchObject({ received: 1, recorded: 1, ignored: 0 });
    expect(built).toBe(1);
  });

  it('refuses an EventBridge event whose state time is in the future, writing nothing', async () => {
    const event = fixture('eventbridge-activemq-heap.json') as { detail: { state: { timestamp: string } } };
    event.detail.state.timestamp = '2099-01-01T00:00:00.000+0000';

    await expect(receive(event)).rejects.toBeInstanceOf(InvalidInputError);

    expect(built).toBe(0);
    expect(await store.list('')).toEqual([]);
  });

  it.each([
    ['an EC2 alarm', 'eventbridge-single-metric.json'],
    ['the Billing alarm', 'scope/billing.json'],
    ['an untagged composite alarm', 'scope/composite-untagged.json'],
  ])(
    'ignores %s (not ours): counted and logged with why, nothing built, written or sent',
    async (_name, file) => {
      // Act
      const result = await receive(fixture(file));

      // Assess
      expect(result).toEqual({
        received: 1,
        recorded: 0,
        duplicates: 0,
        ignored: 1,
        notAmazonMq: 1,
        sent: 0,
        failed: 0,
        suppressed: 0,
      });
      expect([built, sent]).toEqual([0, 0]);
      expect(await store.list('')).toEqual([]);
      expect(logged.join('')).toContain('"reason":"not an Amazon MQ alarm"');
    },
  );

  it('refuses an oversized event with a short message, before building anything', async () => {
    const event = fixture('eventbridge-activemq-heap.json') as {
      detail: { alarmTags: Record<string, string> };
    };
    event.detail.alarmTags.team = 'x'.repeat(200_000);

    const error = await receive(event).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message.length).toBeLessThan(300);
    expect(logged.join('')).not.toContain('x'.repeat(100));
    expect(built).toBe(0);
  });
});

describe('Function: flushAlerts (metrics)', () => {
  let store: MemoryKeyValueStore;
  let lines: string[];
  let engine: AlertEngine;
  const runtime = (): AlertRuntime => ({
    config: engine.config,
    engine,
    delivery: {} as never,
    channels: [],
  });

  beforeEach(() => {
    store = new MemoryKeyValueStore();
    lines = [];
    engine = new AlertEngine({ store, deliver: async () => ({ delivered: ['slack:default'], failed: [] }) });
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('declares AlertsSuppressed for a due notification a silence holds back, once', async () => {
    // Prepare: a silence over the broker's alarms, and one alarm of it recorded.
    await engine.addSilence({
      id: 'load-test',
      matchers: { alarm: 'mqops-orders-prod-*' },
      startsAt: '2026-11-25T12:00:00.000Z',
      endsAt: '2026-11-25T14:00:00.000Z',
      createdBy: 'alice',
      comment: 'load test',
    });
    await receiveAlarmEvent(storeNotification('ALARM', '2026-11-25T12:04:00.000+0000'), runtime, () => NOW);
    const later = (minutes: number) => () => new Date(NOW.getTime() + minutes * 60_000);

    // Act: the notification is due after group_wait; a second flush finds the same hold.
    const first = await flushAlerts(runtime, later(2), () => true);
    const second = await flushAlerts(runtime, later(3), () => true);

    // Assess: counted once, declared as a metric (EMF declares only values that are not zero).
    expect([first.suppressed, second.suppressed]).toEqual([1, 0]);
    const metrics = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.Job === 'alert-flush');
    expect(metrics).toHaveLength(2);
    expect(metrics[0]).toMatchObject({
      AlertsSuppressed: 1,
      AlertsDelivered: 0,
      _aws: { CloudWatchMetrics: [{ Metrics: [{ Name: 'AlertsSuppressed', Unit: 'Count' }] }] },
    });
    expect(metrics[1]).toMatchObject({ AlertsSuppressed: 0 });
    expect(metrics[1]).not.toHaveProperty('_aws');
  });
});
