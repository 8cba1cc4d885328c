import {
  DescribeBrokerCommand,
  type DescribeBrokerCommandOutput,
  MqClient,
  type MqClientConfig,
} from '@aws-sdk/client-mq';
import { MqopsError } from '@mqops/core';
import { cachedUntilFailure } from '@mqops/core/concurrency';
import type { Credential, CredentialTarget, RotationSecret, UserChange } from '@mqops/core/rotation/index';
import { amqpLogin } from './amqp-login';
import { managementRequest } from './rabbit-http';
import { normaliseTags } from './rabbitmq-management';

/** Where a broker is reached: its management API base URL and its wire endpoints. */
export interface BrokerAddress {
  consoleUrl?: string;
  endpoints: string[];
}

/** Finds a broker's address by id. */
export type BrokerLocator = (brokerId: string) => Promise<BrokerAddress>;

/** A {@link BrokerLocator} on the MQ API's DescribeBroker (the first instance's console URL, every endpoint). */
export function describeBrokerLocator(client: MqClient | MqClientConfig = {}): BrokerLocator {
  const mq = client instanceof MqClient ? client : new MqClient(client);
  return async (brokerId) => {
    let out: DescribeBrokerCommandOutput;
    try {
      out = await mq.send(new DescribeBrokerCommand({ BrokerId: brokerId }));
    } catch (error) {
      throw new MqopsError(
        `MQ DescribeBroker of ${brokerId} failed: ${(error as Error).name}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const instances = out.BrokerInstances ?? [];
    const consoleUrl = instances.find((i) => i.ConsoleURL)?.ConsoleURL;
    return { ...(consoleUrl ? { consoleUrl } : {}), endpoints: instances.flatMap((i) => i.Endpoints ?? []) };
  };
}

/** Options of {@link RabbitCredentialTarget}. */
export interface RabbitCredentialTargetOptions {
  /** Where the broker is when the secret has no `host` / `endpoints`; default DescribeBroker. */
  locate?: BrokerLocator;
  /** The fetch to use (tests inject a fake); default the global fetch. */
  fetch?: typeof fetch;
  /** Per request and per AMQP login; default 5 s. */
  timeoutMs?: number;
}

const enc = encodeURIComponent;

/**
 * RabbitMQ users of an Amazon MQ broker, for rotation: the password is set through the management HTTP API
 * (`PUT /api/users/{name}`, keeping the user's tags; a new clone user gets the tags and vhost permissions of the user
 * it copies) and a credential is proven by a real AMQP 0-9-1 login. The management URL is the secret's `host`, else
 * the broker's console URL; the AMQP endpoint the secret's first `endpoints` entry, else the broker's.
 * Passwords never appear in an error.
 *
 * @example
 * const rabbit = new RabbitCredentialTarget({ locate: describeBrokerLocator({ region: 'eu-west-1' }) });
 */
export class RabbitCredentialTarget implements CredentialTarget {
  private readonly locate: BrokerLocator;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly addresses = new Map<string, Promise<BrokerAddress>>();

  constructor(options: RabbitCredentialTargetOptions = {}) {
    this.locate = options.locate ?? describeBrokerLocator();
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  async verify(secret: RotationSecret, credential: Credential): Promise<boolean> {
    const endpoint =
      secret.endpoints?.[0] ?? (await this.address(secret)).endpoints.find((e) => /^amqps?:/.test(e));
    if (!endpoint) throw new MqopsError(`broker ${secret.brokerId} has no AMQP endpoint`);
    return amqpLogin({
      endpoint,
      username: credential.username,
      password: credential.password,
      vhost: secret.vhost ?? '/',
      timeoutMs: this.timeoutMs,
    });
  }

  async apply(secret: RotationSecret, change: UserChange, admin: Credential): Promise<void> {
    const base = await this.managementUrl(secret);
    const call = (method: string, path: string, body?: unknown, allow: number[] = []) =>
      this.request(
        base,
        method,
        path,
        admin,
        [change.password, admin.password],
        body,
        allow,
        secret.brokerId,
      );
    const existing = (await call('GET', `/api/users/${enc(change.username)}`, undefined, [404])) as
      | { tags?: string | string[] }
      | undefined;
    let tags = normaliseTags(existing?.tags);
    const permissions: { vhost: string; configure: string; write: string; read: string }[] = [];
    if (!existing && change.copyFrom) {
      const source = (await call('GET', `/api/users/${enc(change.copyFrom)}`)) as {
        tags?: string | string[];
      };
      tags = normaliseTags(source.tags);
      permissions.push(
        ...((await call('GET', `/api/users/${enc(change.copyFrom)}/permissions`)) as typeof permissions),
      );
    }
    await call('PUT', `/api/users/${enc(change.username)}`, {
      password: change.password,
      tags: tags.join(','),
    });
    for (const p of permissions) {
      await call('PUT', `/api/permissions/${enc(p.vhost)}/${enc(change.username)}`, {
        configure: p.configure,
        write: p.write,
        read: p.read,
      });
    }
  }

  private address(secret: RotationSecret): Promise<BrokerAddress> {
    return cachedUntilFailure(this.addresses, secret.brokerId, () => this.locate(secret.brokerId));
  }

  private async managementUrl(secret: RotationSecret): Promise<string> {
    const url = secret.host ?? (await this.address(secret)).consoleUrl;
    if (!url)
      throw new MqopsError(`broker ${secret.brokerId} has no console URL to reach its management API`);
    return url.replace(/\/+$/, '');
  }

  private async request(
    base: string,
    method: string,
    path: string,
    admin: Credential,
    secrets: string[],
    body: unknown,
    allow: number[],
    brokerId: string,
  ): Promise<unknown> {
    return managementRequest(
      {
        fetch: this.fetch,
        timeoutMs: this.timeoutMs,
        // No retry here: Secrets Manager retries a failed rotation step itself.
        retries: 0,
        // Only administrators may change users: a user rotating itself must be one, others need `masterarn`.
        hint401: () =>
          ` (user ${admin.username} cannot manage users: set the secret's masterarn to an administrator's secret)`,
      },
      { base, method, path, body, allow, broker: brokerId, credential: admin, secrets },
    );
  }
}
