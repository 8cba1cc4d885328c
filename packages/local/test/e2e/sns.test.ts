import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  InternalErrorException,
  InvalidParameterException,
  ListSubscriptionsByTopicCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  NotFoundException,
  PublishBatchCommand,
  PublishCommand,
  SNSClient,
  type SNSClientConfig,
  SubscribeCommand,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { isThrottlingError } from '@smithy/core/retry';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ControllableClock } from '../../src/clock';
import type { Scenario } from '../../src/scenario';
import { type LocalCloud, startLocalCloud } from '../../src/server';

const NOW = '2025-03-10T12:00:00.000Z';
const ALERTS = 'arn:aws:sns:us-east-1:123456789012:mq-alerts';

const scenario: Scenario = {
  now: NOW,
  topics: [
    { Name: 'mq-alerts', Tags: [{ Key: 'team', Value: 'platform' }] },
    { Name: 'mq-events', Attributes: { DisplayName: 'MQ events' } },
  ],
};

describe('local SNS through the real SDK client', () => {
  let cloud: LocalCloud;
  let sns: SNSClient;
  const client = (extra: Partial<SNSClientConfig> = {}) =>
    new SNSClient({ ...cloud.clientConfig(), ...extra });
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (e: unknown) => e,
    );

  beforeAll(async () => {
    cloud = await startLocalCloud({ scenario, clock: new ControllableClock(NOW, { frozen: true }) });
    sns = client({ maxAttempts: 1 });
  });
  afterAll(async () => {
    sns.destroy();
    await cloud.stop();
  });
  beforeEach(() => cloud.faults.clear());

  it('CreateTopic is idempotent by name and refuses other tags for an existing name', async () => {
    const a = await sns.send(new CreateTopicCommand({ Name: 'created', Tags: [{ Key: 'k', Value: 'v' }] }));
    const b = await sns.send(new CreateTopicCommand({ Name: 'created' }));
    expect(a.TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:created');
    expect(b.TopicArn).toBe(a.TopicArn);
    const clash = await failure(
      sns.send(new CreateTopicCommand({ Name: 'created', Tags: [{ Key: 'k', Value: 'other' }] })),
    );
    expect(clash).toBeInstanceOf(InvalidParameterException);
    expect((clash as Error).message).toBe(
      'Invalid parameter: Tags Reason: Topic already exists with different tags',
    );
    const badName = await failure(sns.send(new CreateTopicCommand({ Name: 'bad name' })));
    expect(badName).toBeInstanceOf(InvalidParameterException);
    const tags = await sns.send(new ListTagsForResourceCommand({ ResourceArn: a.TopicArn }));
    expect(tags.Tags).toEqual([{ Key: 'k', Value: 'v' }]);
  });

  it('ListTopics pages through every topic', async () => {
    for (let i = 0; i < 120; i++)
      await sns.send(new CreateTopicCommand({ Name: `bulk-${String(i).padStart(3, '0')}` }));
    const arns: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await sns.send(new ListTopicsCommand({ NextToken: token }));
      arns.push(...(page.Topics ?? []).map((t) => t.TopicArn ?? ''));
      token = page.NextToken;
      pages++;
    } while (token);
    expect(pages).toBe(2);
    expect(arns).toContain(ALERTS);
    expect(arns.filter((a) => a.includes(':bulk-'))).toHaveLength(120);
    expect(new Set(arns).size).toBe(arns.length);
  });

  it('GetTopicAttributes answers the attribute map; DeleteTopic is idempotent', async () => {
    await sns.send(
      new SubscribeCommand({ TopicArn: ALERTS, Protocol: 'email', Endpoint: 'ops@example.com' }),
    );
    const out = await sns.send(
      new GetTopicAttributesCommand({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:mq-events' }),
    );
    expect(out.Attributes).toMatchObject({
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:mq-events',
      Owner: '123456789012',
      DisplayName: 'MQ events',
      SubscriptionsConfirmed: '0',
      SubscriptionsPending: '0',
      SubscriptionsDeleted: '0',
    });
    expect(JSON.parse(out.Attributes?.Policy ?? '{}').Statement[0].Resource).toBe(
      'arn:aws:sns:us-east-1:123456789012:mq-events',
    );
    const alerts = await sns.send(new GetTopicAttributesCommand({ TopicArn: ALERTS }));
    expect(alerts.Attributes?.SubscriptionsPending).toBe('1');

    const missing = await failure(
      sns.send(new GetTopicAttributesCommand({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:nope' })),
    );
    expect(missing).toBeInstanceOf(NotFoundException);
    expect((missing as Error).message).toBe('Topic does not exist');

    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'short-lived' }));
    await sns.send(new DeleteTopicCommand({ TopicArn }));
    await sns.send(new DeleteTopicCommand({ TopicArn }));
    expect(await failure(sns.send(new GetTopicAttributesCommand({ TopicArn })))).toBeInstanceOf(
      NotFoundException,
    );
  });

  it('Subscribe stores subscriptions; ListSubscriptionsByTopic lists them', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'subscribed' }));
    const queue = await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:123456789012:q' }),
    );
    expect(queue.SubscriptionArn).toMatch(new RegExp(`^${TopicArn}:[0-9a-f-]{36}$`));
    const mail = await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'a@example.com' }),
    );
    expect(mail.SubscriptionArn).toBe('pending confirmation');
    const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    expect(listed.Subscriptions).toEqual(
      expect.arrayContaining([
        {
          SubscriptionArn: queue.SubscriptionArn,
          Owner: '123456789012',
          Protocol: 'sqs',
          Endpoint: 'arn:aws:sqs:us-east-1:123456789012:q',
          TopicArn,
        },
        {
          SubscriptionArn: 'PendingConfirmation',
          Owner: '123456789012',
          Protocol: 'email',
          Endpoint: 'a@example.com',
          TopicArn,
        },
      ]),
    );
    expect(listed.Subscriptions).toHaveLength(2);
    const badProtocol = await failure(
      sns.send(new SubscribeCommand({ TopicArn, Protocol: 'pigeon', Endpoint: 'x' })),
    );
    expect(badProtocol).toBeInstanceOf(InvalidParameterException);
  });

  it('Publish captures the message, subject and attributes', async () => {
    const before = cloud.world.sns.published.length;
    const message = 'Broker <orders> is at 95% & rising\nsecond line';
    const out = await sns.send(
      new PublishCommand({
        TopicArn: ALERTS,
        Subject: 'ALARM: "orders-cpu" in US East (N. Virginia)',
        Message: message,
        MessageAttributes: {
          severity: { DataType: 'String', StringValue: 'critical' },
          count: { DataType: 'Number', StringValue: '3' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      }),
    );
    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(cloud.world.sns.published.slice(before)).toEqual([
      {
        topicArn: ALERTS,
        subject: 'ALARM: "orders-cpu" in US East (N. Virginia)',
        message,
        messageAttributes: {
          severity: { DataType: 'String', StringValue: 'critical' },
          count: { DataType: 'Number', StringValue: '3' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        },
        messageId: out.MessageId,
        at: NOW,
      },
    ]);
    // TargetArn works like TopicArn.
    await sns.send(new PublishCommand({ TargetArn: ALERTS, Message: 'via target' }));
    expect(cloud.world.sns.messagesFor(ALERTS).at(-1)?.message).toBe('via target');
  });

  it('Publish validates like SNS', async () => {
    const before = cloud.world.sns.published.length;
    const invalid = async (input: ConstructorParameters<typeof PublishCommand>[0], message: string) => {
      const error = await failure(sns.send(new PublishCommand(input)));
      expect(error).toBeInstanceOf(InvalidParameterException);
      expect((error as Error).message).toBe(message);
      expect((error as InvalidParameterException).$metadata.httpStatusCode).toBe(400);
    };
    await invalid({ TopicArn: ALERTS, Message: 'x', Subject: 'a'.repeat(101) }, 'Invalid parameter: Subject');
    await invalid({ TopicArn: ALERTS, Message: 'x', Subject: 'two\nlines' }, 'Invalid parameter: Subject');
    await invalid({ TopicArn: ALERTS, Message: 'x', Subject: 'café' }, 'Invalid parameter: Subject');
    await invalid({ TopicArn: ALERTS, Message: 'x'.repeat(262_145) }, 'Invalid parameter: Message too long');
    await invalid(
      {
        TopicArn: ALERTS,
        Message: 'x'.repeat(262_100),
        MessageAttributes: { big: { DataType: 'String', StringValue: 'y'.repeat(100) } },
      },
      'Invalid parameter: Message too long',
    );
    await invalid({ TopicArn: ALERTS, Message: '' }, 'Invalid parameter: Empty message');
    await invalid(
      { TopicArn: ALERTS, Message: '{"email":"x"}', MessageStructure: 'json' },
      'Invalid parameter: Message Structure - No default entry in JSON message body',
    );
    const attributes = Object.fromEntries(
      Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]),
    );
    await invalid(
      { TopicArn: ALERTS, Message: 'x', MessageAttributes: attributes },
      'Invalid parameter: MessageAttributes Reason: Number of message attributes [11] exceeds the allowed maximum [10].',
    );
    const missingMessage = await failure(sns.send(new PublishCommand({ TopicArn: ALERTS } as never)));
    expect(missingMessage).toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    const unknown = await failure(
      sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:nope', Message: 'x' })),
    );
    expect(unknown).toBeInstanceOf(NotFoundException);
    expect((unknown as Error).message).toBe('Topic does not exist');
    expect((unknown as NotFoundException).$metadata.httpStatusCode).toBe(404);
    // A 100-character ASCII subject and a 256 KiB message are fine.
    await sns.send(
      new PublishCommand({ TopicArn: ALERTS, Message: 'x'.repeat(262_144), Subject: 's'.repeat(100) }),
    );
    expect(cloud.world.sns.published.length).toBe(before + 1);
  });

  it('PublishBatch publishes the valid entries and reports the invalid ones', async () => {
    const before = cloud.world.sns.published.length;
    const out = await sns.send(
      new PublishBatchCommand({
        TopicArn: ALERTS,
        PublishBatchRequestEntries: [
          { Id: 'one', Message: 'first', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } },
          { Id: 'two', Message: 'second', Subject: 'bad\nsubject' },
          { Id: 'three', Message: 'third', Subject: 'ok' },
        ],
      }),
    );
    expect(out.Successful?.map((s) => s.Id)).toEqual(['one', 'three']);
    expect(out.Failed).toEqual([
      { Id: 'two', Code: 'InvalidParameter', Message: 'Invalid parameter: Subject', SenderFault: true },
    ]);
    expect(
      cloud.world.sns.published.slice(before).map((m) => [m.message, m.subject, m.messageAttributes]),
    ).toEqual([
      ['first', undefined, { k: { DataType: 'String', StringValue: 'v' } }],
      ['third', 'ok', {}],
    ]);
  });

  describe('fault injection', () => {
    it('a throttle is the Throttled error (ThrottledException), classified as throttling', async () => {
      cloud.faults.add({ service: 'sns', operation: 'Publish', throttle: { rate: 1, burst: 1 } });
      await sns.send(new PublishCommand({ TopicArn: ALERTS, Message: 'first' }));
      const error = await failure(sns.send(new PublishCommand({ TopicArn: ALERTS, Message: 'second' })));
      expect(error).toBeInstanceOf(ThrottledException);
      expect((error as ThrottledException).$metadata).toMatchObject({ httpStatusCode: 429, attempts: 1 });
      expect(isThrottlingError(error as Parameters<typeof isThrottlingError>[0])).toBe(true);
    });

    it('the SDK retries throttles until the bucket refills', async () => {
      cloud.faults.add({ service: 'sns', operation: 'Publish', throttle: { rate: 1, burst: 1 } });
      const retrying = client({ maxAttempts: 10 });
      await retrying.send(new PublishCommand({ TopicArn: ALERTS, Message: 'first' }));
      const before = cloud.world.sns.published.length;
      const timer = setTimeout(() => cloud.clock.advance(1_000), 150);
      const out = await retrying.send(new PublishCommand({ TopicArn: ALERTS, Message: 'eventually' }));
      clearTimeout(timer);
      retrying.destroy();
      expect(out.$metadata.attempts).toBeGreaterThan(1);
      expect(cloud.world.sns.published.slice(before).map((m) => m.message)).toEqual(['eventually']);
    });

    it('injected failures are InternalErrorException (500)', async () => {
      cloud.faults.add({ service: 'sns', operation: 'ListTopics', failTimes: 1 });
      const error = await failure(sns.send(new ListTopicsCommand({})));
      expect(error).toBeInstanceOf(InternalErrorException);
      expect((error as InternalErrorException).$metadata.httpStatusCode).toBe(500);
    });
  });
});
