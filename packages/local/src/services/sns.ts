/**
 * Emulated Amazon SNS (signing name `sns`) on its wire protocol, awsQuery: form-encoded POSTs with `Action=…`,
 * XML answers in the `http://sns.amazonaws.com/doc/2010-03-31/` namespace, errors as `<ErrorResponse><Error>` with
 * the query codes the SDK maps to its typed exceptions (`NotFound` → NotFoundException, `InvalidParameter` →
 * InvalidParameterException, `Throttled` → ThrottledException, `InternalError` → InternalErrorException).
 *
 * Topics and subscriptions are stored; nothing is delivered. Every accepted message is appended to
 * {@link SnsState.published} so tests can read what code sent (CloudWatch alarm actions publish here too).
 */
import { ApiError, decodeToken, encodeToken } from '../protocols/json';
import {
  type FormObject,
  type FormValue,
  formBool,
  formList,
  formMap,
  formObjectList,
  formString,
  formStringList,
  queryAction,
  queryError,
  queryResponse,
  requestForm,
  XmlMap,
  type XmlStruct,
} from '../protocols/query';
import type { Scenario } from '../scenario';
import type { LocalRequest, LocalResponse, ServiceContext, ServiceEmulator } from '../types';
import type { WorldOptions } from '../world';

export interface SnsTag {
  Key: string;
  Value: string;
}

/** A topic as a scenario declares it. */
export interface ScenarioTopic {
  Name: string;
  Tags?: SnsTag[];
  /** Topic attributes as CreateTopic takes them (DisplayName, KmsMasterKeyId, FifoTopic, …). */
  Attributes?: Record<string, string>;
  /** Subscriptions already in place (stored only). */
  Subscriptions?: { Protocol: string; Endpoint: string }[];
}

/** One message attribute as Publish received it. */
export interface PublishedAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

/** One message SNS accepted. */
export interface PublishedMessage {
  topicArn: string;
  subject?: string;
  message: string;
  messageAttributes: Record<string, PublishedAttribute>;
  messageId: string;
  /** ISO 8601, from the local cloud's clock. */
  at: string;
  messageStructure?: string;
  messageGroupId?: string;
  messageDeduplicationId?: string;
}

export interface TopicRecord {
  arn: string;
  name: string;
  /** Attributes set by CreateTopic / SetTopicAttributes (the computed ones are added by GetTopicAttributes). */
  attributes: Record<string, string>;
  tags: SnsTag[];
}

export interface SubscriptionRecord {
  arn: string;
  topicArn: string;
  protocol: string;
  endpoint: string;
  owner: string;
  /** email / http(s) / sms subscriptions wait for a confirmation that never comes locally. */
  pendingConfirmation: boolean;
  attributes: Record<string, string>;
}

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const MAX_MESSAGE_BYTES = 262_144;
const TOPIC_ATTRIBUTES = new Set([
  'DeliveryPolicy',
  'DisplayName',
  'FifoTopic',
  'Policy',
  'SignatureVersion',
  'TracingConfig',
  'KmsMasterKeyId',
  'ArchivePolicy',
  'ContentBasedDeduplication',
  'FifoThroughputScope',
  'DataProtectionPolicy',
]);
const PROTOCOLS = new Set([
  'http',
  'https',
  'email',
  'email-json',
  'sms',
  'sqs',
  'application',
  'lambda',
  'firehose',
]);
const NEEDS_CONFIRMATION = new Set(['http', 'https', 'email', 'email-json']);

const snsError = (code: string, message: string, status = 400) => new ApiError(status, code, message);
const invalid = (message: string) => snsError('InvalidParameter', `Invalid parameter: ${message}`);
const notFound = (what: 'Topic' | 'Subscription') => snsError('NotFound', `${what} does not exist`, 404);

/** Input of {@link SnsState.publish}: what one Publish (or one PublishBatch entry) asks for. */
export interface PublishInput {
  topicArn: string;
  message: string | undefined;
  subject?: string;
  messageAttributes?: Record<string, PublishedAttribute>;
  messageStructure?: string;
  messageGroupId?: string;
  messageDeduplicationId?: string;
}

/** The SNS state that persists (see {@link SnsState.snapshot}). */
export interface SnsSnapshot {
  topics: TopicRecord[];
  subscriptions: SubscriptionRecord[];
  published: PublishedMessage[];
  sequence: bigint;
}

/** State of the emulated SNS: topics, subscriptions, and every published message. */
export class SnsState {
  readonly accountId: string;
  readonly region: string;
  /** Topics by ARN. */
  readonly topics = new Map<string, TopicRecord>();
  /** Subscriptions by ARN. */
  readonly subscriptions = new Map<string, SubscriptionRecord>();
  /** Every accepted message, oldest first. */
  readonly published: PublishedMessage[] = [];
  private readonly clock: WorldOptions['clock'];
  private readonly listeners: ((message: PublishedMessage) => void)[] = [];
  private sequence = 0n;

  constructor(scenario: Scenario, options: WorldOptions) {
    this.accountId = options.accountId;
    this.region = options.region;
    this.clock = options.clock;
    for (const topic of scenario.topics ?? []) {
      const record = this.createTopic(topic.Name, topic.Attributes ?? {}, topic.Tags ?? []);
      for (const sub of topic.Subscriptions ?? [])
        this.subscribe(record.arn, sub.Protocol, sub.Endpoint, {}, false);
    }
  }

  /** What outlives the process (../persistence.ts): topics, subscriptions and what was published. */
  snapshot(): SnsSnapshot {
    return {
      topics: [...this.topics.values()],
      subscriptions: [...this.subscriptions.values()],
      published: [...this.published],
      sequence: this.sequence,
    };
  }

  /** Puts back what {@link snapshot} kept. */
  restore(saved: SnsSnapshot): void {
    this.topics.clear();
    for (const topic of saved.topics) this.topics.set(topic.arn, topic);
    this.subscriptions.clear();
    for (const sub of saved.subscriptions) this.subscriptions.set(sub.arn, sub);
    this.published.splice(0, this.published.length, ...saved.published);
    this.sequence = saved.sequence;
  }

  /** ARN of the topic called `name`. */
  topicArn(name: string): string {
    return `arn:aws:sns:${this.region}:${this.accountId}:${name}`;
  }

  hasTopic(arn: string): boolean {
    return this.topics.has(arn);
  }

  /** Messages published to one topic, oldest first. */
  messagesFor(topicArn: string): PublishedMessage[] {
    return this.published.filter((m) => m.topicArn === topicArn);
  }

  /** Calls `listener` for every accepted message. Returns a function that removes it. */
  onPublish(listener: (message: PublishedMessage) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * CreateTopic: idempotent by name (same name → same ARN), refused when the existing topic has other attributes or
   * tags than the ones asked for.
   */
  createTopic(name: string, attributes: Record<string, string>, tags: SnsTag[]): TopicRecord {
    const fifo = attributes.FifoTopic === 'true';
    if (fifo ? !/^[A-Za-z0-9_-]{1,251}\.fifo$/.test(name) : !/^[A-Za-z0-9_-]{1,256}$/.test(name)) {
      throw invalid(
        fifo
          ? 'Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.'
          : 'Topic Name',
      );
    }
    for (const key of Object.keys(attributes)) if (!TOPIC_ATTRIBUTES.has(key)) throw invalid('AttributeName');
    if (tags.length > 50)
      throw snsError('TagLimitExceeded', 'Could not complete request: tag quota of per resource exceeded');
    const arn = this.topicArn(name);
    const existing = this.topics.get(arn);
    if (existing) {
      for (const [k, v] of Object.entries(attributes)) {
        if ((existing.attributes[k] ?? '') !== v) {
          throw invalid('Attributes Reason: Topic already exists with different attributes');
        }
      }
      for (const tag of tags) {
        if (!existing.tags.some((t) => t.Key === tag.Key && t.Value === tag.Value)) {
          throw invalid('Tags Reason: Topic already exists with different tags');
        }
      }
      return existing;
    }
    const record: TopicRecord = {
      arn,
      name,
      attributes: { ...attributes },
      tags: tags.map((t) => ({ ...t })),
    };
    this.topics.set(arn, record);
    return record;
  }

  /** The topic with this ARN. @throws ApiError NotFound "Topic does not exist". */
  topic(arn: string): TopicRecord {
    if (!/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w.-]+$/.test(arn)) throw invalid('TopicArn');
    const topic = this.topics.get(arn);
    if (!topic) throw notFound('Topic');
    return topic;
  }

  /** DeleteTopic: idempotent; removes the topic's subscriptions. */
  deleteTopic(arn: string): void {
    this.topics.delete(arn);
    for (const [subArn, sub] of this.subscriptions)
      if (sub.topicArn === arn) this.subscriptions.delete(subArn);
  }

  /** Subscribe (stored only). */
  subscribe(
    topicArn: string,
    protocol: string,
    endpoint: string,
    attributes: Record<string, string>,
    returnArn: boolean,
  ): { arn: string; pendingConfirmation: boolean } {
    this.topic(topicArn);
    if (!PROTOCOLS.has(protocol))
      throw invalid(`Amazon SNS does not support this protocol string: ${protocol}`);
    if (!endpoint) throw invalid('Endpoint');
    for (const sub of this.subscriptions.values()) {
      if (sub.topicArn === topicArn && sub.protocol === protocol && sub.endpoint === endpoint) {
        return { arn: sub.arn, pendingConfirmation: sub.pendingConfirmation && !returnArn };
      }
    }
    const arn = `${topicArn}:${crypto.randomUUID()}`;
    const pendingConfirmation = NEEDS_CONFIRMATION.has(protocol);
    this.subscriptions.set(arn, {
      arn,
      topicArn,
      protocol,
      endpoint,
      owner: this.accountId,
      pendingConfirmation,
      attributes: { ...attributes },
    });
    return { arn, pendingConfirmation: pendingConfirmation && !returnArn };
  }

  /**
   * Publish to a topic with SNS's validation (message required and ≤ 256 KiB with its attributes; subject ASCII,
   * printable, no line breaks, ≤ 100 characters; ≤ 10 message attributes; FIFO topics need a MessageGroupId).
   * @throws ApiError InvalidParameter / NotFound as SNS answers.
   */
  publish(input: PublishInput): PublishedMessage {
    const topic = this.topic(input.topicArn);
    const message = input.message;
    if (message === undefined) {
      throw snsError(
        'ValidationError',
        "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null",
      );
    }
    if (message.length === 0) throw invalid('Empty message');
    if (input.subject !== undefined) validateSubject(input.subject);
    const attributes = input.messageAttributes ?? {};
    const attributeBytes = validateAttributes(attributes);
    if (Buffer.byteLength(message, 'utf8') + attributeBytes > MAX_MESSAGE_BYTES)
      throw invalid('Message too long');
    if (input.messageStructure !== undefined) {
      if (input.messageStructure !== 'json') throw invalid('MessageStructure');
      let parsed: unknown;
      try {
        parsed = JSON.parse(message);
      } catch {
        throw invalid('Message Structure - JSON message body failed to parse');
      }
      if (
        typeof parsed !== 'object' ||
        parsed === null ||
        typeof (parsed as { default?: unknown }).default !== 'string'
      ) {
        throw invalid('Message Structure - No default entry in JSON message body');
      }
    }
    const fifo = topic.attributes.FifoTopic === 'true';
    if (fifo && !input.messageGroupId)
      throw invalid('The MessageGroupId parameter is required for FIFO topics');
    if (!fifo && input.messageDeduplicationId) {
      throw invalid(
        'MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type',
      );
    }
    if (fifo && !input.messageDeduplicationId && topic.attributes.ContentBasedDeduplication !== 'true') {
      throw invalid(
        'The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
      );
    }
    const published: PublishedMessage = {
      topicArn: topic.arn,
      message,
      messageAttributes: attributes,
      messageId: crypto.randomUUID(),
      at: this.clock.now().toISOString(),
    };
    if (input.subject !== undefined) published.subject = input.subject;
    if (input.messageStructure !== undefined) published.messageStructure = input.messageStructure;
    if (input.messageGroupId !== undefined) published.messageGroupId = input.messageGroupId;
    if (input.messageDeduplicationId !== undefined)
      published.messageDeduplicationId = input.messageDeduplicationId;
    this.published.push(published);
    for (const listener of [...this.listeners]) listener(published);
    return published;
  }

  /** The next FIFO sequence number (20 digits). */
  nextSequenceNumber(): string {
    this.sequence += 1n;
    return (10_000_000_000_000_000_000n + this.sequence).toString().slice(0, 20);
  }

  /** GetTopicAttributes' map: the stored attributes plus the ones SNS computes. */
  topicAttributes(topic: TopicRecord): Record<string, string> {
    const subs = [...this.subscriptions.values()].filter((s) => s.topicArn === topic.arn);
    return {
      Policy: JSON.stringify({
        Version: '2008-10-17',
        Id: '__default_policy_ID',
        Statement: [
          {
            Sid: '__default_statement_ID',
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: [
              'SNS:GetTopicAttributes',
              'SNS:SetTopicAttributes',
              'SNS:AddPermission',
              'SNS:RemovePermission',
              'SNS:DeleteTopic',
              'SNS:Subscribe',
              'SNS:ListSubscriptionsByTopic',
              'SNS:Publish',
            ],
            Resource: topic.arn,
            Condition: { StringEquals: { 'AWS:SourceOwner': this.accountId } },
          },
        ],
      }),
      Owner: this.accountId,
      SubscriptionsPending: String(subs.filter((s) => s.pendingConfirmation).length),
      TopicArn: topic.arn,
      EffectiveDeliveryPolicy: JSON.stringify({
        http: {
          defaultHealthyRetryPolicy: {
            minDelayTarget: 20,
            maxDelayTarget: 20,
            numRetries: 3,
            numMaxDelayRetries: 0,
            numNoDelayRetries: 0,
            numMinDelayRetries: 0,
            backoffFunction: 'linear',
          },
          disableSubscriptionOverrides: false,
          defaultRequestPolicy: { headerContentType: 'text/plain; charset=UTF-8' },
        },
      }),
      SubscriptionsConfirmed: String(subs.filter((s) => !s.pendingConfirmation).length),
      DisplayName: '',
      SubscriptionsDeleted: '0',
      ...topic.attributes,
    };
  }
}

function validateSubject(subject: string): void {
  // ASCII, starting with a letter, number or punctuation mark, no line breaks or control characters, < 100 chars.
  if (subject.length === 0 || subject.length > 100 || !/^[!-~][ -~]*$/.test(subject))
    throw invalid('Subject');
}

/** Validates message attributes; returns their size in bytes (names, types and values count towards 256 KiB). */
function validateAttributes(attributes: Record<string, PublishedAttribute>): number {
  const entries = Object.entries(attributes);
  if (entries.length > 10) {
    throw invalid(
      `MessageAttributes Reason: Number of message attributes [${entries.length}] exceeds the allowed maximum [10].`,
    );
  }
  let bytes = 0;
  for (const [name, attr] of entries) {
    if (
      !/^[A-Za-z0-9_.-]{1,256}$/.test(name) ||
      /^(AWS\.|Amazon\.)/i.test(name) ||
      name.startsWith('.') ||
      name.endsWith('.') ||
      name.includes('..')
    ) {
      throw invalid(`MessageAttributes Reason: Message attribute name '${name}' is invalid.`);
    }
    const type = attr.DataType;
    if (!type)
      throw invalid(
        `MessageAttributes Reason: The message attribute '${name}' must contain non-empty message attribute type.`,
      );
    const base = type.split('.')[0];
    if (base === 'Binary') {
      if (!attr.BinaryValue || attr.BinaryValue.length === 0) {
        throw invalid(
          `MessageAttributes Reason: The message attribute '${name}' must contain non-empty message attribute value for message attribute type 'Binary'.`,
        );
      }
      bytes += attr.BinaryValue.length;
    } else if (base === 'String' || base === 'Number') {
      if (attr.StringValue === undefined || attr.StringValue === '') {
        throw invalid(
          `MessageAttributes Reason: The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${base}'.`,
        );
      }
      if (base === 'Number' && !Number.isFinite(Number(attr.StringValue))) {
        throw invalid(
          `MessageAttributes Reason: Could not cast message attribute '${name}' value to number.`,
        );
      }
      if (type === 'String.Array') {
        try {
          if (!Array.isArray(JSON.parse(attr.StringValue))) throw new Error('not an array');
        } catch {
          throw invalid(
            `MessageAttributes Reason: The message attribute '${name}' has an invalid String.Array value.`,
          );
        }
      }
      bytes += Buffer.byteLength(attr.StringValue, 'utf8');
    } else {
      throw invalid(
        `MessageAttributes Reason: The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(type, 'utf8');
  }
  return bytes;
}

function readAttributes(value: Record<string, FormValue> | undefined): Record<string, PublishedAttribute> {
  const out: Record<string, PublishedAttribute> = {};
  for (const [name, raw] of Object.entries(value ?? {})) {
    if (typeof raw !== 'object' || Array.isArray(raw)) continue;
    const attr: PublishedAttribute = { DataType: typeof raw.DataType === 'string' ? raw.DataType : '' };
    if (typeof raw.StringValue === 'string') attr.StringValue = raw.StringValue;
    if (typeof raw.BinaryValue === 'string')
      attr.BinaryValue = new Uint8Array(Buffer.from(raw.BinaryValue, 'base64'));
    out[name] = attr;
  }
  return out;
}

function readStringMap(value: Record<string, FormValue> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

function readTags(form: FormObject, name = 'Tags'): SnsTag[] {
  return (formObjectList(form, name) ?? []).map((t) => {
    if (typeof t.Key !== 'string') throw invalid('Tags');
    return { Key: t.Key, Value: typeof t.Value === 'string' ? t.Value : '' };
  });
}

const required = (form: FormObject, name: string): string => {
  const value = formString(form, name);
  if (value === undefined || value === '') throw invalid(name);
  return value;
};

function paginate<T>(items: T[], form: FormObject, salt: string, size = 100): { page: T[]; next?: string } {
  const token = formString(form, 'NextToken');
  const offset = token === undefined || token === '' ? 0 : decodeToken(token, salt);
  if (offset === undefined) throw invalid('NextToken');
  const page = items.slice(offset, offset + size);
  return offset + size < items.length ? { page, next: encodeToken(offset + size, salt) } : { page };
}

function publishInput(form: FormObject, topicArn: string): PublishInput {
  const input: PublishInput = {
    topicArn,
    message: formString(form, 'Message'),
    messageAttributes: readAttributes(formMap(form, 'MessageAttributes', 'Name', 'Value')),
  };
  const subject = formString(form, 'Subject');
  if (subject !== undefined) input.subject = subject;
  const structure = formString(form, 'MessageStructure');
  if (structure !== undefined) input.messageStructure = structure;
  const group = formString(form, 'MessageGroupId');
  if (group !== undefined) input.messageGroupId = group;
  const dedup = formString(form, 'MessageDeduplicationId');
  if (dedup !== undefined) input.messageDeduplicationId = dedup;
  return input;
}

function handleOperation(action: string, form: FormObject, ctx: ServiceContext): XmlStruct | undefined {
  const state = ctx.world.sns;
  switch (action) {
    case 'CreateTopic': {
      const name = required(form, 'Name');
      return {
        TopicArn: state.createTopic(name, readStringMap(formMap(form, 'Attributes')), readTags(form)).arn,
      };
    }
    case 'ListTopics': {
      const topics = [...state.topics.keys()].sort();
      const { page, next } = paginate(topics, form, 'topics');
      return { Topics: page.map((arn) => ({ TopicArn: arn })), NextToken: next };
    }
    case 'DeleteTopic': {
      const arn = required(form, 'TopicArn');
      state.deleteTopic(arn);
      return undefined;
    }
    case 'GetTopicAttributes': {
      const topic = state.topic(required(form, 'TopicArn'));
      return { Attributes: new XmlMap(state.topicAttributes(topic)) };
    }
    case 'SetTopicAttributes': {
      const topic = state.topic(required(form, 'TopicArn'));
      const name = required(form, 'AttributeName');
      if (!TOPIC_ATTRIBUTES.has(name) || name === 'FifoTopic') throw invalid('AttributeName');
      topic.attributes[name] = formString(form, 'AttributeValue') ?? '';
      return undefined;
    }
    case 'Subscribe': {
      const result = state.subscribe(
        required(form, 'TopicArn'),
        required(form, 'Protocol'),
        formString(form, 'Endpoint') ?? '',
        readStringMap(formMap(form, 'Attributes')),
        formBool(form, 'ReturnSubscriptionArn') ?? false,
      );
      return { SubscriptionArn: result.pendingConfirmation ? 'pending confirmation' : result.arn };
    }
    case 'Unsubscribe': {
      const arn = required(form, 'SubscriptionArn');
      if (!state.subscriptions.delete(arn)) throw notFound('Subscription');
      return undefined;
    }
    case 'ListSubscriptionsByTopic':
    case 'ListSubscriptions': {
      let subs = [...state.subscriptions.values()];
      let salt = 'subscriptions';
      if (action === 'ListSubscriptionsByTopic') {
        const topic = state.topic(required(form, 'TopicArn'));
        subs = subs.filter((s) => s.topicArn === topic.arn);
        salt += `|${topic.arn}`;
      }
      subs.sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
      const { page, next } = paginate(subs, form, salt);
      return {
        Subscriptions: page.map((s) => ({
          SubscriptionArn: s.pendingConfirmation ? 'PendingConfirmation' : s.arn,
          Owner: s.owner,
          Protocol: s.protocol,
          Endpoint: s.endpoint,
          TopicArn: s.topicArn,
        })),
        NextToken: next,
      };
    }
    case 'Publish': {
      const topicArn = formString(form, 'TopicArn');
      const targetArn = formString(form, 'TargetArn');
      if (formString(form, 'PhoneNumber') !== undefined) {
        throw invalid('PhoneNumber Reason: SMS is not supported by the local cloud');
      }
      if (topicArn && targetArn)
        throw invalid('TopicArn or TargetArn Reason: Only one of TopicArn or TargetArn may be specified');
      const arn = topicArn || targetArn;
      if (!arn) throw invalid('TopicArn or TargetArn Reason: no value for required parameter');
      const published = state.publish(publishInput(form, arn));
      const topic = state.topic(arn);
      return {
        MessageId: published.messageId,
        SequenceNumber: topic.attributes.FifoTopic === 'true' ? state.nextSequenceNumber() : undefined,
      };
    }
    case 'PublishBatch': {
      const topic = state.topic(required(form, 'TopicArn'));
      const entries = formObjectList(form, 'PublishBatchRequestEntries') ?? [];
      if (entries.length === 0)
        throw snsError('EmptyBatchRequest', 'The batch request does not contain any entries.');
      if (entries.length > 10) {
        throw snsError(
          'TooManyEntriesInBatchRequest',
          'The batch request contains more entries than permissible.',
        );
      }
      const ids = entries.map((e) => (typeof e.Id === 'string' ? e.Id : ''));
      for (const id of ids) {
        if (!/^[A-Za-z0-9_-]{1,80}$/.test(id)) {
          throw snsError(
            'InvalidBatchEntryId',
            'The Id of a batch entry in a batch request does not abide by the specification.',
          );
        }
      }
      if (new Set(ids).size !== ids.length) {
        throw snsError(
          'BatchEntryIdsNotDistinct',
          'Two or more batch entries in the request have the same Id.',
        );
      }
      const total = entries.reduce(
        (n, e) => n + Buffer.byteLength(typeof e.Message === 'string' ? e.Message : ''),
        0,
      );
      if (total > MAX_MESSAGE_BYTES) {
        throw snsError(
          'BatchRequestTooLong',
          'The length of all the messages put together is more than the limit.',
        );
      }
      const successful: XmlStruct[] = [];
      const failed: XmlStruct[] = [];
      entries.forEach((entry, i) => {
        try {
          const published = state.publish(publishInput(entry, topic.arn));
          successful.push({
            Id: ids[i],
            MessageId: published.messageId,
            SequenceNumber: topic.attributes.FifoTopic === 'true' ? state.nextSequenceNumber() : undefined,
          });
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          failed.push({
            Id: ids[i],
            Code: error.code,
            Message: error.message,
            SenderFault: error.status < 500,
          });
        }
      });
      return { Successful: successful, Failed: failed };
    }
    case 'ListTagsForResource': {
      const topic = tagTarget(state, required(form, 'ResourceArn'));
      return { Tags: topic.tags.map((t) => ({ Key: t.Key, Value: t.Value })) };
    }
    case 'TagResource': {
      const topic = tagTarget(state, required(form, 'ResourceArn'));
      const merged = new Map(topic.tags.map((t) => [t.Key, t.Value]));
      for (const tag of readTags(form)) merged.set(tag.Key, tag.Value);
      if (merged.size > 50)
        throw snsError('TagLimitExceeded', 'Could not complete request: tag quota of per resource exceeded');
      topic.tags = [...merged].map(([Key, Value]) => ({ Key, Value }));
      return {};
    }
    case 'UntagResource': {
      const topic = tagTarget(state, required(form, 'ResourceArn'));
      const keys = formStringList(form, 'TagKeys') ?? [];
      topic.tags = topic.tags.filter((t) => !keys.includes(t.Key));
      return {};
    }
    default:
      throw snsError('InvalidAction', `The action ${action} is not valid for this web service.`);
  }
}

function tagTarget(state: SnsState, arn: string): TopicRecord {
  const topic = state.topics.get(arn);
  if (!topic) throw snsError('ResourceNotFound', 'Resource does not exist', 404);
  return topic;
}

/** SNS on awsQuery. */
export const snsEmulator: ServiceEmulator = {
  signingNames: ['sns'],
  operation: (req: LocalRequest) => queryAction(req),
  handle(operation, req, ctx): LocalResponse {
    try {
      const form = requestForm(req);
      if (formList(form, 'Action') === undefined) throw snsError('MissingAction', 'Missing Action');
      return queryResponse(operation, handleOperation(operation, form, ctx), XMLNS);
    } catch (error) {
      if (error instanceof ApiError) return queryError(error, XMLNS);
      throw error;
    }
  },
  throttled: () => queryError(snsError('Throttled', 'Rate exceeded', 429), XMLNS),
  failure: (_operation, message) => queryError(snsError('InternalError', message, 500), XMLNS),
};
