import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BackingBroker } from '../types';

/**
 * Makes each emulated RabbitMQ broker look like its own RabbitMQ server, although all of them are vhosts of one
 * real RabbitMQ: a small HTTP proxy in front of the real management API, one per {@link RabbitMqBacking}, where
 * `http://127.0.0.1:PORT/<brokerName>` plays the broker's console URL (Amazon MQ's `https://b-….mq.REGION.amazonaws.com`)
 * and `…/<brokerName>/api/…` its management API.
 *
 * What a broker's view shows:
 * - requests go to the real API with the caller's own basic auth, so RabbitMQ's own authorisation applies (a
 *   `monitoring` user gets 401 on `/api/users`, exactly as on Amazon MQ);
 * - lists of vhost-scoped things (`/api/queues`, `/api/exchanges`, `/api/bindings`, `/api/policies`,
 *   `/api/operator-policies`, `/api/consumers`, `/api/permissions`, `/api/topic-permissions`, `/api/definitions`)
 *   are asked for the broker's vhost only, so paging and counts stay right; `/api/vhosts` lists that vhost only;
 *   a path naming another vhost answers 404 as RabbitMQ does for a vhost that does not exist;
 * - `/api/users` lists the users with permissions on the vhost, the users the backing made for this broker, and
 *   `guest` when it exists on the server. Keeping `guest` is deliberate: the local RabbitMQ's management user is
 *   `guest`, so every local broker shows the realistic "guest user exists" finding. `guest` also has `.*` on
 *   every broker's vhost, because RabbitMQ grants a vhost's creator full permissions on it;
 * - `/api/overview` and `/api/nodes` pass through (the listeners are the local server's plain `amqp` 5672 and
 *   `http` 15672: every local broker shows plain listeners); a scenario can overlay node figures to emulate a
 *   resource alarm, which is never raised on the shared server itself;
 * - anything else (the web UI's pages and scripts, other API paths) passes through unchanged.
 */

/** A user to create in RabbitMQ, with its password in clear (the local cloud is a test bed). */
export interface RabbitDefinitionUser {
  name: string;
  password: string;
  /** `administrator`, `monitoring`, `policymaker`, `management`, or none. */
  tags?: string[];
}

/** A permission on the broker's vhost (the vhost is always the broker's). */
export interface RabbitDefinitionPermission {
  user: string;
  configure: string;
  write: string;
  read: string;
}

export interface RabbitDefinitionPolicy {
  name: string;
  pattern: string;
  definition: Record<string, unknown>;
  /** `queues` (default `all`), `classic_queues`, `quorum_queues`, `streams`, `exchanges`, `all`. */
  'apply-to'?: string;
  priority?: number;
}

export interface RabbitDefinitionExchange {
  name: string;
  /** Default `direct`. */
  type?: string;
  /** Default true. */
  durable?: boolean;
}

export interface RabbitDefinitionBinding {
  /** Exchange name. */
  source: string;
  /** Queue (or exchange) name. */
  destination: string;
  /** Default `queue`. */
  destination_type?: 'queue' | 'exchange';
  routing_key?: string;
}

export interface RabbitDefinitionQueue {
  name: string;
  /** Default true. */
  durable?: boolean;
  auto_delete?: boolean;
  /** `x-queue-type`, `x-dead-letter-exchange`, `x-queue-mode`, `x-max-length`, … */
  arguments?: Record<string, unknown>;
  /**
   * Messages to publish into the queue when it is created (through the default exchange, one HTTP request each:
   * keep it to a few thousand). Not published again when the queue already exists.
   */
  messages?: number;
}

/** Figures merged into every node of the broker's `/api/nodes` answer (emulated; the real server is untouched). */
export interface RabbitNodeOverrides {
  mem_used?: number;
  mem_limit?: number;
  mem_alarm?: boolean;
  disk_free?: number;
  disk_free_limit?: number;
  disk_free_alarm?: boolean;
}

/**
 * The data plane of an emulated RabbitMQ broker, seeded on the real server when the broker is created: a subset of
 * RabbitMQ's definitions format (vhost left out — it is always the broker's; passwords in clear), plus messages to
 * publish and emulated node figures.
 */
export interface RabbitDefinitions {
  users?: RabbitDefinitionUser[];
  permissions?: RabbitDefinitionPermission[];
  exchanges?: RabbitDefinitionExchange[];
  queues?: RabbitDefinitionQueue[];
  bindings?: RabbitDefinitionBinding[];
  policies?: RabbitDefinitionPolicy[];
  nodes?: RabbitNodeOverrides;
}

/** What the backing is told for a RabbitMQ broker: the live users, plus the scenario's data plane if any. */
export type RabbitBackingBroker = BackingBroker & { rabbitDefinitions?: RabbitDefinitions };

/** One management API call of the backing (its credentials, redaction of `secrets`, statuses it tolerates). */
export type ManagementRequest = (
  method: string,
  path: string,
  body?: unknown,
  secrets?: string[],
  allowStatus?: number[],
) => Promise<unknown>;

const enc = encodeURIComponent;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long {@link applyRabbitDefinitions} waits for published messages to show in the statistics. */
export const STATS_WAIT_MS = 20_000;
/** Publish requests in flight at once. */
const PUBLISH_CONCURRENCY = 8;

/**
 * Creates the definitions in the broker's vhost, in dependency order (users, permissions, exchanges, queues,
 * bindings, policies), publishes the queues' messages, and waits until the management API counts them (queue
 * statistics lag up to 5 s), so an audit right after sees them. Idempotent, except that messages are published
 * only into queues this call created.
 *
 * `managementUser` (the backing's own user) needs write permission on the vhost to publish through the API: it is
 * given one for the time of publishing only, so the broker's view does not show it.
 *
 * @returns The names of the users it created or updated.
 */
export async function applyRabbitDefinitions(
  request: ManagementRequest,
  vhost: string,
  definitions: RabbitDefinitions,
  managementUser: string,
): Promise<string[]> {
  const v = enc(vhost);
  for (const u of definitions.users ?? []) {
    await request(
      'PUT',
      `/api/users/${enc(u.name)}`,
      { password: u.password, tags: (u.tags ?? []).join(',') },
      [u.password],
    );
  }
  for (const p of definitions.permissions ?? []) {
    await request('PUT', `/api/permissions/${v}/${enc(p.user)}`, {
      configure: p.configure,
      write: p.write,
      read: p.read,
    });
  }
  for (const e of definitions.exchanges ?? []) {
    await request('PUT', `/api/exchanges/${v}/${enc(e.name)}`, {
      type: e.type ?? 'direct',
      durable: e.durable ?? true,
      auto_delete: false,
      internal: false,
      arguments: {},
    });
  }
  const fill: { name: string; messages: number }[] = [];
  for (const q of definitions.queues ?? []) {
    const existed =
      (await request('GET', `/api/queues/${v}/${enc(q.name)}`, undefined, [], [404])) !== undefined;
    await request('PUT', `/api/queues/${v}/${enc(q.name)}`, {
      durable: q.durable ?? true,
      auto_delete: q.auto_delete ?? false,
      arguments: q.arguments ?? {},
    });
    if (!existed && (q.messages ?? 0) > 0) fill.push({ name: q.name, messages: q.messages ?? 0 });
  }
  for (const b of definitions.bindings ?? []) {
    const kind = b.destination_type === 'exchange' ? 'e' : 'q';
    await request('POST', `/api/bindings/${v}/e/${enc(b.source)}/${kind}/${enc(b.destination)}`, {
      routing_key: b.routing_key ?? b.destination,
      arguments: {},
    });
  }
  for (const p of definitions.policies ?? []) {
    await request('PUT', `/api/policies/${v}/${enc(p.name)}`, {
      pattern: p.pattern,
      definition: p.definition,
      'apply-to': p['apply-to'] ?? 'all',
      priority: p.priority ?? 0,
    });
  }
  if (fill.length > 0) {
    const grant = `/api/permissions/${v}/${enc(managementUser)}`;
    const had = (await request('GET', grant, undefined, [], [404])) !== undefined;
    if (!had) await request('PUT', grant, { configure: '', write: '^amq\\.default$', read: '' });
    try {
      for (const q of fill) await publish(request, vhost, q.name, q.messages);
    } finally {
      if (!had) await request('DELETE', grant, undefined, [], [404]);
    }
  }
  for (const q of fill) await waitForCount(request, vhost, q.name, q.messages);
  return (definitions.users ?? []).map((u) => u.name);
}

async function publish(
  request: ManagementRequest,
  vhost: string,
  queue: string,
  count: number,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const answer = (await request('POST', `/api/exchanges/${enc(vhost)}/amq.default/publish`, {
        properties: { delivery_mode: 2, content_type: 'text/plain' },
        routing_key: queue,
        payload: `mqops local message ${i + 1} of ${count}`,
        payload_encoding: 'string',
      })) as { routed?: boolean } | undefined;
      if (answer?.routed !== true)
        throw new Error(`publishing to queue ${queue} of vhost ${vhost}: not routed`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PUBLISH_CONCURRENCY, count) }, worker));
}

async function waitForCount(
  request: ManagementRequest,
  vhost: string,
  queue: string,
  count: number,
): Promise<void> {
  const deadline = Date.now() + STATS_WAIT_MS;
  for (;;) {
    const q = (await request('GET', `/api/queues/${enc(vhost)}/${enc(queue)}?columns=messages`)) as {
      messages?: number;
    };
    if ((q.messages ?? 0) >= count) return;
    if (Date.now() > deadline) {
      throw new Error(
        `queue ${queue} of vhost ${vhost}: the management API still counts ${q.messages ?? 0} of ${count} ` +
          `published messages after ${STATS_WAIT_MS / 1000} s`,
      );
    }
    await sleep(500);
  }
}

// ---- the view ------------------------------------------------------------------------------------------------

/** One broker as its view shows it. */
export interface RabbitViewBroker {
  /** The broker's vhost on the real server. */
  vhost: string;
  /** Users that belong to the broker even without a permission on its vhost (e.g. an audit administrator). */
  users: ReadonlySet<string>;
  nodes?: RabbitNodeOverrides;
}

export interface RabbitViewOptions {
  /** The real management API, e.g. http://127.0.0.1:15672. */
  upstream: string;
  /** The broker a path prefix names; undefined for names the backing does not know (answered 404). */
  broker(name: string): RabbitViewBroker | undefined;
  /** Per upstream request; default 15 s. */
  timeoutMs?: number;
}

/** API kinds whose second path segment is a vhost. */
const VHOST_SCOPED = new Set([
  'queues',
  'exchanges',
  'bindings',
  'policies',
  'operator-policies',
  'consumers',
  'permissions',
  'topic-permissions',
  'vhosts',
  'definitions',
  'aliveness-test',
  'vhost-limits',
]);

/** List kinds asked for per vhost: `/api/KIND` becomes this path for the broker's vhost. */
const PER_VHOST_LIST: Record<string, (v: string) => string> = {
  queues: (v) => `/api/queues/${v}`,
  exchanges: (v) => `/api/exchanges/${v}`,
  bindings: (v) => `/api/bindings/${v}`,
  policies: (v) => `/api/policies/${v}`,
  'operator-policies': (v) => `/api/operator-policies/${v}`,
  consumers: (v) => `/api/consumers/${v}`,
  permissions: (v) => `/api/vhosts/${v}/permissions`,
  'topic-permissions': (v) => `/api/vhosts/${v}/topic-permissions`,
  definitions: (v) => `/api/definitions/${v}`,
};

const NOT_FOUND = JSON.stringify({ error: 'Object Not Found', reason: 'Not Found' });

interface Upstream {
  status: number;
  contentType: string;
  body: Buffer;
}

/** The per-broker management API proxy (see the top of this file). */
export class RabbitView {
  private readonly options: RabbitViewOptions;
  private server: Server | undefined;
  private base = '';

  constructor(options: RabbitViewOptions) {
    this.options = options;
  }

  /** Listens on a free loopback port. The server never keeps the process alive on its own. */
  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'bad_gateway', reason: `rabbit view: ${message}` }));
      });
    });
    server.on('connection', (socket) => socket.unref());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    server.unref();
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** The broker's console URL (its management API is under `/api`); undefined before {@link start}. */
  url(brokerName: string): string | undefined {
    return this.server ? `${this.base}/${enc(brokerName)}` : undefined;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://view');
    const [, first = '', ...rest] = url.pathname.split('/');
    const broker = this.options.broker(decodeURIComponent(first));
    if (!broker) return send(res, 404, 'application/json', NOT_FOUND);
    const path = `/${rest.join('/')}`;
    const segments = rest.map((s) => decodeURIComponent(s));
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const forward = (target: string) => this.upstream(method, target, req, body);
    const v = enc(broker.vhost);

    if (segments[0] !== 'api') return pipe(res, await forward(`${path}${url.search}`));
    const [, kind = '', scope] = segments;

    // A path naming another vhost: that vhost does not exist on this broker.
    if (VHOST_SCOPED.has(kind) && scope !== undefined && scope !== '' && scope !== broker.vhost) {
      return send(res, 404, 'application/json', NOT_FOUND);
    }
    const list = scope === undefined || scope === '';
    if (method === 'GET' && list && kind === 'vhosts') {
      return pipe(
        res,
        filtered(await forward(`/api/vhosts${url.search}`), (item) => item.name === broker.vhost),
      );
    }
    if (method === 'GET' && list && PER_VHOST_LIST[kind]) {
      const target = (PER_VHOST_LIST[kind] as (vhost: string) => string)(v);
      const answer = await forward(`${target}${url.search}`);
      return pipe(
        res,
        kind === 'definitions' ? answer : filtered(answer, (item) => item.vhost === broker.vhost),
      );
    }
    if (method === 'GET' && kind === 'users' && segments.length === 2) {
      return pipe(res, await this.users(broker, req, url.search));
    }
    if (method === 'GET' && kind === 'users' && segments[3] === 'permissions') {
      return pipe(
        res,
        filtered(await forward(`${path}${url.search}`), (item) => item.vhost === broker.vhost),
      );
    }
    if (method === 'GET' && kind === 'nodes' && broker.nodes) {
      const overlay = broker.nodes;
      return pipe(
        res,
        mapJson(await forward(`${path}${url.search}`), (json) =>
          Array.isArray(json) ? json.map((n) => ({ ...n, ...overlay })) : { ...(json as object), ...overlay },
        ),
      );
    }
    return pipe(res, await forward(`${path}${url.search}`));
  }

  /** The users that belong to this broker: permissions on its vhost, made for it, and guest. */
  private async users(broker: RabbitViewBroker, req: IncomingMessage, search: string): Promise<Upstream> {
    const users = await this.upstream('GET', `/api/users${search}`, req);
    if (users.status !== 200) return users;
    const permissions = await this.upstream('GET', `/api/vhosts/${enc(broker.vhost)}/permissions`, req);
    if (permissions.status !== 200) return permissions;
    const visible = new Set<string>([...broker.users, 'guest']);
    for (const p of JSON.parse(permissions.body.toString('utf8')) as { user: string }[]) visible.add(p.user);
    return filtered(users, (item) => typeof item.name === 'string' && visible.has(item.name));
  }

  private async upstream(
    method: string,
    path: string,
    req: IncomingMessage,
    body?: Buffer,
  ): Promise<Upstream> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
    const response = await fetch(`${this.options.upstream}${path}`, {
      method,
      headers,
      ...(body && body.length > 0 && method !== 'GET' && method !== 'HEAD' ? { body } : {}),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      body: Buffer.from(await response.arrayBuffer()),
    };
  }
}

/** Applies `change` to a successful JSON answer; anything else is passed on as it is. */
function mapJson(answer: Upstream, change: (json: unknown) => unknown): Upstream {
  if (answer.status !== 200 || !answer.contentType.includes('json')) return answer;
  const json = JSON.parse(answer.body.toString('utf8')) as unknown;
  return { ...answer, contentType: 'application/json', body: Buffer.from(JSON.stringify(change(json))) };
}

/** Keeps the items of a list answer (a plain list or a page of `items`) that `keep` accepts. */
function filtered(answer: Upstream, keep: (item: Record<string, unknown>) => boolean): Upstream {
  return mapJson(answer, (json) => {
    if (Array.isArray(json)) return json.filter(keep);
    const page = json as { items?: Record<string, unknown>[] };
    if (Array.isArray(page.items)) {
      const items = page.items.filter(keep);
      return { ...page, items, item_count: items.length };
    }
    return json;
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function pipe(res: ServerResponse, answer: Upstream): void {
  send(res, answer.status, answer.contentType, answer.body);
}
