/**
 * Fault injection for the local cloud: per-operation throttling (a token bucket that answers with the service's
 * real throttling error), added latency, and failures.
 */

/** One fault rule. `service` is the SigV4 signing name (`mq`, `monitoring`, …); `operation` defaults to all. */
export interface FaultRule {
  service: string;
  operation?: string;
  /** Token bucket: `burst` requests at once, refilled at `rate` per second. Over it: the throttling error. */
  throttle?: { rate: number; burst: number };
  /** Added latency in milliseconds before the answer. */
  latencyMs?: number;
  /** Fail the next `times` matching calls with a server error (then pass). */
  failTimes?: number;
  /** Fail this fraction (0..1) of matching calls, from a seeded generator so runs repeat. */
  failRate?: number;
  /** Answer matching calls with the service's access-denied error (an IAM policy that lacks the action). */
  deny?: boolean;
  /** Only requests whose path contains this (e.g. a broker id in `/v1/brokers/b-…`): one resource's fault. */
  pathIncludes?: string;
}

export type FaultOutcome = { kind: 'pass' | 'throttle' | 'fail' | 'deny'; delayMs: number };

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Decides, per request, whether to pass, throttle or fail it, and how long to delay it. */
export class Faults {
  private rules: FaultRule[] = [];
  private readonly buckets = new Map<FaultRule, Bucket>();
  private readonly failuresLeft = new Map<FaultRule, number>();
  private seed = 42;

  constructor(
    rules: FaultRule[] = [],
    private readonly nowMs: () => number = Date.now,
  ) {
    for (const rule of rules) this.add(rule);
  }

  /** Adds a rule; returns a function that removes it. */
  add(rule: FaultRule): () => void {
    this.rules.push(rule);
    if (rule.failTimes !== undefined) this.failuresLeft.set(rule, rule.failTimes);
    return () => this.remove(rule);
  }

  remove(rule: FaultRule): void {
    this.rules = this.rules.filter((r) => r !== rule);
    this.buckets.delete(rule);
    this.failuresLeft.delete(rule);
  }

  clear(): void {
    this.rules = [];
    this.buckets.clear();
    this.failuresLeft.clear();
  }

  decide(service: string, operation: string, path = ''): FaultOutcome {
    let delayMs = 0;
    let kind: FaultOutcome['kind'] = 'pass';
    for (const rule of this.rules) {
      if (rule.service !== service) continue;
      if (rule.operation !== undefined && rule.operation !== '*' && rule.operation !== operation) continue;
      if (rule.pathIncludes !== undefined && !path.includes(rule.pathIncludes)) continue;
      delayMs += rule.latencyMs ?? 0;
      if (kind !== 'pass') continue;
      if (rule.deny) kind = 'deny';
      else if (rule.throttle && !this.take(rule, rule.throttle)) kind = 'throttle';
      else if (this.shouldFail(rule)) kind = 'fail';
    }
    return { kind, delayMs };
  }

  private take(rule: FaultRule, { rate, burst }: { rate: number; burst: number }): boolean {
    const now = this.nowMs();
    const bucket = this.buckets.get(rule) ?? { tokens: burst, updatedMs: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedMs) / 1000) * rate);
    bucket.updatedMs = now;
    this.buckets.set(rule, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  private shouldFail(rule: FaultRule): boolean {
    const left = this.failuresLeft.get(rule);
    if (left !== undefined && left > 0) {
      this.failuresLeft.set(rule, left - 1);
      return true;
    }
    if (rule.failRate !== undefined && rule.failRate > 0) return this.random() < rule.failRate;
    return false;
  }

  /** mulberry32: small, seeded, good enough to make fault runs repeatable. */
  private random(): number {
    this.seed = (this.seed + 0x6d2b79f5) | 0;
    let t = this.seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
