import { type CoverageGap, type JobOutcome, outcomeOf } from './outcome';

/** One durable item a tick looked at (a resize plan, a safe reboot): where it is, and why it failed, if it did. */
export interface TickItem {
  brokerId: string;
  brokerName?: string;
  /** The broker's region: the gap's target is `self/<region>`. */
  region?: string;
  /** Why the item could not be evaluated this tick; absent when it was (advanced, waiting, busy or done). */
  error?: string;
}

/**
 * The outcome of a tick over durable items: each item that could not be evaluated (an observation or a call failed,
 * so nothing was decided for it) is a gap naming its broker and `item`; the rest are covered. Complete with no item
 * at all; failed when every item failed.
 *
 * @example
 * tickOutcome(results.map((r) => ({ brokerId: r.brokerId, brokerName: r.plan?.brokerName, region: r.plan?.region,
 *   ...(r.outcome === 'error' ? { error: r.error } : {}) })), 'resize plan');
 */
export function tickOutcome(items: readonly TickItem[], item: string): JobOutcome {
  const gaps: CoverageGap[] = items
    .filter((i) => i.error !== undefined)
    .map((i) => ({
      target: `self/${i.region || 'default'}`,
      broker: i.brokerName ?? i.brokerId,
      check: item,
      reason: `not evaluated this tick: ${i.error}`,
    }));
  return outcomeOf(items.length - gaps.length, gaps);
}
