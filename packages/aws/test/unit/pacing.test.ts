import { ListBrokersCommand, MqClient } from '@aws-sdk/client-mq';
import { describe, expect, it } from 'vitest';
import { Pacer, paced } from '../../src/pacing';

describe('Class: Pacer', () => {
  it('lets a burst through at once, then spaces calls at the rate', async () => {
    const pacer = new Pacer({ mq: { rate: 50, burst: 2 } });
    const started = performance.now();
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 7 }, async () => {
        await pacer.acquire('mq', 'DescribeBroker');
        times.push(performance.now() - started);
      }),
    );
    times.sort((a, b) => a - b);
    // The burst goes at once; the third call waits for a token (about 20 ms at 50/s).
    expect((times[2] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(10);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeLessThan((times[2] ?? 0) - (times[1] ?? 0));
    // 5 calls beyond the burst at 50/s: about 100 ms.
    expect(times[6]).toBeGreaterThanOrEqual(90);
    expect(times[6]).toBeLessThan(600);
  });

  it('prefers an operation limit over the service limit, and leaves other services alone', async () => {
    const pacer = new Pacer({ mq: { rate: 1, burst: 1 }, 'mq:ListBrokers': { rate: 1000, burst: 100 } });
    expect(pacer.keyFor('mq', 'ListBrokers')).toBe('mq:ListBrokers');
    expect(pacer.keyFor('mq', 'DescribeBroker')).toBe('mq');
    expect(pacer.keyFor('ec2', 'DescribeSubnets')).toBeUndefined();
    const started = performance.now();
    for (let i = 0; i < 20; i++) await pacer.acquire('mq', 'ListBrokers');
    for (let i = 0; i < 20; i++) await pacer.acquire('ec2', 'DescribeSubnets');
    // Unpaced calls never wait for a token (a paced one would take 19 s here); the margin covers a busy CI machine.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a limit that cannot work', () => {
    expect(() => new Pacer({ mq: { rate: 0, burst: 1 } })).toThrow(RangeError);
  });
});

describe('Function: paced', () => {
  it('makes an SDK client wait for its turn before each request', async () => {
    const sent: number[] = [];
    const client = new MqClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      requestHandler: {
        handle: async () => {
          sent.push(performance.now());
          return {
            response: {
              statusCode: 200,
              headers: { 'content-type': 'application/json' },
              body: new Blob(['{"brokerSummaries":[]}']).stream(),
            },
          };
        },
      } as never,
    });
    paced(client, new Pacer({ 'mq:ListBrokers': { rate: 20, burst: 1 } }), 'mq');
    await Promise.all([1, 2, 3].map(() => client.send(new ListBrokersCommand({}))));
    expect(sent).toHaveLength(3);
    sent.sort((a, b) => a - b);
    expect((sent[2] ?? 0) - (sent[0] ?? 0)).toBeGreaterThanOrEqual(90);
  });
});
