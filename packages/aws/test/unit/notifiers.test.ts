import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { AuditReport } from '@mqops/core';
import { DeliveryError } from '@mqops/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SLACK_NOTIFIER_DEFAULTS, SlackNotifier } from '../../src/slack-notifier';
import { SnsNotifier } from '../../src/sns-notifier';

const sns = mockClient(SNSClient);

const report: AuditReport = {
  trigger: 'schedule',
  startedAt: '2026-11-25T00:00:00.000Z',
  finishedAt: '2026-11-25T00:00:01.000Z',
  brokersAudited: 1,
  outcome: { status: 'complete', covered: 1, gaps: [] },
  errors: [],
  notified: [],
  brokers: [],
  warnings: [],
  results: [
    {
      fingerprint: 'mq-public-access/arn',
      checkId: 'mq-public-access',
      title: 't',
      severity: 'HIGH',
      status: 'FAIL',
      message: 'Broker b is publicly accessible from the internet.',
      remediation: 'r',
      broker: {
        id: 'b-1',
        name: 'b',
        arn: 'arn:aws:mq:us-east-1:1:broker:b:b-1',
        region: 'us-east-1',
        accountId: '1',
        engine: 'ACTIVEMQ',
      },
    },
  ],
};

const WEBHOOK = 'https://hooks.example.test/services/T000/B000/not-a-real-secret';

describe('Class: SnsNotifier', () => {
  beforeEach(() => sns.reset());

  it('publishes the report to the topic', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await new SnsNotifier('arn:aws:sns:us-east-1:1:alerts', new SNSClient({ region: 'us-east-1' })).send(
      report,
    );
    const [call] = sns.commandCalls(PublishCommand);
    expect(call?.args[0].input).toMatchObject({
      TopicArn: 'arn:aws:sns:us-east-1:1:alerts',
      Subject: 'mqops audit: 1 HIGH',
    });
  });

  it('wraps a failure in DeliveryError', async () => {
    sns.on(PublishCommand).rejects(new Error('boom'));
    const notifier = new SnsNotifier(
      'arn:aws:sns:us-east-1:1:alerts',
      new SNSClient({ region: 'us-east-1' }),
    );
    await expect(notifier.send(report)).rejects.toBeInstanceOf(DeliveryError);
  });
});

describe('Class: SlackNotifier', () => {
  it('posts Block Kit JSON to the webhook', async () => {
    const fetch = vi.fn().mockResolvedValue(new Response('ok', { status: 200 }));
    await new SlackNotifier({ webhookUrl: WEBHOOK, fetch }).send(report);
    const [url, init] = fetch.mock.calls[0] as [string, RequestInit];
    expect(url).toBe(WEBHOOK);
    expect(JSON.parse(String(init.body)).blocks[0].type).toBe('header');
  });

  it('retries after 429 with Retry-After, then succeeds', async () => {
    const fetch = vi
      .fn()
      .mockResolvedValueOnce(
        new Response('rate_limited', { status: 429, headers: { 'retry-after': '0.01' } }),
      )
      .mockResolvedValueOnce(new Response('ok', { status: 200 }));
    await new SlackNotifier({ webhookUrl: WEBHOOK, fetch }).send(report);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('gives up on a 4xx without retrying, and never shows the webhook URL', async () => {
    const fetch = vi.fn().mockResolvedValue(new Response('invalid_payload', { status: 400 }));
    const error = await new SlackNotifier({ webhookUrl: WEBHOOK, fetch })
      .send(report)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(String((error as Error).message)).toContain('HTTP 400');
    expect(JSON.stringify(error) + String(error)).not.toContain('not-a-real-secret');
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('hides the URL when the webhook is unreachable', async () => {
    const fetch = vi.fn().mockRejectedValue(new TypeError(`fetch failed for ${WEBHOOK}`));
    const error = await new SlackNotifier({ webhookUrl: WEBHOOK, fetch })
      .send(report)
      .catch((e: unknown) => e);
    expect(String(error)).not.toContain('not-a-real-secret');
    expect((error as Error).cause).toBeUndefined();
  });
});

describe('Class: SlackNotifier, bounded like the alerts (issue 12)', () => {
  /** A virtual clock: sleeping moves it forward at once. */
  function virtualTime() {
    const clock = { t: Date.parse('2026-11-25T00:00:10Z') };
    return {
      clock,
      now: () => clock.t,
      sleep: async (ms: number) => {
        clock.t += ms;
      },
    };
  }

  it('ends within its timeout when the webhook never answers', async () => {
    // Prepare: a real webhook that takes the request and never answers.
    const server = createServer((req) => req.resume());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const webhookUrl = `http://127.0.0.1:${port}/services/T0/B0/never-answers-secret`;
    const started = Date.now();

    // Act
    const error = await new SlackNotifier({ webhookUrl, timeoutMs: 100, retries: 0 })
      .send(report)
      .catch((e: unknown) => e);
    server.closeAllConnections();
    server.close();

    // Assess
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as Error).message).toBe('slack: webhook timed out after 0.1 s');
    expect(String(error)).not.toContain('never-answers-secret');
  });

  it('gives every request a timeout by default', async () => {
    const fetch = vi.fn().mockResolvedValue(new Response('ok', { status: 200 }));
    await new SlackNotifier({ webhookUrl: WEBHOOK, fetch }).send(report);
    const [, init] = fetch.mock.calls[0] as [string, RequestInit];
    expect(init.signal).toBeInstanceOf(AbortSignal);
    expect(SLACK_NOTIFIER_DEFAULTS).toEqual({ timeoutMs: 10_000, retries: 2, maxTotalWaitMs: 30_000 });
  });

  it.each([
    ['in seconds', () => '3'],
    ['as an HTTP date', (now: number) => new Date(now + 3000).toUTCString()],
  ])('honours a 429 Retry-After %s on the audit and watcher path', async (_case, retryAfter) => {
    const time = virtualTime();
    const at: number[] = [];
    const fetch = vi.fn(async () => {
      at.push(time.clock.t);
      return at.length === 1
        ? new Response('rate_limited', { status: 429, headers: { 'retry-after': retryAfter(time.clock.t) } })
        : new Response('ok', { status: 200 });
    });
    const notifier = new SlackNotifier({ webhookUrl: WEBHOOK, fetch, now: time.now, sleep: time.sleep });

    await notifier.send(report);

    expect(at).toHaveLength(2);
    expect(at[1]! - at[0]!).toBe(3000);
  });

  it('fails instead of waiting a Retry-After past its bound', async () => {
    const time = virtualTime();
    const fetch = vi.fn(async () => new Response('', { status: 429, headers: { 'retry-after': '120' } }));

    const error = await new SlackNotifier({ webhookUrl: WEBHOOK, fetch, now: time.now, sleep: time.sleep })
      .send(report)
      .catch((e: unknown) => e);

    expect(fetch).toHaveBeenCalledTimes(1);
    expect((error as Error).message).toMatch(
      /Retry-After 120 s\); a further 120 s wait would pass the 30 s bound/,
    );
  });

  it('never shows the webhook URL when logged or inspected', () => {
    const notifier = new SlackNotifier({ webhookUrl: WEBHOOK });
    expect(inspect(notifier, { depth: 5 })).not.toContain('not-a-real-secret');
    expect(JSON.stringify(notifier)).not.toContain('not-a-real-secret');
  });
});
