import { describe, expect, it, vi } from 'vitest';
import { type KeyValueStore, MemoryKeyValueStore } from '../../src/kv';
import { type Notice, type NoticeSink, postNotice, slackNotice, snsNotice } from '../../src/notices';

const T0 = new Date('2026-03-01T10:00:00.000Z');
const T0_SECONDS = T0.getTime() / 1000;

const notice = (extra: Partial<Notice> = {}): Notice => ({
  kind: 'rotation',
  level: 'warning',
  title: 'rotation of secret mq/orders/app failed at setSecret',
  text: 'The broker refused the change.',
  fields: { secret: 'mq/orders/app', step: 'setSecret' },
  broker: { id: 'b-1234', name: 'orders-prod', region: 'eu-west-1' },
  key: 'rotation/mq/orders/app/v1/failed/setSecret',
  ...extra,
});

type Block = {
  type: string;
  text?: { type: string; text: string };
  fields?: { type: string; text: string }[];
  elements?: { type: string; text: string }[];
};

const blocksOf = (n: Notice) => slackNotice(n).blocks as Block[];
const blockOf = (n: Notice, type: string, which: 'text' | 'fields' = 'text') =>
  blocksOf(n).find((b) => b.type === type && (which === 'fields' ? b.fields : b.text));

/** A sink that records what it got; `fail` makes it throw that value instead. */
function sink(
  channel: string,
  fail?: unknown,
): NoticeSink & { posted: Notice[]; send: ReturnType<typeof vi.fn> } {
  const posted: Notice[] = [];
  return {
    channel,
    posted,
    send: vi.fn(async (n: Notice) => {
      // Yield once so concurrent posts really interleave.
      await Promise.resolve();
      if (fail !== undefined) throw fail;
      posted.push(n);
    }),
  };
}

describe('Function: slackNotice', () => {
  it('builds a header, a text section, a fields section and a context line, in that order', () => {
    // Act
    const message = slackNotice(notice());

    // Assess
    expect(message.text).toBe('mqops rotation: rotation of secret mq/orders/app failed at setSecret');
    expect((message.blocks as Block[]).map((b) => b.type)).toEqual([
      'header',
      'section',
      'section',
      'context',
    ]);
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: {
        type: 'plain_text',
        text: 'mqops rotation: rotation of secret mq/orders/app failed at setSecret',
      },
    });
    expect(message.blocks[1]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: ':warning: The broker refused the change.' },
    });
    expect(message.blocks[2]).toEqual({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*secret*\nmq/orders/app' },
        { type: 'mrkdwn', text: '*step*\nsetSecret' },
      ],
    });
    expect(message.blocks[3]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'warning · orders-prod · eu-west-1' }],
    });
  });

  it.each([
    ['info', ':white_check_mark:'],
    ['warning', ':warning:'],
    ['critical', ':rotating_light:'],
  ] as const)('starts the text of a %s notice with %s and names the level in the context', (level, emoji) => {
    const n = notice({ level });
    expect(blockOf(n, 'section')?.text?.text).toBe(`${emoji} The broker refused the change.`);
    expect(blocksOf(n).at(-1)?.elements?.[0]?.text).toMatch(new RegExp(`^${level} · `));
  });

  it('clips the header to 150 characters with an ellipsis', () => {
    const long = slackNotice(notice({ title: 'x'.repeat(300) })).blocks[0] as Block;
    expect(long.text?.text).toHaveLength(150);
    expect(long.text?.text.endsWith('…')).toBe(true);
    expect(long.text?.text.startsWith('mqops rotation: xxx')).toBe(true);

    // Exactly 150 characters fit as they are.
    const title = 'y'.repeat(150 - 'mqops rotation: '.length);
    const exact = slackNotice(notice({ title })).blocks[0] as Block;
    expect(exact.text?.text).toBe(`mqops rotation: ${title}`);
    expect(exact.text?.text).toHaveLength(150);
  });

  it('escapes &, < and > in the text, the fields and the broker name (mrkdwn), not in the plain-text header', () => {
    // Prepare
    const n = notice({
      title: 'a <b> & c',
      text: 'user <!channel> & <https://evil.example|click>',
      fields: { 'a<b': 'x & y > z' },
      broker: { name: 'orders<prod>&co', region: 'eu-west-1' },
    });

    // Act
    const blocks = blocksOf(n);

    // Assess
    expect(blocks[0]?.text?.text).toBe('mqops rotation: a <b> & c');
    expect(blocks[1]?.text?.text).toBe(
      ':warning: user &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;',
    );
    expect(blocks[2]?.fields?.[0]?.text).toBe('*a&lt;b*\nx &amp; y &gt; z');
    expect(blocks[3]?.elements?.[0]?.text).toBe('warning · orders&lt;prod&gt;&amp;co · eu-west-1');
    for (const b of blocks.slice(1)) {
      const mrkdwn = JSON.stringify(b);
      expect(mrkdwn).not.toMatch(/<!channel>|<https:/);
    }
  });

  it('shows at most 10 fields, the first ten in order', () => {
    const fields = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i}`, `v${i}`]));
    const section = blockOf(notice({ fields }), 'section', 'fields');
    expect(section?.fields).toHaveLength(10);
    expect(section?.fields?.map((f) => f.text)).toEqual(
      Array.from({ length: 10 }, (_, i) => `*f${i}*\nv${i}`),
    );
  });

  it.each([
    ['no fields', undefined],
    ['empty fields', {}],
  ])('leaves the fields section out with %s', (_name, fields) => {
    const n: Notice = { ...notice(), fields };
    if (fields === undefined) delete n.fields;
    expect(blocksOf(n).map((b) => b.type)).toEqual(['header', 'section', 'context']);
    expect(blockOf(n, 'section', 'fields')).toBeUndefined();
  });

  it('leaves the text section out without text', () => {
    const { text: _text, ...n } = notice();
    expect(blocksOf(n).map((b) => b.type)).toEqual(['header', 'section', 'context']);
    expect(blocksOf(n)[1]?.fields).toHaveLength(2);
  });

  it('clips long text sections to 3000 characters and field texts to 2000', () => {
    const blocks = blocksOf(notice({ text: 'a'.repeat(5000), fields: { k: 'b'.repeat(5000) } }));
    expect(blocks[1]?.text?.text).toHaveLength(3000);
    expect(blocks[1]?.text?.text.endsWith('…')).toBe(true);
    expect(blocks[2]?.fields?.[0]?.text).toHaveLength(2000);
  });

  it.each([
    [
      'name and region',
      { id: 'b-1', name: 'orders-prod', region: 'eu-west-1' },
      'info · orders-prod · eu-west-1',
    ],
    ['the id when there is no name', { id: 'b-1', region: 'eu-west-1' }, 'info · b-1 · eu-west-1'],
    ['the name alone', { name: 'orders-prod' }, 'info · orders-prod'],
    ['the level alone for an empty broker', {}, 'info'],
    ['the level alone without a broker', undefined, 'info'],
  ])('puts %s in the context line', (_name, broker, expected) => {
    const n: Notice = { ...notice({ level: 'info' }), broker };
    if (broker === undefined) delete n.broker;
    const context = blocksOf(n).at(-1);
    expect(context?.type).toBe('context');
    expect(context?.elements).toEqual([{ type: 'mrkdwn', text: expected }]);
  });
});

describe('Function: snsNotice', () => {
  it('has an ASCII subject, a JSON body without the key, and kind/level attributes', () => {
    // Act
    const { subject, message, attributes } = snsNotice(notice());

    // Assess
    expect(subject).toBe('mqops rotation: rotation of secret mq/orders/app failed at setSecret');
    const body = JSON.parse(message);
    expect(body).toEqual({
      source: 'mqops',
      kind: 'rotation',
      level: 'warning',
      title: 'rotation of secret mq/orders/app failed at setSecret',
      text: 'The broker refused the change.',
      fields: { secret: 'mq/orders/app', step: 'setSecret' },
      broker: { id: 'b-1234', name: 'orders-prod', region: 'eu-west-1' },
    });
    expect(body).not.toHaveProperty('key');
    expect(message).not.toContain('rotation/mq/orders/app/v1');
    expect(attributes).toEqual({ kind: 'rotation', level: 'warning' });
  });

  it.each([
    ['non-ASCII characters', 'résumé → done ✅ “quoted” — ok', 'mqops rotation: rsum  done  quoted  ok'],
    ['line breaks and tabs', 'line one\nline two\ttabbed\r', 'mqops rotation: line oneline twotabbed'],
  ])('drops %s from the subject', (_name, title, expected) => {
    const { subject, message } = snsNotice(notice({ title }));
    expect(subject).toBe(expected);
    expect(subject).toMatch(/^[\x20-\x7e]*$/);
    // The body keeps the title as it is.
    expect(JSON.parse(message).title).toBe(title);
  });

  it('clips the subject to 100 characters', () => {
    const { subject } = snsNotice(notice({ title: `${'é'.repeat(50)}${'z'.repeat(200)}` }));
    expect(subject).toHaveLength(100);
    expect(subject).toBe(`mqops rotation: ${'z'.repeat(100 - 'mqops rotation: '.length)}`);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it.each([
    ['capacity', 'info'],
    ['maintenance', 'critical'],
    ['runbook', 'warning'],
  ] as const)('sets the attributes of a %s/%s notice', (kind, level) => {
    expect(snsNotice(notice({ kind, level })).attributes).toEqual({ kind, level });
  });
});

describe('Function: postNotice', () => {
  it('sends nothing and claims nothing without sinks', async () => {
    // Prepare
    const store = new MemoryKeyValueStore();

    // Act
    const outcome = await postNotice([], notice(), { store, now: () => T0 });

    // Assess
    expect(outcome).toEqual({ sent: [], failed: [], duplicate: false });
    expect(await store.list('')).toEqual([]);
  });

  it('sends the notice to every sink', async () => {
    const [a, b] = [sink('slack:oncall'), sink('sns')];
    const n = notice();
    const outcome = await postNotice([a, b], n);
    expect(outcome.sent.sort()).toEqual(['slack:oncall', 'sns']);
    expect(outcome.failed).toEqual([]);
    expect(outcome.duplicate).toBe(false);
    expect(a.posted).toEqual([n]);
    expect(b.posted).toEqual([n]);
  });

  it('keeps sending to the other sinks when one fails, and reports the failure without throwing', async () => {
    // Prepare
    const [a, bad, c] = [sink('a'), sink('bad', new Error('HTTP 500 from the webhook')), sink('c')];

    // Act
    const outcome = await postNotice([a, bad, c], notice());

    // Assess
    expect(outcome.sent.sort()).toEqual(['a', 'c']);
    expect(outcome.failed).toEqual([{ channel: 'bad', error: 'HTTP 500 from the webhook' }]);
    expect(a.posted).toHaveLength(1);
    expect(c.posted).toHaveLength(1);
    expect(bad.send).toHaveBeenCalledTimes(1);
  });

  it('resolves with every sink failed', async () => {
    const outcome = await postNotice(
      [sink('a', new Error('down')), sink('b', new Error('also down'))],
      notice(),
    );
    expect(outcome.sent).toEqual([]);
    expect(outcome.failed).toHaveLength(2);
    expect(outcome.failed).toEqual(
      expect.arrayContaining([
        { channel: 'a', error: 'down' },
        { channel: 'b', error: 'also down' },
      ]),
    );
  });

  const oddValues = [
    ['a string', 'boom'],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['an object without message', { code: 'E_FAIL' }],
  ] as const;

  const throwing = (thrown: unknown): NoticeSink => ({
    channel: 'odd',
    send: async () => {
      throw thrown;
    },
  });

  it.each(oddValues)(
    'never throws when a sink throws %s, and still sends to the others',
    async (_name, thrown) => {
      const good = sink('good');
      const outcome = await postNotice([throwing(thrown), good], notice());
      expect(outcome.sent).toEqual(['good']);
      expect(outcome.failed.map((f) => f.channel)).toEqual(['odd']);
      expect(good.posted).toHaveLength(1);
    },
  );

  it.each(oddValues)('reports a sink that throws %s with a readable error string', async (_name, thrown) => {
    const outcome = await postNotice([throwing(thrown)], notice()).catch(() => undefined);
    const error = outcome?.failed[0]?.error;
    expect(typeof error).toBe('string');
    expect(error).not.toBe('');
  });

  describe('deduplication', () => {
    it('sends a key once: a second post is a duplicate and sends nothing', async () => {
      // Prepare
      const store = new MemoryKeyValueStore();
      const s = sink('sns');
      const options = { store, now: () => T0 };

      // Act
      const first = await postNotice([s], notice(), options);
      const second = await postNotice([s], notice({ title: 'changed title, same key' }), options);

      // Assess
      expect(first).toEqual({ sent: ['sns'], failed: [], duplicate: false });
      expect(second).toEqual({ sent: [], failed: [], duplicate: true });
      expect(s.send).toHaveBeenCalledTimes(1);
    });

    it('claims the key as notice:<key>, remembered for 7 days by default', async () => {
      const store = new MemoryKeyValueStore();
      await postNotice([sink('sns')], notice({ key: 'k-1' }), { store, now: () => T0 });
      expect(await store.get('notice:k-1')).toEqual({
        value: { sentAt: T0.toISOString() },
        version: 1,
        expiresAt: T0_SECONDS + 7 * 86_400,
      });
    });

    it('remembers the key for dedupeSeconds', async () => {
      const store = new MemoryKeyValueStore();
      await postNotice([sink('sns')], notice({ key: 'k-1' }), { store, dedupeSeconds: 60, now: () => T0 });
      expect((await store.get('notice:k-1'))?.expiresAt).toBe(T0_SECONDS + 60);
    });

    it('sends different keys separately', async () => {
      const store = new MemoryKeyValueStore();
      const s = sink('sns');
      await postNotice([s], notice({ key: 'a' }), { store });
      const outcome = await postNotice([s], notice({ key: 'b' }), { store });
      expect(outcome.duplicate).toBe(false);
      expect(s.send).toHaveBeenCalledTimes(2);
    });

    it('sends exactly once when posts with the same key race', async () => {
      // Prepare
      const store = new MemoryKeyValueStore();
      const [a, b] = [sink('slack'), sink('sns')];

      // Act
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, () => postNotice([a, b], notice(), { store, now: () => T0 })),
      );

      // Assess
      expect(a.send).toHaveBeenCalledTimes(1);
      expect(b.send).toHaveBeenCalledTimes(1);
      expect(outcomes.filter((o) => !o.duplicate)).toHaveLength(1);
      expect(outcomes.filter((o) => o.duplicate)).toHaveLength(7);
      for (const o of outcomes.filter((x) => x.duplicate)) expect(o.sent).toEqual([]);
    });

    it('sends once when the claim is lost to a writer that got there between read and write', async () => {
      // A store where another process claims the key between this one's read and its conditional write.
      const inner = new MemoryKeyValueStore();
      const store: KeyValueStore = {
        get: (k) => inner.get(k),
        put: async (k) => {
          await inner.put(k, { sentAt: 'elsewhere' });
          return false;
        },
        delete: (k) => inner.delete(k),
        list: (p) => inner.list(p),
      };
      const s = sink('sns');
      const outcome = await postNotice([s], notice(), { store });
      expect(outcome).toEqual({ sent: [], failed: [], duplicate: true });
      expect(s.send).not.toHaveBeenCalled();
    });

    it('releases the claim when every sink failed, so a retry sends', async () => {
      // Prepare
      const store = new MemoryKeyValueStore();
      const options = { store, now: () => T0 };

      // Act
      const failed = await postNotice([sink('sns', new Error('throttled'))], notice(), options);
      const released = await store.get(`notice:${notice().key}`);
      const good = sink('sns');
      const retry = await postNotice([good], notice(), options);

      // Assess
      expect(failed).toMatchObject({ sent: [], duplicate: false });
      expect(failed.failed).toEqual([{ channel: 'sns', error: 'throttled' }]);
      expect(released).toBeUndefined();
      expect(retry).toEqual({ sent: ['sns'], failed: [], duplicate: false });
      expect(good.posted).toHaveLength(1);
    });

    it('keeps the claim when at least one sink took the notice', async () => {
      const store = new MemoryKeyValueStore();
      const [ok, bad] = [sink('slack'), sink('sns', new Error('throttled'))];
      await postNotice([ok, bad], notice(), { store });
      expect(await store.get(`notice:${notice().key}`)).toBeDefined();
      const again = await postNotice([ok, bad], notice(), { store });
      expect(again.duplicate).toBe(true);
      expect(ok.send).toHaveBeenCalledTimes(1);
      expect(bad.send).toHaveBeenCalledTimes(1);
    });

    it('sends again once the claim has expired', async () => {
      // Prepare
      const store = new MemoryKeyValueStore();
      const s = sink('sns');
      const at = (seconds: number) => ({
        store,
        dedupeSeconds: 60,
        now: () => new Date(T0.getTime() + seconds * 1000),
      });

      // Act
      const first = await postNotice([s], notice(), at(0));
      const within = await postNotice([s], notice(), at(59));
      const after = await postNotice([s], notice(), at(61));
      const afterAgain = await postNotice([s], notice(), at(62));

      // Assess
      expect(first.duplicate).toBe(false);
      expect(within.duplicate).toBe(true);
      expect(after).toEqual({ sent: ['sns'], failed: [], duplicate: false });
      expect(afterAgain.duplicate).toBe(true);
      expect(s.send).toHaveBeenCalledTimes(2);
      const claim = await store.get(`notice:${notice().key}`);
      expect(claim).toMatchObject({
        version: 2,
        expiresAt: T0_SECONDS + 61 + 60,
        value: { sentAt: new Date(T0.getTime() + 61_000).toISOString() },
      });
    });

    it('treats a claim at exactly its expiry second as expired', async () => {
      const store = new MemoryKeyValueStore();
      const s = sink('sns');
      await postNotice([s], notice(), { store, dedupeSeconds: 60, now: () => T0 });
      const at = await postNotice([s], notice(), {
        store,
        dedupeSeconds: 60,
        now: () => new Date(T0.getTime() + 60_000),
      });
      expect(at.duplicate).toBe(false);
      expect(s.send).toHaveBeenCalledTimes(2);
    });

    it('treats a claim without expiry as sent for good', async () => {
      const store = new MemoryKeyValueStore();
      await store.put(`notice:${notice().key}`, { sentAt: '2020-01-01T00:00:00.000Z' });
      const s = sink('sns');
      const outcome = await postNotice([s], notice(), { store, now: () => T0 });
      expect(outcome.duplicate).toBe(true);
      expect(s.send).not.toHaveBeenCalled();
    });

    it('always sends a notice without a key, and stores nothing', async () => {
      const store = new MemoryKeyValueStore();
      const s = sink('sns');
      const { key: _key, ...n } = notice();
      const outcomes = [await postNotice([s], n, { store }), await postNotice([s], n, { store })];
      expect(outcomes.map((o) => o.duplicate)).toEqual([false, false]);
      expect(s.send).toHaveBeenCalledTimes(2);
      expect(await store.list('')).toEqual([]);
    });

    it('always sends without a store, even with a key', async () => {
      const s = sink('sns');
      await postNotice([s], notice());
      await postNotice([s], notice());
      expect(s.send).toHaveBeenCalledTimes(2);
    });
  });
});
