import { describe, expect, it } from 'vitest';
import { SLACK_LIMITS } from '../../../src/report/slack';
import { brokerConsoleUrl, watchSlackMessage, watchSnsMessage } from '../../../src/watch/messages';
import { decide, decideGone } from '../../../src/watch/transitions';
import type { WatchAlert, WatchRecord } from '../../../src/watch/types';

const AT = new Date('2026-11-25T12:00:00Z');
const OPTIONS = { windowGraceMs: 0 };
const BROKER = {
  id: 'b-1234',
  name: 'orders-prod',
  arn: 'arn:aws:mq:eu-west-1:123456789012:broker:orders-prod:b-1234',
  region: 'eu-west-1',
  engine: 'ACTIVEMQ',
  deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
  instanceType: 'mq.m5.large',
};
const running: WatchRecord = {
  broker: BROKER,
  state: 'RUNNING',
  codes: [],
  since: AT.toISOString(),
  outbox: [],
};

function alertFor(state: string, codes: string[] = [], window = false): WatchAlert {
  const alert = decide(
    running,
    {
      summary: { ...BROKER, state },
      detail: {
        codes,
        ...(window
          ? { maintenanceWindow: { dayOfWeek: 'SUNDAY', timeOfDay: '03:00', timeZone: 'UTC' } }
          : {}),
      },
    },
    AT,
    OPTIONS,
  ).alert;
  if (!alert) throw new Error('no alert');
  return alert;
}

const text = (message: { blocks: readonly unknown[] }) => JSON.stringify(message.blocks);

describe('Function: watchSlackMessage', () => {
  it('names the broker, engine, state change, each code with its remedy, and links the console', () => {
    const message = watchSlackMessage(alertFor('CRITICAL_ACTION_REQUIRED', ['BROKER_OOM']));
    expect(message.text).toBe('CRITICAL: orders-prod: critical action required (BROKER_OOM)');
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: {
        type: 'plain_text',
        text: ':rotating_light: orders-prod: critical action required (BROKER_OOM)',
        emoji: true,
      },
    });
    const all = text(message);
    for (const words of [
      'orders-prod (`b-1234`)',
      'ActiveMQ · ACTIVE_STANDBY_MULTI_AZ · mq.m5.large',
      'RUNNING → CRITICAL_ACTION_REQUIRED',
      '*BROKER_OOM*: ActiveMQ is in a restart loop because it runs out of memory.',
      '*What to do:* Relieve memory',
      'troubleshooting-action-required-codes-broker-out-of-memory.html|Troubleshooting guide',
      '<https://eu-west-1.console.aws.amazon.com/amazon-mq/home?region=eu-west-1#/brokers/details?id=b-1234|Open orders-prod in the Amazon MQ console>',
    ])
      expect(all).toContain(words);
  });

  it('gives one section per code', () => {
    const message = watchSlackMessage(
      alertFor('CRITICAL_ACTION_REQUIRED', ['RABBITMQ_MEMORY_ALARM', 'NEW_CODE']),
    );
    const sections = message.blocks.filter((b) => JSON.stringify(b).includes('*What to do:*'));
    expect(sections).toHaveLength(2);
    expect(JSON.stringify(sections[1])).toContain('*NEW_CODE*: see the Amazon MQ troubleshooting guide');
  });

  it('says what to do about an unplanned reboot and shows the maintenance window', () => {
    const all = text(watchSlackMessage(alertFor('REBOOT_IN_PROGRESS', [], true)));
    expect(all).toContain(':warning: orders-prod: unplanned reboot');
    expect(all).toContain('outside its maintenance window (SUNDAY 03:00 UTC)');
    expect(all).toContain('*What to do:* Find who called RebootBroker');
    expect(all).toContain('maintenance window SUNDAY 03:00 UTC');
  });

  it.each([
    [
      'recovered',
      () =>
        decide(
          {
            ...running,
            state: 'CRITICAL_ACTION_REQUIRED',
            open: { kind: 'critical', since: 'x', state: 'CRITICAL_ACTION_REQUIRED', codes: ['BROKER_OOM'] },
          },
          { summary: { ...BROKER, state: 'RUNNING' } },
          AT,
          OPTIONS,
        ).alert,
      ':white_check_mark: orders-prod: recovered',
    ],
    ['disappeared', () => decideGone(running, AT).alert, ':ghost: orders-prod: disappeared'],
  ])('titles a %s message', (_kind, make, title) => {
    const alert = make();
    if (!alert) throw new Error('no alert');
    expect(JSON.stringify(watchSlackMessage(alert).blocks[0])).toContain(title);
  });

  it('escapes mrkdwn control characters and stays within Slack limits', () => {
    const alert = alertFor(
      'CRITICAL_ACTION_REQUIRED',
      Array.from({ length: 80 }, (_, i) => `CODE_${i}`),
    );
    const message = watchSlackMessage({
      ...alert,
      broker: { ...alert.broker, name: `<a&b>${'x'.repeat(300)}` },
    });
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    const header = message.blocks[0] as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    expect(JSON.stringify(message.blocks[1])).toContain('&lt;a&amp;b&gt;');
    expect(text(message)).toContain('…and 38 more codes');
  });
});

describe('Function: watchSnsMessage', () => {
  it('has a printable ASCII subject, the whole alert as JSON, and filterable attributes', () => {
    const alert = alertFor('CRITICAL_ACTION_REQUIRED', ['BROKER_OOM']);
    const { subject, message, attributes } = watchSnsMessage(alert);
    expect(subject).toBe('mqops watch: CRITICAL orders-prod: critical action required (BROKER_OOM)');
    const body = JSON.parse(message);
    expect(body).toMatchObject({
      source: 'mqops',
      kind: 'broker-state',
      alert: { id: alert.id, kind: 'critical', state: 'CRITICAL_ACTION_REQUIRED', broker: { id: 'b-1234' } },
    });
    expect(body.alert.actions[0]).toMatchObject({
      code: 'BROKER_OOM',
      remedy: expect.stringContaining('Relieve'),
    });
    expect(body.alert.consoleUrl).toContain('#/brokers/details?id=b-1234');
    expect(attributes).toEqual({
      kind: { DataType: 'String', StringValue: 'broker-state' },
      event: { DataType: 'String', StringValue: 'critical' },
      severity: { DataType: 'String', StringValue: 'CRITICAL' },
      brokerId: { DataType: 'String', StringValue: 'b-1234' },
      brokerName: { DataType: 'String', StringValue: 'orders-prod' },
    });
  });

  it('cuts the subject to 100 characters of printable ASCII', () => {
    const alert = alertFor('CREATION_FAILED');
    const { subject } = watchSnsMessage({
      ...alert,
      broker: { ...alert.broker, name: `ordres-é-${'y'.repeat(200)}` },
    });
    expect(subject.length).toBe(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe('Function: brokerConsoleUrl', () => {
  it.each([
    [
      'us-east-1',
      'https://us-east-1.console.aws.amazon.com/amazon-mq/home?region=us-east-1#/brokers/details?id=b-1',
    ],
    [
      'cn-north-1',
      'https://cn-north-1.console.amazonaws.cn/amazon-mq/home?region=cn-north-1#/brokers/details?id=b-1',
    ],
    [
      'us-gov-west-1',
      'https://us-gov-west-1.console.amazonaws-us-gov.com/amazon-mq/home?region=us-gov-west-1#/brokers/details?id=b-1',
    ],
  ])('links %s', (region, url) => {
    expect(brokerConsoleUrl({ id: 'b-1', name: 'x', region })).toBe(url);
  });

  it('has no link without a region', () => {
    expect(brokerConsoleUrl({ id: 'b-1', name: 'x' })).toBeUndefined();
  });
});
