import { describe, expect, it } from 'vitest';
import {
  adjacentSize,
  INSTANCE_TYPES,
  instanceCount,
  instanceLimits,
  instanceTypesOf,
  normalizeInstanceType,
} from '../../src/instance-types';

describe('Function: instanceLimits', () => {
  it.each([
    ['mq.t2.micro', 300, 20],
    ['mq.t3.micro', 300, 20],
    ['mq.m4.large', 2_000, 200],
    ['mq.m5.large', 2_000, 200],
    ['mq.m5.4xlarge', 2_000, 200],
  ])('gives ActiveMQ %s %d connections per protocol and %d GB', (type, connections, storage) => {
    // Act
    const limits = instanceLimits('ACTIVEMQ', type);

    // Assess
    expect(limits).toMatchObject({ connectionsPerProtocol: connections, storageGb: storage });
  });

  it.each([
    ['mq.t3.micro', 500, 1_500, 2_500],
    ['mq.m5.large', 5_000, 15_000, 30_000],
    ['mq.m5.xlarge', 10_000, 30_000, 60_000],
    ['mq.m5.2xlarge', 20_000, 60_000, 120_000],
    ['mq.m5.4xlarge', 40_000, 120_000, 240_000],
    ['mq.m7g.medium', 300, 900, 2_500],
    ['mq.m7g.large', 5_000, 15_000, 20_000],
    ['mq.m7g.8xlarge', 80_000, 240_000, 80_000],
  ])(
    'gives RabbitMQ %s %d connections, %d channels per node and %d queues',
    (type, conns, channels, queues) => {
      expect(instanceLimits('RABBITMQ', type)).toMatchObject({
        connectionsPerNode: conns,
        channelsPerNode: channels,
        queues,
      });
    },
  );

  it.each([
    ['ACTIVEMQ', 'mq.m7g.large'],
    ['RABBITMQ', 'mq.t2.micro'],
    ['RABBITMQ', 'mq.m4.large'],
    ['ACTIVEMQ', 'mq.c5.large'],
  ] as const)('knows no %s %s', (engine, type) => {
    expect(instanceLimits(engine, type)).toBeUndefined();
  });

  it.each(['m5.large', 'MQ.M5.LARGE', ' mq.m5.large '])('accepts %j for mq.m5.large', (name) => {
    expect(normalizeInstanceType(name)).toBe('mq.m5.large');
    expect(instanceLimits('RABBITMQ', name)?.instanceType).toBe('mq.m5.large');
  });

  it('marks the figures that were not confirmed', () => {
    // Act
    const unsure = INSTANCE_TYPES.filter((t) => t.unsure).map((t) => t.instanceType);

    // Assess
    expect(unsure).toEqual(['mq.m7g.medium', 'mq.m7g.12xlarge', 'mq.m7g.16xlarge']);
    expect(instanceLimits('RABBITMQ', 'mq.m7g.16xlarge')?.queues).toBeUndefined();
  });

  it('describes every type completely', () => {
    for (const t of INSTANCE_TYPES) {
      expect(t.instanceType).toMatch(/^mq\.(t2|t3|m4|m5|m7g)\.[a-z0-9]+$/);
      expect(t.family).toBe(t.instanceType.split('.')[1]);
      expect(t.vcpus).toBeGreaterThan(0);
      expect(t.memoryGiB).toBeGreaterThan(0);
      expect(t.micro).toBe(t.size === 'micro');
    }
  });
});

describe('Function: instanceTypesOf', () => {
  it('lists an engine’s current types without the legacy ones', () => {
    expect(instanceTypesOf('ACTIVEMQ', { current: true }).map((t) => t.instanceType)).toEqual([
      'mq.t3.micro',
      'mq.m5.large',
      'mq.m5.xlarge',
      'mq.m5.2xlarge',
      'mq.m5.4xlarge',
    ]);
    expect(instanceTypesOf('ACTIVEMQ')).toHaveLength(7);
    expect(instanceTypesOf('RABBITMQ')).toHaveLength(13);
  });
});

describe('Function: adjacentSize', () => {
  it.each([
    ['RABBITMQ', 'mq.m5.large', 1, 'mq.m5.xlarge'],
    ['RABBITMQ', 'mq.m5.xlarge', -1, 'mq.m5.large'],
    ['RABBITMQ', 'mq.m5.4xlarge', 1, undefined],
    ['RABBITMQ', 'mq.m5.large', -1, undefined],
    ['RABBITMQ', 'mq.m7g.medium', 1, 'mq.m7g.large'],
    ['ACTIVEMQ', 'mq.m5.2xlarge', 1, 'mq.m5.4xlarge'],
    ['ACTIVEMQ', 'mq.m4.large', 1, undefined],
    ['ACTIVEMQ', 'mq.t3.micro', 1, undefined],
  ] as const)('%s %s step %d → %s', (engine, type, step, expected) => {
    expect(adjacentSize(engine, type, step)?.instanceType).toBe(expected);
  });
});

describe('Function: instanceCount', () => {
  it.each([
    ['SINGLE_INSTANCE', 1],
    ['ACTIVE_STANDBY_MULTI_AZ', 2],
    ['CLUSTER_MULTI_AZ', 3],
  ] as const)('%s runs %d instances', (mode, count) => {
    expect(instanceCount(mode)).toBe(count);
  });
});
