import { inspect } from 'node:util';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeliveryError, type Notice, postNotice, slackNotice, snsNotice } from '@mqops/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { noticeSinksFromEnv, SlackNoticeSink, SnsNoticeSink } from '../../src/notice-sinks';
import { SlackChannel } from '../../src/slack-channel';

const sns = mockClient(SNSClient);

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:mqops-alerts';
const WEBHOOK = 'https://hooks.example.test/services/T000/B000/notice-secret-token';
const SECRET_PART = 'notice-secret-token';

const notice: Notice = {
  kind: 'rotation',
  level: 'critical',
  title: 'rotation of secret mq/orders/app failed at createSecret',
  text: 'AWSCURRENT of secret mq/orders/app is not a valid mqops rotation secret.',
  fields: { secret: 'mq/orders/app', step: 'createSecret' },
  broker: { id: 'b-1234', name: 'orders-prod', region: 'eu-west-1' },
  key: 'rotation/arn/v1/failed/createSecret',
};

/** A fetch that answers with `status` (and `body`) and records each request. */
function fakeFetch(status = 200, body = status === 200 ? 'ok' : 'oops') {
  const requests: { url: string; init: RequestInit }[] = [];
  const fn = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(url), init: init ?? {} });
    return new Response(body, { status });
  });
  return { fetch: fn as unknown as typeof fetch, requests, mock: fn };
}

/** A clock that moves forward when slept on, so retries take no real time. */
function virtualTime() {
  let t = 1_000_000;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
  };
}

beforeEach(() => {
  sns.reset();
});

describe('Class: SnsNoticeSink', () => {
  it('publishes the notice: subject, JSON body and kind/level attributes', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const sink = new SnsNoticeSink(TOPIC, new SNSClient({ region: 'eu-west-1' }));

    // Act
    await sink.send(notice);

    // Assess
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input?.TopicArn).toBe(TOPIC);
    expect(input?.Subject).toBe('mqops rotation: rotation of secret mq/orders/app failed at createSecret');
    expect(input?.Subject).toBe(snsNotice(notice).subject);
    expect(JSON.parse(input?.Message ?? '')).toEqual({
      source: 'mqops',
      kind: 'rotation',
      level: 'critical',
      title: notice.title,
      text: notice.text,
      fields: notice.fields,
      broker: notice.broker,
    });
    expect(input?.MessageAttributes).toEqual({
      kind: { DataType: 'String', StringValue: 'rotation' },
      level: { DataType: 'String', StringValue: 'critical' },
    });
  });

  it('keeps the subject ASCII and at most 100 characters', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await new SnsNoticeSink(TOPIC, { region: 'eu-west-1' }).send({
      ...notice,
      title: `naïve → ${'x'.repeat(200)}`,
    });
    const subject = sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject ?? '';
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject.startsWith('mqops rotation: nave  xxx')).toBe(true);
  });

  it('is the sns channel', () => {
    expect(new SnsNoticeSink(TOPIC, { region: 'eu-west-1' }).channel).toBe('sns');
  });

  it('fails with a DeliveryError naming the topic, not the message', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' }));
    const error = await new SnsNoticeSink(TOPIC, { region: 'eu-west-1' })
      .send(notice)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as Error).message).toContain(TOPIC);
    expect((error as Error).message).toContain('ThrottledException');
    expect((error as Error).message).not.toContain(notice.title);
  });
});

describe('Class: SlackNoticeSink', () => {
  it('posts the notice as Block Kit JSON to the webhook', async () => {
    // Prepare
    const { fetch, requests } = fakeFetch();
    const sink = new SlackNoticeSink({ webhookUrl: WEBHOOK, name: 'oncall', fetch, ...virtualTime() });

    // Act
    await sink.send(notice);

    // Assess
    expect(requests).toHaveLength(1);
    expect(requests[0]?.url).toBe(WEBHOOK);
    expect(requests[0]?.init.method).toBe('POST');
    const body = JSON.parse(String(requests[0]?.init.body));
    expect(body).toEqual(slackNotice(notice));
    expect(body.blocks[0]).toEqual({
      type: 'header',
      text: {
        type: 'plain_text',
        text: 'mqops rotation: rotation of secret mq/orders/app failed at createSecret',
      },
    });
    expect(body.blocks.at(-1).elements[0].text).toBe('critical · orders-prod · eu-west-1');
  });

  it.each([
    ['a name', { name: 'oncall' }, 'slack:oncall'],
    ['no name', {}, 'slack:default'],
  ])('is the channel slack:<name> with %s', (_n, options, channel) => {
    expect(new SlackNoticeSink({ webhookUrl: WEBHOOK, ...options }).channel).toBe(channel);
  });

  it('posts through a SlackChannel it is given', async () => {
    const { fetch, requests } = fakeFetch();
    const slack = new SlackChannel({ webhookUrl: WEBHOOK, name: 'ops', fetch, ...virtualTime() });
    const sink = new SlackNoticeSink(slack);
    await sink.send(notice);
    expect(sink.channel).toBe('slack:ops');
    expect(requests).toHaveLength(1);
  });

  it('fails with a DeliveryError that never shows the webhook URL (HTTP 4xx echoing it)', async () => {
    // Prepare: Slack's answer quotes the URL.
    const { fetch, mock } = fakeFetch(404, `no_service: ${WEBHOOK}`);
    const sink = new SlackNoticeSink({ webhookUrl: WEBHOOK, name: 'oncall', fetch, ...virtualTime() });

    // Act
    const error = await sink.send(notice).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as Error).message).toContain('HTTP 404');
    expect((error as Error).message).toContain('oncall');
    expect(`${(error as Error).message} ${String(error)} ${JSON.stringify(error)}`).not.toContain(
      SECRET_PART,
    );
    expect(inspect(error, { depth: 5 })).not.toContain(SECRET_PART);
    expect(mock).toHaveBeenCalledTimes(1);
  });

  it('fails with a DeliveryError that never shows the webhook URL (webhook unreachable)', async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError(`fetch failed: getaddrinfo ENOTFOUND ${WEBHOOK}`);
    }) as unknown as typeof globalThis.fetch;
    const sink = new SlackNoticeSink({ webhookUrl: WEBHOOK, fetch, maxTotalWaitMs: 5_000, ...virtualTime() });
    const error = await sink.send(notice).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(`${(error as Error).message} ${String(error)}`).not.toContain(SECRET_PART);
    expect(inspect(error, { depth: 5 })).not.toContain(SECRET_PART);
  });

  it('refuses a webhook that is not an http(s) URL without showing it', () => {
    const bad = `hooks.example.test/services/${SECRET_PART}`;
    let error: unknown;
    try {
      new SlackNoticeSink({ webhookUrl: bad });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeliveryError);
    expect(String((error as Error).message)).not.toContain(SECRET_PART);
  });

  it('never shows the webhook URL when logged', () => {
    const sink = new SlackNoticeSink({ webhookUrl: WEBHOOK });
    expect(JSON.stringify(sink)).not.toContain(SECRET_PART);
    expect(inspect(sink, { depth: 5 })).not.toContain(SECRET_PART);
  });
});

describe('Function: noticeSinksFromEnv', () => {
  it('configures Slack and SNS when both variables are set', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const { fetch, requests } = fakeFetch();

    // Act
    const sinks = noticeSinksFromEnv(
      { MQOPS_SLACK_WEBHOOK_URL: WEBHOOK, MQOPS_ALERT_TOPIC_ARN: TOPIC },
      { sns: { region: 'eu-west-1' }, slack: { fetch, ...virtualTime() } },
    );
    const outcome = await postNotice(sinks, notice);

    // Assess
    expect(sinks.map((s) => s.channel)).toEqual(['slack:default', 'sns']);
    expect(sinks[0]).toBeInstanceOf(SlackNoticeSink);
    expect(sinks[1]).toBeInstanceOf(SnsNoticeSink);
    expect(outcome.sent.sort()).toEqual(['slack:default', 'sns']);
    expect(requests[0]?.url).toBe(WEBHOOK);
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.TopicArn).toBe(TOPIC);
  });

  it.each([
    ['no variables', {}],
    ['empty variables', { MQOPS_SLACK_WEBHOOK_URL: '', MQOPS_ALERT_TOPIC_ARN: '' }],
    ['blank variables', { MQOPS_SLACK_WEBHOOK_URL: '   ', MQOPS_ALERT_TOPIC_ARN: '\t\n ' }],
  ])('configures nothing with %s', (_name, env) => {
    expect(noticeSinksFromEnv(env)).toEqual([]);
  });

  it.each([
    ['Slack only', { MQOPS_SLACK_WEBHOOK_URL: WEBHOOK, MQOPS_ALERT_TOPIC_ARN: ' ' }, ['slack:default']],
    ['SNS only', { MQOPS_ALERT_TOPIC_ARN: TOPIC }, ['sns']],
  ])('configures %s', (_name, env, channels) => {
    expect(noticeSinksFromEnv(env, { sns: { region: 'eu-west-1' } }).map((s) => s.channel)).toEqual(channels);
  });

  it('trims the values it reads', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const { fetch, requests } = fakeFetch();
    const sinks = noticeSinksFromEnv(
      { MQOPS_SLACK_WEBHOOK_URL: ` ${WEBHOOK}\n`, MQOPS_ALERT_TOPIC_ARN: `  ${TOPIC} ` },
      { sns: { region: 'eu-west-1' }, slack: { fetch, ...virtualTime() } },
    );
    await postNotice(sinks, notice);
    expect(requests[0]?.url).toBe(WEBHOOK);
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.TopicArn).toBe(TOPIC);
  });

  it('passes the Slack options on (name) but always uses the variable for the URL', async () => {
    const { fetch, requests } = fakeFetch();
    const [sink] = noticeSinksFromEnv(
      { MQOPS_SLACK_WEBHOOK_URL: WEBHOOK },
      { slack: { name: 'oncall', fetch, webhookUrl: 'https://other.example.test/x', ...virtualTime() } },
    );
    await sink?.send(notice);
    expect(sink?.channel).toBe('slack:oncall');
    expect(requests.map((r) => r.url)).toEqual([WEBHOOK]);
  });

  it('reports a failing channel through postNotice without the webhook URL, and still sends to the other', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const { fetch } = fakeFetch(403, `invalid_token for ${WEBHOOK}`);
    const sinks = noticeSinksFromEnv(
      { MQOPS_SLACK_WEBHOOK_URL: WEBHOOK, MQOPS_ALERT_TOPIC_ARN: TOPIC },
      { sns: { region: 'eu-west-1' }, slack: { fetch, ...virtualTime() } },
    );

    // Act
    const outcome = await postNotice(sinks, notice);

    // Assess
    expect(outcome.sent).toEqual(['sns']);
    expect(outcome.failed).toHaveLength(1);
    expect(outcome.failed[0]?.channel).toBe('slack:default');
    expect(outcome.failed[0]?.error).toContain('HTTP 403');
    expect(JSON.stringify(outcome)).not.toContain(SECRET_PART);
  });

  it('refuses a Slack variable that is not an http(s) URL without showing it', () => {
    expect(() =>
      noticeSinksFromEnv({ MQOPS_SLACK_WEBHOOK_URL: `hooks.example.test/${SECRET_PART}` }),
    ).toThrow(DeliveryError);
    try {
      noticeSinksFromEnv({ MQOPS_SLACK_WEBHOOK_URL: `hooks.example.test/${SECRET_PART}` });
    } catch (error) {
      expect((error as Error).message).not.toContain(SECRET_PART);
    }
  });
});
