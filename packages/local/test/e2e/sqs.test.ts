import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  MessageNotInflight,
  PurgeQueueCommand,
  PurgeQueueInProgress,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  type SQSClientConfig,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import { isThrottlingError } from '@smithy/core/retry';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ControllableClock } from '../../src/clock';
import type { Scenario } from '../../src/scenario';
import { type LocalCloud, startLocalCloud } from '../../src/server';
import { md5Hex, md5OfMessageAttributes } from '../../src/services/sqs';

const NOW = '2025-03-10T12:00:00.000Z';
const ACCOUNT = '123456789012';

const scenario: Scenario = {
  now: NOW,
  queues: [
    {
      QueueName: 'DeadLetters',
      Attributes: { MessageRetentionPeriod: '1209600' },
      Tags: { team: 'platform' },
    },
    { QueueName: 'small', Attributes: { MaximumMessageSize: '262144', VisibilityTimeout: '60' } },
  ],
};

describe('local SQS through the real SDK client', () => {
  let cloud: LocalCloud;
  let sqs: SQSClient;
  const client = (extra: Partial<SQSClientConfig> = {}) =>
    new SQSClient({ ...cloud.clientConfig(), ...extra });
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (e: unknown) => e,
    );
  const urlOf = (name: string) => `${cloud.endpoint}/${ACCOUNT}/${name}`;
  let counter = 0;
  /** A fresh empty queue for one test. */
  const freshQueue = async (attributes: Record<string, string> = {}) => {
    const name = `q-${++counter}`;
    const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    return { name, url: out.QueueUrl as string };
  };

  beforeAll(async () => {
    cloud = await startLocalCloud({ scenario, clock: new ControllableClock(NOW, { frozen: true }) });
    sqs = client({ maxAttempts: 1 });
  });
  afterAll(async () => {
    sqs.destroy();
    await cloud.stop();
  });
  beforeEach(() => cloud.faults.clear());

  it('creates scenario queues at start, with their attributes and tags, and finds them by name', async () => {
    // prepare / act
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'DeadLetters' }));
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    const tags = await sqs.send(new ListQueueTagsCommand({ QueueUrl }));
    // assess
    expect(QueueUrl).toBe(urlOf('DeadLetters'));
    expect(cloud.world.sqs.queueUrl('DeadLetters')).toBe(QueueUrl);
    expect(attributes.Attributes).toEqual({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
      CreatedTimestamp: String(Date.parse(NOW) / 1000),
      LastModifiedTimestamp: String(Date.parse(NOW) / 1000),
      QueueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:DeadLetters`,
      DelaySeconds: '0',
      MaximumMessageSize: '1048576',
      MessageRetentionPeriod: '1209600',
      ReceiveMessageWaitTimeSeconds: '0',
      VisibilityTimeout: '30',
      SqsManagedSseEnabled: 'true',
    });
    expect(tags.Tags).toEqual({ team: 'platform' });
  });

  it('CreateQueue is idempotent for the same attributes and refuses different ones; ListQueues pages by prefix', async () => {
    // prepare
    const first = await sqs.send(
      new CreateQueueCommand({ QueueName: 'list-a', Attributes: { VisibilityTimeout: '10' } }),
    );
    // act
    const again = await sqs.send(
      new CreateQueueCommand({ QueueName: 'list-a', Attributes: { VisibilityTimeout: '10' } }),
    );
    const different = await failure(
      sqs.send(new CreateQueueCommand({ QueueName: 'list-a', Attributes: { VisibilityTimeout: '11' } })),
    );
    await sqs.send(new CreateQueueCommand({ QueueName: 'list-b' }));
    const page1 = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'list-', MaxResults: 1 }));
    const page2 = await sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: 'list-', MaxResults: 1, NextToken: page1.NextToken }),
    );
    const none = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'nothing-' }));
    // assess
    expect(again.QueueUrl).toBe(first.QueueUrl);
    expect(different).toBeInstanceOf(QueueNameExists);
    expect((different as QueueNameExists).message).toContain(
      'different value for attribute VisibilityTimeout',
    );
    expect(page1.QueueUrls).toEqual([urlOf('list-a')]);
    expect(page2.QueueUrls).toEqual([urlOf('list-b')]);
    expect(page2.NextToken).toBeUndefined();
    expect(none.QueueUrls).toBeUndefined();
  });

  it('sends with message attributes and answers the MD5s SQS computes; receives them back', async () => {
    // prepare
    const { url } = await freshQueue();
    const attributes = {
      ErrorCode: { DataType: 'String', StringValue: 'InvalidInputError' },
      Job: { DataType: 'String', StringValue: 'alerts' },
      Attempt: { DataType: 'Number', StringValue: '1' },
      Raw: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 255]) },
    };
    const body = JSON.stringify({ detail: 'naïve ✓ event' });
    // act (the SDK verifies MD5OfMessageBody itself and throws on a mismatch)
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageAttributes: attributes }),
    );
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
    );
    // assess
    expect(sent.MD5OfMessageBody).toBe(md5Hex(body));
    expect(sent.MD5OfMessageAttributes).toBe(
      md5OfMessageAttributes({
        ...attributes,
        Raw: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 255]) },
      }),
    );
    const [message] = received.Messages ?? [];
    expect(message?.MessageId).toBe(sent.MessageId);
    expect(message?.Body).toBe(body);
    expect(message?.MD5OfBody).toBe(sent.MD5OfMessageBody);
    expect(message?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(message?.MessageAttributes?.ErrorCode).toEqual({
      DataType: 'String',
      StringValue: 'InvalidInputError',
    });
    expect(message?.MessageAttributes?.Raw?.BinaryValue).toEqual(new Uint8Array([0, 1, 2, 255]));
    expect(message?.Attributes).toEqual({
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.parse(NOW)),
    });
  });

  it('computes MD5OfMessageAttributes as SQS documents it (known digests)', () => {
    expect(md5OfMessageAttributes({ SellerName: { DataType: 'String', StringValue: 'Example Store' } })).toBe(
      'cd28f3b68aeee4b2eac9c66f2f694b58',
    );
    expect(
      md5OfMessageAttributes({
        ordinal: { DataType: 'Number', StringValue: '1' },
        category: { DataType: 'String', StringValue: 'test' },
      }),
    ).toBe('d21ae90c49061e927f57df5f5d72be1f');
    expect(md5OfMessageAttributes({})).toBeUndefined();
  });

  it('returns only the message attributes asked for', async () => {
    // prepare
    const { url } = await freshQueue();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'x',
        MessageAttributes: {
          'error.code': { DataType: 'String', StringValue: 'a' },
          'error.text': { DataType: 'String', StringValue: 'b' },
          other: { DataType: 'String', StringValue: 'c' },
        },
      }),
    );
    // act
    const [message] =
      (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['error.*'] })))
        .Messages ?? [];
    const none = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }));
    // assess
    expect(Object.keys(message?.MessageAttributes ?? {}).sort()).toEqual(['error.code', 'error.text']);
    expect(none.Messages).toBeUndefined(); // still in flight (30 s on the frozen clock)
  });

  it('hides a received message for the visibility timeout on the clock, then delivers it again', async () => {
    // prepare
    const { url } = await freshQueue({ VisibilityTimeout: '20' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one' }));
    // act
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    const hidden = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    const counts = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    cloud.clock.advance(20_000);
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 5 }));
    cloud.clock.advance(4_000);
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: again.Messages?.[0]?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const third = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    // assess
    expect(first.Messages).toHaveLength(1);
    expect(hidden.Messages).toBeUndefined();
    expect(counts.Attributes).toEqual({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '1',
    });
    expect(again.Messages?.[0]?.MessageId).toBe(first.Messages?.[0]?.MessageId);
    expect(again.Messages?.[0]?.ReceiptHandle).not.toBe(first.Messages?.[0]?.ReceiptHandle);
    expect(third.Messages?.[0]?.Attributes).toEqual({ ApproximateReceiveCount: '3' });
  });

  it('deletes with the latest receipt handle only; an earlier one succeeds and deletes nothing', async () => {
    // prepare
    const { name, url } = await freshQueue({ VisibilityTimeout: '1' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one' }));
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    cloud.clock.advance(1_000);
    const second = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    // act
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.Messages?.[0]?.ReceiptHandle }),
    );
    const afterStale = cloud.world.sqs.messagesOf(name).length;
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: second.Messages?.[0]?.ReceiptHandle }),
    );
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: second.Messages?.[0]?.ReceiptHandle }),
    );
    const invalid = await failure(
      sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'forged' })),
    );
    const notInFlight = await failure(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: second.Messages?.[0]?.ReceiptHandle,
          VisibilityTimeout: 10,
        }),
      ),
    );
    // assess
    expect(afterStale).toBe(1);
    expect(cloud.world.sqs.messagesOf(name)).toEqual([]);
    expect(invalid).toBeInstanceOf(ReceiptHandleIsInvalid);
    expect(notInFlight).toBeInstanceOf(MessageNotInflight);
  });

  it('receives at most MaxNumberOfMessages (1 to 10) and delays messages by DelaySeconds', async () => {
    // prepare
    const { url } = await freshQueue();
    for (let i = 0; i < 12; i++)
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${i}` }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'late', DelaySeconds: 60 }));
    // act
    const ten = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 120 }),
    );
    const rest = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 120 }),
    );
    const delayed = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessagesDelayed'],
      }),
    );
    cloud.clock.advance(60_000);
    const late = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    const tooMany = await failure(
      sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })),
    );
    // assess
    expect(ten.Messages?.map((m) => m.Body)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(rest.Messages?.map((m) => m.Body)).toEqual(['m10', 'm11']);
    expect(delayed.Attributes).toEqual({ ApproximateNumberOfMessagesDelayed: '1' });
    expect(late.Messages?.map((m) => m.Body)).toEqual(['late']);
    expect(tooMany).toBeInstanceOf(SQSServiceException);
    expect((tooMany as SQSServiceException).name).toBe('InvalidParameterValue');
  });

  it('expires messages after MessageRetentionPeriod on the clock', async () => {
    // prepare
    const { name, url } = await freshQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'old' }));
    await sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { MessageRetentionPeriod: '60' } }),
    );
    // act
    cloud.clock.advance(59_000);
    const before = cloud.world.sqs.messagesOf(name).length;
    cloud.clock.advance(1_000);
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    // assess
    expect(before).toBe(1);
    expect(received.Messages).toBeUndefined();
    expect(cloud.world.sqs.messagesOf(name)).toEqual([]);
  });

  it('keeps messages 4 days by default and 14 days at most', async () => {
    // prepare
    const { name, url } = await freshQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'kept' }));
    // act
    cloud.clock.advance(4 * 86_400_000 - 1);
    const justBefore = cloud.world.sqs.messagesOf(name).length;
    cloud.clock.advance(1);
    const after = cloud.world.sqs.messagesOf(name).length;
    const tooLong = await failure(
      sqs.send(
        new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { MessageRetentionPeriod: '1209601' } }),
      ),
    );
    // assess
    expect(justBefore).toBe(1);
    expect(after).toBe(0);
    expect((tooLong as SQSServiceException).name).toBe('InvalidAttributeValue');
  });

  it('purges a queue at most once a minute', async () => {
    // prepare
    const { name, url } = await freshQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'b' }));
    // act
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    const emptied = cloud.world.sqs.messagesOf(name).length;
    const tooSoon = await failure(sqs.send(new PurgeQueueCommand({ QueueUrl: url })));
    cloud.clock.advance(60_000);
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    // assess
    expect(emptied).toBe(0);
    expect(tooSoon).toBeInstanceOf(PurgeQueueInProgress);
  });

  it('refuses what SQS refuses: unknown queues, oversized or invalid bodies, bad attributes', async () => {
    // prepare
    const small = urlOf('small');
    const { url } = await freshQueue();
    // act
    const unknownUrl = await failure(
      sqs.send(new SendMessageCommand({ QueueUrl: urlOf('nope'), MessageBody: 'x' })),
    );
    const unknownName = await failure(sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' })));
    const otherAccount = await failure(
      sqs.send(
        new SendMessageCommand({ QueueUrl: `${cloud.endpoint}/999999999999/small`, MessageBody: 'x' }),
      ),
    );
    const overSmall = await failure(
      sqs.send(new SendMessageCommand({ QueueUrl: small, MessageBody: 'x'.repeat(256 * 1024 + 1) })),
    );
    const fitsSmall = await sqs.send(
      new SendMessageCommand({ QueueUrl: small, MessageBody: 'x'.repeat(256 * 1024) }),
    );
    const overDefault = await failure(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(1024 * 1024 + 1) })),
    );
    const badChar = await failure(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a\u0000b' })),
    );
    const badAttribute = await failure(
      sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: 'x',
          MessageAttributes: { 'AWS.reserved': { DataType: 'String', StringValue: 'v' } },
        }),
      ),
    );
    const badNumber = await failure(
      sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: 'x',
          MessageAttributes: { n: { DataType: 'Number', StringValue: 'one' } },
        }),
      ),
    );
    const unknownAttribute = await failure(
      sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: url,
          Attributes: { Colour: 'blue' } as Record<string, string>,
        }),
      ),
    );
    const fifo = await failure(sqs.send(new CreateQueueCommand({ QueueName: 'jobs.fifo' })));
    // assess
    expect(unknownUrl).toBeInstanceOf(QueueDoesNotExist);
    expect((unknownUrl as QueueDoesNotExist).message).toBe('The specified queue does not exist.');
    expect((unknownUrl as QueueDoesNotExist & { Code?: string }).Code).toBe(
      'AWS.SimpleQueueService.NonExistentQueue',
    );
    expect(unknownName).toBeInstanceOf(QueueDoesNotExist);
    expect(otherAccount).toBeInstanceOf(QueueDoesNotExist);
    expect((overSmall as SQSServiceException).name).toBe('InvalidParameterValue');
    expect((overSmall as SQSServiceException).message).toBe(
      'One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.',
    );
    expect(fitsSmall.MessageId).toBeDefined();
    expect((overDefault as SQSServiceException).name).toBe('InvalidParameterValue');
    expect((badChar as SQSServiceException).name).toBe('InvalidMessageContents');
    expect((badAttribute as SQSServiceException).name).toBe('InvalidParameterValue');
    expect((badNumber as SQSServiceException).name).toBe('InvalidParameterValue');
    expect((unknownAttribute as SQSServiceException).name).toBe('InvalidAttributeName');
    expect((fifo as SQSServiceException).name).toBe('InvalidParameterValue');
  });

  it('answers a long poll as soon as a message arrives', async () => {
    // prepare
    const { url } = await freshQueue();
    const started = Date.now();
    // act
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5 }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'awaited' }));
    const received = await polling;
    // assess
    expect(received.Messages?.map((m) => m.Body)).toEqual(['awaited']);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('deletes a queue', async () => {
    // prepare
    const { url } = await freshQueue();
    // act
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    const gone = await failure(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })));
    // assess
    expect(gone).toBeInstanceOf(QueueDoesNotExist);
  });

  describe('fault injection', () => {
    it('injected failures are InternalFailure (500)', async () => {
      cloud.faults.add({ service: 'sqs', operation: 'GetQueueUrl', failTimes: 1 });
      const error = await failure(sqs.send(new GetQueueUrlCommand({ QueueName: 'small' })));
      expect((error as SQSServiceException).$metadata.httpStatusCode).toBe(500);
      expect((error as SQSServiceException).name).toBe('InternalFailure');
    });

    it('a throttle is RequestThrottled, which the SDK classifies as throttling', async () => {
      cloud.faults.add({ service: 'sqs', operation: 'SendMessage', throttle: { rate: 0, burst: 0 } });
      const error = await failure(
        sqs.send(new SendMessageCommand({ QueueUrl: urlOf('small'), MessageBody: 'x' })),
      );
      expect((error as SQSServiceException).name).toBe('RequestThrottled');
      expect(isThrottlingError(error as Parameters<typeof isThrottlingError>[0])).toBe(true);
    });
  });
});
