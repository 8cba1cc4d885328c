/**
 * Emulated Amazon SQS (signing name `sqs`) on the wire protocol the current SDK speaks: awsJson1_0 with
 * `X-Amz-Target: AmazonSQS.<Operation>`, awsQueryCompatible (errors carry `x-amzn-query-error: <QueryCode>;Sender`,
 * which the SDK maps to the modeled exception whose `awsQueryError` trait names that code, e.g.
 * `AWS.SimpleQueueService.NonExistentQueue` → `QueueDoesNotExist`). The older query protocol is not spoken: no SDK
 * v3 client sends it.
 *
 * Standard queues only (CreateQueue refuses `FifoQueue`): CreateQueue, GetQueueUrl, ListQueues, DeleteQueue,
 * GetQueueAttributes, SetQueueAttributes, SendMessage (message attributes, MD5s computed as SQS does), ReceiveMessage
 * (visibility timeout on the local cloud's clock, up to 10 messages, message and system attributes, long polling in
 * wall time), DeleteMessage, ChangeMessageVisibility, PurgeQueue (once a minute), ListQueueTags, TagQueue, UntagQueue.
 * Messages expire after the queue's MessageRetentionPeriod on the clock. A RedrivePolicy is stored but not applied,
 * and Lambda's own dead-letter path is not emulated.
 *
 * Queue URLs are `<local cloud endpoint>/<account>/<name>` (so the SDK, which sends a request to its QueueUrl's host
 * when no endpoint is configured, stays on the local cloud); any URL whose path is `/<account>/<name>` designates the
 * queue.
 *
 * Each queue publishes its metrics to the emulated CloudWatch (namespace `AWS/SQS`, dimension `QueueName`):
 * `ApproximateNumberOfMessagesVisible`, `ApproximateNumberOfMessagesNotVisible` and
 * `ApproximateNumberOfMessagesDelayed` as gauges (sampled once a minute, the current minute at the clock's time), and
 * `NumberOfMessagesSent`, `SentMessageSize`, `NumberOfMessagesReceived`, `NumberOfEmptyReceives` and
 * `NumberOfMessagesDeleted` as datapoints when they happen; alarms on them are evaluated on each change.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  ApiError,
  decodeToken,
  encodeToken,
  isObject,
  type JsonObject,
  jsonError,
  jsonResponse,
  jsonTarget,
  optNumber,
  optObject,
  optString,
  optStringList,
  parseJsonBody,
} from '../protocols/json';
import type { Scenario } from '../scenario';
import type { LocalRequest, LocalResponse, ServiceContext, ServiceEmulator } from '../types';
import type { WorldOptions } from '../world';
import type { CloudWatchState } from './cloudwatch';
import { datapointOf } from './cloudwatch-data';

/** A queue as a scenario declares it: CreateQueue's input. */
export interface ScenarioQueue {
  QueueName: string;
  /** CreateQueue's attributes (VisibilityTimeout, MessageRetentionPeriod, MaximumMessageSize, RedrivePolicy, …). */
  Attributes?: Record<string, string>;
  Tags?: Record<string, string>;
}

/** A message attribute as SendMessage takes it (BinaryValue as bytes). */
export interface SqsMessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

/** A message of a queue, with what the emulator tracks of its life (times are epoch ms on the clock). */
export interface SqsMessage {
  MessageId: string;
  Body: string;
  MD5OfBody: string;
  MessageAttributes: Record<string, SqsMessageAttribute>;
  MD5OfMessageAttributes?: string;
  sentAt: number;
  /** When its delay ends. */
  availableAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** The receipt handle of its latest receive. */
  receiptHandle?: string;
  /** The times it was in flight (received and not yet visible again), [from, to). */
  inFlight: [number, number][];
  /** When it left the queue (deleted, purged, expired). */
  goneAt?: number;
}

/** A queue and its messages. */
export interface SqsQueue {
  name: string;
  arn: string;
  /** The attributes as set (strings, as SQS keeps them), defaults included. */
  attributes: Record<string, string>;
  tags: Record<string, string>;
  createdAt: number;
  lastModifiedAt: number;
  /** Messages in the queue, oldest first. */
  messages: SqsMessage[];
  /** Messages that left the queue in the last 15 days (the metrics of past minutes read them). */
  gone: SqsMessage[];
  lastPurgeAt?: number;
}

/** The SQS state that persists (see {@link SqsState.snapshot}). */
export interface SqsSnapshot {
  queues: SqsQueue[];
}

const NAMESPACE = 'AWS/SQS';
const TARGET_PREFIX = 'AmazonSQS';
const SMITHY_NAMESPACE = 'com.amazonaws.sqs';
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const MINUTE = 60_000;
/** How long messages that left a queue are remembered, for the metrics of past minutes. */
const GONE_RETENTION_MS = 15 * 86_400_000;
const MAX_GONE = 10_000;
/** Long polling checks the queue this often (wall time). */
const POLL_MS = 50;
const MAX_ATTRIBUTES = 10;

/** Settable attributes: default and the bounds of the integer ones. */
const INTEGER_ATTRIBUTES: Record<string, { min: number; max: number; default?: number }> = {
  DelaySeconds: { min: 0, max: 900, default: 0 },
  MaximumMessageSize: { min: 1024, max: 1_048_576, default: 1_048_576 },
  MessageRetentionPeriod: { min: 60, max: 1_209_600, default: 345_600 },
  ReceiveMessageWaitTimeSeconds: { min: 0, max: 20, default: 0 },
  VisibilityTimeout: { min: 0, max: 43_200, default: 30 },
  KmsDataKeyReusePeriodSeconds: { min: 60, max: 86_400 },
};
const JSON_ATTRIBUTES = new Set(['Policy', 'RedrivePolicy', 'RedriveAllowPolicy']);
const OTHER_ATTRIBUTES = new Set(['KmsMasterKeyId', 'SqsManagedSseEnabled']);
const FIFO_ATTRIBUTES = new Set([
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
]);
/** What GetQueueAttributes can be asked for besides the settable ones. */
const COMPUTED_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
];

/** Cuts a value for an error message. */
const bounded = (text: string, max = 64) =>
  text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;

const STATUS: Record<string, { status: number; shape?: string }> = {
  'AWS.SimpleQueueService.NonExistentQueue': { status: 400, shape: 'QueueDoesNotExist' },
  QueueAlreadyExists: { status: 400, shape: 'QueueNameExists' },
  ReceiptHandleIsInvalid: { status: 404 },
  'AWS.SimpleQueueService.PurgeQueueInProgress': { status: 403, shape: 'PurgeQueueInProgress' },
  'AWS.SimpleQueueService.MessageNotInflight': { status: 400, shape: 'MessageNotInflight' },
  'AWS.SimpleQueueService.UnsupportedOperation': { status: 400, shape: 'UnsupportedOperation' },
  RequestThrottled: { status: 403 },
  InternalFailure: { status: 500 },
};

/** An SQS error by its query code (the status and modeled shape follow from it). */
const sqsError = (code: string, message: string) => new ApiError(STATUS[code]?.status ?? 400, code, message);
const noQueue = () =>
  sqsError('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');
const invalidParameter = (message: string) => sqsError('InvalidParameterValue', message);
const missing = (member: string) =>
  sqsError('MissingParameter', `The request must contain the parameter ${member}.`);

function errorResponse(error: ApiError): LocalResponse {
  return jsonError(error, {
    version: '1.0',
    namespace: SMITHY_NAMESPACE,
    queryCompatible: true,
    shapeName: STATUS[error.code]?.shape ?? error.code,
  });
}

/** MD5 (hex) of a UTF-8 string, as SQS reports MD5OfMessageBody. */
export function md5Hex(text: string | Uint8Array): string {
  return createHash('md5').update(text).digest('hex');
}

/**
 * MD5OfMessageAttributes as SQS computes it: for each attribute by name (sorted), the name, the data type (each
 * UTF-8, preceded by its length as 4 bytes big-endian), a transport byte (1 for String/Number, 2 for Binary), and the
 * value with its length. Undefined when there are no attributes.
 */
export function md5OfMessageAttributes(attributes: Record<string, SqsMessageAttribute>): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  const withLength = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of names) {
    const attribute = attributes[name] as SqsMessageAttribute;
    withLength(Buffer.from(name, 'utf8'));
    withLength(Buffer.from(attribute.DataType, 'utf8'));
    if (attribute.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      withLength(Buffer.from(attribute.BinaryValue));
    } else {
      parts.push(Buffer.from([1]));
      withLength(Buffer.from(attribute.StringValue ?? '', 'utf8'));
    }
  }
  return md5Hex(Buffer.concat(parts));
}

/** Characters SQS accepts in a body and in string attribute values. */
const INVALID_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** State of the emulated SQS: queues by name, with their messages. */
export class SqsState {
  readonly accountId: string;
  readonly region: string;
  /** Queues by name. */
  readonly queues = new Map<string, SqsQueue>();
  private endpoint: string;
  private readonly clock: WorldOptions['clock'];
  private cloudwatch: CloudWatchState | undefined;
  private readonly gauges = new Map<string, (() => void)[]>();
  private handleCounter = 0;
  private stopped = false;

  constructor(scenario: Scenario, options: WorldOptions) {
    this.accountId = options.accountId;
    this.region = options.region;
    this.clock = options.clock;
    this.endpoint = `https://sqs.${options.region}.amazonaws.com`;
    for (const queue of scenario.queues ?? []) {
      try {
        this.createQueue(queue.QueueName, queue.Attributes ?? {}, queue.Tags ?? {});
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`scenario queue ${bounded(String(queue.QueueName))}: ${reason}`, { cause: error });
      }
    }
  }

  /** What outlives the process: the queues with their messages. */
  snapshot(): SqsSnapshot {
    return { queues: [...this.queues.values()] };
  }

  /** Puts back what {@link snapshot} kept. */
  restore(saved: SqsSnapshot): void {
    for (const name of [...this.queues.keys()]) this.unregisterGauges(name);
    this.queues.clear();
    for (const queue of saved.queues) {
      this.queues.set(queue.name, queue);
      this.registerGauges(queue);
    }
  }

  /** Sets the base of queue URLs (the local cloud's endpoint, once it listens). */
  setEndpoint(endpoint: string): void {
    this.endpoint = endpoint.replace(/\/+$/, '');
  }

  /** Publishes queue metrics to this CloudWatch from now on (the world attaches it). */
  attachCloudWatch(cloudwatch: CloudWatchState): void {
    this.cloudwatch = cloudwatch;
    for (const queue of this.queues.values()) this.registerGauges(queue);
  }

  /** Ends long polls in progress (they answer with what there is). */
  stop(): void {
    this.stopped = true;
  }

  /** The URL of the queue called `name`. */
  queueUrl(name: string): string {
    return `${this.endpoint}/${this.accountId}/${name}`;
  }

  /** The queue called `name`, if any. */
  queue(name: string): SqsQueue | undefined {
    return this.queues.get(name);
  }

  /** The messages in the queue called `name` (visible or not), oldest first, after expiring old ones. */
  messagesOf(name: string): SqsMessage[] {
    const queue = this.queues.get(name);
    if (!queue) return [];
    this.expire(queue, this.now());
    return [...queue.messages];
  }

  /** The queue a QueueUrl designates. @throws ApiError QueueDoesNotExist. */
  queueByUrl(url: string): SqsQueue {
    let path: string;
    try {
      path = new URL(url).pathname;
    } catch {
      throw noQueue();
    }
    const match = /^\/(\d{12})\/([^/]+)\/?$/.exec(path);
    if (!match || match[1] !== this.accountId) throw noQueue();
    const queue = this.queues.get(decodeURIComponent(match[2] as string));
    if (!queue) throw noQueue();
    return queue;
  }

  /**
   * Creates a queue, or answers the existing one when its attributes are the same.
   * @throws ApiError InvalidParameterValue, InvalidAttributeName, InvalidAttributeValue, QueueNameExists.
   */
  createQueue(name: string, attributes: Record<string, string>, tags: Record<string, string>): SqsQueue {
    if (!QUEUE_NAME.test(name)) {
      throw invalidParameter(
        name.endsWith('.fifo')
          ? 'The local cloud emulates standard queues only: FIFO queues are not supported.'
          : 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      );
    }
    const checked = checkAttributes(attributes);
    const existing = this.queues.get(name);
    if (existing) {
      for (const [key, value] of Object.entries(checked))
        if (existing.attributes[key] !== value)
          throw sqsError(
            'QueueAlreadyExists',
            `A queue already exists with the same name and a different value for attribute ${key}`,
          );
      return existing;
    }
    if (Object.keys(tags).length > 50) throw invalidParameter('Too many tags: a queue has at most 50.');
    const now = this.now();
    const defaults: Record<string, string> = { SqsManagedSseEnabled: 'true' };
    for (const [key, bounds] of Object.entries(INTEGER_ATTRIBUTES))
      if (bounds.default !== undefined) defaults[key] = String(bounds.default);
    const queue: SqsQueue = {
      name,
      arn: `arn:aws:sqs:${this.region}:${this.accountId}:${name}`,
      attributes: { ...defaults, ...checked },
      tags: { ...tags },
      createdAt: now,
      lastModifiedAt: now,
      messages: [],
      gone: [],
    };
    this.queues.set(name, queue);
    this.registerGauges(queue);
    this.cloudwatch?.reevaluate();
    return queue;
  }

  /** Deletes a queue and its messages. */
  deleteQueue(queue: SqsQueue): void {
    this.queues.delete(queue.name);
    this.unregisterGauges(queue.name);
  }

  /** Sets attributes. @throws ApiError InvalidAttributeName, InvalidAttributeValue. */
  setAttributes(queue: SqsQueue, attributes: Record<string, string>): void {
    const checked = checkAttributes(attributes);
    for (const key of Object.keys(checked)) if (FIFO_ATTRIBUTES.has(key)) throw unknownAttribute(key);
    Object.assign(queue.attributes, checked);
    queue.lastModifiedAt = this.now();
    this.expire(queue, this.now());
    this.cloudwatch?.reevaluate();
  }

  /** The attributes GetQueueAttributes answers for `names` (`All` for every one). */
  attributesOf(queue: SqsQueue, names: readonly string[]): Record<string, string> {
    const now = this.now();
    this.expire(queue, now);
    const all = names.includes('All');
    for (const name of names)
      if (
        name !== 'All' &&
        !COMPUTED_ATTRIBUTES.includes(name) &&
        !(name in INTEGER_ATTRIBUTES) &&
        !JSON_ATTRIBUTES.has(name) &&
        !OTHER_ATTRIBUTES.has(name) &&
        !FIFO_ATTRIBUTES.has(name)
      )
        throw sqsError('InvalidAttributeName', `Unknown Attribute ${bounded(name)}.`);
    const counts = this.counts(queue, now);
    const values: Record<string, string> = {
      ...queue.attributes,
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.lastModifiedAt / 1000)),
      QueueArn: queue.arn,
    };
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) if (all || names.includes(key)) out[key] = value;
    return out;
  }

  /**
   * Sends a message (validated as SQS does).
   * @throws ApiError MissingParameter, InvalidMessageContents, InvalidParameterValue.
   */
  send(
    queue: SqsQueue,
    body: string | undefined,
    attributes: Record<string, SqsMessageAttribute>,
    delaySeconds: number | undefined,
  ): SqsMessage {
    if (body === undefined || body === '') throw missing('MessageBody');
    const bad = INVALID_CHARACTER.exec(body);
    if (bad) {
      const code = (bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase();
      throw sqsError(
        'InvalidMessageContents',
        `Invalid binary character '#x${code}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`,
      );
    }
    const limit = Number(queue.attributes.MaximumMessageSize);
    let size = Buffer.byteLength(body);
    for (const [name, a] of Object.entries(attributes))
      size +=
        Buffer.byteLength(name) +
        Buffer.byteLength(a.DataType) +
        (a.BinaryValue ? a.BinaryValue.length : Buffer.byteLength(a.StringValue ?? ''));
    if (size > limit)
      throw invalidParameter(
        `One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`,
      );
    const delay = delaySeconds ?? Number(queue.attributes.DelaySeconds);
    if (!Number.isInteger(delay) || delay < 0 || delay > 900)
      throw invalidParameter(
        `Value ${bounded(String(delay))} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.`,
      );
    const now = this.now();
    this.expire(queue, now);
    const md5OfAttributes = md5OfMessageAttributes(attributes);
    const message: SqsMessage = {
      MessageId: randomUUID(),
      Body: body,
      MD5OfBody: md5Hex(body),
      MessageAttributes: attributes,
      ...(md5OfAttributes ? { MD5OfMessageAttributes: md5OfAttributes } : {}),
      sentAt: now,
      availableAt: now + delay * 1000,
      receiveCount: 0,
      inFlight: [],
    };
    queue.messages.push(message);
    this.publish(queue, 'NumberOfMessagesSent', 1, 'Count', false);
    this.publish(queue, 'SentMessageSize', size, 'Bytes');
    return message;
  }

  /** Receives up to `max` messages now, hiding them for `visibilitySeconds`. */
  receive(
    queue: SqsQueue,
    max: number,
    visibilitySeconds: number,
  ): { message: SqsMessage; handle: string }[] {
    const now = this.now();
    this.expire(queue, now);
    const out: { message: SqsMessage; handle: string }[] = [];
    for (const message of queue.messages) {
      if (out.length >= max) break;
      if (now < message.availableAt || inFlightAt(message, now)) continue;
      message.receiveCount++;
      message.firstReceivedAt ??= now;
      const handle = this.receiptHandle(queue, message);
      message.receiptHandle = handle;
      message.inFlight.push([now, now + visibilitySeconds * 1000]);
      if (message.inFlight.length > 100) message.inFlight.splice(0, message.inFlight.length - 100);
      out.push({ message, handle });
    }
    if (out.length > 0) this.publish(queue, 'NumberOfMessagesReceived', out.length, 'Count', false);
    else this.publish(queue, 'NumberOfEmptyReceives', 1, 'Count', false);
    this.cloudwatch?.reevaluate();
    return out;
  }

  /**
   * Deletes the message a receipt handle designates. A handle of an earlier receive, or of a message already gone,
   * deletes nothing and succeeds, as SQS does.
   * @throws ApiError ReceiptHandleIsInvalid for a handle this queue did not give.
   */
  deleteMessage(queue: SqsQueue, handle: string): void {
    const message = this.messageOf(queue, handle);
    if (!message || message.goneAt !== undefined || message.receiptHandle !== handle) return;
    const now = this.now();
    this.leave(queue, message, now);
    this.publish(queue, 'NumberOfMessagesDeleted', 1, 'Count', false);
    this.cloudwatch?.reevaluate();
  }

  /**
   * Changes the visibility timeout of a message in flight (0 makes it visible now).
   * @throws ApiError ReceiptHandleIsInvalid, MessageNotInflight.
   */
  changeVisibility(queue: SqsQueue, handle: string, seconds: number): void {
    const message = this.messageOf(queue, handle);
    const now = this.now();
    this.expire(queue, now);
    if (
      !message ||
      message.goneAt !== undefined ||
      message.receiptHandle !== handle ||
      !inFlightAt(message, now)
    )
      throw sqsError('AWS.SimpleQueueService.MessageNotInflight', 'The message is not in flight.');
    const window = message.inFlight[message.inFlight.length - 1] as [number, number];
    window[1] = now + seconds * 1000;
    this.cloudwatch?.reevaluate();
  }

  /** Deletes every message of the queue. @throws ApiError PurgeQueueInProgress within 60 s of the last purge. */
  purge(queue: SqsQueue): void {
    const now = this.now();
    if (queue.lastPurgeAt !== undefined && now - queue.lastPurgeAt < MINUTE)
      throw sqsError(
        'AWS.SimpleQueueService.PurgeQueueInProgress',
        `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`,
      );
    queue.lastPurgeAt = now;
    for (const message of [...queue.messages]) this.leave(queue, message, now);
    this.cloudwatch?.reevaluate();
  }

  /** The queue's message counts at `at` (epoch ms): visible, in flight, delayed. */
  counts(queue: SqsQueue, at: number): { visible: number; inFlight: number; delayed: number } {
    const retentionMs = Number(queue.attributes.MessageRetentionPeriod) * 1000;
    const counts = { visible: 0, inFlight: 0, delayed: 0 };
    for (const list of [queue.messages, queue.gone])
      for (const m of list) {
        const end = m.goneAt ?? m.sentAt + retentionMs;
        if (at < m.sentAt || at >= end) continue;
        if (at < m.availableAt) counts.delayed++;
        else if (inFlightAt(m, at)) counts.inFlight++;
        else counts.visible++;
      }
    return counts;
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  /** Moves messages past their retention out of the queue, and forgets those gone long ago. */
  private expire(queue: SqsQueue, now: number): void {
    const retentionMs = Number(queue.attributes.MessageRetentionPeriod) * 1000;
    for (const message of [...queue.messages])
      if (now >= message.sentAt + retentionMs) this.leave(queue, message, message.sentAt + retentionMs);
    const cutoff = now - GONE_RETENTION_MS;
    const keep = queue.gone.filter((m) => (m.goneAt ?? 0) >= cutoff);
    queue.gone = keep.length > MAX_GONE ? keep.slice(keep.length - MAX_GONE) : keep;
  }

  private leave(queue: SqsQueue, message: SqsMessage, at: number): void {
    message.goneAt = at;
    const last = message.inFlight[message.inFlight.length - 1];
    if (last && last[1] > at) last[1] = Math.max(last[0], at);
    const i = queue.messages.indexOf(message);
    if (i >= 0) queue.messages.splice(i, 1);
    queue.gone.push(message);
    if (queue.gone.length > MAX_GONE) queue.gone.splice(0, queue.gone.length - MAX_GONE);
  }

  private receiptHandle(queue: SqsQueue, message: SqsMessage): string {
    this.handleCounter++;
    const raw = `${queue.name}\n${message.MessageId}\n${this.handleCounter}\n${randomUUID()}`;
    return Buffer.from(raw).toString('base64');
  }

  /** The message of this queue a receipt handle names (undefined: the message is gone and forgotten). */
  private messageOf(queue: SqsQueue, handle: string): SqsMessage | undefined {
    const parts = Buffer.from(handle, 'base64').toString('utf8').split('\n');
    if (parts.length !== 4 || parts[0] !== queue.name)
      throw sqsError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${bounded(handle)}" is not a valid receipt handle.`,
      );
    const id = parts[1];
    return queue.messages.find((m) => m.MessageId === id) ?? queue.gone.find((m) => m.MessageId === id);
  }

  private publish(queue: SqsQueue, metric: string, value: number, unit: string, evaluate = true): void {
    this.cloudwatch?.putDatapoints(
      NAMESPACE,
      metric,
      [{ Name: 'QueueName', Value: queue.name }],
      [datapointOf(this.now(), [value], { unit })],
      { evaluate },
    );
  }

  private registerGauges(queue: SqsQueue): void {
    if (!this.cloudwatch) return;
    this.unregisterGauges(queue.name);
    const gauge = (metricName: string, pick: (c: ReturnType<SqsState['counts']>) => number) =>
      (this.cloudwatch as CloudWatchState).registerGauge({
        namespace: NAMESPACE,
        metricName,
        dimensions: [{ Name: 'QueueName', Value: queue.name }],
        unit: 'Count',
        valueAt: (ms) => {
          if (ms < queue.createdAt || this.queues.get(queue.name) !== queue) return undefined;
          return pick(this.counts(queue, ms));
        },
      });
    this.gauges.set(queue.name, [
      gauge('ApproximateNumberOfMessagesVisible', (c) => c.visible),
      gauge('ApproximateNumberOfMessagesNotVisible', (c) => c.inFlight),
      gauge('ApproximateNumberOfMessagesDelayed', (c) => c.delayed),
    ]);
  }

  private unregisterGauges(name: string): void {
    for (const remove of this.gauges.get(name) ?? []) remove();
    this.gauges.delete(name);
  }

  /**
   * Long polling: waits (wall time, at most `seconds`) until the queue has a message to receive, checking every few
   * milliseconds (a message sent, one whose visibility timeout or delay ran out as the clock moved), or the queue is
   * deleted, or the local cloud stops.
   */
  async waitForMessages(queue: SqsQueue, seconds: number): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      if (this.stopped || this.queues.get(queue.name) !== queue || Date.now() >= deadline) return;
      const now = this.now();
      this.expire(queue, now);
      if (queue.messages.some((m) => now >= m.availableAt && !inFlightAt(m, now))) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, deadline - Date.now())).unref());
    }
  }
}

function inFlightAt(message: SqsMessage, at: number): boolean {
  for (let i = message.inFlight.length - 1; i >= 0; i--) {
    const [from, to] = message.inFlight[i] as [number, number];
    if (at >= from && at < to) return true;
  }
  return false;
}

const unknownAttribute = (name: string) =>
  sqsError('InvalidAttributeName', `Unknown Attribute ${bounded(name)}.`);

/**
 * Validates queue attributes as CreateQueue and SetQueueAttributes do.
 * @throws ApiError InvalidAttributeName (unknown name), InvalidAttributeValue (out of bounds, not JSON),
 * InvalidParameterValue (FIFO queues).
 */
function checkAttributes(attributes: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(attributes)) {
    const value = String(raw);
    const invalid = () => sqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
    const bounds = INTEGER_ATTRIBUTES[name];
    if (bounds) {
      if (!/^\d{1,10}$/.test(value)) throw invalid();
      const n = Number(value);
      if (n < bounds.min || n > bounds.max) throw invalid();
      out[name] = String(n);
    } else if (JSON_ATTRIBUTES.has(name)) {
      try {
        if (!isObject(JSON.parse(value))) throw invalid();
      } catch {
        throw invalid();
      }
      out[name] = value;
    } else if (name === 'SqsManagedSseEnabled') {
      if (value !== 'true' && value !== 'false') throw invalid();
      out[name] = value;
    } else if (OTHER_ATTRIBUTES.has(name)) {
      out[name] = value;
    } else if (FIFO_ATTRIBUTES.has(name)) {
      if (name === 'FifoQueue' && value === 'false') continue;
      throw invalidParameter('The local cloud emulates standard queues only: FIFO queues are not supported.');
    } else {
      throw unknownAttribute(name);
    }
  }
  return out;
}

/** Reads a string map member (queue attributes, tags). */
function stringMap(input: JsonObject, member: string): Record<string, string> {
  const value = optObject(input, member, 'InvalidParameterValue') ?? {};
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalidParameter(`${member}.${bounded(key)} must be a string`);
    if (key === '__proto__') continue;
    out[key] = v;
  }
  return out;
}

/** Reads SendMessage's MessageAttributes (validated as SQS does). */
function readMessageAttributes(input: JsonObject): Record<string, SqsMessageAttribute> {
  const raw = optObject(input, 'MessageAttributes', 'InvalidParameterValue') ?? {};
  const names = Object.keys(raw);
  if (names.length > MAX_ATTRIBUTES)
    throw invalidParameter(
      `Number of message attributes [${names.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
    );
  const out: Record<string, SqsMessageAttribute> = {};
  for (const name of names) {
    const shown = bounded(name);
    if (
      name.length > 256 ||
      !/^[A-Za-z0-9_.-]+$/.test(name) ||
      /^(aws|amazon)\./i.test(name) ||
      name.startsWith('.') ||
      name.endsWith('.') ||
      name.includes('..') ||
      name === '__proto__'
    )
      throw invalidParameter(`Message (user) attribute name '${shown}' is invalid.`);
    const value = raw[name];
    if (!isObject(value)) throw invalidParameter(`Message (user) attribute '${shown}' must be a structure.`);
    const dataType = typeof value.DataType === 'string' ? value.DataType : '';
    const kind = /^(String|Number|Binary)(\..{1,250})?$/.exec(dataType)?.[1];
    if (!kind)
      throw invalidParameter(
        `The type of message (user) attribute '${shown}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    if (kind === 'Binary') {
      const binary =
        typeof value.BinaryValue === 'string' ? Buffer.from(value.BinaryValue, 'base64') : undefined;
      if (!binary || binary.length === 0)
        throw invalidParameter(
          `Message (user) attribute '${shown}' must contain a non-empty value of type 'Binary'.`,
        );
      out[name] = { DataType: dataType, BinaryValue: new Uint8Array(binary) };
      continue;
    }
    const text = value.StringValue;
    if (typeof text !== 'string' || text === '')
      throw invalidParameter(
        `Message (user) attribute '${shown}' must contain a non-empty value of type '${kind}'.`,
      );
    if (INVALID_CHARACTER.test(text))
      throw invalidParameter(`Message (user) attribute '${shown}' contains characters SQS does not allow.`);
    if (kind === 'Number' && !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text))
      throw invalidParameter(`Can't cast the value of message (user) attribute '${shown}' to a number.`);
    out[name] = { DataType: dataType, StringValue: text };
  }
  return out;
}

/** A message attribute as the JSON protocol writes it (binary as base64). */
function attributeOutput(attribute: SqsMessageAttribute): JsonObject {
  return attribute.BinaryValue !== undefined
    ? { DataType: attribute.DataType, BinaryValue: Buffer.from(attribute.BinaryValue).toString('base64') }
    : { DataType: attribute.DataType, StringValue: attribute.StringValue };
}

/** Whether a MessageAttributeNames list asks for the attribute `name` (`All`, `.*`, `prefix.*`, or the name). */
function wanted(patterns: readonly string[], name: string): boolean {
  return patterns.some(
    (p) => p === 'All' || p === '.*' || p === name || (p.endsWith('.*') && name.startsWith(p.slice(0, -1))),
  );
}

const SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
];

function requiredUrl(input: JsonObject): string {
  const url = optString(input, 'QueueUrl', 'InvalidParameterValue');
  if (!url) throw missing('QueueUrl');
  return url;
}

function integerParameter(input: JsonObject, member: string, min: number, max: number): number | undefined {
  const value = optNumber(input, member, 'InvalidParameterValue');
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max)
    throw invalidParameter(
      `Value ${bounded(String(value))} for parameter ${member} is invalid. Reason: Must be between ${min} and ${max}, if provided.`,
    );
  return value;
}

async function handleOperation(
  operation: string,
  input: JsonObject,
  ctx: ServiceContext,
): Promise<JsonObject> {
  const state = ctx.world.sqs;
  switch (operation) {
    case 'CreateQueue': {
      const name = optString(input, 'QueueName', 'InvalidParameterValue');
      if (!name) throw missing('QueueName');
      const queue = state.createQueue(name, stringMap(input, 'Attributes'), stringMap(input, 'tags'));
      return { QueueUrl: state.queueUrl(queue.name) };
    }
    case 'GetQueueUrl': {
      const name = optString(input, 'QueueName', 'InvalidParameterValue');
      if (!name) throw missing('QueueName');
      const owner = optString(input, 'QueueOwnerAWSAccountId', 'InvalidParameterValue');
      if ((owner !== undefined && owner !== state.accountId) || !state.queue(name)) throw noQueue();
      return { QueueUrl: state.queueUrl(name) };
    }
    case 'ListQueues': {
      const prefix = optString(input, 'QueueNamePrefix', 'InvalidParameterValue') ?? '';
      const max = integerParameter(input, 'MaxResults', 1, 1000);
      const token = optString(input, 'NextToken', 'InvalidParameterValue');
      const names = [...state.queues.keys()].filter((n) => n.startsWith(prefix)).sort();
      const salt = `queues|${prefix}`;
      const offset = token === undefined ? 0 : decodeToken(token, salt);
      if (offset === undefined) throw invalidParameter('Invalid or expired next token.');
      const page = names.slice(offset, offset + (max ?? 1000));
      const out: JsonObject = {};
      if (page.length > 0) out.QueueUrls = page.map((n) => state.queueUrl(n));
      if (max !== undefined && offset + max < names.length) out.NextToken = encodeToken(offset + max, salt);
      return out;
    }
    case 'DeleteQueue':
      state.deleteQueue(state.queueByUrl(requiredUrl(input)));
      return {};
    case 'GetQueueAttributes': {
      const queue = state.queueByUrl(requiredUrl(input));
      const names = optStringList(input, 'AttributeNames', 'InvalidParameterValue') ?? [];
      const attributes = state.attributesOf(queue, names);
      return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
    }
    case 'SetQueueAttributes': {
      const queue = state.queueByUrl(requiredUrl(input));
      state.setAttributes(queue, stringMap(input, 'Attributes'));
      return {};
    }
    case 'SendMessage': {
      const queue = state.queueByUrl(requiredUrl(input));
      const body = optString(input, 'MessageBody', 'InvalidParameterValue');
      const attributes = readMessageAttributes(input);
      const delay = optNumber(input, 'DelaySeconds', 'InvalidParameterValue');
      const message = state.send(queue, body, attributes, delay);
      return {
        MessageId: message.MessageId,
        MD5OfMessageBody: message.MD5OfBody,
        ...(message.MD5OfMessageAttributes ? { MD5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
      };
    }
    case 'ReceiveMessage': {
      const queue = state.queueByUrl(requiredUrl(input));
      const max = integerParameter(input, 'MaxNumberOfMessages', 1, 10) ?? 1;
      const visibility =
        integerParameter(input, 'VisibilityTimeout', 0, 43_200) ?? Number(queue.attributes.VisibilityTimeout);
      const wait =
        integerParameter(input, 'WaitTimeSeconds', 0, 20) ??
        Number(queue.attributes.ReceiveMessageWaitTimeSeconds);
      const attributeNames = optStringList(input, 'MessageAttributeNames', 'InvalidParameterValue') ?? [];
      const systemNames = [
        ...(optStringList(input, 'AttributeNames', 'InvalidParameterValue') ?? []),
        ...(optStringList(input, 'MessageSystemAttributeNames', 'InvalidParameterValue') ?? []),
      ];
      if (wait > 0) await state.waitForMessages(queue, wait);
      const received = state.queue(queue.name) === queue ? state.receive(queue, max, visibility) : [];
      if (received.length === 0) return {};
      return {
        Messages: received.map(({ message, handle }) => {
          const out: JsonObject = {
            MessageId: message.MessageId,
            ReceiptHandle: handle,
            MD5OfBody: message.MD5OfBody,
            Body: message.Body,
          };
          const system: Record<string, string> = {
            SenderId: ctx.accountId,
            SentTimestamp: String(message.sentAt),
            ApproximateReceiveCount: String(message.receiveCount),
            ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
          };
          const systemOut: Record<string, string> = {};
          for (const name of SYSTEM_ATTRIBUTES)
            if (systemNames.includes('All') || systemNames.includes(name))
              systemOut[name] = system[name] as string;
          if (Object.keys(systemOut).length > 0) out.Attributes = systemOut;
          if (message.MD5OfMessageAttributes) out.MD5OfMessageAttributes = message.MD5OfMessageAttributes;
          const attributes: JsonObject = {};
          for (const [name, attribute] of Object.entries(message.MessageAttributes))
            if (wanted(attributeNames, name)) attributes[name] = attributeOutput(attribute);
          if (Object.keys(attributes).length > 0) out.MessageAttributes = attributes;
          return out;
        }),
      };
    }
    case 'DeleteMessage': {
      const queue = state.queueByUrl(requiredUrl(input));
      const handle = optString(input, 'ReceiptHandle', 'InvalidParameterValue');
      if (!handle) throw missing('ReceiptHandle');
      state.deleteMessage(queue, handle);
      return {};
    }
    case 'ChangeMessageVisibility': {
      const queue = state.queueByUrl(requiredUrl(input));
      const handle = optString(input, 'ReceiptHandle', 'InvalidParameterValue');
      if (!handle) throw missing('ReceiptHandle');
      const seconds = integerParameter(input, 'VisibilityTimeout', 0, 43_200);
      if (seconds === undefined) throw missing('VisibilityTimeout');
      state.changeVisibility(queue, handle, seconds);
      return {};
    }
    case 'PurgeQueue':
      state.purge(state.queueByUrl(requiredUrl(input)));
      return {};
    case 'ListQueueTags': {
      const queue = state.queueByUrl(requiredUrl(input));
      return Object.keys(queue.tags).length > 0 ? { Tags: { ...queue.tags } } : {};
    }
    case 'TagQueue': {
      const queue = state.queueByUrl(requiredUrl(input));
      const tags = { ...queue.tags, ...stringMap(input, 'Tags') };
      if (Object.keys(tags).length > 50) throw invalidParameter('Too many tags: a queue has at most 50.');
      queue.tags = tags;
      return {};
    }
    case 'UntagQueue': {
      const queue = state.queueByUrl(requiredUrl(input));
      for (const key of optStringList(input, 'TagKeys', 'InvalidParameterValue') ?? [])
        delete queue.tags[key];
      return {};
    }
    default:
      throw sqsError(
        'AWS.SimpleQueueService.UnsupportedOperation',
        `The local cloud does not emulate SQS ${bounded(operation)}.`,
      );
  }
}

/** SQS on awsJson1_0 (query-compatible errors). */
export const sqsEmulator: ServiceEmulator = {
  signingNames: ['sqs'],
  operation: (req: LocalRequest) => jsonTarget(req, TARGET_PREFIX),
  async handle(operation, req, ctx) {
    try {
      if (!jsonTarget(req, TARGET_PREFIX))
        throw sqsError(
          'InvalidAction',
          'Missing or unknown X-Amz-Target; the local cloud speaks the JSON protocol.',
        );
      return jsonResponse(await handleOperation(operation, parseJsonBody(req), ctx), '1.0');
    } catch (error) {
      if (error instanceof ApiError) return errorResponse(error);
      throw error;
    }
  },
  throttled: () => errorResponse(sqsError('RequestThrottled', 'Rate exceeded')),
  failure: (_operation, message) => errorResponse(sqsError('InternalFailure', message)),
};
