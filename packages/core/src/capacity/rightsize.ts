import { mapBounded } from '../concurrency';
import type { KeyValueStore } from '../kv';
import type { Broker } from '../model';
import { type Notice, type NoticeSink, postNotice } from '../notices';
import { type CoverageGap, type JobOutcome, outcomeOf } from '../outcome';
import { type BrokerInventory, type BrokerRef, selectBrokers } from '../ports';
import { fleetCatalog, lookbackRange, summarize } from './metrics';
import { acceptPlan, autoPlans, type CapacityPlan } from './plan';
import { type CapacityPolicy, DEFAULT_CAPACITY_POLICY } from './policy';
import type { InstanceOptionsSource, MetricReader, PriceSource, RabbitNodeSource } from './ports';
import { type Recommendation, recommend } from './recommend';

/** Ports of {@link rightsizeFleet}. */
export interface RightsizeDeps {
  inventory: BrokerInventory;
  metrics: MetricReader;
  /** RabbitMQ node names for per-node CPU, memory and disk (ListMetrics); without it those are not read. */
  nodes?: RabbitNodeSource;
  options: InstanceOptionsSource;
  /** Live prices with the shipped table as fallback (`withFallback`); without it, no cost deltas. */
  prices?: PriceSource;
  policy?: CapacityPolicy;
  now?: () => Date;
  /** Called as brokers are described (the long part of a large fleet), for a progress bar. */
  onProgress?: (done: number, total: number) => void;
  /** The account and region assessed (`self/eu-west-1`), as the outcome's gaps name it. Default `self`. */
  target?: string;
}

export interface RightsizeRequest {
  /** Only these brokers (ids or names); default every broker. */
  brokers?: readonly string[];
}

export interface RightsizeReport {
  at: string;
  range: { start: string; end: string; periodSeconds: number };
  recommendations: Recommendation[];
  /** Brokers that could not be assessed, with the reason (never a guess in their place). */
  errors: { broker: string; error: string }[];
  /** The brokers, as described (for plans and reports). */
  brokers: Broker[];
  /**
   * Complete when every broker asked for has a recommendation ("not enough data" and "blocked" are
   * recommendations, not gaps); partial with a gap per broker not assessed (not described, its metrics, node names
   * or instance options unreadable, its recommendation failed) and, for a scheduled run, per recommendation not
   * announced; failed when the brokers could not be listed or none was assessed. `covered` counts the brokers
   * assessed.
   */
  outcome: JobOutcome;
}

/**
 * Measures and recommends for a fleet: one DescribeBroker per broker, ONE metric read for the whole fleet (the
 * adapter batches it into GetMetricData calls of 500 queries), the instance options of each engine once, and a
 * priced recommendation per broker. A broker whose data is too thin is "not enough data", never a guess. What could
 * not be assessed, and why, is in `outcome` (an AWS error of the listing, a broker, the metrics or the options is a
 * gap, never thrown, except for a broker asked for by name).
 * @throws BrokerNotFoundError when a requested broker does not exist.
 * @throws the describe error of a broker asked for by name that cannot be described.
 */
export async function rightsizeFleet(
  deps: RightsizeDeps,
  request: RightsizeRequest = {},
): Promise<RightsizeReport> {
  const policy = deps.policy ?? DEFAULT_CAPACITY_POLICY;
  const now = (deps.now ?? (() => new Date()))();
  const range = lookbackRange(now, policy);
  const target = deps.target ?? 'self';
  const errors: RightsizeReport['errors'] = [];
  const gaps: CoverageGap[] = [];
  /** A broker left without a recommendation (never a guess in its place). */
  const notAssessed = (name: string, reason: string) => {
    errors.push({ broker: name, error: reason });
    gaps.push({ target, broker: name, reason: `not assessed: ${reason}` });
  };
  const report = (recommendations: Recommendation[], brokers: Broker[], fatal = false): RightsizeReport => ({
    at: now.toISOString(),
    range: {
      start: range.start.toISOString(),
      end: range.end.toISOString(),
      periodSeconds: range.periodSeconds,
    },
    recommendations,
    errors,
    brokers,
    outcome: outcomeOf(recommendations.length, gaps, fatal),
  });
  let listed: BrokerRef[];
  try {
    listed = await deps.inventory.list();
  } catch (error) {
    gaps.push({ target, reason: `not assessed: ListBrokers failed: ${(error as Error).message}` });
    return report([], [], true);
  }
  const chosen = selectBrokers(listed, request.brokers);
  let done = 0;
  const described = await mapBounded(chosen, 8, async (ref) => {
    try {
      const broker = await deps.inventory.describe(ref.id);
      deps.onProgress?.(++done, chosen.length);
      return broker;
    } catch (error) {
      if (request.brokers?.length) throw error;
      notAssessed(ref.name, (error as Error).message);
      return undefined;
    }
  });
  let brokers = described.filter((b): b is Broker => b !== undefined);
  const rabbits = brokers.filter((b) => b.engine === 'RABBITMQ').map((b) => b.name);
  let nodes = new Map<string, string[]>();
  if (deps.nodes && rabbits.length) {
    try {
      nodes = await deps.nodes.nodes(rabbits);
    } catch (error) {
      // Without node names a RabbitMQ broker's CPU, memory and disk would read as missing: no guess.
      for (const name of rabbits) notAssessed(name, `node names unavailable: ${(error as Error).message}`);
      brokers = brokers.filter((b) => b.engine !== 'RABBITMQ');
    }
  }
  const { queries } = fleetCatalog(brokers, nodes);
  let series: Awaited<ReturnType<MetricReader['read']>>;
  try {
    series = await deps.metrics.read(queries, range);
  } catch (error) {
    for (const broker of brokers) notAssessed(broker.name, `metrics unreadable: ${(error as Error).message}`);
    return report([], brokers);
  }
  const optionsByEngine = new Map<string, Awaited<ReturnType<InstanceOptionsSource['options']>>>();
  for (const engine of new Set(brokers.map((b) => b.engine))) {
    try {
      optionsByEngine.set(engine, await deps.options.options(engine));
    } catch (error) {
      for (const broker of brokers.filter((b) => b.engine === engine))
        notAssessed(broker.name, `instance options unavailable: ${(error as Error).message}`);
    }
  }
  const recommendations: Recommendation[] = [];
  for (const broker of brokers.filter((b) => optionsByEngine.has(b.engine))) {
    try {
      const rabbitNodes = nodes.get(broker.name);
      const utilisation = summarize(broker, series, range, rabbitNodes ? { rabbitNodes } : {});
      recommendations.push(
        await recommend({
          broker,
          utilisation,
          options: optionsByEngine.get(broker.engine) ?? [],
          policy,
          ...(deps.prices ? { prices: deps.prices } : {}),
        }),
      );
    } catch (error) {
      notAssessed(broker.name, (error as Error).message);
    }
  }
  return report(recommendations, brokers);
}

/**
 * A broker over a threshold that no resize can relieve: announced like an upsize (a warning), once per broker and
 * current type; nothing to accept.
 */
const blockedNotice = (rec: Recommendation): Notice => ({
  kind: 'capacity',
  level: 'warning',
  title: `blocked: broker ${rec.brokerName} on ${rec.from} is over a threshold, and no resize can be recommended`,
  text:
    `${rec.reasons.join('. ')}. mqops cannot plan a resize for it: decide another fix (another instance family, ` +
    'engine version or deployment mode, less load, or freeing the store).',
  fields: { type: rec.from, blocked: rec.reasons.at(-1) ?? '' },
  broker: { id: rec.brokerId, name: rec.brokerName, region: rec.region },
  key: `capacity:recommend:${rec.brokerId}:blocked:${rec.from}`,
});

/** Where rightsizing remembers what it announced: one notice per broker, action and target type. */
const recommendationNotice = (rec: Recommendation): Notice | undefined => {
  if (rec.action === 'blocked') return blockedNotice(rec);
  if ((rec.action !== 'upsize' && rec.action !== 'downsize') || !rec.to) return undefined;
  const cost = rec.monthlyCostDelta;
  const money = cost
    ? `${cost.usd >= 0 ? '+' : '−'}$${Math.abs(cost.usd).toFixed(2)}/month (${cost.source})`
    : undefined;
  return {
    kind: 'capacity',
    level: rec.action === 'upsize' ? 'warning' : 'info',
    title: `${rec.action} recommended for broker ${rec.brokerName}: ${rec.from} → ${rec.to}`,
    text: `${rec.reasons.join('. ')}.${money ? ` Cost: ${money}.` : ''} Accept it with \`mqops rightsize --accept ${rec.brokerName}\`.`,
    fields: { from: rec.from, to: rec.to, ...(money ? { 'monthly cost': money } : {}) },
    broker: { id: rec.brokerId, name: rec.brokerName, region: rec.region },
    key: `capacity:recommend:${rec.brokerId}:${rec.action}:${rec.to}`,
  };
};

export interface RightsizeRunResult extends RightsizeReport {
  /** Plans made by the auto-apply policy (tag) this run. */
  planned: CapacityPlan[];
  /** Why an auto plan was not stored (an unfinished plan already there). */
  skipped: string[];
}

/**
 * The scheduled run: recommend, announce each resize recommendation once (per broker, action and target; re-sent
 * after `dedupeSeconds`, default 7 days) and each blocked broker the same way (per broker and type), and plan the
 * resizes the auto-apply tag allows (never a blocked broker: there is no resize to plan).
 */
export async function runRightsize(
  deps: RightsizeDeps & { store: KeyValueStore; sinks: readonly NoticeSink[]; dedupeSeconds?: number },
  request: RightsizeRequest = {},
): Promise<RightsizeRunResult> {
  const policy = deps.policy ?? DEFAULT_CAPACITY_POLICY;
  const now = (deps.now ?? (() => new Date()))();
  const report = await rightsizeFleet({ ...deps, now: () => now }, request);
  /** Recommendations a channel did not take (a claim every channel failed is released: the next run retries). */
  const unannounced: CoverageGap[] = [];
  const target = deps.target ?? 'self';
  for (const rec of report.recommendations) {
    const notice = recommendationNotice(rec);
    if (!notice) continue;
    const posted = await postNotice(deps.sinks, notice, {
      store: deps.store,
      now: () => now,
      ...(deps.dedupeSeconds ? { dedupeSeconds: deps.dedupeSeconds } : {}),
    });
    for (const failure of posted.failed)
      unannounced.push({
        target,
        broker: rec.brokerName,
        check: `${rec.action} notice`,
        reason: `not announced on ${failure.channel}: ${failure.error}`,
      });
  }
  const planned: CapacityPlan[] = [];
  const skipped: string[] = [];
  for (const plan of autoPlans(report.recommendations, report.brokers, policy, now)) {
    const outcome = await acceptPlan(deps.store, plan, { sinks: deps.sinks });
    if (outcome.accepted) planned.push(outcome.plan);
    else if (outcome.reason) skipped.push(outcome.reason);
  }
  const gaps = [...report.outcome.gaps, ...unannounced];
  return {
    ...report,
    outcome: outcomeOf(report.outcome.covered, gaps, report.outcome.status === 'failed'),
    planned,
    skipped,
  };
}
