import { describe, expect, it } from 'vitest';
import { tickOutcome } from '../../src/tick-outcome';

describe('Function: tickOutcome', () => {
  it('is complete with no item, and with every item evaluated', () => {
    expect(tickOutcome([], 'resize plan')).toEqual({ status: 'complete', covered: 0, gaps: [] });
    expect(tickOutcome([{ brokerId: 'b-1' }, { brokerId: 'b-2' }], 'resize plan')).toEqual({
      status: 'complete',
      covered: 2,
      gaps: [],
    });
  });

  it('names each item that could not be evaluated, by broker name and region', () => {
    const outcome = tickOutcome(
      [
        { brokerId: 'b-1', brokerName: 'orders', region: 'eu-west-1', error: 'AccessDenied' },
        { brokerId: 'b-2' },
      ],
      'resize plan',
    );
    expect(outcome).toEqual({
      status: 'partial',
      covered: 1,
      gaps: [
        {
          target: 'self/eu-west-1',
          broker: 'orders',
          check: 'resize plan',
          reason: 'not evaluated this tick: AccessDenied',
        },
      ],
    });
  });

  it('fails when every item failed', () => {
    expect(tickOutcome([{ brokerId: 'b-1', error: 'throttled' }], 'safe reboot')).toMatchObject({
      status: 'failed',
      covered: 0,
      gaps: [{ target: 'self/default', broker: 'b-1', check: 'safe reboot' }],
    });
  });
});
