import {
  type BrokerSummary,
  DescribeBrokerCommand,
  type DescribeBrokerResponse,
  ListBrokersCommand,
  MqClient,
} from '@aws-sdk/client-mq';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MqBrokerStates } from '../../src/mq-broker-states';

const mq = mockClient(MqClient);

beforeEach(() => {
  mq.reset();
});

// The API answers engine names in mixed case.
const summary = (n: number, state = 'RUNNING'): BrokerSummary => ({
  BrokerId: `b-${n}`,
  BrokerName: `broker-${n}`,
  BrokerState: state as BrokerSummary['BrokerState'],
  BrokerArn: `arn:aws:mq:eu-west-1:123456789012:broker:broker-${n}:b-${n}`,
  EngineType: 'RabbitMQ' as BrokerSummary['EngineType'],
  DeploymentMode: 'CLUSTER_MULTI_AZ',
  HostInstanceType: 'mq.m5.large',
});

describe('Class: MqBrokerStates', () => {
  it('reads ListBrokers one call per page of 100, with each broker state', async () => {
    mq.on(ListBrokersCommand)
      .resolvesOnce({
        BrokerSummaries: [summary(1), summary(2, 'CRITICAL_ACTION_REQUIRED')],
        NextToken: 't1',
      })
      .resolvesOnce({ BrokerSummaries: [summary(3), { BrokerName: 'no-id' } as BrokerSummary] });
    const pages: unknown[] = [];
    for await (const page of new MqBrokerStates(new MqClient({ region: 'eu-west-1' })).pages())
      pages.push(page);

    expect(pages).toEqual([
      [
        {
          id: 'b-1',
          name: 'broker-1',
          state: 'RUNNING',
          arn: 'arn:aws:mq:eu-west-1:123456789012:broker:broker-1:b-1',
          engine: 'RABBITMQ',
          deploymentMode: 'CLUSTER_MULTI_AZ',
          instanceType: 'mq.m5.large',
        },
        expect.objectContaining({ id: 'b-2', state: 'CRITICAL_ACTION_REQUIRED' }),
      ],
      [expect.objectContaining({ id: 'b-3' })],
    ]);
    // The paginator reuses its input object, so only the count and the last call's input can be read back.
    const calls = mq.commandCalls(ListBrokersCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual({ MaxResults: 100, NextToken: 't1' });
  });

  it('throws when a page fails, after yielding the pages before it', async () => {
    mq.on(ListBrokersCommand)
      .resolvesOnce({ BrokerSummaries: [summary(1)], NextToken: 't1' })
      .rejectsOnce(new Error('boom'));
    const seen: string[] = [];
    const read = async () => {
      for await (const page of new MqBrokerStates(
        new MqClient({ region: 'eu-west-1', maxAttempts: 1 }),
      ).pages())
        seen.push(...page.map((b) => b.id));
    };
    await expect(read()).rejects.toThrow('boom');
    expect(seen).toEqual(['b-1']);
  });

  it('describes through DescribeBroker (codes and maintenance window)', async () => {
    const described: DescribeBrokerResponse = {
      ...summary(1, 'CRITICAL_ACTION_REQUIRED'),
      ActionsRequired: [{ ActionRequiredCode: 'RABBITMQ_MEMORY_ALARM', ActionRequiredInfo: 'memory' }],
      MaintenanceWindowStartTime: { DayOfWeek: 'SUNDAY', TimeOfDay: '03:00', TimeZone: 'UTC' },
    };
    mq.on(DescribeBrokerCommand).resolves(described);
    const broker = await new MqBrokerStates(new MqClient({ region: 'eu-west-1' })).describe('b-1');
    expect(broker).toMatchObject({
      state: 'CRITICAL_ACTION_REQUIRED',
      actionsRequired: ['RABBITMQ_MEMORY_ALARM'],
      maintenanceWindow: { dayOfWeek: 'SUNDAY', timeOfDay: '03:00', timeZone: 'UTC' },
    });
  });
});
