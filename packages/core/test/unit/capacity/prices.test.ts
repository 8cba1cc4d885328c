import { describe, expect, it, vi } from 'vitest';
import type { Price, PriceQuery, PriceSource } from '../../../src/capacity/ports';
import {
  HOURS_PER_MONTH,
  INSTANCE_PRICE_TABLE,
  monthlyCost,
  PRICE_TABLE_AS_OF,
  PRICE_TABLE_SOURCE,
  tablePrices,
  withFallback,
} from '../../../src/capacity/prices';
import { instanceLimits } from '../../../src/instance-types';

const m5large = (region = 'us-east-1'): PriceQuery => ({
  kind: 'instance',
  engine: 'RABBITMQ',
  instanceType: 'mq.m5.large',
  deploymentMode: 'CLUSTER_MULTI_AZ',
  region,
});

const live = (usd: number | undefined): PriceSource => ({
  price: async (q) =>
    usd === undefined
      ? undefined
      : { usd, unit: q.kind === 'instance' ? 'hour' : 'GB-month', source: 'live', asOf: '2026-11-01' },
});

describe('Function: tablePrices', () => {
  it('answers a per-instance hourly price from the shipped table, with its date', async () => {
    expect(await tablePrices().price(m5large())).toEqual({
      usd: 0.288,
      unit: 'hour',
      source: 'table',
      asOf: PRICE_TABLE_AS_OF,
    });
    expect(PRICE_TABLE_SOURCE).toContain('https://aws.amazon.com/amazon-mq/pricing/');
  });

  it('only holds instance types mqops knows, for the engine that offers them', () => {
    for (const row of INSTANCE_PRICE_TABLE)
      expect(instanceLimits(row.engine, row.instanceType)).toBeDefined();
  });

  it.each([
    ['another region without a multiplier', m5large('eu-west-1'), undefined],
    [
      'a legacy type',
      { ...m5large(), engine: 'ACTIVEMQ', instanceType: 'mq.m4.large' } as PriceQuery,
      undefined,
    ],
    [
      'RabbitMQ on EFS',
      { kind: 'storage', engine: 'RABBITMQ', storageType: 'EFS', region: 'us-east-1' },
      undefined,
    ],
  ])('answers nothing for %s', async (_name, query, expected) => {
    expect(await tablePrices().price(query as PriceQuery)).toBe(expected);
  });

  it('applies a caller-given region multiplier', async () => {
    const price = await tablePrices({ regionMultipliers: { 'eu-west-1': 1.1 } }).price(m5large('eu-west-1'));
    expect(price?.usd).toBeCloseTo(0.3168, 6);
  });

  it('leaves derived rows out on request', async () => {
    const query = { ...m5large(), instanceType: 'mq.m7g.xlarge' };
    expect((await tablePrices().price(query))?.usd).toBe(0.5468);
    expect(await tablePrices({ includeDerived: false }).price(query)).toBeUndefined();
  });

  it.each([
    ['ACTIVEMQ', 'EFS', 0.3],
    ['ACTIVEMQ', 'EBS', 0.1],
    ['RABBITMQ', 'EBS', 0.1],
  ] as const)('prices %s %s storage at $%s per GB-month', async (engine, storageType, usd) => {
    expect(
      await tablePrices().price({ kind: 'storage', engine, storageType, region: 'us-east-1' }),
    ).toMatchObject({
      usd,
      unit: 'GB-month',
    });
  });
});

describe('Function: withFallback', () => {
  it('answers live when live answers', async () => {
    expect(await withFallback(live(0.25), tablePrices()).price(m5large())).toMatchObject({
      usd: 0.25,
      source: 'live',
    });
  });

  it('answers from the table when live has no price', async () => {
    expect(await withFallback(live(undefined), tablePrices()).price(m5large())).toMatchObject({
      source: 'table',
    });
  });

  it.each([
    ['an Error', new Error('throttled')],
    ['a string', 'boom'],
    ['null', null],
  ])('answers from the table when live throws %s, and tells', async (_name, thrown) => {
    const onError = vi.fn();
    const failing: PriceSource = {
      price: async () => {
        throw thrown;
      },
    };
    const price = await withFallback(failing, tablePrices(), onError).price(m5large());
    expect(price).toMatchObject({ usd: 0.288, source: 'table' });
    expect(onError).toHaveBeenCalledWith(thrown, m5large());
  });
});

describe('Function: monthlyCost', () => {
  const cluster = { engine: 'RABBITMQ', deploymentMode: 'CLUSTER_MULTI_AZ', region: 'us-east-1' } as const;

  it('multiplies 730 hours by the instances of the mode', async () => {
    expect(HOURS_PER_MONTH).toBe(730);
    const single = await monthlyCost(
      { ...cluster, deploymentMode: 'SINGLE_INSTANCE' },
      'mq.m5.large',
      tablePrices(),
    );
    expect(single).toMatchObject({ usd: 210.24, source: 'table', asOf: PRICE_TABLE_AS_OF });
    const three = await monthlyCost(cluster, 'mq.m5.large', tablePrices());
    expect(three).toMatchObject({ usd: 630.72, formula: '730 h × 3 instances × $0.288' });
    const pair = await monthlyCost(
      { engine: 'ACTIVEMQ', deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ', region: 'us-east-1' },
      'mq.m5.xlarge',
      tablePrices(),
    );
    expect(pair?.usd).toBe(840.96);
  });

  it('adds storage when its size is known', async () => {
    const cost = await monthlyCost(
      { engine: 'ACTIVEMQ', deploymentMode: 'SINGLE_INSTANCE', region: 'us-east-1', storageType: 'EFS' },
      'mq.m5.large',
      tablePrices(),
      100,
    );
    expect(cost).toMatchObject({ usd: 240.24, instanceUsd: 210.24, storageUsd: 30 });
  });

  it('is live only when every part is live', async () => {
    const mixed: PriceSource = {
      price: async (q): Promise<Price | undefined> =>
        q.kind === 'instance' ? { usd: 0.3, unit: 'hour', source: 'live' } : tablePrices().price(q),
    };
    expect((await monthlyCost(cluster, 'mq.m5.large', mixed))?.source).toBe('live');
    expect((await monthlyCost(cluster, 'mq.m5.large', mixed, 10))?.source).toBe('table');
  });

  it('is undefined without an instance price', async () => {
    expect(await monthlyCost(cluster, 'mq.m5.large', live(undefined))).toBeUndefined();
  });
});
