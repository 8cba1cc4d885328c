import {
  GetSecretValueCommand,
  paginateListSecrets,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import { type Broker, errorText } from '@mqops/core';
import type { ConnectionProbe, ProbeResult } from '@mqops/core/capacity/ports';
import { type Credential, parseRotationSecret, ROTATED_SECRET_PREFIX } from '@mqops/core/rotation/index';
import { amqpLogin } from './amqp-login';
import { stompLogin } from './stomp-login';

/** Finds a login for a broker; undefined when there is none. */
export type ProbeCredentials = (
  broker: Broker,
) => Promise<(Credential & { vhost?: string; endpoints?: string[] }) | undefined>;

/**
 * A login from the broker's rotated secrets (`mqops/<broker name>/…`, the first that holds this broker's id), read
 * at AWSCURRENT. IAM: `secretsmanager:ListSecrets`, `secretsmanager:GetSecretValue` (on `mqops/*`).
 */
export function rotatedSecretCredentials(
  client: SecretsManagerClient | SecretsManagerClientConfig = {},
): ProbeCredentials {
  const sm = client instanceof SecretsManagerClient ? client : new SecretsManagerClient(client);
  return async (broker) => {
    const prefix = `${ROTATED_SECRET_PREFIX}${broker.name}/`;
    for await (const page of paginateListSecrets(
      { client: sm },
      { Filters: [{ Key: 'name', Values: [prefix] }] },
    )) {
      for (const entry of page.SecretList ?? []) {
        if (!entry.Name?.startsWith(prefix) || !entry.ARN) continue;
        const value = await sm
          .send(new GetSecretValueCommand({ SecretId: entry.ARN }))
          .catch(() => undefined);
        try {
          const secret = parseRotationSecret(value?.SecretString, entry.Name);
          if (secret.brokerId !== broker.id) continue;
          return {
            username: secret.username,
            password: secret.password,
            ...(secret.vhost ? { vhost: secret.vhost } : {}),
            ...(secret.endpoints ? { endpoints: secret.endpoints } : {}),
          };
        } catch {
          // Not a rotated broker secret: try the next.
        }
      }
    }
    return undefined;
  };
}

const PROBE_USER = { username: 'mqops-probe', password: 'mqops-probe-not-a-user' };

/**
 * A real client connection after a resize: AMQP 0-9-1 (RabbitMQ) or STOMP (ActiveMQ) to the broker's endpoints.
 * With a credential (default: the broker's rotated secret) the login must succeed; without one, the broker must
 * answer the protocol handshake (a refused login proves it is up and serving clients). Never logs a password.
 */
export class BrokerConnectionProbe implements ConnectionProbe {
  constructor(
    private readonly credentials?: ProbeCredentials,
    private readonly options: { timeoutMs?: number } = {},
  ) {}

  async probe(broker: Broker): Promise<ProbeResult> {
    const credential = await this.credentials?.(broker).catch(() => undefined);
    const rabbit = broker.engine === 'RABBITMQ';
    const pattern = rabbit ? /^amqps?:\/\//i : /^stomp(\+ssl|\+tls|s)?:\/\//i;
    const ofProtocol = (list: readonly string[] | undefined) => (list ?? []).filter((e) => pattern.test(e));
    // The secret's endpoints when it names some of this protocol, else the broker's.
    const fromSecret = ofProtocol(credential?.endpoints);
    const endpoints = fromSecret.length
      ? fromSecret
      : ofProtocol(broker.instances.flatMap((i) => i.endpoints));
    const protocol = rabbit ? 'AMQP' : 'STOMP';
    if (endpoints.length === 0)
      return { ok: false, detail: `broker ${broker.name} has no ${protocol} endpoint to connect to` };
    const login = credential ?? PROBE_USER;
    const failures: string[] = [];
    for (const endpoint of endpoints) {
      try {
        const accepted = rabbit
          ? await amqpLogin({
              endpoint,
              username: login.username,
              password: login.password,
              vhost: credential?.vhost ?? '/',
              timeoutMs: this.options.timeoutMs ?? 5_000,
            })
          : await stompLogin({
              endpoint,
              username: login.username,
              password: login.password,
              timeoutMs: this.options.timeoutMs ?? 5_000,
            });
        if (credential)
          return accepted
            ? { ok: true, detail: `${protocol} login of ${login.username} to ${endpoint} succeeded` }
            : { ok: false, detail: `${protocol} login of ${login.username} to ${endpoint} was refused` };
        return {
          ok: true,
          detail: `${endpoint} answered the ${protocol} handshake (no credential to log in with)`,
        };
      } catch (error) {
        failures.push(errorText(error));
      }
    }
    return {
      ok: false,
      detail: `no ${protocol} endpoint of broker ${broker.name} answered: ${failures.join('; ')}`,
    };
  }
}
