import type {
  Broker,
  BrokerCredential,
  FactSources,
  RabbitFacts,
  RabbitListenerFacts,
  RabbitNodeFacts,
  RabbitPermissionFacts,
  RabbitPolicyFacts,
  RabbitQueueFacts,
  RabbitUserFacts,
} from '@mqops/core';
import { type ManagementGetOptions, managementGet, RabbitManagementError } from './rabbit-http';

export { RabbitManagementError } from './rabbit-http';

/** Defaults of {@link RabbitManagementSource}. */
export const RABBIT_MANAGEMENT_DEFAULTS = {
  /** Per request. */
  timeoutMs: 10_000,
  /** Queues per page: the management API refuses more than 500. */
  pageSize: 500,
} as const;

/** The queue fields asked for (`columns`): far smaller answers than the full queue objects on big brokers. */
export const QUEUE_COLUMNS = [
  'vhost',
  'name',
  'type',
  'durable',
  'messages',
  'messages_ready',
  'arguments',
  'policy',
  'effective_policy_definition',
] as const;

/** Options of {@link RabbitManagementSource}. */
export interface RabbitManagementOptions {
  /** The fetch to use (tests inject a fake); default the global fetch. */
  fetch?: typeof fetch;
  /** Timeout of each request, in milliseconds; default 10 s. */
  timeoutMs?: number;
  /** Queues per page (1–500); default 500. */
  pageSize?: number;
  /** Further attempts of a GET answered 5xx or 429; default 2. */
  retries?: number;
  /** Wait before the first retry, doubled for each further one (jittered); default 250 ms. */
  retryDelayMs?: number;
  /** A hard end (epoch ms; e.g. the Lambda's end less a margin), read per request: no request or wait lasts past it. */
  deadline?: () => number;
}

// ---- wire shapes (RabbitMQ 3.8 – 4.x; everything optional that some version leaves out) ----------------------

interface WireOverview {
  rabbitmq_version?: string;
  product_version?: string;
  management_version?: string;
  listeners?: { node?: string; protocol?: string; port?: number }[];
}
interface WireUser {
  name: string;
  /** A list since 3.9, a comma-separated string before. */
  tags?: string | string[];
}
interface WirePermission {
  user: string;
  vhost: string;
  configure: string;
  write: string;
  read: string;
}
interface WirePolicy {
  vhost: string;
  name: string;
  pattern: string;
  'apply-to'?: string;
  priority?: number;
  definition?: Record<string, unknown>;
}
interface WireQueue {
  vhost: string;
  name: string;
  type?: string;
  durable?: boolean;
  messages?: number;
  messages_ready?: number;
  arguments?: Record<string, unknown>;
  policy?: string | null;
  effective_policy_definition?: Record<string, unknown> | [];
}
interface WireNode {
  name: string;
  mem_used?: number;
  mem_limit?: number;
  mem_alarm?: boolean;
  disk_free?: number;
  disk_free_limit?: number;
  disk_free_alarm?: boolean;
}
interface WirePage<T> {
  items: T[];
  page: number;
  page_count: number;
}

/** Tags as a list, whatever the version answered. */
export function normaliseTags(tags: string | string[] | undefined): string[] {
  const list = Array.isArray(tags) ? tags : (tags ?? '').split(',');
  return list.map((t) => t.trim()).filter((t) => t !== '');
}

/** Queue types a policy's apply-to covers. */
function appliesToQueue(applyTo: string, queueType: string): boolean {
  switch (applyTo) {
    case 'all':
    case 'queues':
      return true;
    case 'classic_queues':
      return queueType === 'classic';
    case 'quorum_queues':
      return queueType === 'quorum';
    case 'streams':
      return queueType === 'stream';
    default:
      return false;
  }
}

/**
 * The policy RabbitMQ applies to a queue: of the vhost's policies whose pattern matches the name and whose apply-to
 * covers the queue type, the one with the highest priority. Used when the API has not reported it yet (a queue's
 * `policy` and `effective_policy_definition` appear with its first statistics, up to 5 s after it is declared).
 */
export function matchingPolicy(
  queue: { vhost: string; name: string; type: string },
  policies: readonly RabbitPolicyFacts[],
): RabbitPolicyFacts | undefined {
  let best: RabbitPolicyFacts | undefined;
  for (const p of policies) {
    if (p.vhost !== queue.vhost || !appliesToQueue(p.applyTo, queue.type)) continue;
    let matches = false;
    try {
      matches = new RegExp(p.pattern).test(queue.name);
    } catch {
      // A pattern JavaScript cannot parse (Erlang's PCRE accepts a little more): treat it as not matching.
    }
    if (matches && (!best || p.priority > best.priority)) best = p;
  }
  return best;
}

function toQueue(q: WireQueue, policies: readonly RabbitPolicyFacts[]): RabbitQueueFacts {
  const type = q.type ?? 'classic';
  // An empty definition is sometimes an empty JSON list (Erlang's [] for an empty proplist).
  const reported = Array.isArray(q.effective_policy_definition) ? {} : q.effective_policy_definition;
  const fallback =
    reported === undefined ? matchingPolicy({ vhost: q.vhost, name: q.name, type }, policies) : undefined;
  const policy = q.policy ?? fallback?.name;
  return {
    vhost: q.vhost,
    name: q.name,
    type,
    durable: q.durable ?? true,
    messages: q.messages ?? 0,
    messagesReady: q.messages_ready ?? 0,
    arguments: q.arguments ?? {},
    ...(policy ? { policy } : {}),
    effectivePolicy: reported ?? fallback?.definition ?? {},
  };
}

/**
 * The RabbitMQ data plane of an Amazon MQ broker, read through the management HTTP API on the broker's console
 * URL (`https://b-….mq.REGION.amazonaws.com/api/…`) with basic authentication: version and listeners, users,
 * vhosts, permissions, policies, queues (paged, only the columns the checks read) and nodes.
 *
 * RabbitMQ shows `/api/users` and `/api/permissions` to users tagged `administrator` only, so the audit credential
 * must be one. The password never appears in an error or a log line.
 *
 * @example
 * const rabbit = new RabbitManagementSource({ timeoutMs: 5_000 });
 * const facts = await rabbit.snapshot(broker, { username: 'mqops-audit', password });
 */
export class RabbitManagementSource implements NonNullable<FactSources['rabbit']> {
  private readonly http: ManagementGetOptions;
  private readonly pageSize: number;

  constructor(options: RabbitManagementOptions = {}) {
    this.http = {
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      timeoutMs: options.timeoutMs ?? RABBIT_MANAGEMENT_DEFAULTS.timeoutMs,
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
      deadline: options.deadline,
      hint401: auditHint,
    };
    this.pageSize = Math.min(500, Math.max(1, options.pageSize ?? RABBIT_MANAGEMENT_DEFAULTS.pageSize));
  }

  /**
   * @throws RabbitManagementError naming the path and status when a request fails, times out or answers non-JSON.
   */
  async snapshot(broker: Broker, credential: BrokerCredential): Promise<RabbitFacts> {
    const consoleUrl = broker.instances.find((i) => i.consoleUrl)?.consoleUrl;
    if (!consoleUrl) {
      throw new RabbitManagementError(
        `broker ${broker.name} has no console URL to reach its management API`,
        '/api',
      );
    }
    const base = consoleUrl.replace(/\/+$/, '');
    const get = <T>(path: string) => managementGet<T>(this.http, base, path, broker, credential);

    // The overview first: a wrong password then fails once, with one clear error, instead of six at once.
    const overview = await get<WireOverview>('/api/overview');
    const [users, vhosts, permissions, wirePolicies, nodes] = await Promise.all([
      get<WireUser[]>('/api/users'),
      get<{ name: string }[]>('/api/vhosts'),
      get<WirePermission[]>('/api/permissions'),
      get<WirePolicy[]>('/api/policies'),
      get<WireNode[]>('/api/nodes'),
    ]);
    const policies: RabbitPolicyFacts[] = wirePolicies.map((p) => ({
      vhost: p.vhost,
      name: p.name,
      pattern: p.pattern,
      applyTo: p['apply-to'] ?? 'all',
      priority: p.priority ?? 0,
      definition: p.definition ?? {},
    }));
    const queues = (await this.queues(get)).map((q) => toQueue(q, policies));

    return {
      version: overview.rabbitmq_version ?? overview.product_version ?? overview.management_version ?? '',
      users: users.map((u): RabbitUserFacts => ({ name: u.name, tags: normaliseTags(u.tags) })),
      vhosts: vhosts.map((v) => v.name),
      permissions: permissions.map(
        (p): RabbitPermissionFacts => ({
          user: p.user,
          vhost: p.vhost,
          configure: p.configure,
          write: p.write,
          read: p.read,
        }),
      ),
      policies,
      queues,
      nodes: nodes.map(
        (n): RabbitNodeFacts => ({
          name: n.name,
          memUsed: n.mem_used ?? 0,
          memLimit: n.mem_limit ?? 0,
          memAlarm: n.mem_alarm ?? false,
          diskFree: n.disk_free ?? 0,
          diskFreeLimit: n.disk_free_limit ?? 0,
          diskFreeAlarm: n.disk_free_alarm ?? false,
        }),
      ),
      listeners: (overview.listeners ?? []).map(
        (l): RabbitListenerFacts => ({ protocol: l.protocol ?? '', port: l.port ?? 0, node: l.node ?? '' }),
      ),
    };
  }

  /** Every queue, page by page (a broker can have tens of thousands; one unpaged answer would be huge). */
  private async queues(get: <T>(path: string) => Promise<T>): Promise<WireQueue[]> {
    const out: WireQueue[] = [];
    const columns = QUEUE_COLUMNS.join(',');
    for (let page = 1; ; page++) {
      const answer = await get<WirePage<WireQueue> | WireQueue[]>(
        `/api/queues?page=${page}&page_size=${this.pageSize}&columns=${columns}`,
      );
      // Very old versions ignore paging and answer the whole list.
      if (Array.isArray(answer)) return answer;
      out.push(...answer.items);
      if (page >= answer.page_count) return out;
    }
  }
}

/** What a 401 means for mqops's audit user, given RabbitMQ's reason. */
function auditHint(reason: string, path: string): string {
  return /not.administrator/i.test(reason)
    ? ` (the audit user needs the administrator tag: RabbitMQ shows ${path.split('?')[0]} to administrators only)`
    : /not.(monitor|management|policymaker)/i.test(reason)
      ? ' (the audit user needs the administrator tag)'
      : ' (check the audit secret: wrong username or password, or a user without a management tag)';
}
