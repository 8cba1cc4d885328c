import { GetProductsCommand, PricingClient, ThrottlingException } from '@aws-sdk/client-pricing';
import type { PriceQuery } from '@mqops/core/capacity/ports';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  PRICING_DEFAULT_REGION,
  PriceListError,
  PriceListPrices,
  type PriceListProduct,
  parsePriceListItem,
  selectPrice,
} from '../../src/pricing';

const pricing = mockClient(PricingClient);
const EFFECTIVE = '2026-02-01T00:00:00Z';

interface ProductSpec {
  sku?: string;
  family?: string;
  attributes: Record<string, string>;
  unit: string;
  usd: string;
  /** Extra price dimensions (a tiered price). */
  tiers?: { begin: string; end: string; usd: string }[];
}

/** A GetProducts PriceList element, in the aws_v1 shape the Price List API returns (a JSON document as a string). */
function priceListItem(spec: ProductSpec): string {
  const sku = spec.sku ?? 'Q4XKD7M2ZB9T3WQE';
  const term = `${sku}.JRTCKXETXF`;
  const tiers = spec.tiers ?? [{ begin: '0', end: 'Inf', usd: spec.usd }];
  return JSON.stringify({
    product: {
      productFamily: spec.family ?? 'Broker Instances',
      attributes: {
        servicecode: 'AmazonMQ',
        servicename: 'Amazon MQ',
        locationType: 'AWS Region',
        ...spec.attributes,
      },
      sku,
    },
    serviceCode: 'AmazonMQ',
    terms: {
      OnDemand: {
        [term]: {
          priceDimensions: Object.fromEntries(
            tiers.map((t, i) => [
              `${term}.6YS6EN2CT${i}`,
              {
                unit: spec.unit,
                endRange: t.end,
                description: `$${t.usd} per ${spec.unit}`,
                appliesTo: [],
                rateCode: `${term}.6YS6EN2CT${i}`,
                beginRange: t.begin,
                pricePerUnit: { USD: t.usd },
              },
            ]),
          ),
          sku,
          effectiveDate: EFFECTIVE,
          offerTermCode: 'JRTCKXETXF',
          termAttributes: {},
        },
      },
    },
    version: '20260201000000',
    publicationDate: '2026-02-03T10:11:12Z',
  });
}

const instance = (
  engine: string,
  type: string,
  option: string,
  usd: string,
  extra: Record<string, string> = {},
): ProductSpec => ({
  sku: `${engine}-${type}-${option}`.toUpperCase().replace(/[^A-Z0-9]/g, ''),
  attributes: {
    regionCode: 'eu-west-1',
    location: 'EU (Ireland)',
    usagetype: `EUW1-BrokerUsage${option === 'Multi-AZ' ? '-MultiAZ' : ''}:${type}`,
    operation: 'CreateBroker',
    brokerEngine: engine,
    deploymentOption: option,
    instanceType: type,
    ...extra,
  },
  unit: 'Hrs',
  usd,
});
const storage = (usagetype: string, usd: string): ProductSpec => ({
  sku: usagetype.toUpperCase().replace(/[^A-Z0-9]/g, ''),
  family: 'Broker Storage',
  attributes: { regionCode: 'eu-west-1', location: 'EU (Ireland)', usagetype },
  unit: 'GB-Mo',
  usd,
});

const CATALOG: ProductSpec[] = [
  instance('ActiveMQ', 'mq.m5.large', 'Single-AZ', '0.3170000000'),
  instance('ActiveMQ', 'mq.m5.large', 'Multi-AZ', '0.6340000000'),
  instance('ActiveMQ', 'mq.m5.xlarge', 'Single-AZ', '0.6340000000'),
  instance('RabbitMQ', 'mq.m5.large', 'Single-AZ', '0.3170000000'),
  instance('RabbitMQ', 'mq.m5.large', 'Multi-AZ', '0.9510000000'),
  instance('RabbitMQ', 'mq.m7g.large', 'Single-AZ', '0.3000000000'),
  storage('EUW1-TimedStorage-ByteHrs', '0.3300000000'),
  storage('EUW1-TimedStorage-EBS-ByteHrs', '0.1100000000'),
  storage('EUW1-TimedStorage-RabbitMQ-ByteHrs', '0.1200000000'),
];
const products = (specs: ProductSpec[]) => specs.map((s) => parsePriceListItem(priceListItem(s)));

const inst = (
  engine: 'ACTIVEMQ' | 'RABBITMQ',
  instanceType: string,
  deploymentMode: 'SINGLE_INSTANCE' | 'ACTIVE_STANDBY_MULTI_AZ' | 'CLUSTER_MULTI_AZ',
  region = 'eu-west-1',
): PriceQuery => ({ kind: 'instance', engine, instanceType, deploymentMode, region });
const disk = (
  engine: 'ACTIVEMQ' | 'RABBITMQ',
  storageType: 'EBS' | 'EFS',
  region = 'eu-west-1',
): PriceQuery => ({
  kind: 'storage',
  engine,
  storageType,
  region,
});

describe('Function: parsePriceListItem', () => {
  it('reads a product and its on-demand price', () => {
    // Act
    const product = parsePriceListItem(priceListItem(CATALOG[0] as ProductSpec));

    // Assess
    expect(product).toEqual({
      sku: 'ACTIVEMQMQM5LARGESINGLEAZ',
      productFamily: 'Broker Instances',
      attributes: expect.objectContaining({
        brokerEngine: 'ActiveMQ',
        deploymentOption: 'Single-AZ',
        instanceType: 'mq.m5.large',
        regionCode: 'eu-west-1',
      }),
      onDemand: { unit: 'Hrs', usd: 0.317, effectiveDate: EFFECTIVE },
    });
  });

  it('reads the String object the SDK hands over', () => {
    // The SDK's LazyJsonString is a String object, not a string primitive.
    const item = new String(priceListItem(CATALOG[1] as ProductSpec));
    expect(parsePriceListItem(item).onDemand?.usd).toBe(0.634);
  });

  it('reads a tiered price at its open-ended tier', () => {
    // Prepare
    const spec: ProductSpec = {
      ...(CATALOG[0] as ProductSpec),
      tiers: [
        { begin: '0', end: '750', usd: '0.0000000000' },
        { begin: '750', end: 'Inf', usd: '0.3170000000' },
      ],
    };

    // Act + Assess
    expect(parsePriceListItem(priceListItem(spec)).onDemand?.usd).toBe(0.317);
  });

  it('has no on-demand price for a product without OnDemand terms', () => {
    // Prepare
    const doc = JSON.parse(priceListItem(CATALOG[0] as ProductSpec));
    doc.terms = { Reserved: {} };

    // Act + Assess
    expect(parsePriceListItem(JSON.stringify(doc)).onDemand).toBeUndefined();
  });

  it.each([
    ['not JSON', '{"product":', /not JSON/],
    ['no product', JSON.stringify({ serviceCode: 'AmazonMQ' }), /no product/],
    [
      'a price that is not a number',
      priceListItem({ ...(CATALOG[0] as ProductSpec), usd: 'n/a' }),
      /USD price/,
    ],
    ['a negative price', priceListItem({ ...(CATALOG[0] as ProductSpec), usd: '-1' }), /USD price/],
    ['null', null, /no product/],
  ])('refuses %s', (_name, item, message) => {
    expect(() => parsePriceListItem(item)).toThrow(PriceListError);
    expect(() => parsePriceListItem(item)).toThrow(message);
  });
});

describe('Function: selectPrice', () => {
  const all = products(CATALOG);

  it.each([
    [inst('ACTIVEMQ', 'mq.m5.large', 'SINGLE_INSTANCE'), 0.317],
    [inst('ACTIVEMQ', 'mq.m5.large', 'ACTIVE_STANDBY_MULTI_AZ'), 0.317],
    [inst('ACTIVEMQ', 'mq.m5.xlarge', 'SINGLE_INSTANCE'), 0.634],
    [inst('RABBITMQ', 'mq.m5.large', 'SINGLE_INSTANCE'), 0.317],
    [inst('RABBITMQ', 'mq.m5.large', 'CLUSTER_MULTI_AZ'), 0.317],
    [inst('RABBITMQ', 'mq.m7g.large', 'SINGLE_INSTANCE'), 0.3],
  ])('prices %j per instance-hour at %s', (query, usd) => {
    // Act
    const price = selectPrice(all, query);

    // Assess
    expect(price).toEqual({ usd: expect.closeTo(usd, 10), unit: 'hour', source: 'live', asOf: EFFECTIVE });
  });

  it.each([
    [disk('ACTIVEMQ', 'EFS'), 0.33],
    [disk('ACTIVEMQ', 'EBS'), 0.11],
    [disk('RABBITMQ', 'EBS'), 0.12],
  ])('prices %j per GB-month at %s', (query, usd) => {
    expect(selectPrice(all, query)).toEqual({ usd, unit: 'GB-month', source: 'live', asOf: EFFECTIVE });
  });

  it('matches a storage usage type without a region prefix (us-east-1)', () => {
    const east = products([storage('TimedStorage-ByteHrs', '0.3000000000')]);
    expect(selectPrice(east, disk('ACTIVEMQ', 'EFS'))?.usd).toBe(0.3);
    expect(selectPrice(east, disk('ACTIVEMQ', 'EBS'))).toBeUndefined();
  });

  it.each([
    ['an engine without the type', inst('ACTIVEMQ', 'mq.m7g.large', 'SINGLE_INSTANCE')],
    ['a mode without a product', inst('ACTIVEMQ', 'mq.m5.xlarge', 'ACTIVE_STANDBY_MULTI_AZ')],
    ['an unknown type', inst('RABBITMQ', 'mq.m9.huge', 'SINGLE_INSTANCE')],
    ['RabbitMQ on EFS', disk('RABBITMQ', 'EFS')],
  ])('answers undefined for %s', (_name, query) => {
    expect(selectPrice(all, query)).toBeUndefined();
  });

  it('matches engine and deployment option whatever their case', () => {
    const shouting = products([instance('RABBITMQ', 'mq.m5.large', 'MULTI-AZ', '0.9')]);
    expect(selectPrice(shouting, inst('RABBITMQ', 'mq.m5.large', 'CLUSTER_MULTI_AZ'))?.usd).toBeCloseTo(
      0.3,
      10,
    );
  });

  it('finds the instance type as a whole token of the usage type when there is no instanceType attribute', () => {
    // Prepare: mq.m5.xlarge listed first; its usage type contains "m5.xlarge", not "mq.m5.large".
    const noAttr = (type: string, usd: string) => {
      const spec = instance('ActiveMQ', type, 'Single-AZ', usd);
      const { instanceType: _omit, ...attributes } = spec.attributes;
      return { ...spec, attributes };
    };
    const list = products([noAttr('mq.m5.xlarge', '0.6'), noAttr('mq.m5.large', '0.3')]);

    // Act + Assess
    expect(selectPrice(list, inst('ACTIVEMQ', 'mq.m5.large', 'SINGLE_INSTANCE'))?.usd).toBe(0.3);
    expect(selectPrice(list, inst('ACTIVEMQ', 'mq.m5.xlarge', 'SINGLE_INSTANCE'))?.usd).toBe(0.6);
    expect(selectPrice(list, inst('ACTIVEMQ', 'mq.m5.2xlarge', 'SINGLE_INSTANCE'))).toBeUndefined();
  });

  it('prefers the CreateBroker product among several', () => {
    const list = products([
      instance('ActiveMQ', 'mq.m5.large', 'Single-AZ', '0.5', { operation: 'CreateBroker:0002' }),
      instance('ActiveMQ', 'mq.m5.large', 'Single-AZ', '0.3'),
    ]);
    expect(selectPrice(list, inst('ACTIVEMQ', 'mq.m5.large', 'SINGLE_INSTANCE'))?.usd).toBe(0.3);
  });

  it('refuses to guess between products with different prices', () => {
    // Prepare
    const a = instance('ActiveMQ', 'mq.m5.large', 'Single-AZ', '0.3');
    const list = products([a, { ...a, sku: 'OTHER', usd: '0.4' }]);

    // Act + Assess
    expect(() => selectPrice(list, inst('ACTIVEMQ', 'mq.m5.large', 'SINGLE_INSTANCE'))).toThrow(
      /2 Price List products match ACTIVEMQ mq.m5.large SINGLE_INSTANCE in eu-west-1 with different prices/,
    );
  });

  it('takes either of identical products', () => {
    const a = instance('ActiveMQ', 'mq.m5.large', 'Single-AZ', '0.3');
    const list = products([a, { ...a, sku: 'OTHER' }]);
    expect(selectPrice(list, inst('ACTIVEMQ', 'mq.m5.large', 'SINGLE_INSTANCE'))?.usd).toBe(0.3);
  });

  it('ignores a product priced in another unit', () => {
    const list: PriceListProduct[] = products([
      { ...instance('ActiveMQ', 'mq.m5.large', 'Single-AZ', '1'), unit: 'Quantity' },
    ]);
    expect(selectPrice(list, inst('ACTIVEMQ', 'mq.m5.large', 'SINGLE_INSTANCE'))).toBeUndefined();
  });
});

describe('Class: PriceListPrices', () => {
  beforeEach(() => {
    pricing.reset();
    pricing
      .on(GetProductsCommand)
      .resolves({ FormatVersion: 'aws_v1', PriceList: CATALOG.map(priceListItem) });
  });

  it('asks GetProducts for the Amazon MQ products of the region', async () => {
    // Prepare
    const prices = new PriceListPrices(new PricingClient({ region: 'us-east-1' }));

    // Act
    await prices.price(inst('ACTIVEMQ', 'mq.m5.large', 'SINGLE_INSTANCE'));

    // Assess
    expect(pricing.commandCalls(GetProductsCommand).map((c) => c.args[0].input)).toEqual([
      {
        ServiceCode: 'AmazonMQ',
        FormatVersion: 'aws_v1',
        Filters: [{ Type: 'TERM_MATCH', Field: 'regionCode', Value: 'eu-west-1' }],
        MaxResults: 100,
        NextToken: undefined,
      },
    ]);
  });

  it('follows NextToken across pages', async () => {
    // Prepare
    pricing
      .on(GetProductsCommand)
      .resolvesOnce({ PriceList: CATALOG.slice(0, 4).map(priceListItem), NextToken: 'next-1' })
      .resolvesOnce({ PriceList: CATALOG.slice(4).map(priceListItem) });
    const prices = new PriceListPrices({}, { pageSize: 4 });

    // Act
    const storagePrice = await prices.price(disk('RABBITMQ', 'EBS'));

    // Assess
    expect(storagePrice?.usd).toBe(0.12);
    expect(prices.calls).toBe(2);
    expect(pricing.commandCalls(GetProductsCommand).map((c) => c.args[0].input.NextToken)).toEqual([
      undefined,
      'next-1',
    ]);
  });

  it('fetches a region once for every query of it, concurrent ones included', async () => {
    // Prepare
    const prices = new PriceListPrices();

    // Act
    const answers = await Promise.all([
      prices.price(inst('ACTIVEMQ', 'mq.m5.large', 'SINGLE_INSTANCE')),
      prices.price(inst('RABBITMQ', 'mq.m5.large', 'CLUSTER_MULTI_AZ')),
      prices.price(disk('ACTIVEMQ', 'EFS')),
    ]);
    const again = await prices.price(inst('ACTIVEMQ', 'mq.m5.large', 'SINGLE_INSTANCE'));
    await prices.price(inst('ACTIVEMQ', 'mq.m5.large', 'SINGLE_INSTANCE', 'us-east-1'));

    // Assess
    expect(answers.map((a) => a?.usd)).toEqual([0.317, expect.closeTo(0.317, 10), 0.33]);
    expect(again).toBe(answers[0]);
    expect(prices.calls).toBe(2);
    expect(pricing.commandCalls(GetProductsCommand).map((c) => c.args[0].input.Filters?.[0]?.Value)).toEqual([
      'eu-west-1',
      'us-east-1',
    ]);
  });

  it('answers undefined when no product matches', async () => {
    // Prepare
    pricing.on(GetProductsCommand).resolves({ PriceList: [] });

    // Act + Assess
    expect(
      await new PriceListPrices().price(inst('ACTIVEMQ', 'mq.m5.large', 'SINGLE_INSTANCE')),
    ).toBeUndefined();
  });

  it('raises a PriceListError for a failed call, and tries again next time', async () => {
    // Prepare
    const throttled = new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
    pricing
      .on(GetProductsCommand)
      .rejectsOnce(throttled)
      .resolves({ PriceList: CATALOG.map(priceListItem) });
    const prices = new PriceListPrices();

    // Act
    const first = prices.price(inst('ACTIVEMQ', 'mq.m5.large', 'SINGLE_INSTANCE'));

    // Assess
    await expect(first).rejects.toBeInstanceOf(PriceListError);
    await expect(first).rejects.toThrow(
      'GetProducts (AmazonMQ, eu-west-1) failed: ThrottlingException: Rate exceeded',
    );
    await expect(first).rejects.toHaveProperty('cause', throttled);
    expect((await prices.price(inst('ACTIVEMQ', 'mq.m5.large', 'SINGLE_INSTANCE')))?.usd).toBe(0.317);
    expect(prices.calls).toBe(2);
  });

  it('raises a PriceListError for an unreadable product', async () => {
    // Prepare
    pricing.on(GetProductsCommand).resolves({ PriceList: ['{"product":'] });

    // Act + Assess
    await expect(new PriceListPrices().price(disk('ACTIVEMQ', 'EFS'))).rejects.toBeInstanceOf(PriceListError);
  });

  it('raises a PriceListError when products are ambiguous', async () => {
    // Prepare
    const a = instance('ActiveMQ', 'mq.m5.large', 'Single-AZ', '0.3');
    pricing
      .on(GetProductsCommand)
      .resolves({ PriceList: [a, { ...a, sku: 'B', usd: '0.4' }].map(priceListItem) });

    // Act
    const answer = new PriceListPrices().price(inst('ACTIVEMQ', 'mq.m5.large', 'SINGLE_INSTANCE'));

    // Assess
    await expect(answer).rejects.toMatchObject({
      name: 'PriceListError',
      query: { instanceType: 'mq.m5.large' },
    });
  });

  it('uses the us-east-1 endpoint unless the configuration names a region', async () => {
    expect(await new PriceListPrices().client.config.region()).toBe(PRICING_DEFAULT_REGION);
    expect(await new PriceListPrices({ region: 'ap-south-1' }).client.config.region()).toBe('ap-south-1');
  });

  it.each([0, 101, 2.5])('refuses pageSize %s', (pageSize) => {
    expect(() => new PriceListPrices({}, { pageSize })).toThrow(RangeError);
  });
});
