import { DeliveryError } from '@mqops/core/errors';

/**
 * One client for outbound HTTP deliveries (Slack webhooks, the RabbitMQ management API): a timeout per attempt (the
 * body included, even with a `fetch` that ignores its signal), bounded retries with jittered exponential back-off on
 * network errors, timeouts, 5xx and 429, `Retry-After` honoured (seconds or an HTTP date), an overall budget and a
 * hard deadline, optional pacing per channel, and redaction: the URL and every secret named never appear in an error.
 * No dependency: it is on the Audit function's path.
 */

/**
 * Pacing shared by every process that posts to one channel (several Lambda invocations at once): a "next free slot"
 * per channel, taken with a conditional write (e.g. `KvChannelPacer` on the key-value store).
 */
export interface ChannelPacer {
  /**
   * Reserves the channel's next slot, at least `intervalMs` after the previous one.
   * @returns when to send (epoch ms).
   */
  reserve(channelId: string, intervalMs: number, nowMs: number): Promise<number>;
  /** Moves the channel's next slot to at least `untilMs` (the channel said Retry-After). */
  holdUntil(channelId: string, untilMs: number): Promise<void>;
}

/** One channel's pacing, kept by its owner from one delivery to the next ({@link deliver} updates `last`). */
export interface ChannelPace {
  /** The channel's id for the shared pacer: safe to log and to use as a store key (never the URL). */
  id: string;
  /**
   * Least time from the channel's answer to one request to its next request. Counting from the answer, not from the
   * send, keeps requests a full interval apart where they arrive, whatever the network's jitter.
   */
  intervalMs: number;
  /** Pacing across processes; without it, pacing is per process. */
  pacer?: ChannelPacer;
  /** Extra spacing of the shared slots (processes' latencies differ); default 100. */
  marginMs?: number;
  /**
   * When the channel last answered (epoch ms; `-Infinity` at first), or, after a Retry-After, the instant it names
   * minus the interval.
   */
  last: number;
}

/** One request. */
export interface DeliveryRequest {
  /** The endpoint: treated as a secret (a Slack webhook URL is one), shown in errors as `<url>`. */
  url: string;
  /** Default POST. */
  method?: string;
  /**
   * Never shown by the client; a secret value (a token) belongs in {@link DeliveryOptions.secrets} too, in case the
   * endpoint echoes it in an error body.
   */
  headers?: Record<string, string>;
  body?: string;
}

/** What ended a delivery without success, for a caller's own error ({@link DeliveryOptions.fail}). */
export interface DeliveryFailure {
  /** The last answer's HTTP status, when one came. */
  status?: number;
  /** The last answer's body, or the network error's code (`ECONNREFUSED`) or name; every secret redacted. */
  text: string;
  /** The last attempt timed out. */
  timedOut: boolean;
  /** Requests made. */
  attempts: number;
  /** A later delivery may succeed: rate limited, 5xx, timed out, unreachable, or out of time. */
  retryable: boolean;
  /** The default error's message (without the channel). */
  message: string;
}

/** How one delivery is made. Every bound is in milliseconds. */
export interface DeliveryOptions {
  /** The channel as errors name it: `slack`, `rabbitmq`. */
  channel: string;
  /** Who is delivering, as errors name it before what went wrong (`channel oncall`); none by default. */
  source?: string;
  /** What the endpoint is called in errors (`webhook`); default `endpoint`. */
  target?: string;
  /** Per attempt, the answer's body included; default 10,000. */
  timeoutMs?: number;
  /** Further attempts after a retryable failure; default 2 (`Infinity`: as many as the budget allows). */
  retries?: number;
  /**
   * How long the delivery may go on retrying; default 30,000. A wait (back-off, Retry-After, pacing) that would end
   * past it fails at once instead of being cut short: the delivery ends at most `budgetMs + timeoutMs` after it began.
   */
  budgetMs?: number;
  /**
   * A hard end (epoch ms, e.g. the Lambda's remaining time less a margin): no wait ends after it and each attempt's
   * timeout is cut to what remains of it.
   */
  deadline?: number;
  /** First back-off, doubled for each further retry and jittered (half to all of it); default 250. */
  backoffMs?: number;
  /** Longest back-off; default 10,000. */
  maxBackoffMs?: number;
  /** Longest wait for one Retry-After: a longer one is waited this long, then the request goes again. Default none. */
  maxRetryAfterMs?: number;
  /** HTTP statuses worth asking again; default 429 and 5xx. */
  retryStatus?: (status: number) => boolean;
  /** Whether a network error or a timeout is worth asking again; default true. */
  retryErrors?: boolean;
  /** Statuses returned as answers rather than failures (404 for "no such user"). */
  accept?: readonly number[];
  /** Pacing of the channel. */
  pace?: ChannelPace;
  /** Values never to show, each with what to show instead (the URL is always hidden, as `<url>`). */
  secrets?: readonly (readonly [secret: string, shownAs: string])[];
  /** The caller's own error for a failure; default a {@link DeliveryError}. */
  fail?: (failure: DeliveryFailure) => Error;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1): the back-off's jitter. */
  random?: () => number;
}

/** A successful (or accepted) answer, read in full. */
export interface DeliveryAnswer {
  status: number;
  headers: Headers;
  text: string;
  attempts: number;
  /** Time spent waiting for pacing, Retry-After and back-off. */
  waitedMs: number;
  /** When the answered request was sent (epoch ms). */
  sentAt: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A function that hides `secrets` in a text: each as given and JSON-escaped (an error body may quote it). */
export function redactor(secrets: readonly (readonly [string, string])[]): (text: string) => string {
  return (text) =>
    secrets.reduce(
      (t, [secret, shown]) =>
        secret ? t.split(secret).join(shown).split(JSON.stringify(secret).slice(1, -1)).join(shown) : t,
      text,
    );
}

/**
 * A Retry-After header as a wait from `now`: delay-seconds or an HTTP date (a date in the past is no wait).
 * @returns undefined when there is none or it cannot be read.
 */
export function retryAfterMs(header: string | null | undefined, now: number): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  const at = /^\d+(\.\d+)?$/.test(value) ? now + Number(value) * 1000 : Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const seconds = (ms: number) => Math.round(ms) / 1000;

/**
 * Makes one request, asking again after a retryable failure within the options' bounds.
 *
 * @returns the answer when it is 2xx or an accepted status.
 * @throws DeliveryError (or the caller's {@link DeliveryOptions.fail} error) with a bounded, redacted message, the
 * last status, the attempts made and whether a later try may succeed.
 *
 * @example
 * const answer = await deliver(
 *   { url, body: JSON.stringify({ text: 'hello' }), headers: { 'content-type': 'application/json' } },
 *   { channel: 'slack', target: 'webhook', timeoutMs: 5_000 },
 * );
 */
export async function deliver(request: DeliveryRequest, o: DeliveryOptions): Promise<DeliveryAnswer> {
  const now = o.now ?? Date.now;
  const started = now();
  const hard = o.deadline ?? Number.POSITIVE_INFINITY;
  const bound = Math.min(started + (o.budgetMs ?? 30_000), hard);
  const retries = o.retries ?? 2;
  const pace = o.pace;
  const target = o.target ?? 'endpoint';
  const redact = redactor([...(o.secrets ?? []), [request.url, '<url>']]);
  const prefix = o.source ? `${o.source}: ` : '';
  let waited = 0;
  let attempts = 0;
  /** The last failure, and what a message calls it. */
  let last: Omit<DeliveryFailure, 'attempts' | 'message'> = { text: '', timedOut: false, retryable: true };
  let why = pace ? 'pacing' : 'not sent';
  /** The error for a failure; `end` says why the time ran out (the failure is then the last one). */
  const fail = (message: string, end?: string) => {
    if (end)
      message = `${prefix}not delivered after ${attempts} attempt${attempts === 1 ? '' : 's'} and ${Math.round((now() - started) / 1000)} s (${why}; ${end})`;
    else if (attempts > 1) message += ` (${attempts} attempts)`;
    return o.fail
      ? o.fail({ ...last, attempts, message })
      : new DeliveryError(o.channel, message, { status: last.status, attempts, retryable: last.retryable });
  };
  const wait = async (ms: number) => {
    if (ms <= 0) return;
    if (now() + ms > bound)
      throw fail(
        '',
        `a further ${seconds(ms)} s wait would pass the ${Math.round((bound - started) / 1000)} s bound`,
      );
    waited += ms;
    await (o.sleep ?? defaultSleep)(ms);
  };
  for (;;) {
    if (pace) {
      await wait(pace.last + pace.intervalMs - now());
      if (pace.pacer)
        await wait(
          (await pace.pacer.reserve(pace.id, pace.intervalMs + (pace.marginMs ?? 100), now())) - now(),
        );
    }
    const left = hard - now();
    if (left <= 0) throw fail('', 'no time left before the deadline');
    const timeoutMs = Math.max(1, Math.ceil(Math.min(o.timeoutMs ?? 10_000, left)));
    const sentAt = now();
    attempts++;
    const signal = AbortSignal.timeout(timeoutMs);
    let answer: [Response, string] | undefined;
    let error: unknown;
    try {
      // The timeout covers the body too, even with a fetch that ignores its signal. (Promise.race handles both
      // promises' rejections: a late one is not an unhandled rejection.)
      answer = await Promise.race([
        (async () => {
          const response = await (o.fetch ?? fetch)(request.url, {
            method: request.method ?? 'POST',
            headers: request.headers,
            body: request.body,
            signal,
          });
          return [response, await response.text()] as [Response, string];
        })(),
        new Promise<never>((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
        ),
      ]);
    } catch (thrown) {
      error = thrown;
    }
    if (pace) pace.last = now();
    let ms: number;
    if (answer) {
      const [response, body] = answer;
      const status = response.status;
      if (response.ok || o.accept?.includes(status))
        return { status, headers: response.headers, text: body, attempts, waitedMs: waited, sentAt };
      const retryable = (o.retryStatus ?? ((s) => s === 429 || s >= 500))(status);
      const after = retryAfterMs(response.headers.get('retry-after'), now());
      const text = redact(body);
      last = { status, text, timedOut: false, retryable };
      why =
        status === 429
          ? `rate limited (HTTP 429${after === undefined ? '' : `, Retry-After ${seconds(after)} s`})`
          : `HTTP ${status}`;
      if (!retryable || attempts > retries)
        throw fail(`${prefix}${target} answered HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`);
      ms = after === undefined ? backoff(o, attempts) : Math.min(after, o.maxRetryAfterMs ?? after);
      if (after !== undefined && pace) {
        // Retry-After counts from now, for every process posting to the channel (and never less than the interval).
        pace.last = now() + Math.max(ms, pace.intervalMs) - pace.intervalMs;
        await pace.pacer?.holdUntil(pace.id, pace.last + pace.intervalMs);
      }
    } else {
      const timedOut = signal.aborted;
      // The error's message may hold the URL: only a code (ECONNREFUSED) or the error's name is shown.
      const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
      const text = redact(
        timedOut
          ? 'TimeoutError'
          : typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,63}$/.test(code)
            ? code
            : String((error as { name?: unknown } | null)?.name ?? 'Error').slice(0, 64),
      );
      last = { text, timedOut, retryable: true };
      why = timedOut
        ? `${target} timed out after ${seconds(timeoutMs)} s`
        : `${target} unreachable (${text})`;
      if (o.retryErrors === false || attempts > retries) throw fail(prefix + why);
      ms = backoff(o, attempts);
    }
    await wait(ms);
  }
}

/** The back-off after the `attempt`-th request: doubled each time, capped, jittered to half to all of it. */
function backoff(o: DeliveryOptions, attempt: number): number {
  return (
    Math.min(o.maxBackoffMs ?? 10_000, (o.backoffMs ?? 250) * 2 ** (attempt - 1)) *
    (0.5 + (o.random ?? Math.random)() / 2)
  );
}
