import { createHash } from 'node:crypto';
import { DeliveryError, type KeyValueStore, update } from '@mqops/core';

/**
 * Pacing shared by every process that posts to one channel (several Lambda invocations at once): a "next free slot"
 * per channel, taken with a conditional write.
 */
export interface ChannelPacer {
  /** Reserves the channel's next slot, at least `intervalMs` after the previous one. @returns when to send (epoch ms). */
  reserve(channelId: string, intervalMs: number, nowMs: number): Promise<number>;
  /** Moves the channel's next slot to at least `untilMs` (Slack said Retry-After). */
  holdUntil(channelId: string, untilMs: number): Promise<void>;
}

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
   * Least time from Slack's answer to one request to the next request on this webhook; default 1000 (Slack: one
   * message per second per channel). Counting from the answer, not from the send, keeps the messages a full
   * interval apart where Slack receives them, whatever the network's jitter.
   */
  minIntervalMs?: number;
  /** Extra spacing of slots shared across processes (their requests' latencies differ); default 100. */
  sharedMarginMs?: number;
  /**
   * Longest total wait (rate limits, retries) for one message before giving up with an error; default 120,000.
   * Retry-After is always honoured in full: a wait that would pass this bound fails instead of being shortened.
   */
  maxTotalWaitMs?: number;
  /** Per-request timeout; default 10,000. */
  timeoutMs?: number;
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

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A stable id for a webhook (16 hex digits of its SHA-256): safe to log and to use as a store key. */
export function webhookId(webhookUrl: string): string {
  return createHash('sha256').update(webhookUrl).digest('hex').slice(0, 16);
}

/**
 * One Slack channel (incoming webhook) with Slack's rate limit built in: messages queue in order (in process), at
 * most one request per `minIntervalMs` (and, with a shared pacer, across processes), HTTP 429 retried after the
 * Retry-After it names, 5xx and network errors retried with backoff, all within `maxTotalWaitMs`; then a
 * {@link DeliveryError} (never a silent drop). Other 4xx answers (invalid payload, revoked webhook) fail at once.
 *
 * @example
 * const channel = new SlackChannel({ webhookUrl, name: 'oncall' });
 * await channel.post({ text: 'hello' });
 */
export class SlackChannel {
  readonly name: string;
  readonly id: string;
  readonly #webhookUrl: string;
  readonly #options: SlackChannelOptions;
  #queue: Promise<unknown> = Promise.resolve();
  /** When the last request was answered (or, after a 429, when the next may go minus the interval). */
  #lastDoneAt = Number.NEGATIVE_INFINITY;

  constructor(options: SlackChannelOptions) {
    if (!/^https?:\/\/\S+$/.test(options.webhookUrl))
      throw new DeliveryError(
        'slack',
        `channel ${options.name ?? 'default'}: the webhook URL is not an http(s) URL`,
      );
    this.#webhookUrl = options.webhookUrl;
    this.#options = options;
    this.name = options.name ?? 'default';
    this.id = webhookId(options.webhookUrl);
  }

  /** Posts one message after those queued before it. @throws DeliveryError when it cannot be delivered. */
  post(message: unknown): Promise<SlackPostResult> {
    const turn = this.#queue.then(() => this.#send(message));
    // The queue continues whatever this message's fate.
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** What logging the channel shows: never the URL. */
  toJSON(): { name: string; id: string } {
    return { name: this.name, id: this.id };
  }

  async #send(message: unknown): Promise<SlackPostResult> {
    const o = this.#options;
    const now = o.now ?? Date.now;
    const sleep = o.sleep ?? defaultSleep;
    const doFetch = o.fetch ?? fetch;
    const interval = o.minIntervalMs ?? 1000;
    const started = now();
    const deadline = started + (o.maxTotalWaitMs ?? 120_000);
    const body = JSON.stringify(message);
    let waited = 0;
    const wait = async (ms: number, why: string, attempt: number) => {
      if (ms <= 0) return;
      if (now() + ms > deadline)
        throw new DeliveryError(
          'slack',
          `channel ${this.name}: not delivered after ${attempt} attempt${attempt === 1 ? '' : 's'} and ${Math.round((now() - started) / 1000)} s (${why}; a further ${Math.ceil(ms / 1000)} s wait would pass the ${Math.round((deadline - started) / 1000)} s bound)`,
        );
      waited += ms;
      await sleep(ms);
    };
    for (let attempt = 1; ; attempt++) {
      await wait(this.#lastDoneAt + interval - now(), 'pacing', attempt);
      if (o.pacer) {
        const slot = await o.pacer.reserve(this.id, interval + (o.sharedMarginMs ?? 100), now());
        await wait(slot - now(), 'pacing', attempt);
      }
      const sentAt = now();
      let response: Response;
      try {
        response = await doFetch(this.#webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
        });
      } catch (error) {
        this.#lastDoneAt = now();
        // The error may carry the URL: keep only its name.
        await wait(
          Math.min(1000 * 2 ** (attempt - 1), 10_000),
          `webhook unreachable (${(error as Error).name})`,
          attempt,
        );
        continue;
      }
      this.#lastDoneAt = now();
      if (response.ok) {
        await response.body?.cancel();
        return { attempts: attempt, waitedMs: waited, sentAt };
      }
      const text = (await response.text()).slice(0, 200).replaceAll(this.#webhookUrl, '<webhook>');
      if (response.status === 429) {
        const seconds = Number(response.headers.get('retry-after'));
        const ms = Math.max(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000, interval);
        await o.pacer?.holdUntil(this.id, now() + ms);
        // Retry-After counts from now: the next request goes no earlier.
        this.#lastDoneAt = now() + ms - interval;
        await wait(
          ms,
          `rate limited (HTTP 429, Retry-After ${Number.isFinite(seconds) ? seconds : '?'} s)`,
          attempt,
        );
        continue;
      }
      if (response.status >= 500) {
        await wait(Math.min(1000 * 2 ** (attempt - 1), 10_000), `HTTP ${response.status}`, attempt);
        continue;
      }
      throw new DeliveryError(
        'slack',
        `channel ${this.name}: webhook answered HTTP ${response.status}: ${text}`,
      );
    }
  }
}
