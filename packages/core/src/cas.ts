import { MqopsError } from './errors';

/**
 * Compare-and-swap: the one way mqops writes state that other runs share (the audit state in S3, the alert groups,
 * plans, runbook records and markers in DynamoDB). A writer reads the current value and its version, decides what
 * to write from it, and writes only if the version is still the one it read; when another writer got there first
 * it reads again and decides again, under one retry policy. (Its own small module: every function loads it.)
 */

/** A stored value and the version it was read at (a DynamoDB item version, an S3 ETag, a file hash). */
export interface Snapshot<T, V> {
  value: T;
  version: V;
}

/** One piece of shared state, as compare-and-swap sees it. */
export interface CasCell<T, V> {
  /** The current value and its version, or undefined when there is none. */
  read(): Promise<Snapshot<T, V> | undefined>;
  /**
   * Writes `value` if the stored version is still `expected` (undefined: only if there is none).
   * @returns false when another writer got there first; true when written.
   */
  write(value: T, expected: V | undefined): Promise<boolean>;
}

/** What a writer decided from what it read: write a value (and return `result`), or leave it as it is. */
export type CasDecision<T, R> = { write: T; result: R } | { keep: R };

/** How often and how patiently a writer retries when others keep writing first: the same for every writer. */
export interface CasPolicy {
  /** Read-decide-write rounds before giving up. */
  attempts: number;
  /** First back-off in milliseconds; it doubles each round (with full jitter), up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * The retry policy of every compare-and-swap writer: 12 rounds, backing off 10 ms, 20 ms … up to 1 s with full jitter
 * (at most about 5.3 s in all, half that on average), so that writers that collided do not collide again in step.
 * Sized for the busiest item, an alert group in an alarm storm: 40 (even 60) alarms of one broker recorded into it at
 * once all land against DynamoDB (8 rounds of at most 640 ms lost some of 40). A claim (a plan step, a safe-reboot)
 * loses at most one round: the next one sees that the state moved on and keeps it.
 */
export const CAS_POLICY: CasPolicy = { attempts: 12, baseDelayMs: 10, maxDelayMs: 1000 };

/** Another writer kept writing first for every round of the policy: nothing was written. */
export class ConcurrentWriteError extends MqopsError {
  constructor(
    readonly what: string,
    readonly attempts: number,
  ) {
    super(
      `could not write ${what}: another writer wrote first ${attempts} times in a row; nothing was written`,
    );
    this.name = 'ConcurrentWriteError';
  }
}

export interface CasOptions<T, V> {
  /** Names the state in errors (`the audit state`, `alertgroup#…`). */
  what: string;
  policy?: CasPolicy;
  /** A snapshot the caller already read: the first round decides from it instead of reading again. */
  initial?: Snapshot<T, V> | undefined | null;
  /** Waits between rounds (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Reads `cell`, lets `decide` choose from what it read, and writes conditionally; when another writer got there
 * first, reads and decides again (`decide` must be free of side effects: it may run several times).
 *
 * @returns the result of the decision that was written (or kept).
 * @throws ConcurrentWriteError when other writers won every round.
 * @example
 * const count = await compareAndSwap(cell, (current) => {
 *   const next = (current?.value ?? 0) + 1;
 *   return { write: next, result: next };
 * }, { what: 'the counter' });
 */
export async function compareAndSwap<T, V, R>(
  cell: CasCell<T, V>,
  decide: (
    current: Snapshot<T, V> | undefined,
    round: number,
  ) => CasDecision<T, R> | Promise<CasDecision<T, R>>,
  options: CasOptions<T, V>,
): Promise<R> {
  const policy = options.policy ?? CAS_POLICY;
  const sleep = options.sleep ?? pause;
  const random = options.random ?? Math.random;
  // `null` marks "no snapshot given": undefined is a valid snapshot (nothing stored yet).
  let current = options.initial === null || !('initial' in options) ? await cell.read() : options.initial;
  for (let round = 0; round < policy.attempts; round++) {
    if (round > 0) {
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (round - 1));
      await sleep(Math.floor(random() * ceiling));
      current = await cell.read();
    }
    const decision = await decide(current, round);
    if ('keep' in decision) return decision.keep;
    if (await cell.write(decision.write, current?.version)) return decision.result;
  }
  throw new ConcurrentWriteError(options.what, policy.attempts);
}
