import { mapBounded } from '../concurrency';
import type { KeyValueStore } from '../kv';
import type { Broker } from '../model';
import { type Notice, type NoticeSink, postNotice } from '../notices';
import { type BrokerInventory, selectBrokers } from '../ports';
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
}

/**
 * Measures and recommends for a fleet: one DescribeBroker per broker, ONE metric read for the whole fleet (the
 * adapter batches it into GetMetricData calls of 500 queries), the instance options of each engine once, and a
 * priced recommendation per broker. A broker whose data is too thin is "not enough data", never a guess.
 * @throws BrokerNotFoundError when a requested broker does not exist.
 */
export async function rightsizeFleet(
  deps: RightsizeDeps,
  request: RightsizeRequest = {},
): Promise<RightsizeReport> {
  const policy = deps.policy ?? DEFAULT_CAPACITY_POLICY;
  const now = (deps.now ?? (() => new Date()))();
  const range = lookbackRange(now, policy);
  const chosen = selectBrokers(await deps.inventory.list(), request.brokers);
  const errors: RightsizeReport['errors'] = [];
  let done = 0;
  const described = await mapBounded(chosen, 8, async (ref) => {
    try {
      const broker = await deps.inventory.describe(ref.id);
      deps.onProgress?.(++done, chosen.length);
      return broker;
    } catch (error) {
      if (request.brokers?.length) throw error;
      errors.push({ broker: ref.name, error: (error as Error).message });
      return undefined;
    }
  });
  const brokers = described.filter((b): b is Broker => b !== undefined);
  const rabbits = brokers.filter((b) => b.engine === 'RABBITMQ').map((b) => b.name);
  const nodes = deps.nodes && rabbits.length ? await deps.nodes.nodes(rabbits) : new Map<string, string[]>();
  const { queries } = fleetCatalog(brokers, nodes);
  const series = await deps.metrics.read(queries, range);
  const optionsByEngine = new Map<string, Awaited<ReturnType<InstanceOptionsSource['options']>>>();
  for (const engine of new Set(brokers.map((b) => b.engine)))
    optionsByEngine.set(engine, await deps.options.options(engine));
  const recommendations: Recommendation[] = [];
  for (const broker of brokers) {
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
      errors.push({ broker: broker.name, error: (error as Error).message });
    }
  }
  return {
    at: now.toISOString(),
    range: {
      start: range.start.toISOString(),
      end: range.end.toISOString(),
      periodSeconds: range.periodSeconds,
    },
    recommendations,
    errors,
    brokers,
  };
}

/** Where rightsizing remembers what it announced: one notice per broker, action and target type. */
const recommendationNotice = (rec: Recommendation): Notice | undefined => {
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
 * after `dedupeSeconds`, default 7 days), and plan the ones the auto-apply tag allows.
 */
export async function runRightsize(
  deps: RightsizeDeps & { store: KeyValueStore; sinks: readonly NoticeSink[]; dedupeSeconds?: number },
  request: RightsizeRequest = {},
): Promise<RightsizeRunResult> {
  const policy = deps.policy ?? DEFAULT_CAPACITY_POLICY;
  const now = (deps.now ?? (() => new Date()))();
  const report = await rightsizeFleet({ ...deps, now: () => now }, request);
  for (const rec of report.recommendations) {
    const notice = recommendationNotice(rec);
    if (notice)
      await postNotice(deps.sinks, notice, {
        store: deps.store,
        now: () => now,
        ...(deps.dedupeSeconds ? { dedupeSeconds: deps.dedupeSeconds } : {}),
      });
  }
  const planned: CapacityPlan[] = [];
  const skipped: string[] = [];
  for (const plan of autoPlans(report.recommendations, report.brokers, policy, now)) {
    const outcome = await acceptPlan(deps.store, plan, { sinks: deps.sinks });
    if (outcome.accepted) planned.push(outcome.plan);
    else if (outcome.reason) skipped.push(outcome.reason);
  }
  return { ...report, planned, skipped };
}
