import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { AuditReport } from '@mqops/core';
import { DeliveryError } from '@mqops/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SlackNotifier } from '../../src/slack-notifier';
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
