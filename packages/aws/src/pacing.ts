/**
 * Client-side pacing: a token bucket per API (a whole service, or one operation), so a fleet audit runs at the
 * service's documented request rate instead of being throttled and backing off. Waiters queue in order.
 */

/** A request rate: `burst` at once, then `rate` per second. */
export interface RateLimit {
  rate: number;
  burst: number;
}

/**
 * Rate limits by key: `mq` paces every Amazon MQ call together (its limit is per account across all MQ APIs);
 * `mq:DescribeBroker` paces one operation. The most specific key wins.
 */
export type RateLimits = Record<string, RateLimit>;

/** Amazon MQ's documented API throttle: per account, all MQ APIs together, burst 100, 15 requests/s. */
export const DEFAULT_RATE_LIMITS: RateLimits = { mq: { rate: 15, burst: 100 } };

interface Bucket {
  limit: RateLimit;
  tokens: number;
  updated: number;
  /** A chain of waiters, so they are served in arrival order. */
  queue: Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Pacer {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number = () => performance.now(),
  ) {
    for (const [key, limit] of Object.entries(limits)) {
      if (!(limit.rate > 0) || !(limit.burst >= 1))
        throw new RangeError(`rate limit ${key}: rate > 0 and burst ≥ 1`);
    }
  }

  /** The bucket key that applies to a call, if any. */
  keyFor(service: string, operation: string): string | undefined {
    const specific = `${service}:${operation}`;
    if (this.limits[specific]) return specific;
    return this.limits[service] ? service : undefined;
  }

  /** Waits until the call may go. */
  async acquire(service: string, operation: string): Promise<void> {
    const key = this.keyFor(service, operation);
    if (!key) return;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      const limit = this.limits[key] as RateLimit;
      bucket = { limit, tokens: limit.burst, updated: this.now(), queue: Promise.resolve() };
      this.buckets.set(key, bucket);
    }
    const b = bucket;
    const turn = b.queue.then(async () => {
      for (;;) {
        const now = this.now();
        b.tokens = Math.min(b.limit.burst, b.tokens + ((now - b.updated) / 1000) * b.limit.rate);
        b.updated = now;
        if (b.tokens >= 1) {
          b.tokens -= 1;
          return;
        }
        await sleep(((1 - b.tokens) / b.limit.rate) * 1000);
      }
    });
    b.queue = turn;
    await turn;
  }
}

/** The smallest slice of an AWS SDK v3 client that pacing needs. */
interface PaceableClient {
  middlewareStack: {
    addRelativeTo(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { relation: 'before' | 'after'; toMiddleware: string; name: string; override?: boolean },
    ): void;
  };
}

/**
 * Paces every call of `client` through `pacer` under the IAM service prefix `service`. Runs inside the SDK's retry
 * loop (each attempt is paced) and before signing (the signature's time stays fresh).
 */
export function paced<C>(client: C, pacer: Pacer, service: string): C {
  (client as unknown as PaceableClient).middlewareStack.addRelativeTo(
    (next, context) => async (args) => {
      await pacer.acquire(service, (context.commandName ?? '').replace(/Command$/, ''));
      return next(args);
    },
    { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'mqopsPacing', override: true },
  );
  return client;
}
