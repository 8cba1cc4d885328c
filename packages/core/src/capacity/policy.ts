/**
 * The capacity policy: how mqops measures brokers, when it recommends an up- or downsize, which brokers it may
 * resize on its own, and how carefully it applies a resize. One typed object with defaults; every threshold below is
 * mqops' own choice (AWS publishes no rightsizing thresholds for Amazon MQ), tune them with {@link parseCapacityPolicy}.
 *
 * @example
 * const policy = parseCapacityPolicy({ upsize: { cpu: 80 }, allowDowntime: true });
 */
import { DEFAULT_POLICY } from '../check';
import type { MqopsConfig } from '../config';
import { InvalidInputError } from '../errors';
import type { Broker } from '../model';
import * as v from '../schema';

/** The metrics whose thresholds drive a resize (the others are reported, not judged). */
export const DECISION_METRICS = ['cpu', 'memory', 'heap', 'store', 'connections'] as const;
export type DecisionMetric = (typeof DECISION_METRICS)[number];

/** The two directions a resize can go. */
export const RESIZE_ACTIONS = ['upsize', 'downsize'] as const;
export type ResizeAction = (typeof RESIZE_ACTIONS)[number];

/** How a resize is applied (the plan's timings). */
export interface ApplySettings {
  /**
   * Minutes that must be left in the maintenance window to start a resize: the UpdateBroker call and the reboot
   * must both start inside the window.
   */
  leadMinutes: number;
  /** Minutes the broker has to be RUNNING on the new type after the reboot is sent; past it, the resize rolls back. */
  rebootTimeoutMinutes: number;
  /** Minutes to let the broker settle (alarms evaluate, clients reconnect) before the post-checks run. */
  settleMinutes: number;
  /**
   * Minutes after the settle period within which the post-checks must pass (an alarm that fired during the reboot
   * returns to OK, the client connection works); still failing at its end, the resize rolls back.
   */
  verifyMinutes: number;
  /** Minutes a rollback has to bring the broker back to its previous type before the plan fails. */
  rollbackTimeoutMinutes: number;
  /** Minutes after an UpdateBroker or RebootBroker call without visible effect before it is sent again. */
  resendAfterMinutes: number;
  /** Times one call may be sent again before the plan gives up on that step. */
  maxResends: number;
  /**
   * Windows a plan may try before it is cancelled: a window counts when the resize was started in it but had to be
   * reverted before the reboot (an alarm fired, a pending change appeared, the window closed).
   */
  maxWindowAttempts: number;
  /** Days a plan stays valid; its recommendation was made from data of its day. */
  planTtlDays: number;
}

/** The one capacity policy. */
export interface CapacityPolicy {
  /** Days of metrics a recommendation looks at. */
  lookbackDays: number;
  /**
   * Seconds per datapoint read from CloudWatch. 14 days at 2 hours is 168 points per series: a batch of 500 queries
   * then stays within one GetMetricData call (100,800 points per call).
   */
  periodSeconds: number;
  /** Fraction (0–1) of the expected datapoints every decision metric needs; below it, "not enough data". */
  minCoverage: number;
  /**
   * p95 above which a metric asks for a bigger type: CPU, memory (RabbitMQ, % of the memory high watermark), heap
   * (ActiveMQ JVM), store (ActiveMQ message store; RabbitMQ free-disk pressure) in %, connections in % of the
   * instance type's connection cap.
   */
  upsize: Record<DecisionMetric, number>;
  /** A smaller type is recommended only when every decision metric's p95, scaled to it, stays under this (%). */
  downsizeTarget: number;
  /** Whether downsizes are recommended at all. */
  downsize: boolean;
  /** Sizes an upsize may step at most when one size is not enough. */
  maxUpsizeSteps: number;
  /** Sizes a downsize steps at most (one at a time is the careful default: measure again before the next). */
  maxDownsizeSteps: number;
  /** Allow a change of family (m5 ↔ m7g) besides the step off a micro type. */
  crossFamily: boolean;
  /** Tag keys (lower case) and values (lower case) that mark a production broker. */
  productionTags: Record<string, string[]>;
  /** The smallest capacity a production broker may be given (mq.m5.large / mq.m7g.large: 2 vCPUs, 8 GiB). */
  productionMinimum: { vcpus: number; memoryGiB: number };
  /** Resize single-instance brokers, which are offline while they reboot. */
  allowDowntime: boolean;
  /** Brokers whose tag `tagKey` equals `tagValue` (case-insensitive) get their recommendations applied as plans. */
  autoApply: { tagKey: string; tagValue: string; actions: ResizeAction[] };
  apply: ApplySettings;
}

/**
 * Defaults: 14 days at 2-hour periods, 80 % coverage; upsize when p95 CPU, memory, heap or store is above 70 % or
 * connections above 80 % of the type's cap; downsize one size when every p95 stays under 50 % on the smaller type;
 * production brokers never below 2 vCPUs / 8 GiB; no resize of single-instance brokers; auto-apply on the tag
 * `mqops:rightsize` = `auto`.
 */
export const DEFAULT_CAPACITY_POLICY: CapacityPolicy = {
  lookbackDays: 14,
  periodSeconds: 7_200,
  minCoverage: 0.8,
  upsize: { cpu: 70, memory: 70, heap: 70, store: 70, connections: 80 },
  downsizeTarget: 50,
  downsize: true,
  maxUpsizeSteps: 2,
  maxDownsizeSteps: 1,
  crossFamily: false,
  productionTags: DEFAULT_POLICY.productionTags,
  productionMinimum: { vcpus: 2, memoryGiB: 8 },
  allowDowntime: false,
  autoApply: { tagKey: 'mqops:rightsize', tagValue: 'auto', actions: ['upsize', 'downsize'] },
  apply: {
    leadMinutes: 10,
    rebootTimeoutMinutes: 30,
    settleMinutes: 5,
    verifyMinutes: 15,
    rollbackTimeoutMinutes: 60,
    resendAfterMinutes: 5,
    maxResends: 2,
    maxWindowAttempts: 3,
    planTtlDays: 14,
  },
};

/** GetMetricData returns at most this many datapoints per call before it pages. */
export const GET_METRIC_DATA_MAX_DATAPOINTS = 100_800;

/** Datapoints one series of the lookback holds at the policy's period. */
export function seriesLength(policy: Pick<CapacityPolicy, 'lookbackDays' | 'periodSeconds'>): number {
  return Math.floor((policy.lookbackDays * 86_400) / policy.periodSeconds);
}

/** True when the broker carries a tag the policy calls production (keys and values compared case-insensitively). */
export function isProductionBroker(broker: Pick<Broker, 'tags'>, policy: CapacityPolicy): boolean {
  return Object.entries(broker.tags).some(([key, value]) =>
    (policy.productionTags[key.toLowerCase()] ?? []).includes(value.toLowerCase()),
  );
}

/** The resize actions the broker's tags allow mqops to apply on its own (none without the auto-apply tag). */
export function autoApplyActions(broker: Pick<Broker, 'tags'>, policy: CapacityPolicy): ResizeAction[] {
  const { tagKey, tagValue, actions } = policy.autoApply;
  const tagged = Object.entries(broker.tags).some(
    ([key, value]) =>
      key.toLowerCase() === tagKey.toLowerCase() && value.trim().toLowerCase() === tagValue.toLowerCase(),
  );
  return tagged ? [...actions] : [];
}

const percent = v.pipe(v.number(), v.gtValue(0), v.maxValue(100));
/** An integer from `min` to `max`. */
const integer = (min: number, max: number) =>
  v.pipe(v.number(), v.safeInteger(), v.minValue(min), v.maxValue(max));
const minutes = integer(1, 7 * 24 * 60);

const ApplySchema = v.partial(
  v.strictObject({
    leadMinutes: integer(1, 110),
    rebootTimeoutMinutes: minutes,
    settleMinutes: integer(0, 24 * 60),
    verifyMinutes: integer(0, 24 * 60),
    rollbackTimeoutMinutes: minutes,
    resendAfterMinutes: minutes,
    maxResends: integer(0, 10),
    maxWindowAttempts: integer(1, 52),
    planTtlDays: integer(1, 365),
  }),
);

const PolicySchema = v.partial(
  v.strictObject({
    lookbackDays: integer(1, 63),
    periodSeconds: v.pipe(
      v.number(),
      v.safeInteger(),
      v.minValue(60),
      v.check((s) => s % 60 === 0, 'must be a multiple of 60 (Amazon MQ metrics are 1-minute)'),
    ),
    minCoverage: v.pipe(v.number(), v.minValue(0), v.maxValue(1)),
    upsize: v.partial(
      v.strictObject({ cpu: percent, memory: percent, heap: percent, store: percent, connections: percent }),
    ),
    downsizeTarget: percent,
    downsize: v.boolean(),
    maxUpsizeSteps: integer(1, 8),
    maxDownsizeSteps: integer(1, 8),
    crossFamily: v.boolean(),
    productionTags: v.record(v.string(), v.array(v.string())),
    productionMinimum: v.partial(
      v.strictObject({
        vcpus: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
        memoryGiB: v.pipe(v.number(), v.minValue(0)),
      }),
    ),
    allowDowntime: v.boolean(),
    autoApply: v.partial(
      v.strictObject({
        tagKey: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
        tagValue: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
        actions: v.array(v.picklist(RESIZE_ACTIONS)),
      }),
    ),
    apply: ApplySchema,
  }),
);

/**
 * The capacity policy of a configuration (its `capacity` section; the defaults without one).
 * @throws InvalidInputError "invalid mqops configuration" naming each wrong field as `capacity.<field>`.
 */
export function capacityPolicyOf(config: Pick<MqopsConfig, 'sections'>): CapacityPolicy {
  try {
    return parseCapacityPolicy(config.sections.capacity);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new InvalidInputError(
      'invalid mqops configuration',
      error.issues.map((i) => `capacity.${i}`),
    );
  }
}

/**
 * Reads a capacity policy (a config file section, a JSON environment variable): every field is optional and falls
 * back to {@link DEFAULT_CAPACITY_POLICY}; unknown keys are refused (they are usually typos).
 * @throws InvalidInputError naming every field that is wrong.
 * @example
 * parseCapacityPolicy({ lookbackDays: 7, periodSeconds: 3600, upsize: { connections: 70 } });
 */
export function parseCapacityPolicy(value: unknown): CapacityPolicy {
  const parsed = v.safeParse(PolicySchema, value ?? {});
  if (!parsed.success)
    throw new InvalidInputError('invalid capacity policy', v.issueLines(parsed.issues, '(policy)'));
  const given = parsed.output;
  const d = DEFAULT_CAPACITY_POLICY;
  const policy: CapacityPolicy = {
    ...d,
    ...stripUndefined({
      lookbackDays: given.lookbackDays,
      periodSeconds: given.periodSeconds,
      minCoverage: given.minCoverage,
      downsizeTarget: given.downsizeTarget,
      downsize: given.downsize,
      maxUpsizeSteps: given.maxUpsizeSteps,
      maxDownsizeSteps: given.maxDownsizeSteps,
      crossFamily: given.crossFamily,
      allowDowntime: given.allowDowntime,
    }),
    upsize: { ...d.upsize, ...stripUndefined(given.upsize ?? {}) },
    productionTags: given.productionTags
      ? Object.fromEntries(
          Object.entries(given.productionTags).map(([k, values]) => [
            k.toLowerCase(),
            values.map((x) => x.toLowerCase()),
          ]),
        )
      : d.productionTags,
    productionMinimum: { ...d.productionMinimum, ...stripUndefined(given.productionMinimum ?? {}) },
    autoApply: { ...d.autoApply, ...stripUndefined(given.autoApply ?? {}) },
    apply: { ...d.apply, ...stripUndefined(given.apply ?? {}) },
  };
  const problems: string[] = [];
  const points = seriesLength(policy);
  if (points < 12)
    problems.push(
      `lookbackDays/periodSeconds: ${points} datapoints per series is too few for a p95 (need at least 12)`,
    );
  if (points > GET_METRIC_DATA_MAX_DATAPOINTS)
    problems.push(
      `lookbackDays/periodSeconds: ${points} datapoints per series exceeds what one GetMetricData call returns`,
    );
  if (policy.lookbackDays > 15 && policy.periodSeconds < 300)
    problems.push('periodSeconds: CloudWatch keeps 1-minute data for 15 days only; use 300 or more');
  if (policy.downsizeTarget >= Math.min(...Object.values(policy.upsize)))
    problems.push(
      'downsizeTarget: must be below every upsize threshold, or a downsize could be undone by the next upsize',
    );
  if (policy.apply.leadMinutes >= 120)
    problems.push('apply.leadMinutes: must leave room inside the two-hour maintenance window');
  if (problems.length) throw new InvalidInputError('invalid capacity policy', problems);
  return policy;
}

/** The object without its undefined fields (so spreading it keeps the defaults). */
function stripUndefined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
