import { describe, expect, it } from 'vitest';
import type { Utilisation } from '../../../src/capacity/metrics';
import { parseCapacityPolicy } from '../../../src/capacity/policy';
import type { CapacityMetric, InstanceOption, PriceSource } from '../../../src/capacity/ports';
import { PRICE_TABLE_AS_OF, tablePrices } from '../../../src/capacity/prices';
import { assess, candidateTypes, recommend } from '../../../src/capacity/recommend';
import type { Broker, DeploymentMode } from '../../../src/model';
import { makeBroker } from '../../helpers/broker';

const M5 = ['mq.m5.large', 'mq.m5.xlarge', 'mq.m5.2xlarge', 'mq.m5.4xlarge'];
const M7G = ['medium', 'large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'].map(
  (s) => `mq.m7g.${s}`,
);

const option = (
  engine: Broker['engine'],
  instanceType: string,
  storageType: string,
  deploymentModes: DeploymentMode[],
  engineVersions: string[],
): InstanceOption => ({ engine, instanceType, storageType, deploymentModes, engineVersions });

/** DescribeBrokerInstanceOptions as Amazon MQ answers it (abridged). */
const ACTIVEMQ_OPTIONS: InstanceOption[] = [
  option('ACTIVEMQ', 'mq.t3.micro', 'EFS', ['SINGLE_INSTANCE'], ['5.18', '5.19']),
  ...M5.map((t) =>
    option('ACTIVEMQ', t, 'EFS', ['SINGLE_INSTANCE', 'ACTIVE_STANDBY_MULTI_AZ'], ['5.18', '5.19']),
  ),
  ...M5.map((t) => option('ACTIVEMQ', t, 'EBS', ['SINGLE_INSTANCE'], ['5.18', '5.19'])),
];
const RABBITMQ_OPTIONS: InstanceOption[] = [
  option('RABBITMQ', 'mq.t3.micro', 'EBS', ['SINGLE_INSTANCE'], ['3.13']),
  ...M5.map((t) => option('RABBITMQ', t, 'EBS', ['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ'], ['3.13'])),
  ...M7G.map((t) => option('RABBITMQ', t, 'EBS', ['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ'], ['3.13', '4.2'])),
];

const rabbit = (overrides: Partial<Broker> = {}) =>
  makeBroker({
    id: 'b-rabbit',
    name: 'events',
    engine: 'RABBITMQ',
    engineVersion: '3.13.7',
    deploymentMode: 'CLUSTER_MULTI_AZ',
    storageType: 'EBS',
    instanceType: 'mq.m5.large',
    tags: { env: 'production' },
    users: [],
    configuration: undefined,
    ...overrides,
  });

/** A 14-day utilisation with these p95s (the max and average follow; coverage as given). */
function util(broker: Broker, p95s: Partial<Record<CapacityMetric, number>>, coverage = 1): Utilisation {
  const metrics: Utilisation['metrics'] = {};
  for (const [metric, p95] of Object.entries(p95s) as [CapacityMetric, number][]) {
    metrics[metric] = {
      metric,
      unit: '%',
      coverage,
      datapoints: Math.round(168 * coverage),
      expected: 168,
      p95,
      max: p95 + 5,
      avg: p95 / 2,
      ...(metric === 'connections' ? { cap: 2_000 } : {}),
    };
  }
  return {
    brokerId: broker.id,
    brokerName: broker.name,
    instanceType: broker.instanceType,
    range: { start: '2026-11-10T00:00:00.000Z', end: '2026-11-24T00:00:00.000Z', periodSeconds: 7_200 },
    metrics,
    notes: [],
  };
}

const QUIET = { cpu: 20, heap: 20, memory: 20, store: 5, connections: 10 };

describe('Function: candidateTypes', () => {
  it('keeps the types offered for the engine version, mode and storage, in the same family, smallest first', () => {
    const types = candidateTypes(makeBroker({ instanceType: 'mq.m5.xlarge' }), ACTIVEMQ_OPTIONS);
    expect(types.map((t) => t.instanceType)).toEqual(['mq.m5.large', 'mq.m5.2xlarge', 'mq.m5.4xlarge']);
  });

  it('never offers a micro type to a cluster, to production, or down from a larger type', () => {
    const dev = rabbit({ deploymentMode: 'SINGLE_INSTANCE', tags: { env: 'dev' } });
    expect(candidateTypes(dev, RABBITMQ_OPTIONS).map((t) => t.instanceType)).not.toContain('mq.t3.micro');
    expect(candidateTypes(rabbit(), RABBITMQ_OPTIONS).map((t) => t.instanceType)).not.toContain(
      'mq.t3.micro',
    );
  });

  it('lets a micro broker step up into another family', () => {
    const micro = makeBroker({ deploymentMode: 'SINGLE_INSTANCE', instanceType: 'mq.t3.micro', tags: {} });
    expect(candidateTypes(micro, ACTIVEMQ_OPTIONS).map((t) => t.instanceType)).toEqual(M5);
  });

  it('filters by engine version (3.13 and 3.13.7 match; 4.2 only on m7g)', () => {
    const v42 = rabbit({ engineVersion: '4.2', instanceType: 'mq.m7g.large' });
    expect(candidateTypes(v42, RABBITMQ_OPTIONS).every((t) => t.family === 'm7g')).toBe(true);
    const unknown = rabbit({ engineVersion: '3.12' });
    expect(candidateTypes(unknown, RABBITMQ_OPTIONS)).toEqual([]);
  });

  it('filters by storage type (ActiveMQ EBS brokers stay on EBS types)', () => {
    const ebs = makeBroker({ deploymentMode: 'SINGLE_INSTANCE', storageType: 'EBS' });
    const options = ACTIVEMQ_OPTIONS.filter(
      (o) => o.storageType === 'EFS' || o.instanceType !== 'mq.m5.4xlarge',
    );
    expect(candidateTypes(ebs, options).map((t) => t.instanceType)).toEqual([
      'mq.m5.xlarge',
      'mq.m5.2xlarge',
    ]);
  });

  it('keeps production brokers at or above the production minimum', () => {
    const prod = rabbit({ instanceType: 'mq.m7g.large' });
    expect(candidateTypes(prod, RABBITMQ_OPTIONS).map((t) => t.instanceType)).not.toContain('mq.m7g.medium');
    const dev = rabbit({ instanceType: 'mq.m7g.large', tags: {} });
    expect(candidateTypes(dev, RABBITMQ_OPTIONS).map((t) => t.instanceType)).toContain('mq.m7g.medium');
  });

  it('crosses families only when the policy allows', () => {
    const policy = parseCapacityPolicy({ crossFamily: true });
    expect(candidateTypes(rabbit(), RABBITMQ_OPTIONS, policy).map((t) => t.instanceType)).toContain(
      'mq.m7g.xlarge',
    );
    expect(candidateTypes(rabbit(), RABBITMQ_OPTIONS).map((t) => t.instanceType)).not.toContain(
      'mq.m7g.xlarge',
    );
  });
});

describe('Function: assess', () => {
  it('says "not enough data" when a decision metric lacks coverage, never a guess', () => {
    const broker = makeBroker();
    const rec = assess({
      broker,
      utilisation: util(broker, { ...QUIET, cpu: 95 }, 0.5),
      options: ACTIVEMQ_OPTIONS,
    });
    expect(rec.action).toBe('not-enough-data');
    expect(rec.to).toBeUndefined();
    expect(rec.reasons).toContain('CPU: 50% of the expected datapoints over 14 days (needs 80%)');
  });

  it('says "not enough data" when a decision metric is missing', () => {
    const broker = makeBroker();
    const { heap: _heap, ...partial } = QUIET;
    const rec = assess({ broker, utilisation: util(broker, partial), options: ACTIVEMQ_OPTIONS });
    expect(rec.action).toBe('not-enough-data');
    expect(rec.reasons[0]).toContain('JVM heap: 0%');
  });

  it('upsizes one size on sustained high CPU, with the reason in words', () => {
    const broker = makeBroker();
    const rec = assess({
      broker,
      utilisation: util(broker, { ...QUIET, cpu: 82 }),
      options: ACTIVEMQ_OPTIONS,
    });
    expect(rec).toMatchObject({ action: 'upsize', from: 'mq.m5.large', to: 'mq.m5.xlarge' });
    expect(rec.reasons).toContain('CPU p95 82% over 14 days is above 70%');
    expect(rec.reasons).toContain('on mq.m5.xlarge (4 vCPUs instead of 2 vCPUs) CPU p95 would be about 41%');
    expect(rec.metrics.cpu).toEqual({ p95: 82, projected: 41 });
  });

  it('steps further when one size is not enough for the headroom rule', () => {
    const broker = makeBroker();
    const policy = parseCapacityPolicy({ upsize: { cpu: 30 }, downsizeTarget: 20 });
    const rec = assess({
      broker,
      utilisation: util(broker, { ...QUIET, cpu: 80 }),
      options: ACTIVEMQ_OPTIONS,
      policy,
    });
    expect(rec).toMatchObject({ action: 'upsize', to: 'mq.m5.2xlarge' });
    expect(rec.metrics.cpu?.projected).toBe(20);
  });

  it('says so when even the largest allowed step is not enough', () => {
    const broker = makeBroker();
    const policy = parseCapacityPolicy({ upsize: { cpu: 15 }, downsizeTarget: 10, maxUpsizeSteps: 1 });
    const rec = assess({
      broker,
      utilisation: util(broker, { ...QUIET, cpu: 80 }),
      options: ACTIVEMQ_OPTIONS,
      policy,
    });
    expect(rec).toMatchObject({ action: 'upsize', to: 'mq.m5.xlarge' });
    expect(rec.reasons.join(' ')).toContain('even mq.m5.xlarge (1 size up at most) leaves a metric above');
  });

  it('upsizes a RabbitMQ cluster on connections against the cap of its type', () => {
    const broker = rabbit();
    const rec = assess({
      broker,
      utilisation: util(broker, { ...QUIET, connections: 90 }),
      options: RABBITMQ_OPTIONS,
    });
    expect(rec).toMatchObject({ action: 'upsize', to: 'mq.m5.xlarge' });
    expect(rec.reasons[0]).toBe('connections p95 90% over 14 days is above 80%');
    expect(rec.metrics.connections?.projected).toBe(45);
  });

  it('blocks (never keeps) an ActiveMQ broker whose store is full: a bigger m5 has the same storage', () => {
    const broker = makeBroker();
    const rec = assess({
      broker,
      utilisation: util(broker, { ...QUIET, store: 85 }),
      options: ACTIVEMQ_OPTIONS,
    });
    expect(rec.action).toBe('blocked');
    expect(rec.to).toBeUndefined();
    expect(rec.reasons).toContain('message store p95 85% over 14 days is above 70%');
    expect(rec.reasons.join(' ')).toContain('a bigger type does not relieve message store');
    expect(rec.reasons.at(-1)).toBe(
      'message store p95 85% is over the 70% threshold, but no larger instance type offered for ' +
        'ActiveMQ 5.18 ACTIVE_STANDBY_MULTI_AZ on EFS relieves it: it needs a fix other than a resize',
    );
  });

  it('blocks (never keeps) a saturated broker already on the largest type, naming the metric and what blocks', () => {
    const broker = makeBroker({ instanceType: 'mq.m5.4xlarge' });
    const rec = assess({
      broker,
      utilisation: util(broker, { ...QUIET, cpu: 90 }),
      options: ACTIVEMQ_OPTIONS,
    });
    expect(rec.action).toBe('blocked');
    expect(rec.to).toBeUndefined();
    expect(rec.reasons).toEqual([
      'CPU p95 90% over 14 days is above 70%',
      'CPU p95 90% is over the 70% threshold, but no larger instance type is offered for ActiveMQ 5.18 ' +
        'ACTIVE_STANDBY_MULTI_AZ on EFS',
    ]);
    expect(rec.metrics.cpu).toEqual({ p95: 90 });
  });

  it('blocks a saturated RabbitMQ broker when no larger type is offered for its engine version, mode and storage', () => {
    // RabbitMQ 3.13 single instance on EBS: only up to mq.m5.xlarge is offered here.
    const broker = rabbit({
      deploymentMode: 'SINGLE_INSTANCE',
      instanceType: 'mq.m5.xlarge',
      engineVersion: '3.13',
    });
    const options = RABBITMQ_OPTIONS.filter(
      (o) => o.instanceType === 'mq.m5.large' || o.instanceType === 'mq.m5.xlarge',
    );
    const rec = assess({ broker, utilisation: util(broker, { ...QUIET, cpu: 93, memory: 88 }), options });
    expect(rec.action).toBe('blocked');
    expect(rec.reasons.at(-1)).toBe(
      'CPU p95 93% is over the 70% threshold and memory (of the high watermark) p95 88% is over the 70% ' +
        'threshold, but no larger instance type is offered for RabbitMQ 3.13 SINGLE_INSTANCE on EBS',
    );
  });

  it('says when a larger type is offered in another family that the policy does not allow', () => {
    const broker = rabbit({ instanceType: 'mq.m5.4xlarge' });
    const rec = assess({
      broker,
      utilisation: util(broker, { ...QUIET, cpu: 90 }),
      options: RABBITMQ_OPTIONS,
    });
    expect(rec.action).toBe('blocked');
    expect(rec.reasons.at(-1)).toBe(
      'CPU p95 90% is over the 70% threshold, but no larger m5 instance type is offered for RabbitMQ 3.13.7 ' +
        'CLUSTER_MULTI_AZ on EBS; mq.m7g.8xlarge is, in another family, which the policy does not allow ' +
        '(capacity.crossFamily)',
    );
    const crossing = assess({
      broker,
      utilisation: util(broker, { ...QUIET, cpu: 90 }),
      options: RABBITMQ_OPTIONS,
      policy: parseCapacityPolicy({ crossFamily: true }),
    });
    expect(crossing).toMatchObject({ action: 'upsize', to: 'mq.m7g.8xlarge' });
  });

  it('blocks a saturated broker on a type of unknown capacity, and keeps a quiet one', () => {
    const broker = makeBroker({ instanceType: 'mq.x9.large' });
    const hot = assess({
      broker,
      utilisation: util(broker, { ...QUIET, cpu: 95 }),
      options: ACTIVEMQ_OPTIONS,
    });
    expect(hot.action).toBe('blocked');
    expect(hot.reasons.at(-1)).toBe(
      'CPU p95 95% is over the 70% threshold, but there is no documented capacity for ACTIVEMQ on mq.x9.large: ' +
        'no larger type can be picked',
    );
    const quiet = assess({ broker, utilisation: util(broker, QUIET), options: ACTIVEMQ_OPTIONS });
    expect(quiet).toMatchObject({
      action: 'keep',
      reasons: ['no documented capacity for ACTIVEMQ on mq.x9.large: nothing to scale from'],
    });
  });

  it('keeps a broker whose connections cannot be judged only while no other metric is over its threshold', () => {
    const broker = makeBroker();
    const counted = (p95s: Partial<Record<CapacityMetric, number>>) => {
      const utilisation = util(broker, { ...p95s, connections: 900 });
      (utilisation.metrics.connections as { unit: string }).unit = 'count';
      return utilisation;
    };
    const quiet = assess({ broker, utilisation: counted(QUIET), options: ACTIVEMQ_OPTIONS });
    expect(quiet.action).toBe('keep');
    expect(quiet.reasons.at(-1)).toContain('connections cannot be judged');
    const hot = assess({ broker, utilisation: counted({ ...QUIET, heap: 90 }), options: ACTIVEMQ_OPTIONS });
    expect(hot.action).toBe('blocked');
    expect(hot.reasons.at(-1)).toBe(
      'JVM heap p95 90% is over the 70% threshold, but there is no documented connection cap for mq.m5.large: ' +
        'no larger type can be picked without judging connections',
    );
  });

  it('downsizes one size when every p95 stays under the target on the smaller type', () => {
    const broker = makeBroker({ instanceType: 'mq.m5.2xlarge' });
    const rec = assess({ broker, utilisation: util(broker, QUIET), options: ACTIVEMQ_OPTIONS });
    expect(rec).toMatchObject({ action: 'downsize', from: 'mq.m5.2xlarge', to: 'mq.m5.xlarge' });
    expect(rec.reasons.at(-1)).toBe(
      "on mq.m5.xlarge every metric's p95 would stay under 50%: CPU about 40%, JVM heap about 40%, " +
        'message store about 5%, connections about 10%',
    );
  });

  it('keeps a broker that a smaller type would push over the downsize target', () => {
    const broker = makeBroker({ instanceType: 'mq.m5.xlarge' });
    const rec = assess({
      broker,
      utilisation: util(broker, { ...QUIET, cpu: 30 }),
      options: ACTIVEMQ_OPTIONS,
    });
    expect(rec.action).toBe('keep');
    expect(rec.reasons.at(-1)).toBe(
      'on mq.m5.large CPU p95 would be about 60%, not under the 50% downsize target',
    );
  });

  it('never downsizes below mq.m5.large to a micro type', () => {
    const broker = makeBroker({ deploymentMode: 'SINGLE_INSTANCE', tags: {} });
    const rec = assess({
      broker,
      utilisation: util(broker, { ...QUIET, cpu: 2 }),
      options: ACTIVEMQ_OPTIONS,
    });
    expect(rec.action).toBe('keep');
    expect(rec.reasons.join(' ')).toContain('no smaller instance type is allowed');
  });

  it('keeps a broker with a pending type change', () => {
    const broker = makeBroker({ pending: { instanceType: 'mq.m5.xlarge' } });
    const rec = assess({
      broker,
      utilisation: util(broker, { ...QUIET, cpu: 90 }),
      options: ACTIVEMQ_OPTIONS,
    });
    expect(rec).toMatchObject({ action: 'keep', reasons: [expect.stringContaining('already pending')] });
  });

  it('warns that a single-instance resize means downtime', () => {
    const broker = makeBroker({ deploymentMode: 'SINGLE_INSTANCE' });
    const rec = assess({
      broker,
      utilisation: util(broker, { ...QUIET, cpu: 90 }),
      options: ACTIVEMQ_OPTIONS,
    });
    expect(rec.action).toBe('upsize');
    expect(rec.reasons.at(-1)).toContain('single-instance broker');
  });

  it('names the worst node of a cluster', () => {
    const broker = rabbit();
    const utilisation = util(broker, { ...QUIET, cpu: 75 });
    (utilisation.metrics.cpu as { worst?: string }).worst = 'rabbit@ip-10-0-1-1';
    const rec = assess({ broker, utilisation, options: RABBITMQ_OPTIONS });
    expect(rec.reasons[0]).toBe('CPU p95 75% over 14 days is above 70% (worst: rabbit@ip-10-0-1-1)');
  });
});

describe('Function: recommend', () => {
  it('adds the monthly cost delta from the shipped table', async () => {
    const broker = rabbit();
    const rec = await recommend({
      broker,
      utilisation: util(broker, { ...QUIET, cpu: 85 }),
      options: RABBITMQ_OPTIONS,
      prices: tablePrices(),
    });
    expect(rec.monthlyCostDelta).toEqual({
      usd: 630.72,
      from: 630.72,
      to: 1_261.44,
      source: 'table',
      asOf: PRICE_TABLE_AS_OF,
    });
    expect(rec.reasons.at(-1)).toBe(
      `monthly cost +$630.72 ($630.72 → $1261.44: 730 h × 3 instances × $0.576; shipped price table of ${PRICE_TABLE_AS_OF})`,
    );
  });

  it('shows a saving for a downsize, live when both prices are live', async () => {
    const broker = makeBroker({ instanceType: 'mq.m5.xlarge', tags: {} });
    const live: PriceSource = {
      price: async (q) =>
        q.kind === 'instance'
          ? { usd: q.instanceType === 'mq.m5.xlarge' ? 0.6 : 0.3, unit: 'hour', source: 'live' }
          : undefined,
    };
    const rec = await recommend({
      broker,
      utilisation: util(broker, { ...QUIET, cpu: 10 }),
      options: ACTIVEMQ_OPTIONS,
      prices: live,
    });
    expect(rec).toMatchObject({ action: 'downsize', to: 'mq.m5.large' });
    expect(rec.monthlyCostDelta).toEqual({ usd: -438, from: 876, to: 438, source: 'live' });
  });

  it('says which price is missing instead of inventing one', async () => {
    const broker = rabbit({ region: 'eu-west-1' });
    const rec = await recommend({
      broker,
      utilisation: util(broker, { ...QUIET, cpu: 85 }),
      options: RABBITMQ_OPTIONS,
      prices: tablePrices(),
    });
    expect(rec.monthlyCostDelta).toBeUndefined();
    expect(rec.reasons.at(-1)).toBe('no price known for mq.m5.large and mq.m5.xlarge in eu-west-1');
  });

  it('prices nothing when there is no resize', async () => {
    const broker = makeBroker();
    const rec = await recommend({
      broker,
      utilisation: util(broker, { ...QUIET, cpu: 45 }),
      options: ACTIVEMQ_OPTIONS,
      prices: tablePrices(),
    });
    expect(rec.action).toBe('keep');
    expect(rec.monthlyCostDelta).toBeUndefined();
  });
});
