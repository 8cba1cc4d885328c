import {
  DescribeConfigurationRevisionCommand,
  DescribeUserCommand,
  type DescribeUserResponse,
  ListConfigurationRevisionsCommand,
  ListUsersCommand,
  MqClient,
  type MqClientConfig,
  NotFoundException,
} from '@aws-sdk/client-mq';
import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import type { Broker, BrokerCredential, FactSources } from '@mqops/core';
import { mapBounded } from '@mqops/core/concurrency';
import { MqopsError } from '@mqops/core/errors';
import type {
  ActiveMqUserBackup,
  BackupObject,
  BackupSource,
  BackupStore,
  ConfigurationBackup,
  ConfigurationRevisionBackup,
  DefinitionItem,
  RabbitMqDefinitions,
} from '@mqops/core/runbooks/backup';
import { USER_CONCURRENCY } from './mq-details';
import { managementGet, RabbitManagementError } from './rabbit-http';
import { CREDENTIAL_TAGS, SecretsCredentialSource } from './secrets-credentials';

/**
 * The IAM actions of the backup runbooks' adapters (with the inventory's `mq:ListBrokers` and `mq:DescribeBroker`).
 * Secrets Manager only for RabbitMQ brokers (the management API credential).
 */
export const CONFIG_BACKUP_ACTIONS = {
  source: [
    'mq:ListConfigurationRevisions',
    'mq:DescribeConfigurationRevision',
    'mq:ListUsers',
    'mq:DescribeUser',
    'secretsmanager:ListSecrets',
    'secretsmanager:GetSecretValue',
  ],
  store: ['s3:PutObject', 's3:GetObject', 's3:ListBucket'],
} as const;

/** Requests to the MQ API in flight at once for one broker's revisions. */
const REVISION_CONCURRENCY = 4;

/** A credential lookup: the broker's secrets (metadata) and one secret's value. */
export type CredentialLookup = NonNullable<FactSources['credentials']>;

/** Options of {@link MqBackupSource}. */
export interface MqBackupSourceOptions {
  /** The MQ client, or its configuration; default the SDK's standard configuration. */
  mq?: MqClient | MqClientConfig;
  /**
   * Where the RabbitMQ management credential comes from: a Secrets Manager client or its configuration (the
   * broker's secrets tagged `mqops:broker`, as the audit finds them), or a lookup of your own.
   */
  credentials?: SecretsManagerClient | SecretsManagerClientConfig | CredentialLookup;
  /** The `mqops:role` tag of the secret to read definitions with; default `audit` (an administrator). */
  role?: string;
  /** The fetch to use (tests inject a fake); default the global fetch. */
  fetch?: typeof fetch;
  /** Per management API request, in milliseconds; default 10 s. */
  timeoutMs?: number;
  /** Wait before retrying a GET answered 5xx or 429 (twice, doubling); default 250 ms. */
  retryDelayMs?: number;
}

const isLookup = (value: unknown): value is CredentialLookup =>
  typeof (value as CredentialLookup | undefined)?.forBroker === 'function' &&
  typeof (value as CredentialLookup | undefined)?.read === 'function';

/** The fields of a vhost that a definitions export has (the list endpoint adds statistics). */
const VHOST_FIELDS = ['name', 'description', 'tags', 'default_queue_type', 'metadata', 'limits'] as const;
/** The fields of a user that a definitions export has. */
const USER_FIELDS = ['name', 'password_hash', 'hashing_algorithm', 'tags', 'limits'] as const;

const pick = (item: DefinitionItem, fields: readonly string[]): DefinitionItem =>
  Object.fromEntries(fields.filter((f) => item[f] !== undefined).map((f) => [f, item[f]]));

/**
 * What backup-config saves, read from AWS: for ActiveMQ the configuration (ListConfigurationRevisions, then
 * DescribeConfigurationRevision for the current, pending and newest revisions, Data decoded from base64) and the
 * users (ListUsers, then DescribeUser each: groups, console access, pending changes; Amazon MQ never returns
 * passwords); for RabbitMQ the definitions (`GET /api/definitions` on the broker's management API, with the
 * broker's secret tagged `mqops:role=audit`, an administrator) and the configuration when the broker has one.
 *
 * A management API that exports one vhost only (a view scoped to one vhost, as the local cloud gives each emulated
 * broker) answers without users, vhosts and permissions and leaves `vhost` out of queues, exchanges and bindings:
 * those are then read from `/api/users`, `/api/vhosts`, `/api/permissions` and `/api/topic-permissions`, and the
 * vhost filled in. Passwords never appear in an error.
 *
 * @example
 * const source = new MqBackupSource({ mq: { region: 'eu-west-1' }, credentials: { region: 'eu-west-1' } });
 * const definitions = await source.rabbitDefinitions(broker);
 */
export class MqBackupSource implements BackupSource {
  private readonly mq: MqClient;
  private readonly credentials: CredentialLookup;
  private readonly role: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly retryDelayMs: number | undefined;

  constructor(options: MqBackupSourceOptions = {}) {
    this.mq = options.mq instanceof MqClient ? options.mq : new MqClient(options.mq ?? {});
    this.credentials = isLookup(options.credentials)
      ? options.credentials
      : new SecretsCredentialSource(
          options.credentials instanceof SecretsManagerClient
            ? options.credentials
            : new SecretsManagerClient(options.credentials ?? {}),
        );
    this.role = options.role ?? 'audit';
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retryDelayMs = options.retryDelayMs;
  }

  async configuration(broker: Broker, keep: number): Promise<ConfigurationBackup | undefined> {
    const current = broker.configuration;
    if (!current) return undefined;
    const pending = broker.pending.configuration;
    const listed = await this.revisions(current.id);
    if (!listed.some((r) => r.revision === current.revision)) listed.push({ revision: current.revision });
    listed.sort((a, b) => b.revision - a.revision);
    const wanted = new Set(listed.slice(0, keep).map((r) => r.revision));
    wanted.add(current.revision);
    if (pending?.id === current.id) wanted.add(pending.revision);
    const texts = new Map(
      await mapBounded([...wanted], REVISION_CONCURRENCY, async (revision) => {
        const text = await this.revisionText(current.id, revision);
        return [revision, text] as const;
      }),
    );
    const textOf = async (ref: { id: string; revision: number }) =>
      ref.id === current.id
        ? (texts.get(ref.revision) ?? (await this.revisionText(ref.id, ref.revision)))
        : this.revisionText(ref.id, ref.revision);
    return {
      id: current.id,
      revision: current.revision,
      data: await textOf(current),
      ...(pending ? { pending: { ...pending, data: await textOf(pending) } } : {}),
      latest: listed[0]?.revision ?? current.revision,
      revisions: listed.map((r) => {
        const data = texts.get(r.revision);
        return { ...r, ...(data !== undefined ? { data } : {}) };
      }),
    };
  }

  async activeMqUsers(broker: Broker): Promise<ActiveMqUserBackup[]> {
    const usernames: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('ListUsers', broker.id, () =>
        this.mq.send(
          new ListUsersCommand({
            BrokerId: broker.id,
            MaxResults: 100,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      usernames.push(...(page.Users ?? []).flatMap((u) => (u.Username ? [u.Username] : [])));
      token = page.NextToken;
    } while (token);
    const users = await mapBounded(usernames, USER_CONCURRENCY, async (username) => {
      let answer: DescribeUserResponse;
      try {
        answer = await this.mq.send(new DescribeUserCommand({ BrokerId: broker.id, Username: username }));
      } catch (error) {
        // Deleted since ListUsers answered.
        if (error instanceof NotFoundException) return undefined;
        throw new MqopsError(
          `MQ DescribeUser ${username} of broker ${broker.name} failed: ${reason(error)}`,
          {
            cause: error,
          },
        );
      }
      return toUserBackup(answer, username);
    });
    return users.filter((u): u is ActiveMqUserBackup => u !== undefined);
  }

  async rabbitDefinitions(broker: Broker): Promise<RabbitMqDefinitions> {
    const consoleUrl = broker.instances.find((i) => i.consoleUrl)?.consoleUrl;
    if (!consoleUrl)
      throw new RabbitManagementError(
        `broker ${broker.name} has no console URL to reach its management API`,
        '/api/definitions',
      );
    const credential = await this.credential(broker);
    const base = consoleUrl.replace(/\/+$/, '');
    const http = {
      fetch: this.fetch,
      timeoutMs: this.timeoutMs,
      ...(this.retryDelayMs !== undefined ? { retryDelayMs: this.retryDelayMs } : {}),
      hint401: () =>
        ` (user ${credential.username} needs the administrator tag: RabbitMQ exports definitions to administrators only)`,
    };
    const get = <T>(path: string) => managementGet<T>(http, base, path, broker, credential);
    const definitions = await get<RabbitMqDefinitions>('/api/definitions');
    if (Array.isArray(definitions.vhosts)) return definitions;

    // An export of one vhost: the cluster-wide kinds from their own endpoints, and the vhost of each item.
    const [vhosts, users, permissions, topicPermissions] = await Promise.all([
      get<DefinitionItem[]>('/api/vhosts'),
      definitions.users ? Promise.resolve(definitions.users) : get<DefinitionItem[]>('/api/users'),
      definitions.permissions
        ? Promise.resolve(definitions.permissions)
        : get<DefinitionItem[]>('/api/permissions'),
      definitions.topic_permissions
        ? Promise.resolve(definitions.topic_permissions)
        : get<DefinitionItem[]>('/api/topic-permissions'),
    ]);
    const only = vhosts.length === 1 ? vhosts[0]?.name : undefined;
    const scoped = (items: DefinitionItem[] | undefined) =>
      (items ?? []).map((item) =>
        typeof only === 'string' && item.vhost === undefined ? { vhost: only, ...item } : item,
      );
    return {
      ...definitions,
      users: users.map((u) => pick(u, USER_FIELDS)),
      vhosts: vhosts.map((v) => pick(v, VHOST_FIELDS)),
      permissions,
      topic_permissions: topicPermissions,
      parameters: scoped(definitions.parameters),
      policies: scoped(definitions.policies),
      queues: scoped(definitions.queues),
      exchanges: scoped(definitions.exchanges),
      bindings: scoped(definitions.bindings),
    };
  }

  /** Every revision of a configuration (metadata only), across all pages. */
  private async revisions(configurationId: string): Promise<ConfigurationRevisionBackup[]> {
    const out: ConfigurationRevisionBackup[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('ListConfigurationRevisions', configurationId, () =>
        this.mq.send(
          new ListConfigurationRevisionsCommand({
            ConfigurationId: configurationId,
            MaxResults: 100,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      for (const r of page.Revisions ?? []) {
        if (r.Revision === undefined) continue;
        out.push({
          revision: r.Revision,
          ...(r.Created ? { created: new Date(r.Created).toISOString() } : {}),
          ...(r.Description ? { description: r.Description } : {}),
        });
      }
      token = page.NextToken;
    } while (token);
    return out;
  }

  private async revisionText(configurationId: string, revision: number): Promise<string> {
    const answer = await this.call(
      'DescribeConfigurationRevision',
      `${configurationId} revision ${revision}`,
      () =>
        this.mq.send(
          new DescribeConfigurationRevisionCommand({
            ConfigurationId: configurationId,
            ConfigurationRevision: String(revision),
          }),
        ),
    );
    return Buffer.from(answer.Data ?? '', 'base64').toString('utf8');
  }

  private async call<T>(operation: string, what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw new MqopsError(`MQ ${operation} of ${what} failed: ${reason(error)}`, { cause: error });
    }
  }

  /** The broker's secret tagged with the role (`audit`), read. */
  private async credential(broker: Broker): Promise<BrokerCredential> {
    const secrets = await this.credentials.forBroker(broker);
    const secret = secrets.find((s) => s.role === this.role);
    if (!secret)
      throw new MqopsError(
        `no secret tagged ${CREDENTIAL_TAGS.broker}=${broker.name} and ${CREDENTIAL_TAGS.role}=${this.role} for broker ${broker.name}: ` +
          'the backup reads /api/definitions with it (a RabbitMQ administrator)',
      );
    return this.credentials.read(secret.secretArn);
  }
}

/** A DescribeUser answer as a backup keeps it. */
export function toUserBackup(r: DescribeUserResponse, username: string): ActiveMqUserBackup {
  const pending = r.Pending;
  return {
    username: r.Username ?? username,
    consoleAccess: r.ConsoleAccess ?? false,
    groups: r.Groups ?? [],
    replicationUser: r.ReplicationUser ?? false,
    ...(pending?.PendingChange
      ? {
          pending: {
            change: pending.PendingChange,
            ...(pending.ConsoleAccess !== undefined ? { consoleAccess: pending.ConsoleAccess } : {}),
            ...(pending.Groups !== undefined ? { groups: pending.Groups } : {}),
          },
        }
      : {}),
  };
}

/** An SDK error's name and message (never a request's content). */
function reason(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Backups in an S3 bucket: each a JSON object written with SSE-S3 (AES256), read back, and listed by prefix across
 * pages (ListObjectsV2).
 *
 * @example
 * const store = new S3BackupStore('mqops-backups-prod', { region: 'eu-west-1' });
 * await store.put('backups/orders/2026-05-01T03:00:00.000Z.json', json);
 */
export class S3BackupStore implements BackupStore {
  readonly location: string;
  private readonly client: S3Client;

  constructor(
    private readonly bucket: string,
    client: S3Client | S3ClientConfig = {},
  ) {
    this.client = client instanceof S3Client ? client : new S3Client(client);
    this.location = `s3://${bucket}`;
  }

  async put(key: string, json: string): Promise<void> {
    await this.s3('PutObject', key, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: json,
          ContentType: 'application/json',
          ServerSideEncryption: 'AES256',
        }),
      ),
    );
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await answer.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string } | null)?.name === 'NoSuchKey')
        return undefined;
      throw new MqopsError(`S3 GetObject ${this.location}/${key} failed: ${reason(error)}`, { cause: error });
    }
  }

  async list(prefix: string): Promise<BackupObject[]> {
    return this.s3('ListObjectsV2', prefix, async () => {
      const out: BackupObject[] = [];
      for await (const page of paginateListObjectsV2(
        { client: this.client },
        { Bucket: this.bucket, Prefix: prefix },
      )) {
        for (const o of page.Contents ?? []) {
          if (!o.Key) continue;
          out.push({
            key: o.Key,
            ...(o.Size !== undefined ? { size: o.Size } : {}),
            ...(o.LastModified ? { lastModified: o.LastModified } : {}),
          });
        }
      }
      return out;
    });
  }

  private async s3<T>(operation: string, key: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw new MqopsError(`S3 ${operation} ${this.location}/${key} failed: ${reason(error)}`, {
        cause: error,
      });
    }
  }
}
