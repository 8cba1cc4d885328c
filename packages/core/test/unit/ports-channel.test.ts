import { describe, expect, it } from 'vitest';
import { type Channel, rendered } from '../../src/ports';

/** A transport that records the rendered messages it is sent. */
function transport(channel: string): Channel<string> & { sent: string[] } {
  const sent: string[] = [];
  return { channel, sent, send: async (message) => void sent.push(message) };
}

describe('Function: rendered', () => {
  it('renders each value and sends it through the transport, under its name or another', async () => {
    // Prepare
    const slack = transport('slack:ops');
    const numbers = rendered(slack, (n: number) => `n=${n}`);
    const named = rendered(slack, (n: number) => `m=${n}`, 'slack');

    // Act
    await numbers.send(1);
    await named.send(2);

    // Assess
    expect(slack.sent).toEqual(['n=1', 'm=2']);
    expect([numbers.channel, named.channel]).toEqual(['slack:ops', 'slack']);
  });

  it("passes the transport's failure on", async () => {
    const failing: Channel<string> = {
      channel: 'sns',
      send: async () => {
        throw new Error('publish failed');
      },
    };

    await expect(rendered(failing, String).send(1)).rejects.toThrow('publish failed');
  });
});
