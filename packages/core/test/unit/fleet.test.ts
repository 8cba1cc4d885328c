import { describe, expect, it } from 'vitest';
import { BrokerNotFoundError } from '../../src/errors';
import { describeFleet } from '../../src/fleet';
import type { BrokerInventory } from '../../src/ports';
import { makeBroker } from '../helpers/broker';

const orders = makeBroker({ id: 'b-1', name: 'orders' });
const billing = makeBroker({ id: 'b-2', name: 'billing' });

/** Lists `ids` (named after them unless a broker has the id) and describes the brokers, failing as told. */
function inventory(ids: string[], failing: Record<string, Error> = {}): BrokerInventory {
  const brokers = [orders, billing];
  return {
    list: async () => ids.map((id) => ({ id, name: brokers.find((b) => b.id === id)?.name ?? `name-${id}` })),
    describe: async (id) => {
      if (failing[id]) throw failing[id];
      const broker = brokers.find((b) => b.id === id);
      if (!broker) throw new BrokerNotFoundError(id);
      return broker;
    },
  };
}

describe('Function: describeFleet', () => {
  it('describes every broker: complete', async () => {
    const seen: [number, number][] = [];
    const read = await describeFleet(inventory(['b-1', 'b-2']), { onProgress: (d, t) => seen.push([d, t]) });
    expect(read.brokers.map((b) => b.name)).toEqual(['orders', 'billing']);
    expect(read.outcome).toEqual({ status: 'complete', covered: 2, gaps: [] });
    expect(seen).toEqual([
      [1, 2],
      [2, 2],
    ]);
  });

  it('names a broker it could not describe (partial); one deleted since the listing is no gap', async () => {
    const read = await describeFleet(
      inventory(['b-1', 'b-2', 'b-gone'], { 'b-2': new Error('AccessDenied') }),
      { target: 'self/eu-west-1' },
    );
    expect(read.brokers.map((b) => b.name)).toEqual(['orders']);
    expect(read.outcome).toEqual({
      status: 'partial',
      covered: 1,
      gaps: [{ target: 'self/eu-west-1', broker: 'billing', reason: 'not described: AccessDenied' }],
    });
  });

  it('fails, without throwing, when the brokers cannot be listed', async () => {
    const read = await describeFleet(
      {
        ...inventory([]),
        list: async () => {
          throw new Error('Region is missing');
        },
      },
      { target: '123456789012/us-east-1' },
    );
    expect(read).toEqual({
      brokers: [],
      outcome: {
        status: 'failed',
        covered: 0,
        gaps: [{ target: '123456789012/us-east-1', reason: 'not listed: Region is missing' }],
      },
    });
  });

  it('is complete for an empty fleet', async () => {
    expect((await describeFleet(inventory([]))).outcome).toEqual({
      status: 'complete',
      covered: 0,
      gaps: [],
    });
  });
});
