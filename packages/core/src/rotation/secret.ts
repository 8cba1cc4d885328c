import { InvalidInputError, MqopsError } from '../errors';
import * as v from '../schema';

/** Engines whose users mqops rotates. */
export const ROTATION_ENGINES = ['rabbitmq', 'activemq'] as const;
export type RotationEngine = (typeof ROTATION_ENGINES)[number];

/** How a rotation changes the broker: the same user in place, or the inactive one of two users. */
export const ROTATION_STRATEGIES = ['single-user', 'alternating-users'] as const;
export type RotationStrategy = (typeof ROTATION_STRATEGIES)[number];

/** The suffix of the second user of the alternating-users strategy (`name` ↔ `name_clone`). */
export const DEFAULT_CLONE_SUFFIX = '_clone';

/**
 * Characters left out of generated passwords, per engine (GetRandomPassword `ExcludeCharacters`). RabbitMQ: the
 * characters that need escaping in an `amqp://user:pass@host` URI or trouble shells and JSON (`:/?#[]@%&+=,;` quotes,
 * backslash, braces, spaces are never included). ActiveMQ: also `,` `:` `=`, which Amazon MQ refuses.
 */
export const PASSWORD_EXCLUDE: Record<RotationEngine, string> = {
  rabbitmq: ':/?#[]@%&+=,;"\'`\\{}|^<>$!*()~',
  activemq: ':/?#[]@%&+=,;"\'`\\{}|^<>$!*()~',
};

/** Length of generated passwords (ActiveMQ needs ≥ 12; 32 is Secrets Manager's default). */
export const PASSWORD_LENGTH = 32;

/**
 * The JSON of a rotated broker secret. Unknown keys are kept (clients may store more, e.g. a connection string),
 * so they survive every rotation.
 *
 * @example
 * {"engine":"rabbitmq","brokerId":"b-1234…","username":"orders","password":"…","strategy":"alternating-users",
 *  "masterarn":"arn:aws:secretsmanager:…:secret:mq/orders/admin-AbCdEf","vhost":"/"}
 */
export const rotationSecretSchema = v.looseObject({
  /** `rabbitmq` or `activemq`. */
  engine: v.picklist(ROTATION_ENGINES),
  /** The Amazon MQ broker id (`b-…`), used to find its console URL and endpoints. */
  brokerId: v.pipe(v.string(), v.minLength(1)),
  /** The user this secret currently holds (for alternating-users: the active one of the pair). */
  username: v.pipe(v.string(), v.minLength(1)),
  password: v.pipe(v.string(), v.minLength(1)),
  /** Default `single-user`. */
  strategy: v.optional(v.picklist(ROTATION_STRATEGIES), 'single-user'),
  /** Admin secret (ARN) whose credential creates and updates users; required for alternating-users. */
  masterarn: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** Suffix of the clone user (alternating-users); default `_clone`. */
  cloneSuffix: v.optional(v.pipe(v.string(), v.minLength(1)), DEFAULT_CLONE_SUFFIX),
  /** Management API base URL (RabbitMQ; the broker's console URL otherwise). */
  host: v.optional(v.pipe(v.string(), v.url())),
  /** Wire endpoints (e.g. `amqps://b-….mq.eu-west-1.amazonaws.com:5671`); the broker's otherwise. */
  endpoints: v.optional(v.array(v.pipe(v.string(), v.minLength(1)))),
  /** The RabbitMQ virtual host to open when testing a login; default `/`. */
  vhost: v.optional(v.pipe(v.string(), v.minLength(1))),
  /**
   * ActiveMQ: `reboot` makes setSecret reboot an ACTIVE_STANDBY_MULTI_AZ broker right away so the user change goes
   * live (the standby takes over); refused for single-instance brokers. Unset: the change waits for a reboot or the
   * maintenance window.
   */
  applyNow: v.optional(v.picklist(['reboot'])),
});

export type RotationSecret = v.InferOutput<typeof rotationSecretSchema>;

/** A broker login. */
export interface Credential {
  username: string;
  password: string;
}

/** An admin secret (`masterarn`): any JSON with a string username and password. */
const adminSchema = v.looseObject({
  username: v.pipe(v.string(), v.minLength(1)),
  password: v.pipe(v.string(), v.minLength(1)),
});

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input, which holds a password: never pass it on.
    throw new InvalidInputError(`${what} is not JSON`);
  }
}

/** Issues as `path: message`, never with the received value (it may be the password). */
function issuesOf(issues: v.Issues): string[] {
  return v.issueLines(issues, '(root)');
}

/**
 * Parses a rotated secret's JSON; alternating-users needs `masterarn` for RabbitMQ (ActiveMQ users are changed
 * through the MQ API, with the function's IAM permissions).
 * @throws InvalidInputError naming the bad fields, never echoing a value.
 */
export function parseRotationSecret(text: string | undefined, what = 'secret'): RotationSecret {
  if (text === undefined) throw new InvalidInputError(`${what} has no SecretString`);
  const result = v.safeParse(rotationSecretSchema, parseJson(text, what));
  if (!result.success)
    throw new InvalidInputError(`${what} is not a valid mqops rotation secret`, issuesOf(result.issues));
  if (
    result.output.strategy === 'alternating-users' &&
    result.output.engine === 'rabbitmq' &&
    !result.output.masterarn
  ) {
    throw new InvalidInputError(`${what} is not a valid mqops rotation secret`, [
      'masterarn: required by the alternating-users strategy (the admin secret that creates the clone user)',
    ]);
  }
  return result.output;
}

/** Parses an admin secret (`masterarn`). @throws InvalidInputError, never echoing a value. */
export function parseAdminSecret(text: string | undefined, what = 'admin secret'): Credential {
  if (text === undefined) throw new InvalidInputError(`${what} has no SecretString`);
  const result = v.safeParse(adminSchema, parseJson(text, what));
  if (!result.success)
    throw new InvalidInputError(`${what} lacks a username and password`, issuesOf(result.issues));
  return { username: result.output.username, password: result.output.password };
}

/** The other user of an alternating pair: `name` ↔ `name_clone`. */
export function partnerOf(username: string, suffix = DEFAULT_CLONE_SUFFIX): string {
  return username.endsWith(suffix) && username.length > suffix.length
    ? username.slice(0, -suffix.length)
    : `${username}${suffix}`;
}

/** The login a secret holds. */
export const credentialOf = (secret: RotationSecret): Credential => ({
  username: secret.username,
  password: secret.password,
});

/** A rotation that cannot go on. Messages name the secret, the step and the reason; never a password. */
export class RotationError extends MqopsError {
  constructor(
    message: string,
    readonly step?: string,
    options?: { cause?: unknown; waiting?: boolean },
  ) {
    super(message, { cause: options?.cause });
    this.name = 'RotationError';
    this.waiting = options?.waiting ?? false;
  }

  /**
   * True when nothing is wrong but the broker has not made the change live yet (ActiveMQ before a reboot or its
   * maintenance window): Secrets Manager retries, and the rotation completes once the change is live.
   */
  readonly waiting: boolean;
}
