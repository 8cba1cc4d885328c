import {
  GetSecretValueCommand,
  paginateListSecrets,
  type RotationRulesType,
  type SecretListEntry,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import {
  type Broker,
  type BrokerCredential,
  type CredentialFacts,
  type FactSources,
  MqopsError,
} from '@mqops/core';

/** Tags mqops reads on credential secrets. */
export const CREDENTIAL_TAGS = {
  /** The broker id, name or ARN the credential belongs to. */
  broker: 'mqops:broker',
  /** The broker user the credential is for. */
  username: 'mqops:username',
  /** `audit` marks the read-only credential mqops itself uses. */
  role: 'mqops:role',
} as const;

const RATE = /^rate\(\s*(\d+)\s+(day|days|hour|hours)\s*\)$/i;

/**
 * Days between rotations from a secret's rotation rules: AutomaticallyAfterDays, else a `rate(N days)` or
 * `rate(N hours)` schedule (hours rounded up to whole days). Undefined for cron schedules and no rules.
 */
export function rotationDaysOf(rules: RotationRulesType | undefined): number | undefined {
  if (!rules) return undefined;
  if (rules.AutomaticallyAfterDays !== undefined) return rules.AutomaticallyAfterDays;
  const match = RATE.exec(rules.ScheduleExpression?.trim() ?? '');
  if (!match) return undefined;
  const n = Number(match[1]);
  return match[2]?.toLowerCase().startsWith('hour') ? Math.ceil(n / 24) : n;
}

const tag = (entry: SecretListEntry, key: string) => entry.Tags?.find((t) => t.Key === key)?.Value;

/** Turns a ListSecrets entry into credential facts (metadata only; ListSecrets never returns values). */
export function toCredentialFacts(entry: SecretListEntry): CredentialFacts {
  const username = tag(entry, CREDENTIAL_TAGS.username);
  const role = tag(entry, CREDENTIAL_TAGS.role);
  const rotationEnabled = entry.RotationEnabled ?? false;
  const rotationDays = rotationEnabled ? rotationDaysOf(entry.RotationRules) : undefined;
  return {
    secretArn: entry.ARN ?? '',
    name: entry.Name ?? entry.ARN ?? '',
    ...(username ? { username } : {}),
    ...(role ? { role } : {}),
    rotationEnabled,
    ...(rotationDays !== undefined ? { rotationDays } : {}),
    ...(entry.LastRotatedDate ? { lastRotated: entry.LastRotatedDate } : {}),
    ...(entry.LastChangedDate ? { lastChanged: entry.LastChangedDate } : {}),
    ...(entry.CreatedDate ? { created: entry.CreatedDate } : {}),
  };
}

/** True when the secret's `mqops:broker` tag names this broker (by id, name or ARN). */
export function belongsTo(entry: SecretListEntry, broker: Pick<Broker, 'id' | 'name' | 'arn'>): boolean {
  const value = tag(entry, CREDENTIAL_TAGS.broker);
  return value !== undefined && [broker.id, broker.name, broker.arn].includes(value);
}

/**
 * Broker credentials kept in Secrets Manager. `forBroker` lists the secrets tagged `mqops:broker` once per instance
 * (one ListSecrets sweep, paged, shared by every broker of an audit: create one instance per audit) and keeps the
 * broker's own; `read` fetches one value. A failed sweep is not cached, so the next call tries again.
 * Secret values never appear in errors.
 *
 * @example
 * const credentials = new SecretsCredentialSource({ region: 'eu-west-1' });
 * const secrets = await credentials.forBroker(broker);
 * const audit = secrets.find((s) => s.role === 'audit');
 */
export class SecretsCredentialSource implements NonNullable<FactSources['credentials']> {
  private readonly client: SecretsManagerClient;
  private listing: Promise<SecretListEntry[]> | undefined;

  constructor(client: SecretsManagerClient | SecretsManagerClientConfig = {}) {
    this.client = client instanceof SecretsManagerClient ? client : new SecretsManagerClient(client);
  }

  async forBroker(broker: Broker): Promise<CredentialFacts[]> {
    const entries = await this.tagged();
    return entries.filter((e) => belongsTo(e, broker)).map(toCredentialFacts);
  }

  async read(secretArn: string): Promise<BrokerCredential> {
    let text: string | undefined;
    try {
      const response = await this.client.send(new GetSecretValueCommand({ SecretId: secretArn }));
      text = response.SecretString;
    } catch (error) {
      // SDK errors carry no secret value.
      throw new MqopsError(`cannot read secret ${secretArn}`, { cause: error });
    }
    if (text === undefined) throw new MqopsError(`secret ${secretArn} has no SecretString`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // JSON.parse's message quotes the input: never pass it (or the error) on.
      throw new MqopsError(`secret ${secretArn} is not JSON {"username", "password"}`);
    }
    const { username, password } = (parsed ?? {}) as Record<string, unknown>;
    if (typeof username !== 'string' || !username || typeof password !== 'string' || !password) {
      throw new MqopsError(`secret ${secretArn} lacks a string "username" and "password"`);
    }
    return { username, password };
  }

  /** Every secret tagged `mqops:broker`, listed once and memoized (the promise, so concurrent callers share it). */
  private tagged(): Promise<SecretListEntry[]> {
    if (!this.listing) {
      this.listing = this.listTagged().catch((error: unknown) => {
        this.listing = undefined;
        throw error;
      });
    }
    return this.listing;
  }

  private async listTagged(): Promise<SecretListEntry[]> {
    const out: SecretListEntry[] = [];
    const pages = paginateListSecrets(
      { client: this.client, pageSize: 100 },
      { Filters: [{ Key: 'tag-key', Values: [CREDENTIAL_TAGS.broker] }] },
    );
    for await (const page of pages) out.push(...(page.SecretList ?? []));
    return out;
  }
}
