import { type Broker, type BrokerCredential, collectFacts, DeliveryError } from '@mqops/core';
import { describe, expect, it } from 'vitest';
import {
  matchingPolicy,
  normaliseTags,
  RabbitManagementError,
  RabbitManagementSource,
} from '../../src/rabbitmq-management';

const CONSOLE = 'https://b-2f3a1c9e-7d41-4f8a-9b2e-0c1d2e3f4a5b.mq.eu-west-1.amazonaws.com';
const PASSWORD = 'Audit-Secret-Pw-77';
const CREDENTIAL: BrokerCredential = { username: 'mqops-audit', password: PASSWORD };
const NODE = 'rabbit@ip-10-0-1-23.eu-west-1.compute.internal';

const broker = {
  id: 'b-2f3a1c9e-7d41-4f8a-9b2e-0c1d2e3f4a5b',
  arn: 'arn:aws:mq:eu-west-1:123456789012:broker:payments:b-2f3a1c9e-7d41-4f8a-9b2e-0c1d2e3f4a5b',
  name: 'payments',
  region: 'eu-west-1',
  accountId: '123456789012',
  state: 'RUNNING',
  engine: 'RABBITMQ',
  engineVersion: '3.13',
  deploymentMode: 'SINGLE_INSTANCE',
  instanceType: 'mq.m5.large',
  publiclyAccessible: false,
  autoMinorVersionUpgrade: true,
  authenticationStrategy: 'SIMPLE',
  encryption: { kind: 'aws-owned' },
  logs: { general: true },
  securityGroups: [],
  subnetIds: [],
  tags: {},
  users: [],
  instances: [{ consoleUrl: CONSOLE, endpoints: [`amqps://${CONSOLE.slice(8)}:5671`] }],
  actionsRequired: [],
  pending: {},
} satisfies Broker;

// Answers shaped like RabbitMQ 3.13.7 on Amazon MQ (fields the adapter does not read trimmed, a few kept).
const OVERVIEW = {
  management_version: '3.13.7',
  rates_mode: 'basic',
  product_version: '3.13.7',
  product_name: 'RabbitMQ',
  rabbitmq_version: '3.13.7',
  cluster_name: NODE,
  erlang_version: '26.2.5.6',
  disable_stats: false,
  enable_queue_totals: false,
  object_totals: { channels: 4, connections: 2, consumers: 1, exchanges: 14, queues: 3 },
  node: NODE,
  listeners: [
    { node: NODE, protocol: 'amqp/ssl', ip_address: '::', port: 5671, socket_opts: { backlog: 128 } },
    { node: NODE, protocol: 'clustering', ip_address: '::', port: 25672, socket_opts: [] },
    { node: NODE, protocol: 'https', ip_address: '::', port: 443, socket_opts: { port: 443 } },
  ],
};
const USERS = [
  {
    name: 'admin',
    password_hash: 'c2VjcmV0aGFzaA==',
    hashing_algorithm: 'rabbit_password_hashing_sha256',
    tags: ['administrator'],
    limits: {},
  },
  {
    name: 'mqops-audit',
    password_hash: 'YXVkaXRoYXNo',
    hashing_algorithm: 'rabbit_password_hashing_sha256',
    tags: ['administrator', 'monitoring'],
    limits: {},
  },
  {
    name: 'orders-app',
    password_hash: 'b3JkZXJz',
    hashing_algorithm: 'rabbit_password_hashing_sha256',
    tags: [],
    limits: {},
  },
];
const VHOSTS = [
  {
    name: '/',
    description: 'Default virtual host',
    tags: [],
    default_queue_type: 'classic',
    metadata: { description: 'Default virtual host', tags: [], default_queue_type: 'classic' },
    tracing: false,
    messages: 12,
  },
];
const PERMISSIONS = [
  { user: 'admin', vhost: '/', configure: '.*', write: '.*', read: '.*' },
  { user: 'orders-app', vhost: '/', configure: '^orders\\.', write: '^orders\\.', read: '^orders\\.' },
];
const POLICIES = [
  {
    vhost: '/',
    name: 'AWS-DEFAULT-POLICY-SINGLE-INSTANCE',
    pattern: '.*',
    'apply-to': 'all',
    definition: { 'max-length': 8_000_000, overflow: 'reject-publish', 'queue-version': 2 },
    priority: 0,
  },
  {
    vhost: '/',
    name: 'orders-dlx',
    pattern: '^orders\\.',
    'apply-to': 'queues',
    definition: { 'dead-letter-exchange': 'orders.dlx' },
    priority: 5,
  },
];
const QUEUES = [
  {
    arguments: { 'x-queue-type': 'classic' },
    durable: true,
    effective_policy_definition: { 'dead-letter-exchange': 'orders.dlx' },
    messages: 12,
    messages_ready: 10,
    name: 'orders.in',
    policy: 'orders-dlx',
    type: 'classic',
    vhost: '/',
  },
  {
    arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 20 },
    durable: true,
    effective_policy_definition: [],
    messages: 0,
    messages_ready: 0,
    name: 'audit.q',
    policy: null,
    type: 'quorum',
    vhost: '/',
  },
  // Declared a moment ago: no statistics yet, so no messages, policy or effective_policy_definition.
  { arguments: {}, durable: true, name: 'orders.retry', type: 'classic', vhost: '/' },
];
const NODES = [
  {
    name: NODE,
    type: 'disc',
    running: true,
    mem_used: 151_232_512,
    mem_limit: 3_298_534_883,
    mem_alarm: false,
    disk_free: 189_123_456_789,
    disk_free_limit: 50_000_000,
    disk_free_alarm: false,
    fd_used: 41,
    fd_total: 1_048_576,
    proc_used: 512,
    uptime: 86_400_000,
  },
];

interface Call {
  url: string;
  authorization: string | undefined;
}

/** A fake management API: answers by path (query string included for queue pages), records every request. */
function fakeApi(
  overrides: Record<string, { status?: number; body: unknown } | (() => Promise<Response>)> = {},
) {
  const calls: Call[] = [];
  const pages = (size: number) => {
    const pageCount = Math.ceil(QUEUES.length / size);
    return Object.fromEntries(
      Array.from({ length: pageCount }, (_, i) => [
        `/api/queues?page=${i + 1}&page_size=${size}`,
        {
          body: {
            filtered_count: QUEUES.length,
            item_count: QUEUES.slice(i * size, (i + 1) * size).length,
            items: QUEUES.slice(i * size, (i + 1) * size),
            page: i + 1,
            page_count: pageCount,
            page_size: size,
            total_count: QUEUES.length,
          },
        },
      ]),
    );
  };
  const routes: Record<string, { status?: number; body: unknown } | (() => Promise<Response>)> = {
    '/api/overview': { body: OVERVIEW },
    '/api/users': { body: USERS },
    '/api/vhosts': { body: VHOSTS },
    '/api/permissions': { body: PERMISSIONS },
    '/api/policies': { body: POLICIES },
    '/api/nodes': { body: NODES },
    ...pages(500),
    ...pages(2),
    ...overrides,
  };
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    calls.push({ url: String(input), authorization: headers.get('authorization') ?? undefined });
    const key = url.pathname.startsWith('/api/queues')
      ? `${url.pathname}?page=${url.searchParams.get('page')}&page_size=${url.searchParams.get('page_size')}`
      : url.pathname;
    const route = routes[key];
    if (typeof route === 'function') return route();
    if (!route)
      return new Response(JSON.stringify({ error: 'Object Not Found', reason: 'Not Found' }), {
        status: 404,
      });
    return new Response(typeof route.body === 'string' ? route.body : JSON.stringify(route.body), {
      status: route.status ?? 200,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

describe('Class: RabbitManagementSource', () => {
  it('reads a RabbitMQ 3.13 broker into RabbitFacts', async () => {
    const api = fakeApi();
    const facts = await new RabbitManagementSource({ fetch: api.fetch }).snapshot(broker, CREDENTIAL);

    expect(facts).toEqual({
      version: '3.13.7',
      users: [
        { name: 'admin', tags: ['administrator'] },
        { name: 'mqops-audit', tags: ['administrator', 'monitoring'] },
        { name: 'orders-app', tags: [] },
      ],
      vhosts: ['/'],
      permissions: PERMISSIONS,
      policies: [
        {
          vhost: '/',
          name: 'AWS-DEFAULT-POLICY-SINGLE-INSTANCE',
          pattern: '.*',
          applyTo: 'all',
          priority: 0,
          definition: { 'max-length': 8_000_000, overflow: 'reject-publish', 'queue-version': 2 },
        },
        {
          vhost: '/',
          name: 'orders-dlx',
          pattern: '^orders\\.',
          applyTo: 'queues',
          priority: 5,
          definition: { 'dead-letter-exchange': 'orders.dlx' },
        },
      ],
      queues: [
        {
          vhost: '/',
          name: 'orders.in',
          type: 'classic',
          durable: true,
          messages: 12,
          messagesReady: 10,
          arguments: { 'x-queue-type': 'classic' },
          policy: 'orders-dlx',
          effectivePolicy: { 'dead-letter-exchange': 'orders.dlx' },
        },
        {
          vhost: '/',
          name: 'audit.q',
          type: 'quorum',
          durable: true,
          messages: 0,
          messagesReady: 0,
          arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 20 },
          effectivePolicy: {},
        },
        {
          // No statistics yet: the policy RabbitMQ applies is worked out from the policies.
          vhost: '/',
          name: 'orders.retry',
          type: 'classic',
          durable: true,
          messages: 0,
          messagesReady: 0,
          arguments: {},
          policy: 'orders-dlx',
          effectivePolicy: { 'dead-letter-exchange': 'orders.dlx' },
        },
      ],
      nodes: [
        {
          name: NODE,
          memUsed: 151_232_512,
          memLimit: 3_298_534_883,
          memAlarm: false,
          diskFree: 189_123_456_789,
          diskFreeLimit: 50_000_000,
          diskFreeAlarm: false,
        },
      ],
      listeners: [
        { protocol: 'amqp/ssl', port: 5671, node: NODE },
        { protocol: 'clustering', port: 25672, node: NODE },
        { protocol: 'https', port: 443, node: NODE },
      ],
    });
  });

  it('calls the API under the console URL with basic auth, the overview first, queues paged with columns', async () => {
    const api = fakeApi();
    await new RabbitManagementSource({ fetch: api.fetch }).snapshot(
      { ...broker, instances: [{ consoleUrl: `${CONSOLE}/`, endpoints: [] }] },
      CREDENTIAL,
    );

    const expectedAuth = `Basic ${Buffer.from(`mqops-audit:${PASSWORD}`).toString('base64')}`;
    expect(api.calls.every((c) => c.authorization === expectedAuth)).toBe(true);
    expect(api.calls[0]?.url).toBe(`${CONSOLE}/api/overview`);
    expect(api.calls.map((c) => c.url.slice(CONSOLE.length).split('?')[0]).sort()).toEqual([
      '/api/nodes',
      '/api/overview',
      '/api/permissions',
      '/api/policies',
      '/api/queues',
      '/api/users',
      '/api/vhosts',
    ]);
    const queues = new URL(api.calls.find((c) => c.url.includes('/api/queues'))?.url ?? '');
    expect(queues.searchParams.get('page')).toBe('1');
    expect(queues.searchParams.get('page_size')).toBe('500');
    expect(queues.searchParams.get('columns')?.split(',')).toContain('effective_policy_definition');
  });

  it('follows queue pages until page_count', async () => {
    const api = fakeApi();
    const facts = await new RabbitManagementSource({ fetch: api.fetch, pageSize: 2 }).snapshot(
      broker,
      CREDENTIAL,
    );
    expect(facts.queues.map((q) => q.name)).toEqual(['orders.in', 'audit.q', 'orders.retry']);
    expect(
      api.calls
        .filter((c) => c.url.includes('/api/queues'))
        .map((c) => new URL(c.url).searchParams.get('page')),
    ).toEqual(['1', '2']);
  });

  it('asks for the first page only when there are no queues (page_count 0)', async () => {
    const empty = {
      body: {
        filtered_count: 0,
        item_count: 0,
        items: [],
        page: 1,
        page_count: 0,
        page_size: 500,
        total_count: 0,
      },
    };
    const api = fakeApi({ '/api/queues?page=1&page_size=500': empty });
    const facts = await new RabbitManagementSource({ fetch: api.fetch }).snapshot(broker, CREDENTIAL);
    expect(facts.queues).toEqual([]);
    expect(api.calls.filter((c) => c.url.includes('/api/queues'))).toHaveLength(1);
  });

  it('takes an unpaged list from versions that ignore paging', async () => {
    const api = fakeApi({ '/api/queues?page=1&page_size=500': { body: QUEUES.slice(0, 1) } });
    const facts = await new RabbitManagementSource({ fetch: api.fetch }).snapshot(broker, CREDENTIAL);
    expect(facts.queues.map((q) => q.name)).toEqual(['orders.in']);
  });

  it('reads tags given as a comma-separated string (RabbitMQ 3.8) and an old overview without rabbitmq_version', async () => {
    const api = fakeApi({
      '/api/users': {
        body: [
          { name: 'admin', tags: 'administrator,monitoring' },
          { name: 'app', tags: '' },
        ],
      },
      '/api/overview': { body: { management_version: '3.8.34', product_version: '3.8.34', listeners: [] } },
    });
    const facts = await new RabbitManagementSource({ fetch: api.fetch }).snapshot(broker, CREDENTIAL);
    expect(facts.users).toEqual([
      { name: 'admin', tags: ['administrator', 'monitoring'] },
      { name: 'app', tags: [] },
    ]);
    expect(facts.version).toBe('3.8.34');
  });

  describe('errors', () => {
    const source = (overrides: Parameters<typeof fakeApi>[0], timeoutMs?: number) =>
      new RabbitManagementSource({
        fetch: fakeApi(overrides).fetch,
        retryDelayMs: 1,
        ...(timeoutMs ? { timeoutMs } : {}),
      });

    it('names the path and status, and says the audit user must be an administrator', async () => {
      const denied = { status: 401, body: { error: 'not_authorised', reason: 'Not administrator user' } };
      const error = await source({ '/api/users': denied })
        .snapshot(broker, CREDENTIAL)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RabbitManagementError);
      expect(error).toMatchObject({ path: '/api/users', status: 401 });
      expect((error as Error).message).toBe(
        'RabbitMQ management API GET /api/users of broker payments answered HTTP 401: Not administrator user ' +
          '(the audit user needs the administrator tag: RabbitMQ shows /api/users to administrators only)',
      );
    });

    it('says to check the secret when the login fails, and fails once on the overview', async () => {
      const calls: string[] = [];
      const api = fakeApi({
        '/api/overview': { status: 401, body: { error: 'not_authorized', reason: 'Login failed' } },
      });
      const fetch = ((input: string | URL | Request, init?: RequestInit) => {
        calls.push(String(input));
        return api.fetch(input, init);
      }) as typeof globalThis.fetch;
      await expect(new RabbitManagementSource({ fetch }).snapshot(broker, CREDENTIAL)).rejects.toThrow(
        'GET /api/overview of broker payments answered HTTP 401: Login failed (check the audit secret',
      );
      expect(calls).toHaveLength(1);
    });

    it.each([
      [
        'an error body that echoes the password',
        { status: 500, body: { error: 'oops', reason: `bad ${PASSWORD}` } },
      ],
      ['a non-JSON error page', { status: 502, body: `<html>Bad Gateway ${PASSWORD}</html>` }],
    ])('never puts the password in the message: %s', async (_case, answer) => {
      const error = (await source({ '/api/nodes': answer })
        .snapshot(broker, CREDENTIAL)
        .catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(/GET \/api\/nodes of broker payments answered HTTP 50[02]/);
      expect(error.message).not.toContain(PASSWORD);
      expect(error.message).toContain('***');
    });

    it('asks again after a bare HTTP 500 (RabbitMQ lists queues while one is deleted) and then succeeds', async () => {
      const api = fakeApi();
      let failures = 2;
      const fetch = ((input: string | URL | Request, init?: RequestInit) => {
        if (String(input).includes('/api/queues') && failures-- > 0)
          return Promise.resolve(new Response('', { status: 500 }));
        return api.fetch(input, init);
      }) as typeof globalThis.fetch;
      const facts = await new RabbitManagementSource({ fetch, retryDelayMs: 1 }).snapshot(broker, CREDENTIAL);
      expect(facts.queues.map((q) => q.name)).toEqual(QUEUES.map((q) => q.name));
      expect(failures).toBe(-1);
    });

    it.each([
      [500, 3],
      [503, 3],
      [429, 3],
      [401, 1],
      [404, 1],
    ])('gives up on HTTP %i after %i attempt(s)', async (status, attempts) => {
      let calls = 0;
      const api = fakeApi({
        '/api/nodes': () => {
          calls++;
          return Promise.resolve(new Response('{"error":"x"}', { status }));
        },
      });
      const error = await new RabbitManagementSource({ fetch: api.fetch, retryDelayMs: 1 })
        .snapshot(broker, CREDENTIAL)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ path: '/api/nodes', status });
      expect(calls).toBe(attempts);
    });

    it.each([
      ['NaN (the default, 2)', Number.NaN, 3],
      ['100 (capped at 5)', 100, 6],
      ['-1 (none)', -1, 1],
      ['1.7 (1)', 1.7, 2],
    ])('takes retries %s', async (_case, retries, attempts) => {
      let calls = 0;
      const api = fakeApi({
        '/api/nodes': () => {
          calls++;
          return Promise.resolve(new Response('', { status: 503 }));
        },
      });
      await expect(
        new RabbitManagementSource({ fetch: api.fetch, retries, retryDelayMs: 0 }).snapshot(
          broker,
          CREDENTIAL,
        ),
      ).rejects.toMatchObject({ status: 503 });
      expect(calls).toBe(attempts);
    });

    it("waits a 429's Retry-After (capped at 5 s) instead of its own delay", async () => {
      let calls = 0;
      const api = fakeApi({
        '/api/nodes': () =>
          Promise.resolve(
            calls++ === 0
              ? new Response('', { status: 429, headers: { 'retry-after': '0' } })
              : new Response(JSON.stringify(NODES), { status: 200 }),
          ),
      });
      const started = Date.now();
      const facts = await new RabbitManagementSource({ fetch: api.fetch, retryDelayMs: 60_000 }).snapshot(
        broker,
        CREDENTIAL,
      );
      expect(facts.nodes).toHaveLength(NODES.length);
      expect(calls).toBe(2);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it("waits a 429's Retry-After given as an HTTP date (the one outbound client, issue 12)", async () => {
      // Prepare: a date about a second ahead (HTTP dates have whole seconds); the back-off alone would be a minute.
      let calls = 0;
      const api = fakeApi({
        '/api/nodes': () =>
          Promise.resolve(
            calls++ === 0
              ? new Response('', {
                  status: 429,
                  headers: { 'retry-after': new Date(Date.now() + 1000).toUTCString() },
                })
              : new Response(JSON.stringify(NODES), { status: 200 }),
          ),
      });
      const started = Date.now();

      // Act
      const facts = await new RabbitManagementSource({ fetch: api.fetch, retryDelayMs: 60_000 }).snapshot(
        broker,
        CREDENTIAL,
      );

      // Assess
      expect(facts.nodes).toHaveLength(NODES.length);
      expect(calls).toBe(2);
      expect(Date.now() - started).toBeLessThan(3_000);
    });

    it('ends by its deadline, whatever the timeout, with a DeliveryError that says how it ended', async () => {
      const hang = () => new Promise<Response>(() => undefined);
      const started = Date.now();

      const error = await new RabbitManagementSource({
        fetch: fakeApi({ '/api/overview': hang }).fetch,
        timeoutMs: 10_000,
        deadline: () => started + 100,
      })
        .snapshot(broker, CREDENTIAL)
        .catch((e: unknown) => e);

      expect(Date.now() - started).toBeLessThan(2_000);
      expect(error).toBeInstanceOf(DeliveryError);
      expect(error).toMatchObject({
        channel: 'rabbitmq',
        attempts: 1,
        retryable: true,
        path: '/api/overview',
      });
      expect((error as Error).message).toMatch(
        /^RabbitMQ management API GET \/api\/overview of broker payments timed out after 0\.\d+ s$/,
      );
    });

    it('does not ask again after a timeout (it would only multiply the wait)', async () => {
      let calls = 0;
      const hang = () => {
        calls++;
        return new Promise<Response>(() => undefined);
      };
      await expect(source({ '/api/overview': hang }, 30).snapshot(broker, CREDENTIAL)).rejects.toThrow(
        'timed out',
      );
      expect(calls).toBe(1);
    });

    it('times out each request', async () => {
      const hang = () => new Promise<Response>(() => undefined);
      const started = Date.now();
      await expect(source({ '/api/overview': hang }, 50).snapshot(broker, CREDENTIAL)).rejects.toThrow(
        'RabbitMQ management API GET /api/overview of broker payments timed out after 0.05 s',
      );
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('honours the abort signal it passes to fetch', async () => {
      // A fetch that waits for the signal, as the real one does.
      const fetch = ((_input: string | URL | Request, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) =>
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
        )) as typeof globalThis.fetch;
      await expect(
        new RabbitManagementSource({ fetch, timeoutMs: 30 }).snapshot(broker, CREDENTIAL),
      ).rejects.toThrow('timed out after 0.03 s');
    });

    it('reports a refused connection by its code', async () => {
      const refused = () =>
        Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));
      await expect(source({ '/api/overview': refused }).snapshot(broker, CREDENTIAL)).rejects.toThrow(
        'RabbitMQ management API GET /api/overview of broker payments failed: ECONNREFUSED',
      );
    });

    it('rejects an answer that is not JSON', async () => {
      await expect(
        source({ '/api/vhosts': { body: '<html>login</html>' } }).snapshot(broker, CREDENTIAL),
      ).rejects.toThrow('GET /api/vhosts of broker payments answered something other than JSON');
    });

    it('needs a console URL', async () => {
      await expect(
        new RabbitManagementSource({ fetch: fakeApi().fetch }).snapshot(
          { ...broker, instances: [] },
          CREDENTIAL,
        ),
      ).rejects.toThrow('broker payments has no console URL');
    });

    it('becomes a gap (and so UNKNOWN checks) without the password when collected for an audit', async () => {
      const denied = { status: 401, body: { error: 'not_authorised', reason: 'Not administrator user' } };
      const facts = await collectFacts(broker, new Set(['rabbit']), {
        credentials: {
          forBroker: async () => [{ secretArn: 'arn:s', name: 's', role: 'audit', rotationEnabled: false }],
          read: async () => CREDENTIAL,
        },
        rabbit: source({ '/api/permissions': denied }),
      });
      expect(facts.rabbit).toBeUndefined();
      expect(facts.gaps.rabbit).toContain(
        'RabbitManagementError: RabbitMQ management API GET /api/permissions',
      );
      expect(facts.gaps.rabbit).not.toContain(PASSWORD);
    });
  });
});

describe('Function: normaliseTags', () => {
  it.each([
    [['administrator'], ['administrator']],
    ['administrator,monitoring', ['administrator', 'monitoring']],
    ['administrator, management', ['administrator', 'management']],
    ['', []],
    [undefined, []],
  ])('reads %j as %j', (tags, want) => {
    expect(normaliseTags(tags)).toEqual(want);
  });
});

describe('Function: matchingPolicy', () => {
  const policy = (name: string, pattern: string, applyTo: string, priority: number, vhost = '/') => ({
    vhost,
    name,
    pattern,
    applyTo,
    priority,
    definition: {},
  });
  const policies = [
    policy('all', '.*', 'all', 0),
    policy('orders', '^orders\\.', 'queues', 5),
    policy('quorum-only', '^orders\\.', 'quorum_queues', 9),
    policy('exchanges', '.*', 'exchanges', 99),
    policy('other-vhost', '.*', 'all', 50, 'billing'),
    policy('broken', '(', 'all', 100),
  ];

  it.each([
    ['orders.in', 'classic', 'orders'],
    ['orders.in', 'quorum', 'quorum-only'],
    ['audit', 'classic', 'all'],
  ])('picks, for %s (%s), the highest-priority policy that applies: %s', (name, type, want) => {
    expect(matchingPolicy({ vhost: '/', name, type }, policies)?.name).toBe(want);
  });

  it('finds none on a vhost without policies', () => {
    expect(matchingPolicy({ vhost: 'empty', name: 'q', type: 'classic' }, policies)).toBeUndefined();
  });
});
