import { describe, expect, it } from 'vitest';
import { applies } from '../../../src/check';
import { humanBytes, mqRabbitmqResourceAlarm } from '../../../src/checks/mq-rabbitmq-resource-alarm';
import type { RabbitNodeFacts } from '../../../src/facts';
import { makeBroker, makeContext } from '../../helpers/broker';
import { rabbitFacts } from '../../helpers/rabbit';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

function node(overrides: Partial<RabbitNodeFacts> = {}): RabbitNodeFacts {
  return {
    name: 'rabbit@ip-10-0-0-1',
    memUsed: 512 * MIB,
    memLimit: 2 * GIB,
    memAlarm: false,
    diskFree: 50 * GIB,
    diskFreeLimit: GIB,
    diskFreeAlarm: false,
    ...overrides,
  };
}

describe('Check: mq-rabbitmq-resource-alarm', () => {
  it('applies to RabbitMQ only', () => {
    expect(applies(mqRabbitmqResourceAlarm, makeBroker({ engine: 'RABBITMQ' }))).toBe(true);
    expect(applies(mqRabbitmqResourceAlarm, makeBroker())).toBe(false);
  });

  it('returns PASS when every node has headroom', () => {
    expect(mqRabbitmqResourceAlarm.evaluate(rabbitFacts(), makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker payments has 3 nodes clear of memory and disk alarms.',
    });
  });

  it('returns FAIL with the numbers when a memory alarm is raised', () => {
    const nodes = [node({ memUsed: 2.1 * GIB, memAlarm: true }), node({ name: 'rabbit@ip-10-0-1-1' })];
    expect(mqRabbitmqResourceAlarm.evaluate(rabbitFacts({ nodes }), makeContext())).toEqual({
      status: 'FAIL',
      message:
        'Broker payments is at or near a resource alarm (policy ratio 0.8): rabbit@ip-10-0-0-1: memory 2.1 GiB ' +
        'of its 2.0 GiB limit (memory alarm raised).',
    });
  });

  it('returns FAIL near the memory limit before the alarm', () => {
    const outcome = mqRabbitmqResourceAlarm.evaluate(
      rabbitFacts({ nodes: [node({ memUsed: 1700 * MIB })] }),
      makeContext(),
    );
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain('memory 1.7 GiB of its 2.0 GiB limit (83%)');
  });

  it('returns FAIL for a disk alarm and for free disk near the limit', () => {
    const nodes = [
      node({ diskFree: 900 * MIB, diskFreeAlarm: true }),
      node({ name: 'rabbit@b', diskFree: 1.2 * GIB }),
    ];
    const outcome = mqRabbitmqResourceAlarm.evaluate(rabbitFacts({ nodes }), makeContext());
    expect(outcome.message).toBe(
      'Broker payments is at or near a resource alarm (policy ratio 0.8): rabbit@ip-10-0-0-1: free disk 900 MiB ' +
        'against its 1.0 GiB limit (disk alarm raised); rabbit@b: free disk 1.2 GiB against its 1.0 GiB limit.',
    );
  });

  it.each([
    ['memory at 79%', { memUsed: 0.79 * 2 * GIB }, 'PASS'],
    ['memory at exactly 80%', { memUsed: 0.8 * 2 * GIB }, 'FAIL'],
    ['free disk at 1.25 × limit (= limit / 0.8)', { diskFree: 1.25 * GIB }, 'FAIL'],
    ['free disk at 1.3 × limit', { diskFree: 1.3 * GIB }, 'PASS'],
    ['memory limit unknown (0)', { memLimit: 0 }, 'PASS'],
  ])('%s → %s', (_case, overrides, status) => {
    const outcome = mqRabbitmqResourceAlarm.evaluate(
      rabbitFacts({ nodes: [node(overrides)] }),
      makeContext(),
    );
    expect(outcome.status).toBe(status);
  });

  it('follows the policy ratio', () => {
    const facts = rabbitFacts({ nodes: [node({ memUsed: 1.2 * GIB })] });
    expect(mqRabbitmqResourceAlarm.evaluate(facts, makeContext()).status).toBe('PASS');
    expect(
      mqRabbitmqResourceAlarm.evaluate(facts, makeContext({ policy: { resourceAlarmRatio: 0.5 } })).status,
    ).toBe('FAIL');
  });

  it.each([
    [512 * MIB, '512 MiB'],
    [GIB, '1.0 GiB'],
    [10.25 * GIB, '10.3 GiB'],
    [0, '0 MiB'],
  ])('writes %i bytes as %s', (bytes, text) => {
    expect(humanBytes(bytes)).toBe(text);
  });
});
