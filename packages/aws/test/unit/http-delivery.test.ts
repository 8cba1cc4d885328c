import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { DeliveryError, MemoryKeyValueStore } from '@mqops/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type ChannelPace,
  type DeliveryOptions,
  deliver,
  redactor,
  retryAfterMs,
} from '../../src/http-delivery';
import { KvChannelPacer } from '../../src/slack-channel';

const URL_SECRET = 'https://hooks.example.test/services/T000/B000/very-secret-token';

/** A virtual clock: sleeping moves it forward at once. */
class VirtualTime {
  t = Date.parse('2026-12-08T10:00:00Z');
  readonly now = () => this.t;
  readonly sleep = vi.fn(async (ms: number) => {
    this.t += ms;
  });
}

type Answer = { status: number; headers?: Record<string, string>; body?: string } | Error;

/** A fetch that answers from a script (then 200 `ok`) and records when each request was made. */
function scriptedFetch(time: VirtualTime, answers: Answer[] = []) {
  const at: number[] = [];
  const fetch = vi.fn(async (_url: string | URL | Request, _init?: RequestInit) => {
    at.push(time.t);
    const next = answers.shift();
    if (next instanceof Error) throw next;
    return new Response(next?.body ?? (next ? 'oops' : 'ok'), {
      status: next?.status ?? 200,
      headers: next?.headers ?? {},
    });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, at, mock: fetch };
}

let time: VirtualTime;

/** Options on the virtual clock, with a jitter of exactly half the back-off. */
function options(fetch: typeof globalThis.fetch, extra: Partial<DeliveryOptions> = {}): DeliveryOptions {
  return {
    channel: 'test',
    target: 'webhook',
    fetch,
    now: time.now,
    sleep: time.sleep,
    random: () => 0,
    ...extra,
  };
}

const request = { url: URL_SECRET, body: '{"text":"hello"}' };

beforeEach(() => {
  time = new VirtualTime();
});

/** A real local server; `handle` decides what each request gets (or nothing at all). */
async function server(
  handle: (res: import('node:http').ServerResponse) => void,
): Promise<{ url: string; close: () => Promise<void>; hits: () => number }> {
  let hits = 0;
  const s: Server = createServer((req, res) => {
    hits++;
    req.resume();
    handle(res);
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T0/B0/local-secret-token`,
    hits: () => hits,
    close: async () => {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

describe('Function: deliver', () => {
  describe('timeouts', () => {
    let local: Awaited<ReturnType<typeof server>> | undefined;
    afterEach(async () => {
      await local?.close();
      local = undefined;
    });

    it('times out an endpoint that never answers, and says so without the URL', async () => {
      // Prepare
      local = await server(() => undefined);
      const started = Date.now();

      // Act
      const error = await deliver(
        { url: local.url },
        { channel: 'test', target: 'webhook', timeoutMs: 100, retries: 1, backoffMs: 10 },
      ).catch((e: unknown) => e);

      // Assess
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(local.hits()).toBe(2);
      expect(error).toBeInstanceOf(DeliveryError);
      expect(error).toMatchObject({ attempts: 2, retryable: true, status: undefined });
      expect((error as Error).message).toBe('test: webhook timed out after 0.1 s (2 attempts)');
    });

    it('times out a body that never ends (the headers came)', async () => {
      local = await server((res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('o');
      });

      const error = await deliver({ url: local.url }, { channel: 'test', timeoutMs: 100, retries: 0 }).catch(
        (e: unknown) => e,
      );

      expect((error as Error).message).toBe('test: endpoint timed out after 0.1 s');
    });

    it('times out even with a fetch that ignores its signal', async () => {
      const hang = (() => new Promise<Response>(() => undefined)) as typeof globalThis.fetch;

      const error = await deliver(request, { channel: 'test', fetch: hang, timeoutMs: 30, retries: 0 }).catch(
        (e: unknown) => e,
      );

      expect(error).toMatchObject({ attempts: 1, retryable: true });
    });

    it('cuts each attempt to the deadline and ends by it, whatever the timeout', async () => {
      local = await server(() => undefined);
      const started = Date.now();

      const error = await deliver(
        { url: local.url },
        { channel: 'test', timeoutMs: 10_000, retries: 5, backoffMs: 10, deadline: started + 300 },
      ).catch((e: unknown) => e);

      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(250);
      expect(took).toBeLessThan(1_500);
      expect(error).toBeInstanceOf(DeliveryError);
      expect((error as Error).message).toMatch(
        /not delivered after 1 attempt and 0 s \(endpoint timed out after 0\.\d+ s; /,
      );
    });
  });

  describe('retries', () => {
    it('asks again after a 500 and returns the answer', async () => {
      const { fetch, at } = scriptedFetch(time, [{ status: 500 }]);

      const answer = await deliver(request, options(fetch, { backoffMs: 1000 }));

      expect(answer).toMatchObject({ status: 200, text: 'ok', attempts: 2, waitedMs: 500 });
      expect(at.map((t) => t - (at[0] ?? 0))).toEqual([0, 500]);
    });

    it('doubles a jittered back-off, capped', async () => {
      const { fetch, at } = scriptedFetch(
        time,
        Array.from({ length: 4 }, () => ({ status: 503 })),
      );

      await deliver(
        request,
        options(fetch, { retries: 4, backoffMs: 1000, maxBackoffMs: 3000, random: () => 1 - 1e-9 }),
      );

      const gaps = at.slice(1).map((t, i) => t - (at[i] ?? 0));
      expect(gaps.map((g) => Math.round(g))).toEqual([1000, 2000, 3000, 3000]);
    });

    it('honours a 429 Retry-After in seconds', async () => {
      const { fetch, at } = scriptedFetch(time, [{ status: 429, headers: { 'retry-after': '7' } }]);

      const answer = await deliver(request, options(fetch));

      expect(at[1]! - at[0]!).toBe(7000);
      expect(answer.attempts).toBe(2);
    });

    it('honours a 429 Retry-After given as an HTTP date', async () => {
      const when = new Date(time.t + 12_000).toUTCString();
      const { fetch, at } = scriptedFetch(time, [{ status: 429, headers: { 'retry-after': when } }]);

      await deliver(request, options(fetch));

      expect(at[1]! - at[0]!).toBe(12_000);
    });

    it('caps a Retry-After at maxRetryAfterMs, then asks again', async () => {
      const { fetch, at } = scriptedFetch(time, [{ status: 503, headers: { 'retry-after': '600' } }]);

      await deliver(request, options(fetch, { maxRetryAfterMs: 5000 }));

      expect(at[1]! - at[0]!).toBe(5000);
    });

    it('fails at once, without sleeping, when a Retry-After would pass the budget', async () => {
      const { fetch } = scriptedFetch(time, [{ status: 429, headers: { 'retry-after': '60' } }]);

      const error = await deliver(request, options(fetch, { budgetMs: 30_000 })).catch((e: unknown) => e);

      expect(time.sleep).not.toHaveBeenCalled();
      expect(error).toMatchObject({ status: 429, attempts: 1, retryable: true });
      expect((error as Error).message).toBe(
        'test: not delivered after 1 attempt and 0 s (rate limited (HTTP 429, Retry-After 60 s); a further 60 s wait would pass the 30 s bound)',
      );
    });

    it('fails when a Retry-After would pass the deadline', async () => {
      const { fetch } = scriptedFetch(time, [{ status: 429, headers: { 'retry-after': '5' } }]);

      const error = await deliver(request, options(fetch, { deadline: time.t + 4000 })).catch(
        (e: unknown) => e,
      );

      expect(time.sleep).not.toHaveBeenCalled();
      expect((error as Error).message).toMatch(/a further 5 s wait would pass the 4 s bound/);
    });

    it.each([400, 401, 403, 404, 410])('does not ask again after HTTP %i', async (status) => {
      const { fetch, mock } = scriptedFetch(time, [{ status, body: 'invalid_payload' }]);

      const error = await deliver(request, options(fetch)).catch((e: unknown) => e);

      expect(mock).toHaveBeenCalledTimes(1);
      expect(error).toMatchObject({ status, attempts: 1, retryable: false });
      expect((error as Error).message).toBe(`test: webhook answered HTTP ${status}: invalid_payload`);
    });

    it('stops after its retries, with the last answer', async () => {
      const { fetch, mock } = scriptedFetch(
        time,
        Array.from({ length: 5 }, () => ({ status: 502, body: 'bad gateway' })),
      );

      const error = await deliver(request, options(fetch, { retries: 2 })).catch((e: unknown) => e);

      expect(mock).toHaveBeenCalledTimes(3);
      expect((error as Error).message).toBe('test: webhook answered HTTP 502: bad gateway (3 attempts)');
    });

    it('asks again after a network error unless told not to', async () => {
      const refused = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
      const again = scriptedFetch(time, [refused()]);
      const once = scriptedFetch(time, [refused()]);

      await deliver(request, options(again.fetch));
      const error = await deliver(request, options(once.fetch, { retryErrors: false })).catch(
        (e: unknown) => e,
      );

      expect(again.mock).toHaveBeenCalledTimes(2);
      expect(once.mock).toHaveBeenCalledTimes(1);
      expect((error as Error).message).toBe('test: webhook unreachable (ECONNREFUSED)');
    });

    it('returns an accepted status as an answer', async () => {
      const { fetch } = scriptedFetch(time, [{ status: 404, body: '{"error":"Object Not Found"}' }]);

      const answer = await deliver(request, options(fetch, { accept: [404] }));

      expect(answer).toMatchObject({ status: 404, attempts: 1 });
    });

    it("builds the caller's own error", async () => {
      const { fetch } = scriptedFetch(time, [{ status: 418, body: 'teapot' }]);
      class TeapotError extends Error {}

      const error = await deliver(
        request,
        options(fetch, {
          fail: (f) => new TeapotError(`${f.status} ${f.text} ${f.attempts} ${f.retryable}`),
        }),
      ).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TeapotError);
      expect((error as Error).message).toBe('418 teapot 1 false');
    });
  });

  describe('pacing', () => {
    const pace = (extra: Partial<ChannelPace> = {}): ChannelPace => ({
      id: 'c1',
      intervalMs: 1000,
      last: Number.NEGATIVE_INFINITY,
      ...extra,
    });

    it('keeps an interval from one answer to the next request', async () => {
      const { fetch, at } = scriptedFetch(time);
      const p = pace();

      await deliver(request, options(fetch, { pace: p }));
      await deliver(request, options(fetch, { pace: p }));

      expect(at[1]! - at[0]!).toBe(1000);
    });

    it('holds the channel for every process after a Retry-After', async () => {
      const pacer = new KvChannelPacer(new MemoryKeyValueStore());
      const first = scriptedFetch(time, [{ status: 429, headers: { 'retry-after': '4' } }]);
      const other = scriptedFetch(time);
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });

      // One process is rate limited and waits its Retry-After; another, with its own pace, must wait as long.
      const a = deliver(request, options(first.fetch, { pace: pace({ pacer }), sleep: () => held }));
      await vi.waitFor(() => expect(first.at).toHaveLength(1));
      await deliver(request, options(other.fetch, { pace: pace({ pacer }) }));
      release();
      await a;

      expect(other.at[0]! - first.at[0]!).toBeGreaterThanOrEqual(4000);
    });

    it('fails when pacing alone would pass the budget', async () => {
      const { fetch } = scriptedFetch(time);
      const p = pace({ last: time.t + 60_000 });

      const error = await deliver(request, options(fetch, { pace: p, budgetMs: 10_000 })).catch(
        (e: unknown) => e,
      );

      expect((error as Error).message).toMatch(
        /not delivered after 0 attempts and 0 s \(pacing; a further 61 s wait/,
      );
    });
  });

  describe('redaction', () => {
    const secret = 'p@ss"word\\1';

    it('never shows the URL or a secret in the message, util.inspect or JSON of its error', async () => {
      const body = `bad ${URL_SECRET} ${JSON.stringify({ password: secret })} ${secret}`;
      const { fetch } = scriptedFetch(time, [{ status: 400, body }]);

      const error = await deliver(
        { ...request, headers: { authorization: `Bearer ${secret}` } },
        options(fetch, { secrets: [[secret, '***']] }),
      ).catch((e: unknown) => e);

      const shown = [
        (error as Error).message,
        inspect(error, { depth: 5 }),
        JSON.stringify(error),
        String(error),
      ];
      for (const text of shown) {
        expect(text).not.toContain('very-secret-token');
        expect(text).not.toContain('ss"word');
        expect(text).not.toContain('ss\\"word');
      }
      expect((error as Error).message).toBe(
        'test: webhook answered HTTP 400: bad <url> {"password":"***"} ***',
      );
    });

    it('shows a network error by its code or name only (its message may hold the URL)', async () => {
      const { fetch } = scriptedFetch(time, [new TypeError(`connect failed to ${URL_SECRET}`)]);

      const error = await deliver(request, options(fetch, { retries: 0 })).catch((e: unknown) => e);

      expect((error as Error).message).toBe('test: webhook unreachable (TypeError)');
      expect((error as Error).cause).toBeUndefined();
    });

    it('bounds a long message', async () => {
      const { fetch } = scriptedFetch(time, [{ status: 400, body: 'x'.repeat(5000) }]);

      const error = await deliver(request, options(fetch, { source: 'y'.repeat(2000) })).catch(
        (e: unknown) => e,
      );

      expect((error as Error).message.length).toBeLessThan(1100);
      expect((error as Error).message).toMatch(/…\(\d+ chars\)$/);
    });
  });
});

describe('Function: retryAfterMs', () => {
  const now = Date.parse('2026-12-08T10:00:00Z');
  it.each([
    ['3', 3000],
    [' 1.5 ', 1500],
    ['0', 0],
    ['Tue, 08 Dec 2026 10:00:30 GMT', 30_000],
    ['Tue, 08 Dec 2026 09:00:00 GMT', 0],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ])('reads %j as %j ms', (header, ms) => {
    expect(retryAfterMs(header, now)).toBe(ms);
  });
});

describe('Function: redactor', () => {
  it('hides each secret as given and JSON-escaped, and ignores empty ones', () => {
    const redact = redactor([
      ['a"b', '***'],
      ['', '!'],
    ]);
    expect(redact('x a"b y "a\\"b"')).toBe('x *** y "***"');
  });
});
