import {
  GetProductsCommand,
  type GetProductsCommandOutput,
  PricingClient,
  type PricingClientConfig,
} from '@aws-sdk/client-pricing';
import { type DeploymentMode, type Engine, MqopsError } from '@mqops/core';
import type { Price, PriceQuery, PriceSource } from '@mqops/core/capacity/ports';
import { cachedUntilFailure } from '@mqops/core/concurrency';

/** The Price List service code of Amazon MQ. */
export const AMAZON_MQ_SERVICE_CODE = 'AmazonMQ';

/**
 * Region of the Price List API endpoint used when the client configuration names none. The API answers in
 * us-east-1, eu-central-1 and ap-south-1 only (prices of every region from each), so the broker region
 * (`AWS_REGION`) is deliberately not used.
 */
export const PRICING_DEFAULT_REGION = 'us-east-1';

/** The Price List `deploymentOption` of each deployment mode. */
export const DEPLOYMENT_OPTION: Readonly<Record<DeploymentMode, 'Single-AZ' | 'Multi-AZ'>> = {
  SINGLE_INSTANCE: 'Single-AZ',
  ACTIVE_STANDBY_MULTI_AZ: 'Multi-AZ',
  CLUSTER_MULTI_AZ: 'Multi-AZ',
};

/**
 * Instances a broker of each mode runs. The Price List's Multi-AZ hourly price is for the whole broker (the
 * active/standby pair, the 3-node cluster: twice and three times the single-instance price, as the Amazon MQ
 * pricing page lists them), so it is divided by this to answer per instance as {@link PriceQuery} asks.
 */
export const INSTANCES_PER_BROKER: Readonly<Record<DeploymentMode, number>> = {
  SINGLE_INSTANCE: 1,
  ACTIVE_STANDBY_MULTI_AZ: 2,
  CLUSTER_MULTI_AZ: 3,
};

/**
 * The storage usage type (after the region prefix, e.g. `EUW1-`) of each engine and storage type. RabbitMQ brokers
 * have EBS storage only.
 */
export const STORAGE_USAGE_TYPE: Readonly<Record<Engine, Partial<Record<'EBS' | 'EFS', string>>>> = {
  ACTIVEMQ: { EFS: 'TimedStorage-ByteHrs', EBS: 'TimedStorage-EBS-ByteHrs' },
  RABBITMQ: { EBS: 'TimedStorage-RabbitMQ-ByteHrs' },
};

/** A Price List answer that could not be read or used (the request failed, a product was malformed or ambiguous). */
export class PriceListError extends MqopsError {
  constructor(
    message: string,
    /** The query being answered, when there is one. */
    readonly query?: PriceQuery,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PriceListError';
  }
}

/** One on-demand price of a product. */
export interface OnDemandPrice {
  /** The Price List unit: `Hrs`, `GB-Mo`, … */
  unit: string;
  usd: number;
  /** The offer term's effective date (ISO 8601), when given. */
  effectiveDate?: string;
}

/** What mqops reads of one Price List product. */
export interface PriceListProduct {
  sku: string;
  productFamily: string;
  attributes: Record<string, string>;
  /** The on-demand price (the open-ended tier when the price is tiered); undefined when the product has none. */
  onDemand?: OnDemandPrice;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * Parses one element of GetProducts' PriceList (a JSON document as a string; the SDK hands it over as a
 * `LazyJsonString`, a String object).
 * @throws PriceListError when it is not a product document.
 */
export function parsePriceListItem(item: unknown): PriceListProduct {
  let doc: unknown = item;
  if (typeof item === 'string' || item instanceof String) {
    try {
      doc = JSON.parse(String(item));
    } catch (error) {
      throw new PriceListError('a PriceList element is not JSON', undefined, { cause: error });
    }
  }
  if (!isRecord(doc) || !isRecord(doc.product))
    throw new PriceListError('a PriceList element has no product');
  const product = doc.product;
  const attributes: Record<string, string> = {};
  if (isRecord(product.attributes)) {
    for (const [k, v] of Object.entries(product.attributes)) if (typeof v === 'string') attributes[k] = v;
  }
  const sku = typeof product.sku === 'string' ? product.sku : '';
  const out: PriceListProduct = {
    sku,
    productFamily: typeof product.productFamily === 'string' ? product.productFamily : '',
    attributes,
  };
  const onDemand = isRecord(doc.terms) && isRecord(doc.terms.OnDemand) ? doc.terms.OnDemand : undefined;
  for (const term of Object.values(onDemand ?? {})) {
    if (!isRecord(term) || !isRecord(term.priceDimensions)) continue;
    const dimensions = Object.values(term.priceDimensions).filter(isRecord);
    // A tiered price (e.g. a free first tier) is read at its open-ended tier: the rate of sustained use.
    const dimension = dimensions.find((d) => d.endRange === 'Inf') ?? dimensions[0];
    if (!dimension) continue;
    const raw = isRecord(dimension.pricePerUnit) ? dimension.pricePerUnit.USD : undefined;
    const usd = typeof raw === 'string' ? Number(raw) : Number.NaN;
    if (!Number.isFinite(usd) || usd < 0)
      throw new PriceListError(`product ${sku} has no readable USD price (${String(raw)})`);
    out.onDemand = {
      unit: typeof dimension.unit === 'string' ? dimension.unit : '',
      usd,
      ...(typeof term.effectiveDate === 'string' ? { effectiveDate: term.effectiveDate } : {}),
    };
    break;
  }
  return out;
}

const lower = (s: string | undefined) => (s ?? '').toLowerCase();
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether a product is the instance type: its `instanceType`, or the type as a whole token of its usage type. */
function isInstanceType(product: PriceListProduct, instanceType: string): boolean {
  if (product.attributes.instanceType !== undefined)
    return lower(product.attributes.instanceType) === lower(instanceType);
  const token = new RegExp(`(^|[^a-z0-9.])${escapeRegExp(lower(instanceType))}($|[^a-z0-9.])`);
  return token.test(lower(product.attributes.usagetype));
}

/** Among several matching products: the CreateBroker one, and never a guess between different prices. */
function pickOne(candidates: PriceListProduct[], query: PriceQuery): PriceListProduct | undefined {
  if (candidates.length <= 1) return candidates[0];
  const create = candidates.filter((p) => lower(p.attributes.operation) === 'createbroker');
  const pool = create.length > 0 ? create : candidates;
  const prices = new Set(pool.map((p) => p.onDemand?.usd));
  if (prices.size > 1) {
    throw new PriceListError(
      `${pool.length} Price List products match ${describe(query)} with different prices (${pool.map((p) => p.sku).join(', ')})`,
      query,
    );
  }
  return pool[0];
}

function describe(query: PriceQuery): string {
  return query.kind === 'instance'
    ? `${query.engine} ${query.instanceType} ${query.deploymentMode} in ${query.region}`
    : `${query.engine} ${query.storageType} storage in ${query.region}`;
}

/**
 * The price a query asks for, from the products of its region (pure: the Price List fetch is done by the caller).
 * Instance hours: `brokerEngine`, `deploymentOption` (Single-AZ / Multi-AZ) and the instance type, unit `Hrs`,
 * answered per instance. Storage: the usage type of the engine and storage type, unit `GB-Mo`.
 * @returns undefined when no product matches.
 * @throws PriceListError when several products match with different prices.
 */
export function selectPrice(products: readonly PriceListProduct[], query: PriceQuery): Price | undefined {
  let product: PriceListProduct | undefined;
  let divisor = 1;
  let unit: Price['unit'];
  if (query.kind === 'instance') {
    unit = 'hour';
    const option = lower(DEPLOYMENT_OPTION[query.deploymentMode]);
    if (option !== 'single-az') divisor = INSTANCES_PER_BROKER[query.deploymentMode];
    product = pickOne(
      products.filter(
        (p) =>
          lower(p.attributes.brokerEngine) === lower(query.engine) &&
          lower(p.attributes.deploymentOption) === option &&
          isInstanceType(p, query.instanceType) &&
          lower(p.onDemand?.unit).startsWith('hr'),
      ),
      query,
    );
  } else {
    unit = 'GB-month';
    const usageType = STORAGE_USAGE_TYPE[query.engine][query.storageType];
    if (!usageType) return undefined;
    product = pickOne(
      products.filter((p) => {
        const u = p.attributes.usagetype ?? '';
        return (u === usageType || u.endsWith(`-${usageType}`)) && lower(p.onDemand?.unit) === 'gb-mo';
      }),
      query,
    );
  }
  if (!product?.onDemand) return undefined;
  return {
    usd: product.onDemand.usd / divisor,
    unit,
    source: 'live',
    ...(product.onDemand.effectiveDate ? { asOf: product.onDemand.effectiveDate } : {}),
  };
}

/** Options of {@link PriceListPrices}. */
export interface PriceListPricesOptions {
  /** Products per GetProducts page, 1..100. Default 100. */
  pageSize?: number;
}

/**
 * Live Amazon MQ prices from the AWS Price List API (GetProducts, service code `AmazonMQ`). The products of a
 * region are fetched once per process (TERM_MATCH `regionCode`, every page) and every query of that region is
 * answered from them: instance hours per instance by engine, deployment option and instance type; storage per
 * GB-month by engine and storage type. Matching is done here rather than with more server-side filters because
 * the attribute values' spelling is not documented (engine casing, product family names): a region costs one or
 * two calls, whatever is asked.
 *
 * The client goes to `us-east-1` unless its configuration names a region; the endpoint follows the SDK's standard
 * configuration (`AWS_ENDPOINT_URL_PRICING`, `AWS_ENDPOINT_URL`). A failed call or an unreadable product raises a
 * {@link PriceListError} (a caller such as the core's fallback to the shipped table decides what to do); no
 * matching product answers undefined. IAM: `pricing:GetProducts`.
 *
 * @example
 * const prices = new PriceListPrices();
 * const hour = await prices.price({
 *   kind: 'instance', engine: 'RABBITMQ', instanceType: 'mq.m5.large', deploymentMode: 'CLUSTER_MULTI_AZ',
 *   region: 'eu-west-1',
 * });
 * // hour?.usd is per instance: × 3 for the cluster.
 */
export class PriceListPrices implements PriceSource {
  /** GetProducts calls made so far, for benchmarks and tests. */
  calls = 0;
  /** The Price List client in use. */
  readonly client: PricingClient;
  private readonly pageSize: number;
  private readonly regions = new Map<string, Promise<PriceListProduct[]>>();
  private readonly answers = new Map<string, Promise<Price | undefined>>();

  /**
   * @param client a client, or a client configuration (default region {@link PRICING_DEFAULT_REGION}; the SDK's
   *   standard configuration chain fills the rest).
   */
  constructor(client: PricingClient | PricingClientConfig = {}, options: PriceListPricesOptions = {}) {
    this.client =
      client instanceof PricingClient
        ? client
        : new PricingClient({ ...client, region: client.region ?? PRICING_DEFAULT_REGION });
    this.pageSize = options.pageSize ?? 100;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1 || this.pageSize > 100)
      throw new RangeError('pageSize must be an integer from 1 to 100');
  }

  price(query: PriceQuery): Promise<Price | undefined> {
    const key = JSON.stringify(
      query.kind === 'instance'
        ? [query.kind, query.region, query.engine, query.instanceType, query.deploymentMode]
        : [query.kind, query.region, query.engine, query.storageType],
    );
    return cachedUntilFailure(this.answers, key, () =>
      this.productsOf(query.region).then((products) => selectPrice(products, query)),
    );
  }

  /** Every Amazon MQ product of a region, fetched once (concurrent asks share the fetch). */
  private productsOf(region: string): Promise<PriceListProduct[]> {
    return cachedUntilFailure(this.regions, region, () => this.fetch(region));
  }

  private async fetch(region: string): Promise<PriceListProduct[]> {
    const products: PriceListProduct[] = [];
    let token: string | undefined;
    do {
      this.calls++;
      let page: GetProductsCommandOutput;
      try {
        page = await this.client.send(
          new GetProductsCommand({
            ServiceCode: AMAZON_MQ_SERVICE_CODE,
            FormatVersion: 'aws_v1',
            Filters: [{ Type: 'TERM_MATCH', Field: 'regionCode', Value: region }],
            MaxResults: this.pageSize,
            NextToken: token,
          }),
        );
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new PriceListError(`GetProducts (AmazonMQ, ${region}) failed: ${reason}`, undefined, {
          cause: error,
        });
      }
      const list: unknown = page.PriceList ?? [];
      if (!Array.isArray(list))
        throw new PriceListError('GetProducts answered a PriceList that is not a list');
      for (const item of list) products.push(parsePriceListItem(item));
      token = page.NextToken;
    } while (token);
    return products;
  }
}
