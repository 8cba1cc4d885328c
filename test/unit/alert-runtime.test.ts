import { InvalidInputError, MqopsError } from '@mqops/core';
import { describe, expect, it } from 'vitest';
import { alertRuntime } from '../../functions/lib/alert-runtime';

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
