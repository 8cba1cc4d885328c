/**
 * Rightsizing recommendations: from a broker's utilisation, an upsize, a downsize, keep, blocked, or "not enough
 * data", with the reasons in words and the monthly cost delta.
 *
 * Rules (thresholds from the {@link CapacityPolicy}):
 * - Every decision metric that applies to the engine (CPU, memory or heap, store, connections) needs the policy's
 *   coverage; otherwise the answer is "not enough data", never a guess.
 * - Upsize when a decision metric's p95 is above its threshold. Candidates are bigger types; each metric is scaled by
 *   the capacity it depends on (CPU by vCPUs, memory and heap by memory, connections by the type's connection cap,
 *   the ActiveMQ store by the type's storage). The smallest candidate that brings every breaching metric back under
 *   its threshold wins; when one size is not enough it steps further, up to `maxUpsizeSteps`.
 * - Blocked when a decision metric's p95 is above its threshold but no resize can be recommended: no larger type is
 *   offered (or allowed), no larger type relieves the metric (the ActiveMQ store of an m5), or mqops knows no
 *   capacity of the current type to scale from. Never `keep`: the broker needs a change it cannot get from a resize,
 *   and someone must decide what (another family, engine version or deployment mode; less load; a purge).
 * - Downsize when no metric breaches and every decision metric's p95, scaled to the smaller type, stays under
 *   `downsizeTarget`, one size at a time (`maxDownsizeSteps`).
 * - Candidates are only the types DescribeBrokerInstanceOptions offers for the engine, engine version, deployment
 *   mode and storage type; never a legacy type; never down to a micro type (Amazon MQ refuses it), never a micro type
 *   for a multi-instance broker; production brokers never below `productionMinimum`; the same family unless the
 *   broker is on a micro type (its way up is another family) or `crossFamily` allows it.
 *
 * Assumption (unsure): a metric scales inversely with the capacity it depends on. Burstable micro types have the
 * vCPUs of their EC2 type, so CPU does not look relieved by a step off micro until it doubles the vCPUs.
 */
import { type InstanceLimits, instanceLimits } from '../instance-types';
import type { Broker } from '../model';
import type { MetricUtilisation, Utilisation } from './metrics';
import {
  type CapacityPolicy,
  DEFAULT_CAPACITY_POLICY,
  type DecisionMetric,
  isProductionBroker,
} from './policy';
import type { InstanceOption, PriceSource } from './ports';
import { monthlyCost } from './prices';

/**
 * `blocked`: a metric is over its threshold and no resize can be recommended (the last reason says what blocks); it is
 * announced like an upsize, and never planned.
 */
export const RECOMMENDATION_ACTIONS = ['upsize', 'downsize', 'keep', 'blocked', 'not-enough-data'] as const;
export type RecommendationAction = (typeof RECOMMENDATION_ACTIONS)[number];

/** What a resize changes in monthly cost. */
export interface CostDelta {
  /** `to` − `from`, USD per month (negative: a saving). */
  usd: number;
  /** Monthly cost on the current type. */
  from: number;
  /** Monthly cost on the recommended type. */
  to: number;
  /** `live` only when both prices came from the Price List API. */
  source: 'live' | 'table';
  asOf?: string;
}

export interface Recommendation {
  brokerId: string;
  brokerName: string;
  region: string;
  engine: Broker['engine'];
  deploymentMode: Broker['deploymentMode'];
  action: RecommendationAction;
  /** The current type. */
  from: string;
  /** The recommended type (upsize, downsize). */
  to?: string;
  /**
   * Why, in sentences: `CPU p95 82% over 14 days is above 70%`. For `blocked`, the last one says which metric and
   * what blocks: `CPU p95 93% is over the 70% threshold, but no larger instance type is offered for …`.
   */
  reasons: string[];
  monthlyCostDelta?: CostDelta;
  /** Each decision metric's p95 now and, for a resize, projected on `to` (%). */
  metrics: Partial<Record<DecisionMetric, { p95: number; projected?: number }>>;
}

export interface RecommendInput {
  broker: Broker;
  utilisation: Utilisation;
  /** DescribeBrokerInstanceOptions for the broker's engine. */
  options: readonly InstanceOption[];
  policy?: CapacityPolicy;
}

const LABEL: Record<DecisionMetric, string> = {
  cpu: 'CPU',
  memory: 'memory (of the high watermark)',
  heap: 'JVM heap',
  store: 'message store',
  connections: 'connections',
};

const labelOf = (metric: DecisionMetric, broker: Broker) =>
  metric === 'store' && broker.engine === 'RABBITMQ' ? 'free-disk pressure' : LABEL[metric];

/** The decision metrics of an engine. */
export function decisionMetricsOf(engine: Broker['engine']): DecisionMetric[] {
  return engine === 'ACTIVEMQ'
    ? ['cpu', 'heap', 'store', 'connections']
    : ['cpu', 'memory', 'store', 'connections'];
}

const pct = (n: number) => `${Math.round(n)}%`;

const ENGINE_NAME: Record<Broker['engine'], string> = { ACTIVEMQ: 'ActiveMQ', RABBITMQ: 'RabbitMQ' };

/** `RabbitMQ 3.13 SINGLE_INSTANCE on EBS`: what the instance options are filtered by. */
const offeringOf = (broker: Broker) =>
  `${ENGINE_NAME[broker.engine] ?? broker.engine} ${broker.engineVersion} ${broker.deploymentMode}` +
  (broker.storageType ? ` on ${broker.storageType.toUpperCase()}` : '');

/** Engine versions match when equal or when one is the other's prefix at a dot (`3.13` and `3.13.7`). */
function versionMatches(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

/** Capacity of a type for a metric; undefined when unknown (or not changed by the instance type). */
function capacityFor(metric: DecisionMetric, limits: InstanceLimits): number | undefined {
  switch (metric) {
    case 'cpu':
      return limits.vcpus || undefined;
    case 'memory':
    case 'heap':
      return limits.memoryGiB || undefined;
    case 'connections':
      return limits.engine === 'ACTIVEMQ' ? limits.connectionsPerProtocol : limits.connectionsPerNode;
    case 'store':
      // RabbitMQ disk per type is not documented: its pressure is taken as unchanged by a resize.
      return limits.engine === 'ACTIVEMQ' ? limits.storageGb : undefined;
  }
}

/** `value` scaled from one type to another (unchanged when the capacity is unknown for either). */
function project(metric: DecisionMetric, value: number, from: InstanceLimits, to: InstanceLimits): number {
  const a = capacityFor(metric, from);
  const b = capacityFor(metric, to);
  return a && b ? (value * a) / b : value;
}

function capacityText(metric: DecisionMetric, limits: InstanceLimits): string {
  switch (metric) {
    case 'cpu':
      return `${limits.vcpus} vCPUs`;
    case 'memory':
    case 'heap':
      return `${limits.memoryGiB} GiB`;
    case 'connections':
      return limits.engine === 'ACTIVEMQ'
        ? `${limits.connectionsPerProtocol} connections per protocol`
        : `${limits.connectionsPerNode} connections per node`;
    case 'store':
      return limits.engine === 'ACTIVEMQ' ? `${limits.storageGb} GB of storage` : 'the same disk';
  }
}

/** Ordering of sizes: vCPUs, then memory, then the connection cap. */
function compareSize(a: InstanceLimits, b: InstanceLimits): number {
  const cap = (l: InstanceLimits) =>
    l.engine === 'ACTIVEMQ' ? l.connectionsPerProtocol : l.connectionsPerNode;
  return a.vcpus - b.vcpus || a.memoryGiB - b.memoryGiB || cap(a) - cap(b);
}

/**
 * The instance types a broker may be resized to: offered for its engine, engine version, deployment mode and storage
 * type, with documented limits, not legacy, within the family rules and the production minimum; the current type
 * left out. Sorted smallest first.
 */
export function candidateTypes(
  broker: Broker,
  options: readonly InstanceOption[],
  policy: CapacityPolicy = DEFAULT_CAPACITY_POLICY,
): InstanceLimits[] {
  const current = instanceLimits(broker.engine, broker.instanceType);
  const production = isProductionBroker(broker, policy);
  const multi = broker.deploymentMode !== 'SINGLE_INSTANCE';
  const seen = new Set<string>();
  const out: InstanceLimits[] = [];
  for (const option of options) {
    if (option.engine !== broker.engine) continue;
    if (!option.deploymentModes.includes(broker.deploymentMode)) continue;
    if (
      broker.storageType &&
      option.storageType &&
      option.storageType.toUpperCase() !== broker.storageType.toUpperCase()
    )
      continue;
    if (!option.engineVersions.some((v) => versionMatches(v, broker.engineVersion))) continue;
    const limits = instanceLimits(broker.engine, option.instanceType);
    if (!limits || limits.legacy || seen.has(limits.instanceType)) continue;
    if (current && limits.instanceType === current.instanceType) continue;
    if (limits.micro && (multi || production || (current !== undefined && !current.micro))) continue;
    if (
      production &&
      (limits.vcpus < policy.productionMinimum.vcpus || limits.memoryGiB < policy.productionMinimum.memoryGiB)
    )
      continue;
    if (current && !policy.crossFamily && !current.micro && limits.family !== current.family) continue;
    seen.add(limits.instanceType);
    out.push(limits);
  }
  return out.sort(compareSize);
}

function base(broker: Broker): Omit<Recommendation, 'action' | 'reasons' | 'metrics'> {
  return {
    brokerId: broker.id,
    brokerName: broker.name,
    region: broker.region,
    engine: broker.engine,
    deploymentMode: broker.deploymentMode,
    from: broker.instanceType,
  };
}

/**
 * The recommendation for one broker, without prices (pure). {@link recommend} adds the cost delta.
 * @example
 * const rec = assess({ broker, utilisation: summarize(broker, series, range), options });
 */
export function assess(input: RecommendInput): Recommendation {
  const { broker, utilisation } = input;
  const policy = input.policy ?? DEFAULT_CAPACITY_POLICY;
  const days = Math.round(
    (Date.parse(utilisation.range.end) - Date.parse(utilisation.range.start)) / 86_400_000,
  );
  const over = `over ${days} day${days === 1 ? '' : 's'}`;
  const decision = decisionMetricsOf(broker.engine);
  const reasons: string[] = [];

  // Not enough data: any decision metric short of coverage.
  const short = decision.filter((m) => {
    const u = utilisation.metrics[m];
    return !u || u.p95 === undefined || u.coverage < policy.minCoverage;
  });
  if (short.length) {
    for (const m of short) {
      const u = utilisation.metrics[m];
      reasons.push(
        `${labelOf(m, broker)}: ${pct((u?.coverage ?? 0) * 100)} of the expected datapoints ${over} ` +
          `(needs ${pct(policy.minCoverage * 100)})`,
      );
    }
    reasons.push(...utilisation.notes);
    return { ...base(broker), action: 'not-enough-data', reasons, metrics: {} };
  }

  const stats = Object.fromEntries(
    decision.map((m) => [m, utilisation.metrics[m] as MetricUtilisation]),
  ) as Record<DecisionMetric, MetricUtilisation>;
  const p95Of = (m: DecisionMetric) => stats[m].p95 as number;
  const metrics: Recommendation['metrics'] = Object.fromEntries(decision.map((m) => [m, { p95: p95Of(m) }]));
  const where = (m: DecisionMetric) => (stats[m].worst ? ` (worst: ${stats[m].worst})` : '');
  const keep = (...why: string[]): Recommendation => ({
    ...base(broker),
    action: 'keep',
    reasons: [...reasons, ...why],
    metrics,
  });

  /** `CPU p95 93% is over the 70% threshold` (`a, b and c` for more metrics). */
  const overThreshold = (ms: readonly DecisionMetric[]) => {
    const each = ms.map(
      (m) => `${labelOf(m, broker)} p95 ${pct(p95Of(m))} is over the ${pct(policy.upsize[m])} threshold`,
    );
    return each.length > 1 ? `${each.slice(0, -1).join(', ')} and ${each.at(-1)}` : (each[0] ?? '');
  };
  /** The broker needs more capacity than a resize can give it: the metrics, then what blocks. */
  const blocked = (ms: readonly DecisionMetric[], blocker: string): Recommendation => ({
    ...base(broker),
    action: 'blocked',
    reasons: [...reasons, `${overThreshold(ms)}, but ${blocker}`],
    metrics,
  });

  if (broker.pending.instanceType && broker.pending.instanceType !== broker.instanceType)
    return keep(`a change to ${broker.pending.instanceType} is already pending (applied at the next reboot)`);
  // Connections against a count, not a cap, cannot be judged; every other metric still can.
  const capped = stats.connections.unit === '%';
  const breaches = decision.filter((m) => (m !== 'connections' || capped) && p95Of(m) > policy.upsize[m]);
  for (const m of breaches)
    reasons.push(
      `${labelOf(m, broker)} p95 ${pct(p95Of(m))} ${over} is above ${pct(policy.upsize[m])}${where(m)}`,
    );
  const current = instanceLimits(broker.engine, broker.instanceType);
  if (!current) {
    const unknown = `no documented capacity for ${broker.engine} on ${broker.instanceType}`;
    return breaches.length
      ? blocked(breaches, `there is ${unknown}: no larger type can be picked`)
      : keep(`${unknown}: nothing to scale from`);
  }
  if (!capped)
    return breaches.length
      ? blocked(
          breaches,
          `there is no documented connection cap for ${broker.instanceType}: no larger type can be picked ` +
            'without judging connections',
        )
      : keep(`no documented connection cap for ${broker.instanceType}: connections cannot be judged`);

  const candidates = candidateTypes(broker, input.options, policy);
  const single =
    broker.deploymentMode === 'SINGLE_INSTANCE'
      ? ['single-instance broker: it is offline while it reboots onto a new type']
      : [];

  // Upsize.
  if (breaches.length) {
    const larger = candidates.filter((c) => compareSize(c, current) > 0).slice(0, policy.maxUpsizeSteps);
    if (larger.length === 0) {
      const elsewhere = policy.crossFamily
        ? undefined
        : candidateTypes(broker, input.options, { ...policy, crossFamily: true }).find(
            (c) => compareSize(c, current) > 0,
          );
      return blocked(
        breaches,
        elsewhere
          ? `no larger ${current.family} instance type is offered for ${offeringOf(broker)}; ` +
              `${elsewhere.instanceType} is, in another family, which the policy does not allow (capacity.crossFamily)`
          : `no larger instance type is offered for ${offeringOf(broker)}`,
      );
    }
    const helps = (m: DecisionMetric, c: InstanceLimits) => project(m, p95Of(m), current, c) < p95Of(m);
    const fixable = breaches.filter((m) => larger.some((c) => helps(m, c)));
    const unfixable = breaches.filter((m) => !fixable.includes(m));
    for (const m of unfixable)
      reasons.push(
        `a bigger type does not relieve ${labelOf(m, broker)}: it has ${capacityText(m, current)} on every candidate`,
      );
    if (fixable.length === 0)
      return blocked(
        unfixable,
        `no larger instance type offered for ${offeringOf(broker)} relieves ${unfixable.length > 1 ? 'them' : 'it'}: ` +
          'it needs a fix other than a resize',
      );
    const fits = (c: InstanceLimits) =>
      fixable.every((m) => project(m, p95Of(m), current, c) <= policy.upsize[m]);
    const chosen = larger.find(fits) ?? (larger[larger.length - 1] as InstanceLimits);
    for (const m of fixable) {
      const projected = project(m, p95Of(m), current, chosen);
      (metrics[m] as { projected?: number }).projected = projected;
      reasons.push(
        `on ${chosen.instanceType} (${capacityText(m, chosen)} instead of ${capacityText(m, current)}) ` +
          `${labelOf(m, broker)} p95 would be about ${pct(projected)}`,
      );
    }
    if (!fits(chosen))
      reasons.push(
        `even ${chosen.instanceType} (${policy.maxUpsizeSteps} size${policy.maxUpsizeSteps > 1 ? 's' : ''} up at most) ` +
          'leaves a metric above its threshold: measure again after the resize',
      );
    return {
      ...base(broker),
      action: 'upsize',
      to: chosen.instanceType,
      reasons: [...reasons, ...single],
      metrics,
    };
  }

  // Downsize.
  const within = decision.map((m) => `${labelOf(m, broker)} p95 ${pct(p95Of(m))}${where(m)}`);
  reasons.push(`every metric is within its threshold ${over}: ${within.join(', ')}`);
  if (!policy.downsize) return keep('downsizing is turned off by the policy');
  const smaller = candidates
    .filter((c) => compareSize(c, current) < 0)
    .reverse()
    .slice(0, policy.maxDownsizeSteps);
  if (smaller.length === 0) return keep(`no smaller instance type is allowed for this broker`);
  let chosen: InstanceLimits | undefined;
  let refusal: string | undefined;
  for (const c of smaller) {
    const above = decision.filter((m) => project(m, p95Of(m), current, c) >= policy.downsizeTarget);
    if (above.length) {
      refusal =
        `on ${c.instanceType} ` +
        above
          .map((m) => `${labelOf(m, broker)} p95 would be about ${pct(project(m, p95Of(m), current, c))}`)
          .join(', ') +
        `, not under the ${pct(policy.downsizeTarget)} downsize target`;
      break;
    }
    chosen = c;
  }
  if (!chosen) return keep(refusal ?? 'no smaller type fits');
  const target = chosen;
  for (const m of decision)
    (metrics[m] as { projected?: number }).projected = project(m, p95Of(m), current, target);
  reasons.push(
    `on ${target.instanceType} every metric's p95 would stay under ${pct(policy.downsizeTarget)}: ` +
      decision
        .map((m) => `${labelOf(m, broker)} about ${pct(project(m, p95Of(m), current, target))}`)
        .join(', '),
  );
  return {
    ...base(broker),
    action: 'downsize',
    to: target.instanceType,
    reasons: [...reasons, ...single],
    metrics,
  };
}

/**
 * The recommendation with its monthly cost delta (730 h × instances of the mode × the hourly price of each type;
 * storage does not change with the type and is left out of the delta).
 * @example
 * const rec = await recommend({ broker, utilisation, options, prices: withFallback(live, tablePrices()) });
 */
export async function recommend(input: RecommendInput & { prices?: PriceSource }): Promise<Recommendation> {
  const rec = assess(input);
  if (!rec.to || !input.prices) return rec;
  const [from, to] = await Promise.all([
    monthlyCost(input.broker, rec.from, input.prices),
    monthlyCost(input.broker, rec.to, input.prices),
  ]);
  if (!from || !to) {
    const missing = [!from ? rec.from : undefined, !to ? rec.to : undefined].filter(Boolean).join(' and ');
    return { ...rec, reasons: [...rec.reasons, `no price known for ${missing} in ${input.broker.region}`] };
  }
  const delta: CostDelta = {
    usd: Math.round((to.usd - from.usd) * 100) / 100,
    from: from.usd,
    to: to.usd,
    source: from.source === 'live' && to.source === 'live' ? 'live' : 'table',
    ...((to.asOf ?? from.asOf) ? { asOf: to.asOf ?? from.asOf } : {}),
  };
  const sign = delta.usd >= 0 ? '+' : '−';
  return {
    ...rec,
    monthlyCostDelta: delta,
    reasons: [
      ...rec.reasons,
      `monthly cost ${sign}$${Math.abs(delta.usd).toFixed(2)} ($${from.usd.toFixed(2)} → $${to.usd.toFixed(2)}: ` +
        `${to.formula}; ${delta.source === 'live' ? 'AWS Price List' : `shipped price table${delta.asOf ? ` of ${delta.asOf}` : ''}`})`,
    ],
  };
}
