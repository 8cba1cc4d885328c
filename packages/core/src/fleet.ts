import { mapBounded } from './concurrency';
import { BrokerNotFoundError } from './errors';
import type { Broker } from './model';
import { type CoverageGap, type JobOutcome, outcomeOf } from './outcome';
import type { BrokerInventory } from './ports';

/** Every broker of an account and region, described, and what could not be. */
export interface FleetRead {
  /** The brokers described, in listing order. */
  brokers: Broker[];
  /**
   * Complete when every broker listed was described; partial with a gap per broker that could not be; failed when
   * the brokers could not be listed (or none could be described). `covered` counts the brokers described. A broker
   * deleted between the listing and its description is no gap: it is gone.
   */
  outcome: JobOutcome;
}

export interface DescribeFleetOptions {
  /** DescribeBroker calls at once. Default 8. */
  concurrency?: number;
  /** Called as brokers are described, for a progress bar. */
  onProgress?: (done: number, total: number) => void;
  /** The account and region (`self/eu-west-1`), as the gaps name it. Default `self`. */
  target?: string;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Lists every broker and describes each (bounded concurrency). Never throws for an AWS error: a listing or a
 * description that fails is a gap of the outcome, so a job working on the fleet still ends complete, partial or
 * failed.
 *
 * @example
 * const { brokers, outcome } = await describeFleet(new MqBrokerInventory());
 */
export async function describeFleet(
  inventory: BrokerInventory,
  options: DescribeFleetOptions = {},
): Promise<FleetRead> {
  const target = options.target ?? 'self';
  let refs: Awaited<ReturnType<BrokerInventory['list']>>;
  try {
    refs = await inventory.list();
  } catch (error) {
    return {
      brokers: [],
      outcome: outcomeOf(0, [{ target, reason: `not listed: ${message(error)}` }], true),
    };
  }
  const gaps: CoverageGap[] = [];
  let done = 0;
  const described = await mapBounded(refs, options.concurrency ?? 8, async (ref) => {
    try {
      return await inventory.describe(ref.id);
    } catch (error) {
      if (!(error instanceof BrokerNotFoundError))
        gaps.push({ target, broker: ref.name, reason: `not described: ${message(error)}` });
      return undefined;
    } finally {
      options.onProgress?.(++done, refs.length);
    }
  });
  const brokers = described.filter((b): b is Broker => b !== undefined);
  return { brokers, outcome: outcomeOf(brokers.length, gaps) };
}
