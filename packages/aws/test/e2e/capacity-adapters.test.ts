import {
  DescribeServicesCommand,
  GetAttributeValuesCommand,
  GetProductsCommand,
  InvalidParameterException,
  NotFoundException,
  PricingClient,
} from '@aws-sdk/client-pricing';
import type { MetricQuery, MetricRange } from '@mqops/core/capacity/ports';
import { ControllableClock, type LocalCloud, type Scenario, startLocalCloud } from '@mqops/local';
import { AMAZON_MQ_NAMESPACE, rabbitNodeName } from '@mqops/local/services/cloudwatch';
import { SINGLE_INSTANCE_HOURLY_USD } from '@mqops/local/services/pricing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchMetricReader } from '../../src/cloudwatch-metrics';
import { MqInstanceOptions } from '../../src/mq-instance-options';
import { PriceListPrices } from '../../src/pricing';

const NOW = '2026-03-02T12:00:00.000Z';
const NOW_MS = Date.parse(NOW);
const MINUTE = 60_000;
const PERIOD_MS = 300_000;
/** The last hour in 5-minute points: 12 points per series. */
const RANGE: MetricRange = {
  start: new Date(NOW_MS - 60 * MINUTE),
  end: new Date(NOW_MS),
  periodSeconds: 300,
};
const BUCKETS = Array.from({ length: 12 }, (_, k) => new Date(RANGE.start.getTime() + k * PERIOD_MS));

/** orders-1's CPU over the last hour: constant within each 5-minute bucket (element 0 is the minute at `now`). */
const ORDERS_CPU_BY_BUCKET = [12, 15, 18, 22, 30, 41, 55, 63, 70, 77, 81, 86];
const ordersCpuSpec = (() => {
  // A list spec repeats every 60 minutes and index 0 is `now`, so the minute now-60+m reads element m.
  const spec: number[] = [];
  for (const v of ORDERS_CPU_BY_BUCKET) spec.push(v, v, v, v, v);
  return spec;
})();

const scenario: Scenario = {
  accountId: '123456789012',
  region: 'eu-west-1',
  now: NOW,
  brokers: [
    {
      BrokerName: 'orders',
      EngineType: 'ACTIVEMQ',
      EngineVersion: '5.18',
      DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
      HostInstanceType: 'mq.m5.large',
      StorageType: 'EFS',
      Backing: 'none',
      Metrics: {
        CpuUtilization: ordersCpuSpec,
        HeapUsage: 47,
        StorePercentUsage: 3,
        TotalConnectionsCount: 240,
      },
    },
    {
      BrokerName: 'events',
      EngineType: 'RABBITMQ',
      EngineVersion: '3.13',
      DeploymentMode: 'CLUSTER_MULTI_AZ',
      HostInstanceType: 'mq.m5.large',
      Backing: 'none',
      Metrics: {
        SystemCpuUtilization: 21,
        RabbitMQMemUsed: 400,
        RabbitMQMemLimit: 1600,
        ConnectionCount: 900,
      },
    },
  ],
};

/** Synthetic fleet series put straight into the local CloudWatch: 80 brokers × 8 metrics. */
const FLEET = Array.from({ length: 80 }, (_, b) => `fleet-${String(b).padStart(3, '0')}`);
const FLEET_METRICS = [
  'CpuUtilization',
  'HeapUsage',
  'StorePercentUsage',
  'TotalConnectionsCount',
  'TotalMessageCount',
  'EnqueueCount',
  'DequeueCount',
  'TotalConsumerCount',
];
/** Constant within each 5-minute bucket, distinct per broker, metric and bucket. */
const fleetValue = (b: number, m: number, bucket: number) => 1000 * b + 10 * m + bucket;

describe('Capacity adapters against the local cloud', () => {
  let cloud: LocalCloud;

  beforeAll(async () => {
    // A running clock (from NOW): the throttling test needs time to pass while the SDK backs off.
    cloud = await startLocalCloud({ scenario, clock: new ControllableClock(NOW) });
    FLEET.forEach((name, b) => {
      FLEET_METRICS.forEach((metricName, m) => {
        cloud.world.cloudwatch.putSeries({
          namespace: AMAZON_MQ_NAMESPACE,
          metricName,
          dimensions: [{ Name: 'Broker', Value: `${name}-1` }],
          valueAt: (minuteMs) => fleetValue(b, m, Math.floor((minuteMs - RANGE.start.getTime()) / PERIOD_MS)),
        });
      });
    });
  });
  afterAll(async () => {
    await cloud.stop();
  });
  afterEach(() => cloud.faults.clear());

  describe('Class: CloudWatchMetricReader', () => {
    const fleetQueries = (): MetricQuery[] =>
      FLEET.flatMap((name) =>
        FLEET_METRICS.map((metricName, m) => ({
          key: `${name}/${metricName}`,
          metricName,
          dimensions: { Broker: `${name}-1` },
          stat: m % 2 === 0 ? 'Average' : 'Maximum',
        })),
      );
    const eventsMemory = (): MetricQuery[] =>
      [1, 2, 3].flatMap((i) => {
        const node = { Broker: 'events', Node: rabbitNodeName(i) };
        return [
          { key: `events/${i}/mem-used`, metricName: 'RabbitMQMemUsed', dimensions: node, stat: 'Maximum' },
          { key: `events/${i}/mem-limit`, metricName: 'RabbitMQMemLimit', dimensions: node, stat: 'Maximum' },
          {
            key: `events/${i}/mem`,
            metricName: 'MemoryPercent',
            dimensions: node,
            stat: 'Maximum',
            expression: `100 * events/${i}/mem-used / events/${i}/mem-limit`,
          },
        ];
      });
    const scenarioQueries = (): MetricQuery[] => [
      {
        key: 'orders/cpu',
        metricName: 'CpuUtilization',
        dimensions: { Broker: 'orders-1' },
        stat: 'Maximum',
      },
      { key: 'orders/heap', metricName: 'HeapUsage', dimensions: { Broker: 'orders-1' }, stat: 'Average' },
      {
        key: 'orders/standby-cpu',
        metricName: 'CpuUtilization',
        dimensions: { Broker: 'orders-2' },
        stat: 'Maximum',
      },
      {
        key: 'events/cpu',
        metricName: 'SystemCpuUtilization',
        dimensions: { Broker: 'events' },
        stat: 'Average',
      },
      {
        key: 'events/connections',
        metricName: 'ConnectionCount',
        dimensions: { Broker: 'events' },
        stat: 'Maximum',
      },
      { key: 'gone/cpu', metricName: 'CpuUtilization', dimensions: { Broker: 'gone-1' }, stat: 'Maximum' },
    ];
    const gmdRequests = () => cloud.requests.filter((r) => r.operation === 'GetMetricData');

    it('reads > 500 queries in 2 calls, values as seeded', async () => {
      // Prepare
      const queries = [...scenarioQueries(), ...eventsMemory(), ...fleetQueries()];
      const reader = new CloudWatchMetricReader(cloud.clientConfig());
      const before = gmdRequests().length;

      // Act
      const out = await reader.read(queries, RANGE);

      // Assess
      expect(queries.length).toBe(655);
      expect(reader.calls).toBe(2);
      expect(gmdRequests().length - before).toBe(2);
      // Every fleet series: 12 points, oldest first, the seeded value of each bucket.
      FLEET.forEach((name, b) => {
        FLEET_METRICS.forEach((metricName, m) => {
          const series = out.get(`${name}/${metricName}`);
          expect(series?.timestamps).toEqual(BUCKETS);
          expect(series?.values).toEqual(BUCKETS.map((_, k) => fleetValue(b, m, k)));
        });
      });
      expect(out.get('orders/cpu')?.values).toEqual(ORDERS_CPU_BY_BUCKET);
      expect(out.get('orders/heap')?.values).toEqual(Array(12).fill(47));
      expect(out.get('orders/standby-cpu')?.values).toEqual(Array(12).fill(0));
      // A RabbitMQ cluster's broker-level CPU is the sum over its 3 nodes.
      expect(out.get('events/cpu')?.values).toEqual(Array(12).fill(63));
      expect(out.get('events/connections')?.values).toEqual(Array(12).fill(900));
      expect(out.get('gone/cpu')).toEqual({ key: 'gone/cpu', timestamps: [], values: [] });
    });

    it('evaluates metric math per node, inputs not returned', async () => {
      // Prepare
      const reader = new CloudWatchMetricReader(cloud.clientConfig(), { batchSize: 4 });

      // Act
      const out = await reader.read(eventsMemory(), RANGE);

      // Assess: each node's 3 queries travel together, so batches of 4 make 3 calls.
      expect(reader.calls).toBe(3);
      expect([...out.keys()].sort()).toEqual(['events/1/mem', 'events/2/mem', 'events/3/mem']);
      for (const i of [1, 2, 3]) {
        expect(out.get(`events/${i}/mem`)).toEqual({
          key: `events/${i}/mem`,
          timestamps: BUCKETS,
          values: Array(12).fill(25),
        });
      }
    });

    it('rides out throttling with the SDK standard retry', async () => {
      // Prepare: one GetMetricData at once, then 4 per second.
      cloud.faults.add({
        service: 'monitoring',
        operation: 'GetMetricData',
        throttle: { rate: 4, burst: 1 },
      });
      const reader = new CloudWatchMetricReader({ ...cloud.clientConfig(), maxAttempts: 10 });
      const before = gmdRequests().length;

      // Act
      const out = await reader.read([...fleetQueries(), ...scenarioQueries()], RANGE);

      // Assess
      const made = gmdRequests().slice(before);
      expect(reader.calls).toBe(2);
      expect(made.some((r) => r.status === 400)).toBe(true);
      expect(made.filter((r) => r.status === 200)).toHaveLength(2);
      expect(out.get('fleet-079/TotalConsumerCount')?.values).toEqual(
        BUCKETS.map((_, k) => fleetValue(79, 7, k)),
      );
    });
  });

  describe('Class: PriceListPrices', () => {
    const local = () => ({ endpoint: cloud.endpoint, credentials: cloud.credentials });

    it.each([
      ['ACTIVEMQ', 'mq.m5.large', 'SINGLE_INSTANCE'],
      ['ACTIVEMQ', 'mq.m5.large', 'ACTIVE_STANDBY_MULTI_AZ'],
      ['ACTIVEMQ', 'mq.t3.micro', 'SINGLE_INSTANCE'],
      ['RABBITMQ', 'mq.m5.xlarge', 'SINGLE_INSTANCE'],
      ['RABBITMQ', 'mq.m5.xlarge', 'CLUSTER_MULTI_AZ'],
      ['RABBITMQ', 'mq.m7g.large', 'CLUSTER_MULTI_AZ'],
    ] as const)('prices %s %s %s per instance-hour', async (engine, instanceType, deploymentMode) => {
      // Prepare
      const prices = new PriceListPrices(local());

      // Act
      const price = await prices.price({
        kind: 'instance',
        engine,
        instanceType,
        deploymentMode,
        region: 'us-east-1',
      });

      // Assess: a Multi-AZ broker's price is 2× / 3× the single instance's, answered per instance.
      expect(price).toEqual({
        usd: expect.closeTo(SINGLE_INSTANCE_HOURLY_USD[engine][instanceType] as number, 9),
        unit: 'hour',
        source: 'live',
        asOf: '2026-01-01T00:00:00Z',
      });
      expect(prices.calls).toBe(1);
    });

    it.each([
      ['ACTIVEMQ', 'EFS', 0.3],
      ['ACTIVEMQ', 'EBS', 0.1],
      ['RABBITMQ', 'EBS', 0.1],
    ] as const)('prices %s %s storage per GB-month', async (engine, storageType, usd) => {
      const price = await new PriceListPrices(local()).price({
        kind: 'storage',
        engine,
        storageType,
        region: 'us-east-1',
      });
      expect(price).toMatchObject({ usd, unit: 'GB-month', source: 'live' });
    });

    it('answers every query of a region from one fetch, other regions apart', async () => {
      // Prepare
      const prices = new PriceListPrices(local(), { pageSize: 10 });
      const m5 = (region: string) =>
        prices.price({
          kind: 'instance',
          engine: 'RABBITMQ',
          instanceType: 'mq.m5.large',
          deploymentMode: 'SINGLE_INSTANCE',
          region,
        });

      // Act
      const east = await m5('us-east-1');
      const callsForOneRegion = prices.calls;
      await prices.price({ kind: 'storage', engine: 'ACTIVEMQ', storageType: 'EFS', region: 'us-east-1' });
      await m5('us-east-1');
      const ireland = await m5('eu-west-1');

      // Assess: 36 products per region in pages of 10.
      expect(callsForOneRegion).toBe(4);
      expect(prices.calls).toBe(8);
      expect(ireland?.usd).toBeCloseTo((east?.usd ?? 0) * 1.1, 9);
    });

    it('answers undefined for a region or type with no product', async () => {
      // Prepare
      const prices = new PriceListPrices(local());

      // Act + Assess
      expect(
        await prices.price({
          kind: 'instance',
          engine: 'ACTIVEMQ',
          instanceType: 'mq.m5.large',
          deploymentMode: 'SINGLE_INSTANCE',
          region: 'ap-southeast-7',
        }),
      ).toBeUndefined();
      expect(
        await prices.price({
          kind: 'instance',
          engine: 'ACTIVEMQ',
          instanceType: 'mq.m7g.large',
          deploymentMode: 'SINGLE_INSTANCE',
          region: 'us-east-1',
        }),
      ).toBeUndefined();
    });

    it('finds the endpoint and credentials through the standard SDK configuration', async () => {
      // Prepare
      const saved = { ...process.env };
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_PRICING: cloud.endpoint,
        AWS_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: cloud.credentials.secretAccessKey,
        AWS_REGION: 'eu-west-1',
      });
      try {
        const prices = new PriceListPrices();

        // Act
        const price = await prices.price({
          kind: 'storage',
          engine: 'RABBITMQ',
          storageType: 'EBS',
          region: 'eu-west-1',
        });

        // Assess: the broker region (AWS_REGION) is not the Price List endpoint's region.
        expect(await prices.client.config.region()).toBe('us-east-1');
        expect(price?.usd).toBeCloseTo(0.11, 9);
      } finally {
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, saved);
      }
    });

    it('surfaces a failing Price List as a PriceListError', async () => {
      // Prepare
      cloud.faults.add({ service: 'pricing', operation: 'GetProducts', deny: true });

      // Act
      const answer = new PriceListPrices(local()).price({
        kind: 'storage',
        engine: 'ACTIVEMQ',
        storageType: 'EBS',
        region: 'us-east-1',
      });

      // Assess
      await expect(answer).rejects.toMatchObject({ name: 'PriceListError', message: /AccessDenied/ });
    });
  });

  describe('Local Price List API through the SDK', () => {
    let client: PricingClient;
    beforeAll(() => {
      client = new PricingClient({ ...cloud.clientConfig(), region: 'us-east-1' });
    });
    afterAll(() => client.destroy());

    it('filters products by TERM_MATCH and pages them', async () => {
      // Act
      const first = await client.send(
        new GetProductsCommand({
          ServiceCode: 'AmazonMQ',
          Filters: [
            { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-east-1' },
            { Type: 'TERM_MATCH', Field: 'brokerEngine', Value: 'RabbitMQ' },
            { Type: 'TERM_MATCH', Field: 'deploymentOption', Value: 'Multi-AZ' },
          ],
          MaxResults: 5,
        }),
      );
      const second = await client.send(
        new GetProductsCommand({
          ServiceCode: 'AmazonMQ',
          Filters: [
            { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-east-1' },
            { Type: 'TERM_MATCH', Field: 'brokerEngine', Value: 'RabbitMQ' },
            { Type: 'TERM_MATCH', Field: 'deploymentOption', Value: 'Multi-AZ' },
          ],
          MaxResults: 5,
          NextToken: first.NextToken,
        }),
      );

      // Assess: RabbitMQ clusters on m5 (4) and m7g large and up (7).
      expect(first.FormatVersion).toBe('aws_v1');
      const docs = [...(first.PriceList ?? []), ...(second.PriceList ?? [])].map((p) =>
        JSON.parse(String(p)),
      );
      expect(docs).toHaveLength(10);
      expect(second.NextToken).toBeDefined();
      expect(
        docs.every(
          (d) =>
            d.product.attributes.brokerEngine === 'RabbitMQ' &&
            d.product.attributes.deploymentOption === 'Multi-AZ',
        ),
      ).toBe(true);
      const m5large = docs.find((d) => d.product.attributes.instanceType === 'mq.m5.large');
      const term = Object.values(m5large.terms.OnDemand)[0] as {
        priceDimensions: Record<string, { pricePerUnit: { USD: string }; unit: string }>;
      };
      expect(Object.values(term.priceDimensions)[0]).toMatchObject({
        unit: 'Hrs',
        pricePerUnit: { USD: '0.8640000000' },
      });
    });

    it('describes the service and its attribute values', async () => {
      // Act
      const services = await client.send(new DescribeServicesCommand({ ServiceCode: 'AmazonMQ' }));
      const families = await client.send(
        new GetAttributeValuesCommand({ ServiceCode: 'AmazonMQ', AttributeName: 'productFamily' }),
      );

      // Assess
      expect(services.Services?.[0]?.AttributeNames).toEqual(
        expect.arrayContaining([
          'brokerEngine',
          'deploymentOption',
          'instanceType',
          'regionCode',
          'usagetype',
        ]),
      );
      expect(families.AttributeValues?.map((v) => v.Value)).toEqual(['Broker Instances', 'Broker Storage']);
    });

    it('answers the modeled errors', async () => {
      await expect(client.send(new GetProductsCommand({ ServiceCode: 'AmazonEC2' }))).rejects.toBeInstanceOf(
        NotFoundException,
      );
      await expect(
        client.send(
          new GetProductsCommand({
            ServiceCode: 'AmazonMQ',
            Filters: [{ Type: 'LIKE' as 'TERM_MATCH', Field: 'regionCode', Value: 'x' }],
          }),
        ),
      ).rejects.toBeInstanceOf(InvalidParameterException);
    });
  });

  describe('Class: MqInstanceOptions', () => {
    it('lists the instance types each engine offers', async () => {
      // Prepare
      const source = new MqInstanceOptions(cloud.clientConfig());

      // Act
      const rabbit = await source.options('RABBITMQ');
      const active = await source.options('ACTIVEMQ');

      // Assess
      expect(rabbit.every((o) => o.engine === 'RABBITMQ')).toBe(true);
      expect(rabbit.find((o) => o.instanceType === 'mq.m7g.large')).toEqual({
        engine: 'RABBITMQ',
        instanceType: 'mq.m7g.large',
        storageType: 'EBS',
        deploymentModes: ['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ'],
        engineVersions: ['3.13', '4.2'],
      });
      expect(rabbit.find((o) => o.instanceType === 'mq.t3.micro')?.deploymentModes).toEqual([
        'SINGLE_INSTANCE',
      ]);
      expect(
        active.filter((o) => o.deploymentModes.includes('ACTIVE_STANDBY_MULTI_AZ')).map((o) => o.storageType),
      ).toEqual(['EFS', 'EFS', 'EFS', 'EFS']);
      expect(source.calls).toBe(2);
    });
  });
});
