import { describe, expect, it } from 'vitest';
import { ControllableClock } from '../../src/clock';
import { decodeState, encodeState } from '../../src/persistence';
import type { Scenario } from '../../src/scenario';
import { datapointOf } from '../../src/services/cloudwatch-data';
import { World } from '../../src/world';

const NOW = '2025-04-01T09:00:00.000Z';
const scenario: Scenario = { now: NOW, queues: [{ QueueName: 'DeadLetters' }] };

function worldAt(clock: ControllableClock): World {
  return new World(scenario, { accountId: '123456789012', region: 'us-east-1', clock });
}

const visibleQuery = {
  StartTime: Date.parse(NOW) / 1000,
  EndTime: Date.parse(NOW) / 1000 + 120,
  MetricDataQueries: [
    {
      Id: 'visible',
      MetricStat: {
        Metric: {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: 'DeadLetters' }],
        },
        Period: 60,
        Stat: 'Maximum',
      },
    },
  ],
};

describe('World: SQS queues and stored metrics', () => {
  it('keep their messages and datapoints through a snapshot on disk, and the queue gauges come back', () => {
    // prepare
    const clock = new ControllableClock(NOW, { frozen: true });
    const world = worldAt(clock);
    const queue = world.sqs.queue('DeadLetters');
    if (!queue) throw new Error('scenario queue missing');
    world.sqs.send(
      queue,
      '{"refused":true}',
      { Job: { DataType: 'String', StringValue: 'audit' } },
      undefined,
    );
    world.cloudwatch.putDatapoints(
      'mqops',
      'JobFailed',
      [{ Name: 'Job', Value: 'audit' }],
      [datapointOf(clock.now().getTime(), [1], { unit: 'Count' })],
    );
    clock.advance(60_000);
    // act
    const saved = decodeState(JSON.parse(JSON.stringify(encodeState(world.snapshot()))));
    const again = worldAt(new ControllableClock(clock.now(), { frozen: true }));
    again.restore(saved as ReturnType<World['snapshot']>);
    // assess
    const [message] = again.sqs.messagesOf('DeadLetters');
    expect(message?.Body).toBe('{"refused":true}');
    expect(message?.MessageAttributes.Job).toEqual({ DataType: 'String', StringValue: 'audit' });
    expect(
      again.cloudwatch.storedDatapoints('mqops', 'JobFailed', [{ Name: 'Job', Value: 'audit' }]),
    ).toEqual([expect.objectContaining({ at: Date.parse(NOW), sum: 1, unit: 'Count' })]);
    const result = again.cloudwatch.getMetricData(visibleQuery) as {
      MetricDataResults: { Values: number[] }[];
    };
    expect(result.MetricDataResults[0]?.Values).toEqual([1, 1]);
  });

  it('reads snapshots kept before SQS and stored metrics were emulated', () => {
    // prepare
    const world = worldAt(new ControllableClock(NOW, { frozen: true }));
    const { sqs: _sqs, ...older } = world.snapshot();
    delete (older.cloudwatch as { stored?: unknown }).stored;
    // act
    const again = worldAt(new ControllableClock(NOW, { frozen: true }));
    again.restore(older);
    // assess
    expect(again.sqs.queue('DeadLetters')).toBeDefined();
  });
});
