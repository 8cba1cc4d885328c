import {
  BadRequestException,
  DescribeBrokerCommand,
  type DescribeBrokerResponse,
  MqClient,
  NotFoundException,
  RebootBrokerCommand,
  UpdateBrokerCommand,
} from '@aws-sdk/client-mq';
import { BrokerNotFoundError, MqopsError } from '@mqops/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MqBrokerControl } from '../../src/broker-control';

const mq = mockClient(MqClient);
const control = () => new MqBrokerControl(new MqClient({ region: 'eu-west-1' }));

const described: DescribeBrokerResponse = {
  BrokerId: 'b-1',
  BrokerArn: 'arn:aws:mq:eu-west-1:210987654321:broker:orders:b-1',
  BrokerName: 'orders',
  BrokerState: 'RUNNING',
  EngineType: 'ACTIVEMQ',
  EngineVersion: '5.18',
  DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
  HostInstanceType: 'mq.m5.large',
  PendingHostInstanceType: 'mq.m5.xlarge',
  MaintenanceWindowStartTime: { DayOfWeek: 'SUNDAY', TimeOfDay: '03:00', TimeZone: 'UTC' },
};

describe('Class: MqBrokerControl', () => {
  beforeEach(() => mq.reset());

  it('sends UpdateBroker with the broker id and the host instance type only', async () => {
    // Prepare
    mq.on(UpdateBrokerCommand).resolves({ BrokerId: 'b-1', HostInstanceType: 'mq.m5.xlarge' });

    // Act
    await control().updateInstanceType('b-1', 'mq.m5.xlarge');

    // Assess
    const calls = mq.commandCalls(UpdateBrokerCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toStrictEqual({ BrokerId: 'b-1', HostInstanceType: 'mq.m5.xlarge' });
    expect(mq.calls()).toHaveLength(1);
  });

  it('sends RebootBroker with the broker id', async () => {
    mq.on(RebootBrokerCommand).resolves({});

    await control().reboot('b-1');

    const calls = mq.commandCalls(RebootBrokerCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toStrictEqual({ BrokerId: 'b-1' });
    expect(mq.calls()).toHaveLength(1);
  });

  it.each([
    [
      'UpdateBroker',
      (c: MqBrokerControl) => c.updateInstanceType('b-7', 'mq.m5.xlarge'),
      UpdateBrokerCommand,
    ],
    ['RebootBroker', (c: MqBrokerControl) => c.reboot('b-7'), RebootBrokerCommand],
  ] as const)(
    'wraps a failed %s naming the operation, the broker and the error name',
    async (operation, act, command) => {
      // Prepare
      const cause = new BadRequestException({
        message: 'Broker b-7 is in state REBOOT_IN_PROGRESS',
        $metadata: {},
      });
      mq.on(command).rejects(cause);

      // Act
      const error = await act(control()).then(
        () => undefined,
        (e: unknown) => e,
      );

      // Assess
      expect(error).toBeInstanceOf(MqopsError);
      expect((error as Error).message).toBe(
        `MQ ${operation} of b-7 failed: BadRequestException: Broker b-7 is in state REBOOT_IN_PROGRESS`,
      );
      expect((error as Error).cause).toBe(cause);
    },
  );

  it('wraps a thrown non-Error value without failing itself', async () => {
    mq.on(RebootBrokerCommand).callsFake(() => {
      throw 'socket hang up';
    });

    await expect(control().reboot('b-7')).rejects.toThrow(
      /^MQ RebootBroker of b-7 failed: .*socket hang up$/,
    );
  });

  it('describes through DescribeBroker and answers a Broker', async () => {
    mq.on(DescribeBrokerCommand, { BrokerId: 'b-1' }).resolves(described);

    const broker = await control().describe('b-1');

    expect(broker).toMatchObject({
      id: 'b-1',
      name: 'orders',
      region: 'eu-west-1',
      accountId: '210987654321',
      engine: 'ACTIVEMQ',
      state: 'RUNNING',
      instanceType: 'mq.m5.large',
      pending: { instanceType: 'mq.m5.xlarge' },
    });
    expect(mq.commandCalls(DescribeBrokerCommand)[0]?.args[0].input).toEqual({ BrokerId: 'b-1' });
  });

  it('describes a missing broker as BrokerNotFoundError (the BrokerControl contract)', async () => {
    mq.on(DescribeBrokerCommand).rejects(new NotFoundException({ message: 'nope', $metadata: {} }));

    await expect(control().describe('b-gone')).rejects.toBeInstanceOf(BrokerNotFoundError);
  });

  it('accepts a client config instead of a client', async () => {
    mq.on(RebootBrokerCommand).resolves({});

    await new MqBrokerControl({ region: 'eu-west-1' }).reboot('b-1');

    expect(mq.commandCalls(RebootBrokerCommand)).toHaveLength(1);
  });
});
