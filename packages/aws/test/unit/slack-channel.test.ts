import { inspect } from 'node:util';
import { DeliveryError, MemoryKeyValueStore } from '@mqops/core';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { KvChannelPacer, SlackChannel, type SlackChannelOptions, webhookId } from '../../src/slack-channel';

const WEBHOOK = 'https://hooks.example.test/services/T000/B000/super-secret-token';

/** A virtual clock: sleeping moves it forward at once. */
class VirtualTime {
  t = 1_000_000;
  readonly now = () => this.t;
  readonly sleep = vi.fn(async (ms: number) => {
    this.t += ms;
  });
}

type Answer = { status: number; retryAfter?: number; body?: string } | Error;

/** A fetch that answers from a script (then 200) and records when each request was made. */
function scriptedFetch(time: VirtualTime, answers: Answer[] = []) {
  const requests: { at: number; body: unknown }[] = [];
  const fetch = vi.fn(async (_url: string | URL | Request, init?: RequestInit) => {
    requests.push({ at: time.t, body: JSON.parse(String(init?.body)) });
    const next = answers.shift();
    if (next instanceof Error) throw next;
    const status = next?.status ?? 200;
    return new Response(next?.body ?? (status === 429 ? 'rate_limited' : status === 200 ? 'ok' : 'oops'), {
      status,
      headers: next?.retryAfter !== undefined ? { 'retry-after': String(next.retryAfter) } : {},
    });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, requests, mock: fetch };
}

let time: VirtualTime;

function channel(fetch: typeof globalThis.fetch, options: Partial<SlackChannelOptions> = {}) {
  return new SlackChannel({
    webhookUrl: WEBHOOK,
    name: 'oncall',
    fetch,
    now: time.now,
    sleep: time.sleep,
    ...options,
  });
}

beforeEach(() => {
  time = new VirtualTime();
});

describe('Class: SlackChannel', () => {
  it('sends queued messages in order, never two within a second', async () => {
    // Prepare
    const { fetch, requests } = scriptedFetch(time);
    const c = channel(fetch);

    // Act
    await Promise.all([c.post({ text: 'a' }), c.post({ text: 'b' }), c.post({ text: 'c' })]);

    // Assess
    expect(requests.map((r) => (r.body as { text: string }).text)).toEqual(['a', 'b', 'c']);
    const gaps = requests.slice(1).map((r, i) => r.at - (requests[i]?.at ?? 0));
    expect(gaps).toEqual([1000, 1000]);
  });

  it('retries after HTTP 429 once Retry-After has passed, and delivers once', async () => {
    const { fetch, requests } = scriptedFetch(time, [{ status: 429, retryAfter: 3 }]);
    const c = channel(fetch);

    const result = await c.post({ text: 'hello' });

    expect(requests).toHaveLength(2);
    expect((requests[1]?.at ?? 0) - (requests[0]?.at ?? 0)).toBe(3000);
    expect(result).toMatchObject({ attempts: 2, waitedMs: 3000 });
  });

  it('keeps the pace after a 429 for the messages behind it', async () => {
    const { fetch, requests } = scriptedFetch(time, [{ status: 429, retryAfter: 2 }]);
    const c = channel(fetch);

    await Promise.all([c.post({ text: 'a' }), c.post({ text: 'b' })]);

    expect(requests.map((r) => r.at - time.t)).toEqual([-3000, -1000, 0]);
  });

  it('gives up with an error when honouring Retry-After would pass the bound (never silently)', async () => {
    const { fetch } = scriptedFetch(
      time,
      Array.from({ length: 10 }, () => ({ status: 429, retryAfter: 30 })),
    );
    const c = channel(fetch, { maxTotalWaitMs: 60_000 });

    const error = await c.post({ text: 'x' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as Error).message).toMatch(
      /channel oncall: not delivered after 3 attempts.*rate limited \(HTTP 429, Retry-After 30 s\)/,
    );
    expect((error as Error).message).not.toContain('super-secret-token');
  });

  it('retries 5xx and network errors with backoff', async () => {
    const { fetch, requests } = scriptedFetch(time, [
      { status: 503 },
      new TypeError(`fetch failed ${WEBHOOK}`),
    ]);
    const c = channel(fetch);

    const result = await c.post({ text: 'x' });

    expect(result.attempts).toBe(3);
    expect(requests).toHaveLength(3);
  });

  it('fails at once on a 4xx other than 429, without the URL', async () => {
    const { fetch, requests } = scriptedFetch(time, [{ status: 404, body: `no_service ${WEBHOOK}` }]);
    const c = channel(fetch);

    const error = (await c.post({ text: 'x' }).catch((e: unknown) => e)) as Error;

    expect(requests).toHaveLength(1);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error?.message).toBe('slack: channel oncall: webhook answered HTTP 404: no_service <webhook>');
  });

  it('reports an unreachable webhook by error name only', async () => {
    const { fetch } = scriptedFetch(
      time,
      Array.from({ length: 20 }, () => new TypeError(`connect ECONNREFUSED ${WEBHOOK}`)),
    );
    const c = channel(fetch, { maxTotalWaitMs: 20_000 });

    const error = (await c.post({ text: 'x' }).catch((e: unknown) => e)) as Error;

    expect(error?.message).toMatch(/webhook unreachable \(TypeError\)/);
    expect(error?.message).not.toContain('hooks.example.test');
  });

  it('goes on with the queue after a failed message', async () => {
    const { fetch, requests } = scriptedFetch(time, [{ status: 400, body: 'invalid_payload' }]);
    const c = channel(fetch);

    const [first, second] = await Promise.allSettled([c.post({ text: 'bad' }), c.post({ text: 'good' })]);

    expect(first.status).toBe('rejected');
    expect(second.status).toBe('fulfilled');
    expect(requests).toHaveLength(2);
  });

  it('retries a request that timed out, then delivers', async () => {
    // Prepare: the first request hangs until its signal aborts it, as the real fetch does.
    let calls = 0;
    const fetch = ((_url: string | URL | Request, init?: RequestInit) =>
      calls++ === 0
        ? new Promise<Response>((_resolve, reject) =>
            init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
          )
        : Promise.resolve(new Response('ok'))) as typeof globalThis.fetch;
    const c = channel(fetch, { timeoutMs: 20 });

    // Act
    const result = await c.post({ text: 'x' });

    // Assess
    expect(result.attempts).toBe(2);
  });

  it('ends by its deadline: a Retry-After past it fails without waiting', async () => {
    const { fetch, requests } = scriptedFetch(time, [{ status: 429, retryAfter: 10 }]);
    const c = channel(fetch, { deadline: () => time.t + 5000 });

    const error = (await c.post({ text: 'x' }).catch((e: unknown) => e)) as Error;

    expect(requests).toHaveLength(1);
    expect(time.sleep).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.message).toMatch(/Retry-After 10 s\); a further 10 s wait would pass the 5 s bound\)$/);
  });

  it('is a notifier port: `send` posts a rendered message', async () => {
    const { fetch, requests } = scriptedFetch(time);
    const c = channel(fetch);

    await c.send({ text: 'rendered' });

    expect(c.channel).toBe('slack:oncall');
    expect(requests[0]?.body).toEqual({ text: 'rendered' });
  });

  it('never shows the webhook URL when logged', () => {
    const c = channel(scriptedFetch(time).fetch);
    expect(JSON.stringify(c)).toBe(`{"name":"oncall","id":"${webhookId(WEBHOOK)}"}`);
    expect(inspect(c, { depth: 5 })).not.toContain('super-secret-token');
    expect(c.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('rejects a webhook that is not an http(s) URL, without echoing it', () => {
    expect(() => new SlackChannel({ webhookUrl: 'hooks.slack.com/secret' })).toThrow(
      'slack: channel default: the webhook URL is not an http(s) URL',
    );
  });
});

describe('Class: KvChannelPacer', () => {
  it('spaces two processes posting to one webhook a second apart', async () => {
    // Two Lambda containers: separate channel objects and queues, one store.
    const pacer = new KvChannelPacer(new MemoryKeyValueStore());
    const { fetch, requests } = scriptedFetch(time);
    const a = channel(fetch, { pacer });
    const b = channel(fetch, { pacer });

    await Promise.all([
      a.post({ text: 'a1' }),
      b.post({ text: 'b1' }),
      a.post({ text: 'a2' }),
      b.post({ text: 'b2' }),
    ]);

    const times = requests.map((r) => r.at).sort((x, y) => x - y);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(gaps.every((g) => g >= 1000)).toBe(true);
  });

  it('holds a channel for every process after a 429', async () => {
    const store = new MemoryKeyValueStore();
    const pacer = new KvChannelPacer(store);
    await pacer.holdUntil('c1', time.t + 5000);
    expect(await pacer.reserve('c1', 1000, time.t)).toBe(time.t + 5000);
    expect(await pacer.reserve('c1', 1000, time.t)).toBe(time.t + 6000);
    expect((await store.list('slackpace:'))[0]?.key).toBe('slackpace:c1');
  });
});
