import { createHash } from 'node:crypto';
import { DeliveryError, type KeyValueStore, update } from '@mqops/core';
import { SLACK_RATE } from '@mqops/core/report/slack-limits';
import { type ChannelPace, type ChannelPacer, deliver } from './http-delivery';

export type { ChannelPacer } from './http-delivery';

interface PaceState {
  next: number;
}

/** {@link ChannelPacer} on the key-value store (`slackpace:<channel id>`; the id is a hash, never the URL). */
export class KvChannelPacer implements ChannelPacer {
  constructor(private readonly store: KeyValueStore) {}

  async reserve(channelId: string, intervalMs: number, nowMs: number): Promise<number> {
    const written = await update<PaceState>(
      this.store,
      `slackpace:${channelId}`,
      (current) => ({ next: Math.max(current?.next ?? 0, nowMs) + intervalMs }),
      { expiresAt: Math.ceil(nowMs / 1000) + 3600 },
    );
    return written.next - intervalMs;
  }

  async holdUntil(channelId: string, untilMs: number): Promise<void> {
    await update<PaceState>(
      this.store,
      `slackpace:${channelId}`,
      (current) => ({ next: Math.max(current?.next ?? 0, untilMs) }),
      { expiresAt: Math.ceil(untilMs / 1000) + 3600 },
    );
  }
}

export interface SlackChannelOptions {
  /** Incoming-webhook URL: a secret. It never appears in errors, logs, `toJSON` or `util.inspect`. */
  webhookUrl: string;
  /** The channel's name in the configuration, for errors and logs. */
  name?: string;
  /**
   * Least time from Slack's answer to one request to the next request on this webhook; default
   * {@link SLACK_RATE.webhookIntervalMs} (Slack: one message per second per channel). Counting from the answer, not
   * from the send, keeps the messages a full interval apart where Slack receives them, whatever the network's jitter.
   */
  minIntervalMs?: number;
  /** Extra spacing of slots shared across processes (their requests' latencies differ); default 100. */
  sharedMarginMs?: number;
  /**
   * Longest time (rate limits, retries) for one message before giving up with an error; default 120,000.
   * Retry-After is always honoured in full (unless `maxRetryAfterMs` says otherwise): a wait that would end past this
   * bound fails instead of being shortened. A request sent before it lasts at most `timeoutMs` (for a hard end: the
   * `deadline`).
   */
  maxTotalWaitMs?: number;
  /** Per-request timeout; default 10,000. */
  timeoutMs?: number;
  /** Further attempts after a 429, a 5xx, a timeout or a network error; default as many as `maxTotalWaitMs` allows. */
  retries?: number;
  /** Longest wait for one Retry-After (then the message goes again); default none: honoured in full. */
  maxRetryAfterMs?: number;
  /** A hard end for each message (epoch ms; e.g. the Lambda's end less a margin): no wait or request lasts past it. */
  deadline?: () => number;
  /** Shared pacing across processes (e.g. {@link KvChannelPacer}); without it, pacing is per process. */
  pacer?: ChannelPacer;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** What one post took. */
export interface SlackPostResult {
  attempts: number;
  /** Time spent waiting for pacing, Retry-After and backoff. */
  waitedMs: number;
  /** When the accepted request was sent (epoch ms). */
  sentAt: number;
}

/** A stable id for a webhook (16 hex digits of its SHA-256): safe to log and to use as a store key. */
export function webhookId(webhookUrl: string): string {
  return createHash('sha256').update(webhookUrl).digest('hex').slice(0, 16);
}

/**
 * The channel's pacing state, for {@link postToSlack}.
 * @throws DeliveryError when the webhook is not an http(s) URL (the URL is not echoed).
 */
export function slackPace(options: SlackChannelOptions): ChannelPace {
  if (!/^https?:\/\/\S+$/.test(options.webhookUrl))
    throw new DeliveryError(
      'slack',
      `channel ${options.name ?? 'default'}: the webhook URL is not an http(s) URL`,
    );
  return {
    id: webhookId(options.webhookUrl),
    intervalMs: options.minIntervalMs ?? SLACK_RATE.webhookIntervalMs,
    marginMs: options.sharedMarginMs,
    pacer: options.pacer,
    last: Number.NEGATIVE_INFINITY,
  };
}

/**
 * Posts one message to a Slack webhook through the one outbound client ({@link deliver}): what {@link SlackChannel}
 * and the audit's `SlackNotifier` share. Slack's rate limit is built in: at most one request per `minIntervalMs`
 * (and, with a shared pacer, across processes), HTTP 429 retried after the Retry-After it names, 5xx, timeouts and
 * network errors retried with backoff, all within `maxTotalWaitMs` (and the `deadline`); then a
 * {@link DeliveryError} (never a silent drop). Other 4xx answers (invalid payload, revoked webhook) fail at once.
 */
export async function postToSlack(
  message: unknown,
  o: SlackChannelOptions,
  pace: ChannelPace,
): Promise<SlackPostResult> {
  const { attempts, waitedMs, sentAt } = await deliver(
    {
      url: o.webhookUrl,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
    },
    {
      // The options deliver shares by name: timeoutMs, retries, maxRetryAfterMs, fetch, now, sleep (deliver keeps
      // none of them: the URL in `o` goes no further).
      ...o,
      channel: 'slack',
      // Errors name the channel when it has a name of its own.
      source: o.name && `channel ${o.name}`,
      target: 'webhook',
      retries: o.retries ?? Number.POSITIVE_INFINITY,
      budgetMs: o.maxTotalWaitMs ?? 120_000,
      deadline: o.deadline?.(),
      backoffMs: 1000,
      pace,
      secrets: [[o.webhookUrl, '<webhook>']],
    },
  );
  return { attempts, waitedMs, sentAt };
}

/**
 * One Slack channel (incoming webhook) with Slack's rate limit built in ({@link postToSlack}): messages queue in
 * order (in process), each paced, retried and bounded as {@link postToSlack} says.
 *
 * @example
 * const channel = new SlackChannel({ webhookUrl, name: 'oncall' });
 * await channel.post({ text: 'hello' });
 */
export class SlackChannel {
  readonly name: string;
  readonly id: string;
  /** The channel as logs and outcomes name it: `slack:<name>`. */
  readonly channel: string;
  /** Holds the URL: private, so never shown by `util.inspect`. */
  readonly #options: SlackChannelOptions;
  readonly #pace: ChannelPace;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: SlackChannelOptions) {
    this.#pace = slackPace(options);
    this.#options = options;
    this.name = options.name ?? 'default';
    this.channel = `slack:${this.name}`;
    this.id = this.#pace.id;
  }

  /** Posts one message after those queued before it. @throws DeliveryError when it cannot be delivered. */
  post(message: unknown): Promise<SlackPostResult> {
    const turn = this.#queue.then(() => postToSlack(message, this.#options, this.#pace));
    // The queue continues whatever this message's fate.
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** {@link post}, as a notifier port: a rendered Slack message. */
  async send(message: unknown): Promise<void> {
    await this.post(message);
  }

  /** What logging the channel shows: never the URL. */
  toJSON(): { name: string; id: string } {
    return { name: this.name, id: this.id };
  }
}
