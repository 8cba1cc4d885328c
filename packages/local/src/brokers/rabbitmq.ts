import type { BrokerBacking } from '../types';
import {
  applyRabbitDefinitions,
  type RabbitBackingBroker,
  RabbitView,
  type RabbitViewBroker,
} from './rabbit-view';
import { RABBITMQ_DEFAULTS, type RabbitMqInfo } from './setup';

/** A user as the management API lists it. */
export interface RabbitMqUser {
  name: string;
  tags: string[];
}

/** One vhost permission of a user. */
export interface RabbitMqPermission {
  user: string;
  vhost: string;
  configure: string;
  write: string;
  read: string;
}

/**
 * Maps emulated RabbitMQ brokers onto one real RabbitMQ: each broker is a vhost named after the broker, and its
 * users are RabbitMQ users (tag `administrator`) with full permissions on that vhost. Talks to the management HTTP
 * API. Users it did not create are never deleted; errors name the HTTP status and path, never a password.
 *
 * Each broker's console URL is its own view of the server (see `rabbit-view.ts`): a loopback proxy, started with
 * the first broker, that shows the broker's vhost only. A scenario's `RabbitDefinitions` (users, permissions,
 * policies, queues with messages) are created in the vhost when the broker is. Call {@link close} when done.
 */
export class RabbitMqBacking implements BrokerBacking {
  readonly engineType = 'RABBITMQ' as const;
  readonly info: RabbitMqInfo;
  /** brokerId → usernames `apply` created or updated for that broker. */
  private readonly usersByBroker = new Map<string, Set<string>>();
  /** brokerName → what the broker's view shows. */
  private readonly viewBrokers = new Map<string, RabbitViewBroker>();
  private view: RabbitView | undefined;
  private viewStarting: Promise<void> | undefined;

  constructor(info: RabbitMqInfo = { ...RABBITMQ_DEFAULTS }) {
    this.info = info;
  }

  /**
   * Creates the vhost and creates or updates each user (password, `administrator` tag, full permissions on the
   * vhost). Users not in `broker.users` are left alone: on RabbitMQ, users other than the provisioning admin are
   * managed through the broker itself.
   */
  async apply(broker: RabbitBackingBroker): Promise<void> {
    const vhost = broker.brokerName;
    await this.request('PUT', `/api/vhosts/${enc(vhost)}`, {});
    const tracked = this.usersByBroker.get(broker.brokerId) ?? new Set<string>();
    this.usersByBroker.set(broker.brokerId, tracked);
    for (const user of broker.users) {
      await this.request(
        'PUT',
        `/api/users/${enc(user.username)}`,
        { password: user.password, tags: 'administrator' },
        [user.password],
      );
      tracked.add(user.username);
      await this.request('PUT', `/api/permissions/${enc(vhost)}/${enc(user.username)}`, {
        configure: '.*',
        write: '.*',
        read: '.*',
      });
    }
    if (broker.rabbitDefinitions) {
      // Its users are this broker's too: `remove` deletes them, the view lists them.
      const definitions = broker.rabbitDefinitions;
      const made = await applyRabbitDefinitions(
        this.request.bind(this),
        vhost,
        definitions,
        this.info.username,
      );
      for (const name of made) tracked.add(name);
    }
    this.viewBrokers.set(vhost, {
      vhost,
      users: tracked,
      ...(broker.rabbitDefinitions?.nodes ? { nodes: broker.rabbitDefinitions.nodes } : {}),
    });
    await this.startView();
  }

  /** The broker's console URL: its view of the server (undefined until a broker was applied). */
  viewUrl(brokerName: string): string | undefined {
    return this.viewBrokers.has(brokerName) ? this.view?.url(brokerName) : undefined;
  }

  /** Stops the brokers' views (the real RabbitMQ is left running). */
  async close(): Promise<void> {
    const view = this.view;
    this.view = undefined;
    this.viewStarting = undefined;
    await view?.stop();
  }

  private startView(): Promise<void> {
    this.viewStarting ??= (async () => {
      const view = new RabbitView({
        upstream: this.info.managementUrl,
        broker: (name) => this.viewBrokers.get(name),
      });
      await view.start();
      this.view = view;
    })();
    return this.viewStarting;
  }

  /**
   * Deletes the vhost, and the users that belonged to this broker only: those `apply` made for it plus any user
   * whose permissions are all on this vhost. A user with permissions on another vhost (another broker) is kept, and
   * so is the management user.
   */
  async remove(brokerId: string, brokerName: string): Promise<void> {
    const candidates = new Set(this.usersByBroker.get(brokerId) ?? []);
    const permissions = (await this.request('GET', '/api/permissions')) as RabbitMqPermission[];
    for (const p of permissions) if (p.vhost === brokerName) candidates.add(p.user);
    candidates.delete(this.info.username);
    const elsewhere = new Set(permissions.filter((p) => p.vhost !== brokerName).map((p) => p.user));

    await this.request('DELETE', `/api/vhosts/${enc(brokerName)}`, undefined, [], [404]);
    for (const username of candidates) {
      if (elsewhere.has(username)) continue;
      await this.request('DELETE', `/api/users/${enc(username)}`, undefined, [], [404]);
    }
    this.usersByBroker.delete(brokerId);
    this.viewBrokers.delete(brokerName);
  }

  endpoints(brokerName: string): { consoleURL: string; endpoints: string[]; ipAddress: string } {
    return {
      consoleURL: this.viewUrl(brokerName) ?? this.info.managementUrl,
      endpoints: [`amqp://127.0.0.1:${this.info.amqpPort}`],
      ipAddress: '127.0.0.1',
    };
  }

  async listUsers(): Promise<RabbitMqUser[]> {
    const users = (await this.request('GET', '/api/users')) as { name: string; tags: string | string[] }[];
    return users.map((u) => ({
      name: u.name,
      // 3.10 answers tags as a list; older versions as a comma-separated string.
      tags: Array.isArray(u.tags) ? u.tags : u.tags.split(',').filter((t) => t !== ''),
    }));
  }

  /** The user's permissions on every vhost; empty when the user does not exist. */
  async userPermissions(username: string): Promise<RabbitMqPermission[]> {
    const result = await this.request('GET', `/api/users/${enc(username)}/permissions`, undefined, [], [404]);
    return result === undefined ? [] : (result as RabbitMqPermission[]);
  }

  async vhostExists(name: string): Promise<boolean> {
    const result = await this.request('GET', `/api/vhosts/${enc(name)}`, undefined, [], [404]);
    return result !== undefined;
  }

  /**
   * One management API call. Answers the parsed JSON body (undefined for an empty body or an allowed error status).
   * `secrets` are redacted from anything that could end up in an error message.
   */
  private async request(
    method: string,
    path: string,
    body?: unknown,
    secrets: string[] = [],
    allowStatus: number[] = [],
  ): Promise<unknown> {
    const auth = Buffer.from(`${this.info.username}:${this.info.password}`).toString('base64');
    const redact = (text: string): string => {
      let out = text;
      for (const secret of [...secrets, this.info.password]) {
        if (secret.length >= 3) out = out.split(secret).join('***');
      }
      return out;
    };
    let res: Response;
    try {
      res = await fetch(`${this.info.managementUrl}${path}`, {
        method,
        headers: {
          authorization: `Basic ${auth}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new Error(
        `RabbitMQ management API ${method} ${path}: ${redact(cause)} (${this.info.managementUrl})`,
      );
    }
    const text = await res.text();
    if (!res.ok) {
      if (allowStatus.includes(res.status)) return undefined;
      const reason = redact(text.slice(0, 300)).trim();
      throw new Error(
        `RabbitMQ management API ${method} ${path} failed: HTTP ${res.status} ${res.statusText}` +
          (reason ? `: ${reason}` : ''),
      );
    }
    return text === '' ? undefined : JSON.parse(text);
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}
