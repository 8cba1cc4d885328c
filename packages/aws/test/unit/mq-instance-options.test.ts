import {
  type BrokerInstanceOption,
  DescribeBrokerInstanceOptionsCommand,
  MqClient,
} from '@aws-sdk/client-mq';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MqInstanceOptions, toInstanceOption } from '../../src/mq-instance-options';

const mq = mockClient(MqClient);
const zones = [{ Name: 'eu-west-1a' }, { Name: 'eu-west-1b' }];

const rabbitM5: BrokerInstanceOption = {
  AvailabilityZones: zones,
  EngineType: 'RABBITMQ',
  HostInstanceType: 'mq.m5.large',
  StorageType: 'EBS',
  SupportedDeploymentModes: ['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ'],
  SupportedEngineVersions: ['3.13'],
};
const rabbitM7g: BrokerInstanceOption = {
  ...rabbitM5,
  HostInstanceType: 'mq.m7g.large',
  SupportedEngineVersions: ['3.13', '4.2'],
};
const rabbitMicro: BrokerInstanceOption = {
  ...rabbitM5,
  HostInstanceType: 'mq.t3.micro',
  SupportedDeploymentModes: ['SINGLE_INSTANCE'],
};

describe('Function: toInstanceOption', () => {
  it('reads a DescribeBrokerInstanceOptions row', () => {
    expect(toInstanceOption(rabbitM7g)).toEqual({
      engine: 'RABBITMQ',
      instanceType: 'mq.m7g.large',
      storageType: 'EBS',
      deploymentModes: ['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ'],
      engineVersions: ['3.13', '4.2'],
    });
  });

  it('normalises the engine name and leaves out unknown deployment modes', () => {
    // Prepare
    const row = {
      EngineType: 'ActiveMQ',
      HostInstanceType: 'mq.m5.large',
      SupportedDeploymentModes: ['ACTIVE_STANDBY_MULTI_AZ', 'SOMETHING_NEW'],
    } as unknown as BrokerInstanceOption;

    // Act + Assess
    expect(toInstanceOption(row)).toEqual({
      engine: 'ACTIVEMQ',
      instanceType: 'mq.m5.large',
      deploymentModes: ['ACTIVE_STANDBY_MULTI_AZ'],
      engineVersions: [],
    });
  });

  it.each([
    ['no instance type', { ...rabbitM5, HostInstanceType: undefined }],
    ['an unknown engine', { ...rabbitM5, EngineType: 'KAFKA' as BrokerInstanceOption['EngineType'] }],
  ])('skips a row with %s', (_name, row) => {
    expect(toInstanceOption(row)).toBeUndefined();
  });
});

describe('Class: MqInstanceOptions', () => {
  beforeEach(() => mq.reset());

  it('reads every page for the engine', async () => {
    // Prepare
    mq.on(DescribeBrokerInstanceOptionsCommand)
      .resolvesOnce({ BrokerInstanceOptions: [rabbitMicro, rabbitM5], NextToken: 'page-2' })
      .resolvesOnce({ BrokerInstanceOptions: [rabbitM7g] });
    const source = new MqInstanceOptions(new MqClient({ region: 'eu-west-1' }));

    // Act
    const options = await source.options('RABBITMQ');

    // Assess
    expect(options.map((o) => o.instanceType)).toEqual(['mq.t3.micro', 'mq.m5.large', 'mq.m7g.large']);
    expect(mq.commandCalls(DescribeBrokerInstanceOptionsCommand).map((c) => c.args[0].input)).toEqual([
      { EngineType: 'RABBITMQ', MaxResults: 100, NextToken: undefined },
      { EngineType: 'RABBITMQ', MaxResults: 100, NextToken: 'page-2' },
    ]);
    expect(source.calls).toBe(2);
  });

  it('keeps out rows of another engine', async () => {
    // Prepare
    mq.on(DescribeBrokerInstanceOptionsCommand).resolves({
      BrokerInstanceOptions: [rabbitM5, { ...rabbitM5, EngineType: 'ACTIVEMQ' }],
    });

    // Act
    const options = await new MqInstanceOptions().options('RABBITMQ');

    // Assess
    expect(options).toHaveLength(1);
    expect(options[0]?.engine).toBe('RABBITMQ');
  });

  it('asks once per engine', async () => {
    // Prepare
    mq.on(DescribeBrokerInstanceOptionsCommand).resolves({ BrokerInstanceOptions: [rabbitM5] });
    const source = new MqInstanceOptions();

    // Act
    await Promise.all([source.options('RABBITMQ'), source.options('RABBITMQ')]);
    await source.options('RABBITMQ');
    await source.options('ACTIVEMQ');

    // Assess
    expect(source.calls).toBe(2);
  });

  it('surfaces a failure and tries again next time', async () => {
    // Prepare
    mq.on(DescribeBrokerInstanceOptionsCommand)
      .rejectsOnce(new Error('throttled'))
      .resolves({ BrokerInstanceOptions: [rabbitM5] });
    const source = new MqInstanceOptions();

    // Act + Assess
    await expect(source.options('RABBITMQ')).rejects.toThrow('throttled');
    expect(await source.options('RABBITMQ')).toHaveLength(1);
  });
});
