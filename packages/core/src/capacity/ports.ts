import type { Broker, DeploymentMode, Engine } from '../model';

/**
 * The ports of the capacity loop (measure → recommend → plan → apply). Adapters in `@mqops/aws` implement them on
 * CloudWatch GetMetricData and the AWS Price List API; tests use in-memory fakes.
 */

/** What mqops measures per broker (or per node of a cluster / instance of an active/standby pair). */
export const CAPACITY_METRICS = [
  'cpu',
  'memory',
  'heap',
  'store',
  'connections',
  'messagesIn',
  'messagesOut',
  'queueDepth',
] as const;
export type CapacityMetric = (typeof CAPACITY_METRICS)[number];

/** One CloudWatch series to read: namespace AWS/AmazonMQ, a metric name, its dimensions, a statistic. */
export interface MetricQuery {
  /** Unique within one fetch; an adapter may rename it on the wire (GetMetricData ids are `[a-z][a-zA-Z0-9_]*`). */
  key: string;
  metricName: string;
  /** e.g. `{ Broker: 'orders-1' }` (ActiveMQ instance) or `{ Broker: 'events', Node: 'rabbit@ip-…' }`. */
  dimensions: Record<string, string>;
  /** `Average`, `Maximum`, `Sum`, `Minimum`, `SampleCount`, or `p95`-style percentiles. */
  stat: string;
  /** Set when the query is a metric-math expression over other queries' keys instead of a metric. */
  expression?: string;
}

/** A series: timestamps ascending, values in the metric's own unit. */
export interface MetricSeries {
  key: string;
  timestamps: Date[];
  values: number[];
}

/** A time range read at one period. */
export interface MetricRange {
  start: Date;
  end: Date;
  periodSeconds: number;
}

/** CloudWatch, as capacity reads it: any number of queries, batched by the adapter (500 per GetMetricData call). */
export interface MetricReader {
  /** One series per query key (empty when CloudWatch has no data points). */
  read(queries: MetricQuery[], range: MetricRange): Promise<Map<string, MetricSeries>>;
}

/** What one billed unit costs. */
export interface Price {
  /** USD per unit (per instance-hour, per GB-month). */
  usd: number;
  unit: 'hour' | 'GB-month';
  /** `live` from the Price List API, `table` from the shipped table (with its date). */
  source: 'live' | 'table';
  /** For `table`: the date the table was taken; for `live`: the offer's effective date when known. */
  asOf?: string;
}

/** Which price to look up. */
export type PriceQuery =
  | {
      kind: 'instance';
      engine: Engine;
      instanceType: string;
      /** Prices are per instance; the caller multiplies by the instance count of the mode. */
      deploymentMode: DeploymentMode;
      region: string;
    }
  | { kind: 'storage'; engine: Engine; storageType: 'EBS' | 'EFS'; region: string };

/** The AWS Price List API (service code AmazonMQ), or the shipped table. */
export interface PriceSource {
  /** undefined when the source has no price for the query. */
  price(query: PriceQuery): Promise<Price | undefined>;
}

/** DescribeBrokerInstanceOptions, as capacity uses it: the instance types valid for an engine and storage type. */
export interface InstanceOption {
  engine: Engine;
  instanceType: string;
  storageType?: string;
  deploymentModes: DeploymentMode[];
  engineVersions: string[];
}

export interface InstanceOptionsSource {
  options(engine: Engine): Promise<InstanceOption[]>;
}

/**
 * The broker as the apply runner drives it: DescribeBroker, UpdateBroker (host instance type only) and RebootBroker.
 * IAM: `mq:DescribeBroker`, `mq:UpdateBroker`, `mq:RebootBroker`.
 */
export interface BrokerControl {
  /**
   * The broker in full, as DescribeBroker answers now.
   * @throws BrokerNotFoundError when there is no such broker.
   */
  describe(brokerId: string): Promise<Broker>;
  /** UpdateBroker with HostInstanceType only: the type becomes pending until the next reboot. */
  updateInstanceType(brokerId: string, instanceType: string): Promise<void>;
  /** RebootBroker: applies every pending change; single-instance brokers are offline while it runs. */
  reboot(brokerId: string): Promise<void>;
}

/**
 * The CloudWatch alarms that concern a broker, as the guards of a resize and a safe reboot read them: metric alarms on
 * its AWS/AmazonMQ metrics (its `Broker` dimension), any alarm (metric or composite) tagged `mqops:broker` = its id or
 * name, and composite alarms whose rule references one of those, however deeply. IAM: `cloudwatch:DescribeAlarms`,
 * `cloudwatch:ListTagsForResource`.
 */
export interface AlarmStates {
  /**
   * Names of the broker's alarms whose state is ALARM now (mqops' own and any other that concerns it).
   * @throws when that cannot be told (a call failed, or there is more to read than the adapter's bounds): a guard
   * then holds its step, as "no alarm known" is not "no alarm in ALARM".
   */
  inAlarm(broker: Broker): Promise<string[]>;
}

/** What a real client connection to the broker found. */
export interface ProbeResult {
  ok: boolean;
  /** One sentence: what was tried and what happened (never a secret). */
  detail: string;
}

/** A real client connection (AMQP 0-9-1 for RabbitMQ, OpenWire/STOMP for ActiveMQ) that logs in and closes. */
export interface ConnectionProbe {
  probe(broker: Broker): Promise<ProbeResult>;
}

/**
 * The node names of RabbitMQ brokers (the CloudWatch `Node` dimension of their per-node metrics), by broker name.
 * In AWS: ListMetrics. Brokers with no node known get their per-node metrics left out (and say so).
 */
export interface RabbitNodeSource {
  nodes(brokerNames: readonly string[]): Promise<Map<string, string[]>>;
}
