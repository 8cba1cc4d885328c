/**
 * Emulated AWS Price List Query API (signing name `pricing`) on its wire protocol: awsJson1_1 with
 * `X-Amz-Target: AWSPriceListService.<Operation>`. GetProducts, DescribeServices and GetAttributeValues answer for
 * the service code `AmazonMQ` only, from a small built-in table: one product per region × engine × instance type ×
 * deployment option that Amazon MQ offers (the local MQ catalog), and one per storage kind. Products have the
 * aws_v1 shape the real API returns (PriceList is a list of JSON documents as strings, `terms.OnDemand.*
 * .priceDimensions.*.pricePerUnit.USD`), paged with NextToken.
 *
 * The prices are illustrative, shaped like Amazon MQ's public on-demand prices (a Multi-AZ price is the whole
 * broker's: twice the single-instance price for an ActiveMQ active/standby pair, three times for a RabbitMQ
 * cluster); they are not a price source. The product attributes are the ones a Price List client filters and
 * matches on: `regionCode`, `location`, `productFamily` (`Broker Instances`, `Broker Storage`), `brokerEngine`,
 * `deploymentOption` (`Single-AZ`, `Multi-AZ`), `instanceType`, `usagetype` (with the region prefix, e.g.
 * `EUW1-TimedStorage-ByteHrs`) and `operation` (`CreateBroker`).
 *
 * Filters: TERM_MATCH and EQUALS match a field exactly, CONTAINS as a substring, ANY_OF / NONE_OF a comma-separated
 * list; the field is an attribute name, `productFamily`, `sku` or `ServiceCode`.
 */
import {
  ApiError,
  decodeToken,
  encodeToken,
  isObject,
  type JsonObject,
  jsonError,
  jsonResponse,
  jsonTarget,
  optList,
  optNumber,
  optString,
  parseJsonBody,
  stableHex,
} from '../protocols/json';
import type { EngineTypeName } from '../scenario';
import type { LocalRequest, LocalResponse, ServiceEmulator } from '../types';
import { MQ_CATALOG } from './mq-catalog';

const TARGET_PREFIX = 'AWSPriceListService';
const SERVICE_CODE = 'AmazonMQ';
const FORMAT_VERSION = 'aws_v1';
/** The on-demand offer term code the Price List uses for every product. */
const ON_DEMAND_TERM = 'JRTCKXETXF';
const RATE_SUFFIX = '6YS6EN2CT7';
/** The publication the table stands for. */
const EFFECTIVE_DATE = '2026-01-01T00:00:00Z';
const PUBLICATION_DATE = '2026-01-05T18:22:41Z';
const VERSION = '20260105182241';

/** Regions in the table: name, usage type prefix (none in us-east-1, as on AWS) and a price factor. */
const REGIONS: readonly { code: string; location: string; prefix: string; factor: number }[] = [
  { code: 'us-east-1', location: 'US East (N. Virginia)', prefix: '', factor: 1 },
  { code: 'us-east-2', location: 'US East (Ohio)', prefix: 'USE2-', factor: 1 },
  { code: 'us-west-2', location: 'US West (Oregon)', prefix: 'USW2-', factor: 1 },
  { code: 'eu-west-1', location: 'EU (Ireland)', prefix: 'EUW1-', factor: 1.1 },
  { code: 'eu-central-1', location: 'EU (Frankfurt)', prefix: 'EUC1-', factor: 1.15 },
];

/** Single-instance USD per hour in us-east-1 by engine and instance type (illustrative). */
export const SINGLE_INSTANCE_HOURLY_USD: Readonly<Record<EngineTypeName, Readonly<Record<string, number>>>> =
  {
    ACTIVEMQ: {
      'mq.t3.micro': 0.027,
      'mq.m5.large': 0.288,
      'mq.m5.xlarge': 0.576,
      'mq.m5.2xlarge': 1.152,
      'mq.m5.4xlarge': 2.304,
    },
    RABBITMQ: {
      'mq.t3.micro': 0.027,
      'mq.m5.large': 0.288,
      'mq.m5.xlarge': 0.576,
      'mq.m5.2xlarge': 1.152,
      'mq.m5.4xlarge': 2.304,
      'mq.m7g.medium': 0.1365,
      'mq.m7g.large': 0.273,
      'mq.m7g.xlarge': 0.546,
      'mq.m7g.2xlarge': 1.092,
      'mq.m7g.4xlarge': 2.184,
      'mq.m7g.8xlarge': 4.368,
      'mq.m7g.12xlarge': 6.552,
      'mq.m7g.16xlarge': 8.736,
    },
  };

/** Instances a Multi-AZ broker bills (the pair, the cluster). */
const MULTI_AZ_INSTANCES: Readonly<Record<EngineTypeName, number>> = { ACTIVEMQ: 2, RABBITMQ: 3 };

/** Storage USD per GB-month in us-east-1 (illustrative), by usage type. */
const STORAGE: readonly { engine: EngineTypeName; storage: 'EBS' | 'EFS'; usageType: string; usd: number }[] =
  [
    { engine: 'ACTIVEMQ', storage: 'EFS', usageType: 'TimedStorage-ByteHrs', usd: 0.3 },
    { engine: 'ACTIVEMQ', storage: 'EBS', usageType: 'TimedStorage-EBS-ByteHrs', usd: 0.1 },
    { engine: 'RABBITMQ', storage: 'EBS', usageType: 'TimedStorage-RabbitMQ-ByteHrs', usd: 0.1 },
  ];

const ENGINE_NAME: Record<EngineTypeName, string> = { ACTIVEMQ: 'ActiveMQ', RABBITMQ: 'RabbitMQ' };

/** One product of the table: what filters see, and the price. */
export interface PriceListEntry {
  sku: string;
  productFamily: string;
  attributes: Record<string, string>;
  unit: 'Hrs' | 'GB-Mo';
  usd: number;
  description: string;
}

const money = (usd: number) => Math.round(usd * 1e6) / 1e6;

function sku(seed: string): string {
  return stableHex(`pricing|${seed}`, 16).toUpperCase();
}

function buildTable(): PriceListEntry[] {
  const entries: PriceListEntry[] = [];
  for (const region of REGIONS) {
    const base = {
      servicecode: SERVICE_CODE,
      servicename: 'Amazon MQ',
      location: region.location,
      locationType: 'AWS Region',
      regionCode: region.code,
    };
    const seen = new Set<string>();
    for (const row of MQ_CATALOG) {
      const single = SINGLE_INSTANCE_HOURLY_USD[row.engineType][row.hostInstanceType];
      if (single === undefined) continue;
      const options: ('Single-AZ' | 'Multi-AZ')[] = [];
      if (row.supportedDeploymentModes.includes('SINGLE_INSTANCE')) options.push('Single-AZ');
      if (row.supportedDeploymentModes.some((m) => m !== 'SINGLE_INSTANCE')) options.push('Multi-AZ');
      for (const option of options) {
        const id = `${region.code}|${row.engineType}|${row.hostInstanceType}|${option}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const engine = ENGINE_NAME[row.engineType];
        const multi = option === 'Multi-AZ';
        const usd = money(single * region.factor * (multi ? MULTI_AZ_INSTANCES[row.engineType] : 1));
        const usage = `${region.prefix}${row.engineType === 'RABBITMQ' ? 'RabbitMQ-' : ''}BrokerUsage${multi ? '-MultiAZ' : ''}:${row.hostInstanceType}`;
        entries.push({
          sku: sku(id),
          productFamily: 'Broker Instances',
          attributes: {
            ...base,
            usagetype: usage,
            operation: 'CreateBroker',
            brokerEngine: engine,
            deploymentOption: option,
            instanceType: row.hostInstanceType,
          },
          unit: 'Hrs',
          usd,
          description: `$${usd} per ${engine} ${row.hostInstanceType} ${multi ? (row.engineType === 'RABBITMQ' ? 'cluster' : 'active/standby') : 'single-instance'} broker hour`,
        });
      }
    }
    for (const s of STORAGE) {
      const usd = money(s.usd * region.factor);
      entries.push({
        sku: sku(`${region.code}|${s.usageType}`),
        productFamily: 'Broker Storage',
        attributes: {
          ...base,
          usagetype: `${region.prefix}${s.usageType}`,
          brokerEngine: ENGINE_NAME[s.engine],
          storageMedia: s.storage,
        },
        unit: 'GB-Mo',
        usd,
        description: `$${usd} per GB-Month of ${ENGINE_NAME[s.engine]} ${s.storage} broker storage`,
      });
    }
  }
  return entries;
}

/** Every product the emulator serves. */
export const PRICE_LIST: readonly PriceListEntry[] = buildTable();

/** The aws_v1 document of a product, as one PriceList element carries it (before JSON encoding). */
export function priceListDocument(entry: PriceListEntry): JsonObject {
  const term = `${entry.sku}.${ON_DEMAND_TERM}`;
  return {
    product: { productFamily: entry.productFamily, attributes: entry.attributes, sku: entry.sku },
    serviceCode: SERVICE_CODE,
    terms: {
      OnDemand: {
        [term]: {
          priceDimensions: {
            [`${term}.${RATE_SUFFIX}`]: {
              unit: entry.unit,
              endRange: 'Inf',
              description: entry.description,
              appliesTo: [],
              rateCode: `${term}.${RATE_SUFFIX}`,
              beginRange: '0',
              pricePerUnit: { USD: entry.usd.toFixed(10) },
            },
          },
          sku: entry.sku,
          effectiveDate: EFFECTIVE_DATE,
          offerTermCode: ON_DEMAND_TERM,
          termAttributes: {},
        },
      },
    },
    version: VERSION,
    publicationDate: PUBLICATION_DATE,
  };
}

const pricingError = (code: string, message: string, status = 400) => new ApiError(status, code, message);
const invalid = (message: string) => pricingError('InvalidParameterException', message);

const FILTER_TYPES = ['TERM_MATCH', 'EQUALS', 'CONTAINS', 'ANY_OF', 'NONE_OF'];

interface Filter {
  type: string;
  field: string;
  value: string;
}

function readFilters(input: JsonObject): Filter[] {
  return (optList(input, 'Filters', 'InvalidParameterException') ?? []).map((f, i) => {
    if (!isObject(f)) throw invalid(`Filters.${i + 1} must be a structure`);
    const type = f.Type;
    const field = f.Field;
    const value = f.Value;
    if (typeof type !== 'string' || !FILTER_TYPES.includes(type))
      throw invalid(`Filters.${i + 1}.Type must be one of ${FILTER_TYPES.join(', ')}`);
    if (typeof field !== 'string' || field === '') throw invalid(`Filters.${i + 1}.Field is required`);
    if (typeof value !== 'string') throw invalid(`Filters.${i + 1}.Value is required`);
    return { type, field, value };
  });
}

function fieldOf(entry: PriceListEntry, field: string): string | undefined {
  if (field === 'ServiceCode' || field === 'servicecode') return SERVICE_CODE;
  if (field === 'productFamily') return entry.productFamily;
  if (field === 'sku') return entry.sku;
  return entry.attributes[field];
}

function matches(entry: PriceListEntry, filter: Filter): boolean {
  const actual = fieldOf(entry, filter.field);
  const list = () => filter.value.split(',').map((v) => v.trim());
  switch (filter.type) {
    case 'CONTAINS':
      return actual?.includes(filter.value) === true;
    case 'ANY_OF':
      return actual !== undefined && list().includes(actual);
    case 'NONE_OF':
      return actual === undefined || !list().includes(actual);
    default:
      return actual === filter.value;
  }
}

function serviceCodeOf(input: JsonObject, required: boolean): string | undefined {
  const code = optString(input, 'ServiceCode', 'InvalidParameterException');
  if (code === undefined) {
    if (required) throw invalid('ServiceCode is required');
    return undefined;
  }
  if (code !== SERVICE_CODE) {
    throw pricingError(
      'NotFoundException',
      `The local cloud's Price List knows the service code ${SERVICE_CODE} only, not ${code}.`,
    );
  }
  return code;
}

function checkFormatVersion(input: JsonObject): void {
  const version = optString(input, 'FormatVersion', 'InvalidParameterException');
  if (version !== undefined && version !== FORMAT_VERSION)
    throw invalid(`FormatVersion ${version} is not supported (${FORMAT_VERSION})`);
}

/** A page of a stable list, with MaxResults 1..100 (default 100) and an opaque token bound to the request. */
function page<T>(all: readonly T[], input: JsonObject, salt: string): { items: T[]; next?: string } {
  const max = optNumber(input, 'MaxResults', 'InvalidParameterException') ?? 100;
  if (!Number.isInteger(max) || max < 1 || max > 100) throw invalid('MaxResults must be between 1 and 100');
  const token = optString(input, 'NextToken', 'InvalidParameterException');
  const offset = token === undefined ? 0 : decodeToken(token, salt);
  if (offset === undefined) throw pricingError('InvalidNextTokenException', 'The NextToken is not valid.');
  const items = all.slice(offset, offset + max);
  return offset + max < all.length ? { items, next: encodeToken(offset + max, salt) } : { items };
}

function getProducts(input: JsonObject): JsonObject {
  serviceCodeOf(input, true);
  checkFormatVersion(input);
  const filters = readFilters(input);
  const found = PRICE_LIST.filter((e) => filters.every((f) => matches(e, f)));
  const salt = `products|${JSON.stringify(filters)}`;
  const { items, next } = page(found, input, salt);
  return {
    FormatVersion: FORMAT_VERSION,
    PriceList: items.map((e) => JSON.stringify(priceListDocument(e))),
    ...(next ? { NextToken: next } : {}),
  };
}

function attributeNames(): string[] {
  const names = new Set<string>(['productFamily']);
  for (const e of PRICE_LIST) for (const k of Object.keys(e.attributes)) names.add(k);
  return [...names].sort();
}

function describeServices(input: JsonObject): JsonObject {
  serviceCodeOf(input, false);
  checkFormatVersion(input);
  const { items, next } = page(
    [{ ServiceCode: SERVICE_CODE, AttributeNames: attributeNames() }],
    input,
    'services',
  );
  return { FormatVersion: FORMAT_VERSION, Services: items, ...(next ? { NextToken: next } : {}) };
}

function getAttributeValues(input: JsonObject): JsonObject {
  serviceCodeOf(input, true);
  const name = optString(input, 'AttributeName', 'InvalidParameterException');
  if (!name) throw invalid('AttributeName is required');
  const values = new Set<string>();
  for (const e of PRICE_LIST) {
    const v = fieldOf(e, name);
    if (v !== undefined && v !== '') values.add(v);
  }
  if (values.size === 0) throw pricingError('NotFoundException', `No attribute ${name} for ${SERVICE_CODE}.`);
  const { items, next } = page(
    [...values].sort().map((Value) => ({ Value })),
    input,
    `values|${name}`,
  );
  return { AttributeValues: items, ...(next ? { NextToken: next } : {}) };
}

function handleOperation(operation: string, input: JsonObject): JsonObject {
  switch (operation) {
    case 'GetProducts':
      return getProducts(input);
    case 'DescribeServices':
      return describeServices(input);
    case 'GetAttributeValues':
      return getAttributeValues(input);
    default:
      throw pricingError(
        'UnknownOperationException',
        `The local cloud does not emulate pricing:${operation}.`,
      );
  }
}

function errorResponse(error: ApiError): LocalResponse {
  return jsonError(error, { version: '1.1' });
}

/** The Price List Query API on awsJson1_1 (stateless: the table above). */
export const pricingEmulator: ServiceEmulator = {
  signingNames: ['pricing'],
  operation: (req: LocalRequest) => jsonTarget(req, TARGET_PREFIX),
  handle(operation, req) {
    try {
      if (!jsonTarget(req, TARGET_PREFIX))
        throw pricingError('UnknownOperationException', 'Missing or unknown X-Amz-Target.');
      return jsonResponse(handleOperation(operation, parseJsonBody(req)), '1.1');
    } catch (error) {
      if (error instanceof ApiError) return errorResponse(error);
      throw error;
    }
  },
  throttled: () => errorResponse(pricingError('ThrottlingException', 'Rate exceeded')),
  failure: (_operation, message) => errorResponse(pricingError('InternalErrorException', message, 500)),
};
