import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { DeadLetterQueue, deadLetterBody } from '@mqops/aws/dead-letters';
import { ConfigurationError, InvalidInputError } from '@mqops/core/errors';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { countFailures } from '../../functions/lib/job-outcome';
import { refuseToDeadLetters } from '../../functions/lib/refuse';

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/mqops-prod-DeadLetters';
const sqs = mockClient(SQSClient);
let lines: string[];

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  lines = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

const metrics = () =>
  lines.filter((l) => l.includes('"CloudWatchMetrics"')).map((l) => JSON.parse(l) as Record<string, unknown>);

/** A handler as the stack wires it: countFailures, then refuseToDeadLetters (its onError runs first). */
function handlerThatThrows(error: unknown, queue: DeadLetterQueue | undefined) {
  return middy(async () => {
    throw error;
  })
    .use(countFailures('alarms'))
    .use(refuseToDeadLetters('alarms', () => queue));
}

const context = { awsRequestId: 'req-1' } as never;
const event = { 'detail-type': 'AWS API Call via CloudTrail', detail: { eventName: 'x'.repeat(40) } };

describe('Middleware: refuseToDeadLetters', () => {
  it('sends a refused event to the dead-letter queue once, with its reason, and succeeds (Lambda does not retry)', async () => {
    const result = await handlerThatThrows(
      new InvalidInputError('not an Amazon MQ change event'),
      new DeadLetterQueue(QUEUE, new SQSClient({ region: 'us-east-1' })),
    )(event, context);

    expect(result).toEqual({ rejected: true, reason: 'not an Amazon MQ change event' });
    const sent = sqs.commandCalls(SendMessageCommand);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.args[0].input).toEqual({
      QueueUrl: QUEUE,
      MessageBody: JSON.stringify(event),
      MessageAttributes: {
        ErrorCode: { DataType: 'String', StringValue: 'InvalidInputError' },
        ErrorMessage: { DataType: 'String', StringValue: 'not an Amazon MQ change event' },
        Job: { DataType: 'String', StringValue: 'alarms' },
        RequestID: { DataType: 'String', StringValue: 'req-1' },
      },
    });
    expect(metrics()).toEqual([expect.objectContaining({ Job: 'alarms', Service: 'mqops', Rejected: 1 })]);
  });

  it('keeps the reason bounded however long the refusal', async () => {
    const result = (await handlerThatThrows(
      new InvalidInputError('bad', ['y'.repeat(5000)]),
      new DeadLetterQueue(QUEUE, new SQSClient({ region: 'us-east-1' })),
    )(event, context)) as { reason: string };
    expect(result.reason.length).toBeLessThanOrEqual(300);
    const attributes = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageAttributes;
    expect(attributes?.ErrorMessage?.StringValue?.length).toBeLessThanOrEqual(300);
  });

  it.each([
    [
      'a broken configuration (a failed job, not a refused event)',
      new ConfigurationError('invalid mqops configuration'),
    ],
    ['any other error (Lambda retries it)', new Error('ThrottlingException')],
  ])('leaves %s to fail the invocation, sending nothing', async (_, error) => {
    await expect(
      handlerThatThrows(error, new DeadLetterQueue(QUEUE, new SQSClient({ region: 'us-east-1' })))(
        event,
        context,
      ),
    ).rejects.toBe(error);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(metrics()).toEqual([expect.objectContaining({ Job: 'alarms', JobFailed: 1 })]);
  });

  it('throws the refusal to the caller when the function has no dead-letter queue (a synchronous invoke)', async () => {
    const error = new InvalidInputError('unknown runbook');
    await expect(handlerThatThrows(error, undefined)(event, context)).rejects.toBe(error);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(metrics()).toEqual([expect.objectContaining({ Rejected: 1 })]);
  });

  it('fails the invocation when the dead letter cannot be sent (Lambda’s own retries take over)', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('AccessDenied'));
    await expect(
      handlerThatThrows(
        new InvalidInputError('bad event'),
        new DeadLetterQueue(QUEUE, new SQSClient({ region: 'us-east-1' })),
      )(event, context),
    ).rejects.toThrow('AccessDenied');
  });
});

describe('Function: deadLetterBody', () => {
  it('keeps an event that fits whole, and says how big one was that does not', () => {
    expect(deadLetterBody({ a: 1 })).toBe('{"a":1}');
    const big = deadLetterBody({ blob: 'z'.repeat(300 * 1024) });
    expect(Buffer.byteLength(big)).toBeLessThan(4096);
    expect(JSON.parse(big)).toMatchObject({ truncated: true, bytes: expect.any(Number) });
  });
});
