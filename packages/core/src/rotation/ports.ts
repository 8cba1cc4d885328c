import type { Credential, RotationEngine, RotationSecret } from './secret';

/** Secrets Manager's staging labels. */
export const STAGES = { current: 'AWSCURRENT', pending: 'AWSPENDING', previous: 'AWSPREVIOUS' } as const;

/** What the protocol needs to know about a secret (DescribeSecret). */
export interface SecretDescription {
  arn: string;
  /** False when rotation is off or was never configured. */
  rotationEnabled: boolean;
  /** Version id → staging labels. */
  versions: Record<string, string[]>;
  /** The secret's tags, key → value (`mqops:broker` marks a secret mqops rotates). */
  tags: Record<string, string>;
}

/** Which version to read: by id, by label, or both (the version must then hold the label). */
export interface VersionRef {
  versionId?: string;
  stage?: string;
}

/** Options of a generated password. */
export interface PasswordOptions {
  length: number;
  excludeCharacters: string;
}

/**
 * Secrets Manager, as the rotation protocol uses it. Errors never carry a secret value.
 */
export interface SecretStore {
  /** DescribeSecret; undefined when there is no such secret. */
  describe(secretId: string): Promise<SecretDescription | undefined>;
  /** The version's SecretString; undefined when no such version (or it has no value yet). */
  getValue(secretId: string, ref: VersionRef): Promise<string | undefined>;
  /**
   * Stores `value` as version `token` labelled AWSPENDING (PutSecretValue with ClientRequestToken = token, which is
   * idempotent for the same value). `rotationToken` is passed on when Secrets Manager sent one.
   */
  putPending(secretId: string, token: string, value: string, rotationToken?: string): Promise<void>;
  /** Moves AWSCURRENT from `fromVersionId` to `token` (AWSPREVIOUS follows). */
  moveCurrent(secretId: string, token: string, fromVersionId: string | undefined): Promise<void>;
  randomPassword(options: PasswordOptions): Promise<string>;
}

/** A user change to make on the broker. */
export interface UserChange {
  /** The user to set the password of (created when it does not exist). */
  username: string;
  password: string;
  /** A user whose tags/groups and permissions a newly created user copies (alternating-users). */
  copyFrom?: string;
}

/**
 * The engine-specific part of a rotation: log in to a broker, and change a user there. RabbitMQ implements it on the
 * management API + AMQP 0-9-1; ActiveMQ on the MQ API (UpdateUser/CreateUser) + STOMP/OpenWire.
 */
export interface CredentialTarget {
  /**
   * True when the broker accepts the credential; false when it refuses it.
   * @throws when the broker cannot be reached (never with the password in the message).
   */
  verify(secret: RotationSecret, credential: Credential): Promise<boolean>;
  /** Makes the change real on the broker, acting as `admin`. Idempotent. */
  apply(secret: RotationSecret, change: UserChange, admin: Credential): Promise<void>;
  /**
   * Why a change made by `apply` to `username` is not live yet (ActiveMQ: pending until the broker reboots), as a
   * sentence for testSecret's error; undefined when nothing waits. Engines whose changes are immediate omit it.
   */
  pendingChange?(secret: RotationSecret, username: string): Promise<string | undefined>;
}

/** The credential target of each engine a deployment supports. */
export type CredentialTargets = Partial<Record<RotationEngine, CredentialTarget>>;
