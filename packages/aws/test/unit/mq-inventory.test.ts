import {
  DescribeBrokerCommand,
  type DescribeBrokerResponse,
  ListBrokersCommand,
  MqClient,
  NotFoundException,
} from '@aws-sdk/client-mq';
import { BrokerNotFoundError } from '@mqops/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MqBrokerInventory, toBroker } from '../../src/mq-inventory';

const mq = mockClient(MqClient);

const described: DescribeBrokerResponse = {
  BrokerId: 'b-1',
  BrokerArn: 'arn:aws:mq:eu-west-1:210987654321:broker:orders:b-1',
  BrokerName: 'orders',
  BrokerState: 'RUNNING',
  // The API is seen answering mixed case.
  EngineType: 'ActiveMQ' as DescribeBrokerResponse['EngineType'],
  EngineVersion: '5.18',
  DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
  HostInstanceType: 'mq.m5.large',
  PubliclyAccessible: false,
  AutoMinorVersionUpgrade: true,
  AuthenticationStrategy: 'SIMPLE',
  EncryptionOptions: { UseAwsOwnedKey: false, KmsKeyId: 'arn:aws:kms:eu-west-1:210987654321:key/k' },
  Logs: { General: true, Audit: false, GeneralLogGroup: '/aws/amazonmq/broker/b-1/general' },
  MaintenanceWindowStartTime: { DayOfWeek: 'MONDAY', TimeOfDay: '02:30', TimeZone: 'Europe/Dublin' },
  SecurityGroups: ['sg-1'],
  SubnetIds: ['subnet-1', 'subnet-2'],
  StorageType: 'EFS',
  Tags: { env: 'production' },
  Users: [{ Username: 'admin' }, { Username: 'app', PendingChange: 'CREATE' }],
  PendingHostInstanceType: 'mq.m5.xlarge',
  Created: new Date('2026-01-02T03:04:05Z'),
};

describe('Function: toBroker', () => {
  it('normalises a DescribeBroker answer', () => {
    const broker = toBroker(described, 'eu-west-1');
    expect(broker).toMatchObject({
      id: 'b-1',
      accountId: '210987654321',
      engine: 'ACTIVEMQ',
      encryption: { kind: 'customer-managed', kmsKeyId: 'arn:aws:kms:eu-west-1:210987654321:key/k' },
      logs: { general: true, audit: false },
      maintenanceWindow: { dayOfWeek: 'MONDAY', timeOfDay: '02:30', timeZone: 'Europe/Dublin' },
      users: [{ username: 'admin' }, { username: 'app', pendingChange: 'CREATE' }],
      pending: { instanceType: 'mq.m5.xlarge' },
    });
  });

  it.each([
    [{ UseAwsOwnedKey: true }, 'aws-owned'],
    [undefined, 'aws-owned'],
    [{ UseAwsOwnedKey: false }, 'aws-managed'],
    [{ UseAwsOwnedKey: false, KmsKeyId: 'k' }, 'customer-managed'],
  ])('reads encryption %j as %s', (options, kind) => {
    expect(toBroker({ ...described, EncryptionOptions: options }, 'eu-west-1').encryption.kind).toBe(kind);
  });

  it('has no audit log field for RabbitMQ', () => {
    const broker = toBroker(
      { ...described, EngineType: 'RABBITMQ', Logs: { General: true, GeneralLogGroup: 'g' } },
      'eu-west-1',
    );
    expect(broker.logs).toEqual({ general: true });
  });

  it('refuses an answer without an id', () => {
    expect(() => toBroker({ ...described, BrokerId: undefined }, 'eu-west-1')).toThrow(/without id/);
  });
});

describe('Class: MqBrokerInventory', () => {
  beforeEach(() => mq.reset());

  it('lists brokers across pages', async () => {
    mq.on(ListBrokersCommand, { NextToken: undefined })
      .resolves({
        BrokerSummaries: [
          { BrokerId: 'b-1', BrokerName: 'one', DeploymentMode: 'SINGLE_INSTANCE', EngineType: 'RABBITMQ' },
        ],
        NextToken: 't2',
      })
      .on(ListBrokersCommand, { NextToken: 't2' })
      .resolves({
        BrokerSummaries: [
          { BrokerId: 'b-2', BrokerName: 'two', DeploymentMode: 'SINGLE_INSTANCE', EngineType: 'ACTIVEMQ' },
        ],
      });
    const inventory = new MqBrokerInventory(new MqClient({ region: 'eu-west-1' }));
    expect(await inventory.list()).toEqual([
      { id: 'b-1', name: 'one' },
      { id: 'b-2', name: 'two' },
    ]);
    expect(mq.commandCalls(ListBrokersCommand)).toHaveLength(2);
  });

  it('describes a broker in the client region', async () => {
    mq.on(DescribeBrokerCommand, { BrokerId: 'b-1' }).resolves(described);
    const broker = await new MqBrokerInventory(new MqClient({ region: 'eu-west-1' })).describe('b-1');
    expect(broker.region).toBe('eu-west-1');
    expect(broker.name).toBe('orders');
  });

  it('turns NotFoundException into BrokerNotFoundError', async () => {
    mq.on(DescribeBrokerCommand).rejects(new NotFoundException({ message: 'nope', $metadata: {} }));
    const inventory = new MqBrokerInventory(new MqClient({ region: 'eu-west-1' }));
    await expect(inventory.describe('b-nope')).rejects.toBeInstanceOf(BrokerNotFoundError);
  });
});
