import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ALERT_CONFIG,
  globMatch,
  parseAlertConfig,
  parseAlertConfigText,
} from '../../../src/alerts/config';
import { InvalidInputError } from '../../../src/errors';

describe('Function: parseAlertConfig', () => {
  it('gives Alertmanager’s defaults (group by broker, 30 s, 5 min, 4 h)', () => {
    expect(parseAlertConfig(undefined)).toEqual(DEFAULT_ALERT_CONFIG);
    expect(DEFAULT_ALERT_CONFIG).toMatchObject({
      groupBy: ['broker'],
      groupWaitSeconds: 30,
      groupIntervalSeconds: 300,
      repeatIntervalSeconds: 14_400,
      sendResolved: true,
    });
  });

  it('merges partial inhibition settings with the defaults', () => {
    const config = parseAlertConfig({
      inhibit: { runbook: false, brokerDown: { equal: ['broker', 'region'] } },
    });
    expect(config.inhibit).toEqual({
      maintenanceWindow: true,
      runbook: false,
      brokerDown: { alarms: DEFAULT_ALERT_CONFIG.inhibit.brokerDown.alarms, equal: ['broker', 'region'] },
    });
  });

  it('reads routes', () => {
    const config = parseAlertConfig({
      routes: [{ match: { severity: ['CRITICAL'], tags: { team: 'pay' } }, slack: 'oncall', continue: true }],
    });
    expect(config.routes).toEqual([
      { match: { severity: ['CRITICAL'], tags: { team: 'pay' } }, slack: 'oncall', continue: true },
    ]);
  });

  it.each([
    ['an unknown key', { groupWait: 30 }, 'invalid alerts configuration: groupWait: unknown field'],
    [
      'a webhook URL as channel',
      { defaultRoute: { slack: 'https://hooks.slack.com/services/T/B/x' } },
      /channel name/,
    ],
    ['a negative wait', { groupWaitSeconds: -1 }, /groupWaitSeconds/],
    ['an unknown label', { groupBy: ['brokr'] }, /groupBy\.0/],
    [
      'an unknown severity',
      { routes: [{ match: { severity: ['HIGH'] }, slack: 'x' }] },
      /routes\.0\.match\.severity/,
    ],
    ['a bad topic', { defaultRoute: { sns: 'my-topic' } }, /not a topic ARN/],
  ])('rejects %s', (_name, value, message) => {
    expect(() => parseAlertConfig(value)).toThrow(InvalidInputError);
    expect(() => parseAlertConfig(value)).toThrow(message);
  });

  it('accepts tag labels in groupBy', () => {
    expect(parseAlertConfig({ groupBy: ['broker', 'tag:team'] }).groupBy).toEqual(['broker', 'tag:team']);
  });
});

describe('Function: parseAlertConfigText', () => {
  it('reads empty text as the defaults and rejects text that is not JSON', () => {
    expect(parseAlertConfigText('')).toEqual(DEFAULT_ALERT_CONFIG);
    expect(parseAlertConfigText(undefined)).toEqual(DEFAULT_ALERT_CONFIG);
    expect(() => parseAlertConfigText('{', 'MQOPS_ALERTS_CONFIG')).toThrow(
      /MQOPS_ALERTS_CONFIG is not valid JSON/,
    );
  });
});

describe('Function: globMatch', () => {
  it.each([
    ['*broker-down*', 'mqops-orders-broker-down', true],
    ['*broker-down*', 'MQOPS-ORDERS-BROKER-DOWN', true],
    ['orders-*', 'orders-eu', true],
    ['orders-*', 'billing', false],
    ['a.b', 'axb', false],
    ['', '', true],
  ])('%s matches %s: %s', (pattern, value, expected) => {
    expect(globMatch(pattern, value)).toBe(expected);
  });
});
