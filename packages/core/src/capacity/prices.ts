/**
 * Prices of Amazon MQ: a shipped table (the offline fallback), the fallback wrapper around a live source, and the
 * monthly cost of a broker on an instance type.
 *
 * ## Where the table's numbers come from (read this before trusting them)
 * The table was not read from the AWS Price List API: no network access to it was available when it was written.
 * It holds us-east-1 on-demand list prices as quoted from the Amazon MQ pricing page
 * (https://aws.amazon.com/amazon-mq/pricing/) by public third-party notes found on 2026-11-26:
 * - mq.m5.large / xlarge / 2xlarge at $0.288 / $0.576 / $1.152 an hour per instance, the same for ActiveMQ and
 *   RabbitMQ, and storage at $0.30 (ActiveMQ EFS) and $0.10 (ActiveMQ EBS, RabbitMQ EBS) per GB-month: an Amazon MQ
 *   operations guide (undated);
 * - mq.t3.micro at $0.027 and mq.m7g.large at $0.2734 an hour, RabbitMQ storage at $0.10: a cost calculator's
 *   price constants and a managed-messaging cost survey "as checked 2026-10" (a 3-node mq.m7g.medium cluster at
 *   $0.41 an hour, a 3-node mq.m7g.large cluster at $0.8201 an hour).
 * Rows marked `derived` are not quoted anywhere we found: they double the next size down, as the quoted sizes do.
 * Rows marked `unsure` were quoted with different figures by different notes. Legacy types (mq.t2.micro,
 * mq.m4.large) have no row. Live prices ({@link withFallback} around the Price List adapter) win whenever they answer.
 *
 * Regions: only us-east-1 is in the table. Other regions answer nothing unless the caller passes a multiplier for
 * them (`tablePrices({ regionMultipliers })`); AWS documents no such multiplier, so none is shipped.
 */
import { instanceCount } from '../instance-types';
import type { Broker, DeploymentMode, Engine } from '../model';
import type { Price, PriceQuery, PriceSource } from './ports';

/** The date the table was compiled (the newest source it quotes was checked in 2026-10). */
export const PRICE_TABLE_AS_OF = '2026-11-26';
/** The region of the table's prices. */
export const PRICE_TABLE_REGION = 'us-east-1';
/** Where the table's prices come from, in one line (for reports). */
export const PRICE_TABLE_SOURCE =
  'Amazon MQ pricing page (https://aws.amazon.com/amazon-mq/pricing/), us-east-1 on-demand, as quoted by public ' +
  'third-party notes (checked 2026-10/11); not read from the AWS Price List API';

/** Hours in a month, as AWS prices a month (365 × 24 ÷ 12). */
export const HOURS_PER_MONTH = 730;

/** How a table price is known. */
export type PriceBasis = 'quoted' | 'derived' | 'unsure';

export interface InstancePriceRow {
  engine: Engine;
  instanceType: string;
  /** USD per instance-hour in us-east-1. */
  usd: number;
  basis: PriceBasis;
}

export interface StoragePriceRow {
  engine: Engine;
  storageType: 'EBS' | 'EFS';
  /** USD per GB-month in us-east-1. */
  usd: number;
  basis: PriceBasis;
}

const row = (engine: Engine, instanceType: string, usd: number, basis: PriceBasis): InstancePriceRow => ({
  engine,
  instanceType,
  usd,
  basis,
});

/** Instance-hour prices per instance (an active/standby pair bills two, a cluster three). */
export const INSTANCE_PRICE_TABLE: readonly InstancePriceRow[] = [
  // Notes disagree on ActiveMQ t3.micro (0.027, 0.032, 0.034): the lowest quoted figure is used.
  row('ACTIVEMQ', 'mq.t3.micro', 0.027, 'unsure'),
  row('ACTIVEMQ', 'mq.m5.large', 0.288, 'quoted'),
  row('ACTIVEMQ', 'mq.m5.xlarge', 0.576, 'quoted'),
  row('ACTIVEMQ', 'mq.m5.2xlarge', 1.152, 'quoted'),
  row('ACTIVEMQ', 'mq.m5.4xlarge', 2.304, 'derived'),
  row('RABBITMQ', 'mq.t3.micro', 0.027, 'quoted'),
  row('RABBITMQ', 'mq.m5.large', 0.288, 'quoted'),
  row('RABBITMQ', 'mq.m5.xlarge', 0.576, 'quoted'),
  row('RABBITMQ', 'mq.m5.2xlarge', 1.152, 'quoted'),
  row('RABBITMQ', 'mq.m5.4xlarge', 2.304, 'derived'),
  // $0.41 an hour for a 3-node cluster, per instance.
  row('RABBITMQ', 'mq.m7g.medium', 0.1367, 'quoted'),
  row('RABBITMQ', 'mq.m7g.large', 0.2734, 'quoted'),
  row('RABBITMQ', 'mq.m7g.xlarge', 0.5468, 'derived'),
  row('RABBITMQ', 'mq.m7g.2xlarge', 1.0936, 'derived'),
  row('RABBITMQ', 'mq.m7g.4xlarge', 2.1872, 'derived'),
  row('RABBITMQ', 'mq.m7g.8xlarge', 4.3744, 'derived'),
  row('RABBITMQ', 'mq.m7g.12xlarge', 6.5616, 'derived'),
  row('RABBITMQ', 'mq.m7g.16xlarge', 8.7488, 'derived'),
];

/** Storage prices per GB-month (RabbitMQ has EBS only). */
export const STORAGE_PRICE_TABLE: readonly StoragePriceRow[] = [
  { engine: 'ACTIVEMQ', storageType: 'EFS', usd: 0.3, basis: 'quoted' },
  { engine: 'ACTIVEMQ', storageType: 'EBS', usd: 0.1, basis: 'quoted' },
  { engine: 'RABBITMQ', storageType: 'EBS', usd: 0.1, basis: 'quoted' },
];

export interface TablePricesOptions {
  /** Price factor of other regions against us-east-1 (none is shipped: unknown regions answer nothing). */
  regionMultipliers?: Readonly<Record<string, number>>;
  /** Also answer `derived` rows (default true). */
  includeDerived?: boolean;
}

/**
 * The shipped table as a {@link PriceSource}: `source: 'table'`, `asOf` {@link PRICE_TABLE_AS_OF}.
 * @example
 * const price = await tablePrices().price({ kind: 'instance', engine: 'RABBITMQ', instanceType: 'mq.m5.large',
 *   deploymentMode: 'CLUSTER_MULTI_AZ', region: 'us-east-1' }); // { usd: 0.288, unit: 'hour', … } per instance
 */
export function tablePrices(options: TablePricesOptions = {}): PriceSource {
  const includeDerived = options.includeDerived ?? true;
  const factorOf = (region: string) =>
    region === PRICE_TABLE_REGION ? 1 : options.regionMultipliers?.[region];
  return {
    async price(query: PriceQuery): Promise<Price | undefined> {
      const factor = factorOf(query.region);
      if (factor === undefined) return undefined;
      const found =
        query.kind === 'instance'
          ? INSTANCE_PRICE_TABLE.find(
              (r) => r.engine === query.engine && r.instanceType === query.instanceType.toLowerCase(),
            )
          : STORAGE_PRICE_TABLE.find((r) => r.engine === query.engine && r.storageType === query.storageType);
      if (!found || (!includeDerived && found.basis === 'derived')) return undefined;
      return {
        usd: round(found.usd * factor, 6),
        unit: query.kind === 'instance' ? 'hour' : 'GB-month',
        source: 'table',
        asOf: PRICE_TABLE_AS_OF,
      };
    },
  };
}

/**
 * A live source with the table behind it: a live error or a live miss answers from the table.
 * @param onError told about a live failure (for logs); the error never escapes.
 */
export function withFallback(
  live: PriceSource,
  table: PriceSource,
  onError?: (error: unknown, query: PriceQuery) => void,
): PriceSource {
  return {
    async price(query: PriceQuery): Promise<Price | undefined> {
      try {
        const price = await live.price(query);
        if (price) return price;
      } catch (error) {
        onError?.(error, query);
      }
      return table.price(query);
    },
  };
}

/** What a monthly cost is computed for: the parts of a broker that set its price. */
export type PricedBroker = Pick<Broker, 'engine' | 'deploymentMode' | 'region'> & { storageType?: string };

/** A monthly cost and how it was made. */
export interface MonthlyCost {
  /** Instances plus storage when known, USD. */
  usd: number;
  instanceUsd: number;
  storageUsd?: number;
  /** `live` only when every part came from a live source. */
  source: 'live' | 'table';
  asOf?: string;
  /** `730 h × 3 instances × $0.288` */
  formula: string;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Monthly cost of a broker on `instanceType`: 730 hours × instances of the mode × the hourly price, plus
 * `storageGb` × the GB-month price when given. Undefined when the instance price is unknown.
 * @example
 * await monthlyCost({ engine: 'RABBITMQ', deploymentMode: 'CLUSTER_MULTI_AZ', region: 'us-east-1' },
 *   'mq.m5.large', tablePrices()); // { usd: 630.72, … }
 */
export async function monthlyCost(
  broker: PricedBroker,
  instanceType: string,
  prices: PriceSource,
  storageGb?: number,
): Promise<MonthlyCost | undefined> {
  const instances = instanceCount(broker.deploymentMode as DeploymentMode);
  const hour = await prices.price({
    kind: 'instance',
    engine: broker.engine,
    instanceType,
    deploymentMode: broker.deploymentMode,
    region: broker.region,
  });
  if (!hour) return undefined;
  const instanceUsd = HOURS_PER_MONTH * instances * hour.usd;
  let storageUsd: number | undefined;
  let storageSource: Price['source'] | undefined;
  const storageType = (
    broker.storageType ?? (broker.engine === 'RABBITMQ' ? 'EBS' : undefined)
  )?.toUpperCase();
  if (storageGb !== undefined && (storageType === 'EBS' || storageType === 'EFS')) {
    const gb = await prices.price({
      kind: 'storage',
      engine: broker.engine,
      storageType,
      region: broker.region,
    });
    if (gb) {
      storageUsd = storageGb * gb.usd;
      storageSource = gb.source;
    }
  }
  const source = hour.source === 'live' && (storageSource ?? 'live') === 'live' ? 'live' : 'table';
  return {
    usd: round(instanceUsd + (storageUsd ?? 0)),
    instanceUsd: round(instanceUsd),
    ...(storageUsd !== undefined ? { storageUsd: round(storageUsd) } : {}),
    source,
    ...(hour.asOf ? { asOf: hour.asOf } : {}),
    formula: `${HOURS_PER_MONTH} h × ${instances} instance${instances > 1 ? 's' : ''} × $${hour.usd}`,
  };
}
