import type { RotationSecret } from '@mqops/core/rotation/index';
import { describe, expect, it } from 'vitest';
import { AmqpUnreachableError, amqpLogin, parseAmqpEndpoint } from '../../src/amqp-login';
import { RabbitCredentialTarget } from '../../src/rabbitmq-credentials';

const SECRET: RotationSecret = {
  engine: 'rabbitmq',
  brokerId: 'b-1',
  username: 'app',
  password: 'old-secret-pass',
  strategy: 'alternating-users',
  cloneSuffix: '_clone',
  masterarn: 'arn:admin',
  host: 'https://b-1.mq.us-east-1.amazonaws.com/',
};
const ADMIN = { username: 'admin', password: 'admin-secret-pass' };

interface Call {
  method: string;
  url: string;
  body?: unknown;
  auth: string;
}

/** A management API in memory: users with tags, permissions. */
function fakeApi(
  users: Record<string, { tags: string[] }>,
  permissions: Record<string, object[]>,
  status?: number,
) {
  const calls: Call[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    const headers = (init?.headers ?? {}) as Record<string, string>;
    calls.push({
      method,
      url,
      auth: headers.authorization ?? '',
      ...(init?.body ? { body: JSON.parse(String(init.body)) } : {}),
    });
    if (status)
      return new Response(JSON.stringify({ error: 'x', reason: 'Not administrator user' }), { status });
    const path = new URL(url).pathname;
    const perms = /^\/api\/users\/([^/]+)\/permissions$/.exec(path);
    if (perms) return Response.json(permissions[decodeURIComponent(perms[1] as string)] ?? []);
    const user = /^\/api\/users\/([^/]+)$/.exec(path);
    if (user && method === 'GET') {
      const found = users[decodeURIComponent(user[1] as string)];
      return found ? Response.json({ name: user[1], tags: found.tags }) : new Response('{}', { status: 404 });
    }
    return new Response(null, { status: 204 });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const noLocate = async () => {
  throw new Error('DescribeBroker must not be called');
};

describe('Function: RabbitCredentialTarget.apply', () => {
  it('creates a clone with the tags and permissions of the user it copies, as the admin', async () => {
    // Prepare
    const api = fakeApi(
      { app: { tags: ['management', 'monitoring'] } },
      {
        app: [{ user: 'app', vhost: 'orders', configure: '^o', write: '^o', read: '^o' }],
      },
    );
    const target = new RabbitCredentialTarget({ fetch: api.fetch, locate: noLocate });

    // Act
    await target.apply(SECRET, { username: 'app_clone', password: 'new-pass', copyFrom: 'app' }, ADMIN);

    // Assess
    const puts = api.calls.filter((c) => c.method === 'PUT');
    expect(puts.map((c) => [c.url, c.body])).toEqual([
      [
        'https://b-1.mq.us-east-1.amazonaws.com/api/users/app_clone',
        { password: 'new-pass', tags: 'management,monitoring' },
      ],
      [
        'https://b-1.mq.us-east-1.amazonaws.com/api/permissions/orders/app_clone',
        { configure: '^o', write: '^o', read: '^o' },
      ],
    ]);
    expect(
      api.calls.every((c) => c.auth === `Basic ${Buffer.from('admin:admin-secret-pass').toString('base64')}`),
    ).toBe(true);
  });

  it('keeps an existing user’s tags and leaves its permissions alone', async () => {
    const api = fakeApi({ app: { tags: ['administrator'] } }, {});
    const target = new RabbitCredentialTarget({ fetch: api.fetch, locate: noLocate });
    await target.apply(SECRET, { username: 'app', password: 'new-pass' }, ADMIN);
    expect(api.calls.filter((c) => c.method === 'PUT').map((c) => c.body)).toEqual([
      { password: 'new-pass', tags: 'administrator' },
    ]);
  });

  it('explains a 401 without any password in the message', async () => {
    const api = fakeApi({}, {}, 401);
    const target = new RabbitCredentialTarget({ fetch: api.fetch, locate: noLocate });
    const error = await target
      .apply(SECRET, { username: 'app', password: 'new-pass' }, ADMIN)
      .catch((e: Error) => e);
    expect((error as Error).message).toMatch(/HTTP 401: Not administrator user .*masterarn/);
    expect((error as Error).message).not.toMatch(/new-pass|admin-secret-pass/);
  });

  it('finds the console URL with DescribeBroker when the secret has no host', async () => {
    const api = fakeApi({ app: { tags: [] } }, {});
    const target = new RabbitCredentialTarget({
      fetch: api.fetch,
      locate: async () => ({ consoleUrl: 'https://console.example', endpoints: [] }),
    });
    const { host: _host, ...noHost } = SECRET;
    await target.apply(noHost, { username: 'app', password: 'p' }, ADMIN);
    expect(api.calls[0]?.url).toBe('https://console.example/api/users/app');
  });
});

describe('Function: parseAmqpEndpoint', () => {
  it.each([
    [
      'amqps://b-1.mq.us-east-1.amazonaws.com:5671',
      { host: 'b-1.mq.us-east-1.amazonaws.com', port: 5671, tls: true },
    ],
    ['amqps://b-1.example', { host: 'b-1.example', port: 5671, tls: true }],
    ['amqp://127.0.0.1', { host: '127.0.0.1', port: 5672, tls: false }],
  ])('reads %s', (endpoint, expected) => {
    expect(parseAmqpEndpoint(endpoint)).toEqual(expected);
  });

  it.each(['https://x', 'not a url'])('refuses %s', (endpoint) => {
    expect(() => parseAmqpEndpoint(endpoint)).toThrow(AmqpUnreachableError);
  });

  it('rejects an unreachable broker with an error naming the endpoint, not the password', async () => {
    const error = await amqpLogin({
      endpoint: 'amqp://127.0.0.1:1',
      username: 'u',
      password: 'pass-never-shown',
      timeoutMs: 2_000,
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(AmqpUnreachableError);
    expect((error as Error).message).toMatch(/amqp:\/\/127\.0\.0\.1:1 unreachable: ECONNREFUSED/);
    expect((error as Error).message).not.toContain('pass-never-shown');
  });
});
