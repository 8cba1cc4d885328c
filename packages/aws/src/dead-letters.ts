import { SendMessageCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';

/** SQS's largest message: 256 KiB (body and attributes together). */
const MAX_MESSAGE_BYTES = 256 * 1024;
/** The body keeps at most this much of the event; the attributes and the envelope take the rest. */
const MAX_BODY_BYTES = MAX_MESSAGE_BYTES - 16 * 1024;
/** The longest reason kept in the ErrorMessage attribute. */
const MAX_REASON = 1000;

/** An event a function refused, and why: what lands in the dead-letter queue. */
export interface RefusedEvent {
  /** The job (`audit`, `alerts`, …) that refused it. */
  job: string;
  /** The event as received. */
  event: unknown;
  /** Why (the InvalidInputError's bounded message). */
  reason: string;
  /** Lambda's request id of the refusing invocation. */
  requestId?: string;
}

/**
 * The stack's dead-letter queue, written by a function that refused an event (a deterministic rejection: retrying it
 * can only fail again). The message has the shape Lambda gives its own dead letters: the event as the body (cut to
 * fit SQS's 256 KiB, saying so), and the attributes `ErrorCode` (the error's name), `ErrorMessage` (the reason) and
 * `RequestID`, plus `Job`.
 */
export class DeadLetterQueue {
  private readonly client: SQSClient;

  constructor(
    private readonly queueUrl: string,
    client: SQSClient | SQSClientConfig = {},
  ) {
    this.client = client instanceof SQSClient ? client : new SQSClient(client);
  }

  async send(refused: RefusedEvent, errorCode = 'InvalidInputError'): Promise<void> {
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: deadLetterBody(refused.event),
        MessageAttributes: {
          ErrorCode: attribute(errorCode),
          ErrorMessage: attribute(refused.reason.slice(0, MAX_REASON) || '(no reason)'),
          Job: attribute(refused.job),
          ...(refused.requestId ? { RequestID: attribute(refused.requestId) } : {}),
        },
      }),
    );
  }
}

/** The event as JSON, or a note of its size and its first 2 KB when it does not fit in one SQS message. */
export function deadLetterBody(event: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(event) ?? 'null';
  } catch {
    text = JSON.stringify({ unserializable: String(event).slice(0, 2048) });
  }
  const bytes = Buffer.byteLength(text);
  if (bytes <= MAX_BODY_BYTES) return text;
  return JSON.stringify({ truncated: true, bytes, head: text.slice(0, 2048) });
}
