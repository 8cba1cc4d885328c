/**
 * Emulated AWS Secrets Manager (signing name `secretsmanager`) on its wire protocol, awsJson1_1 with
 * `X-Amz-Target: secretsmanager.<Operation>`; errors carry `__type` (and `x-amzn-errortype`) with the modeled names
 * (ResourceNotFoundException, InvalidRequestException, InvalidParameterException, ResourceExistsException, …) and a
 * `Message` member. Timestamps are epoch seconds.
 *
 * Version stages behave as Secrets Manager's do: a stage is on at most one version; moving AWSCURRENT moves
 * AWSPREVIOUS to the version that was current; versions left without stages are deprecated (not listed unless asked
 * for) and the oldest deprecated ones are dropped beyond 100 versions.
 *
 * Rotation: the local cloud cannot invoke a rotation Lambda. RotateSecret (with RotateImmediately, the default) does
 * what Secrets Manager does before invoking it — it stores the rotation settings and creates an AWSPENDING version
 * stub (no value yet) whose id is the ClientRequestToken — and records the rotation in
 * {@link SecretsState.pendingRotations}. A test harness then drives the steps itself (createSecret, setSecret,
 * testSecret, finishSecret) by calling the rotation handler with {@link rotationEvent}. When AWSCURRENT moves onto the
 * pending version the rotation is complete: LastRotatedDate is set, AWSPENDING is removed from that version, and the
 * entry leaves `pendingRotations`.
 *
 * Secret values never appear in error messages or logs.
 */
import { randomInt } from 'node:crypto';
import {
  ApiError,
  decodeToken,
  encodeToken,
  isObject,
  type JsonObject,
  jsonError,
  jsonResponse,
  jsonTarget,
  optBoolean,
  optList,
  optNumber,
  optObject,
  optString,
  optStringList,
  parseJsonBody,
  stableHex,
  stableUuid,
} from '../protocols/json';
import type { Scenario } from '../scenario';
import type { LocalRequest, LocalResponse, ServiceContext, ServiceEmulator } from '../types';
import type { WorldOptions } from '../world';

export interface SecretTag {
  Key: string;
  Value: string;
}

export interface RotationRules {
  AutomaticallyAfterDays?: number;
  Duration?: string;
  ScheduleExpression?: string;
}

/** A secret as a scenario declares it (dates ISO 8601). It starts with one version, labelled AWSCURRENT. */
export interface ScenarioSecret {
  Name: string;
  SecretString: string;
  Description?: string;
  Tags?: SecretTag[];
  KmsKeyId?: string;
  /**
   * Rotation on. On Secrets Manager a secret with rotation on always has a rotation function: when the scenario
   * names none, it gets {@link defaultRotationLambdaArn} (`…:function:mqops-local-Rotate`), so DescribeSecret never
   * answers `RotationEnabled: true` without a `RotationLambdaARN` (and RotateSecret without one works, as on AWS).
   */
  RotationEnabled?: boolean;
  RotationLambdaARN?: string;
  RotationRules?: RotationRules;
  LastRotatedDate?: string;
  LastChangedDate?: string;
  CreatedDate?: string;
}

/** One version of a secret. `secretString` / `secretBinary` are absent for a rotation stub that has no value yet. */
export interface SecretVersion {
  versionId: string;
  secretString?: string;
  /** Base64, as the JSON protocol carries blobs. */
  secretBinary?: string;
  stages: string[];
  createdDate: Date;
  lastAccessedDate?: Date;
}

export interface SecretRecord {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: SecretTag[];
  /** Versions in creation order. */
  versions: Map<string, SecretVersion>;
  createdDate: Date;
  lastChangedDate?: Date;
  lastAccessedDate?: Date;
  lastRotatedDate?: Date;
  /** Undefined until rotation is configured (DescribeSecret then leaves RotationEnabled out). */
  rotationEnabled?: boolean;
  rotationLambdaArn?: string;
  rotationRules?: RotationRules;
  /** When DeleteSecret was called. */
  deletedDate?: Date;
  /** When the secret goes for good (DeletedDate + recovery window). */
  deletionDate?: Date;
}

/** A rotation RotateSecret started and the test harness has to drive. */
export interface PendingRotation {
  /** The secret's ARN (what Secrets Manager passes as the event's SecretId). */
  secretId: string;
  name: string;
  /** The new version's id: the event's ClientRequestToken. */
  token: string;
  rotationLambdaArn: string;
  rotationRules?: RotationRules;
  startedAt: Date;
}

export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

/** The event Secrets Manager would send the rotation Lambda for `step` of a pending rotation. */
export function rotationEvent(
  rotation: PendingRotation,
  step: RotationStep,
): { Step: RotationStep; SecretId: string; ClientRequestToken: string } {
  return { Step: step, SecretId: rotation.secretId, ClientRequestToken: rotation.token };
}

const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const PENDING = 'AWSPENDING';
const MAX_VERSIONS = 100;
const DAY = 86_400_000;

const smError = (code: string, message: string, status = 400) => new ApiError(status, code, message);
const notFound = (message = "Secrets Manager can't find the specified secret.") =>
  smError('ResourceNotFoundException', message);
const invalidRequest = (message: string) => smError('InvalidRequestException', message);
const invalidParameter = (message: string) => smError('InvalidParameterException', message);
const validation = (message: string) => smError('ValidationException', message);
const MARKED_FOR_DELETION =
  "You can't perform this operation on the secret because it was marked for deletion.";

const camel = (member: string) => member.charAt(0).toLowerCase() + member.slice(1);
const nullMember = (member: string) =>
  validation(
    `1 validation error detected: Value null at '${camel(member)}' failed to satisfy constraint: Member must not be null`,
  );

const dayOf = (date: Date) => new Date(Math.floor(date.getTime() / DAY) * DAY);
const ARN_SUFFIX_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** The Secrets Manager state that persists (see {@link SecretsState.snapshot}). */
export interface SecretsSnapshot {
  secrets: SecretRecord[];
  pendingRotations: PendingRotation[];
}

/** The rotation function of a scenario secret that has rotation on and names none. */
export function defaultRotationLambdaArn(region: string, accountId: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:mqops-local-Rotate`;
}

/** State of the emulated Secrets Manager. */
export class SecretsState {
  readonly accountId: string;
  readonly region: string;
  /** Secrets by ARN. */
  readonly secrets = new Map<string, SecretRecord>();
  /** Rotations started by RotateSecret and not finished yet, by secret ARN. */
  readonly pendingRotations = new Map<string, PendingRotation>();
  private readonly clock: WorldOptions['clock'];

  constructor(scenario: Scenario, options: WorldOptions) {
    this.accountId = options.accountId;
    this.region = options.region;
    this.clock = options.clock;
    const start = scenario.now ? new Date(scenario.now) : options.clock.now();
    for (const s of scenario.secrets ?? []) {
      const created = s.CreatedDate ? new Date(s.CreatedDate) : start;
      const versionId = stableUuid(`secret|${s.Name}|1`);
      const record: SecretRecord = {
        arn: this.secretArn(s.Name, stableSuffix(s.Name)),
        name: s.Name,
        description: s.Description,
        kmsKeyId: s.KmsKeyId,
        tags: (s.Tags ?? []).map((t) => ({ ...t })),
        versions: new Map([
          [versionId, { versionId, secretString: s.SecretString, stages: [CURRENT], createdDate: created }],
        ]),
        createdDate: created,
        lastChangedDate: s.LastChangedDate ? new Date(s.LastChangedDate) : created,
        lastRotatedDate: s.LastRotatedDate ? new Date(s.LastRotatedDate) : undefined,
        rotationEnabled: s.RotationEnabled,
        rotationLambdaArn:
          s.RotationLambdaARN ??
          (s.RotationEnabled ? defaultRotationLambdaArn(this.region, this.accountId) : undefined),
        rotationRules: s.RotationRules,
      };
      this.secrets.set(record.arn, record);
    }
  }

  /** What outlives the process (../persistence.ts): every secret with its versions, and rotations under way. */
  snapshot(): SecretsSnapshot {
    return { secrets: [...this.secrets.values()], pendingRotations: [...this.pendingRotations.values()] };
  }

  /** Puts back what {@link snapshot} kept. */
  restore(saved: SecretsSnapshot): void {
    this.secrets.clear();
    for (const secret of saved.secrets) this.secrets.set(secret.arn, secret);
    this.pendingRotations.clear();
    for (const rotation of saved.pendingRotations) this.pendingRotations.set(rotation.secretId, rotation);
  }

  private secretArn(name: string, suffix: string): string {
    return `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${name}-${suffix}`;
  }

  private now(): Date {
    return this.clock.now();
  }

  /** Drops secrets whose recovery window has passed. */
  private purge(): void {
    const now = this.now().getTime();
    for (const [arn, secret] of this.secrets) {
      if (secret.deletionDate && secret.deletionDate.getTime() <= now) {
        this.secrets.delete(arn);
        this.pendingRotations.delete(arn);
      }
    }
  }

  /**
   * Finds a secret by name, full ARN or partial ARN (without the 6-character suffix).
   * @throws ApiError ResourceNotFoundException.
   */
  find(secretId: string): SecretRecord {
    this.purge();
    const byArn = this.secrets.get(secretId);
    if (byArn) return byArn;
    for (const secret of this.secrets.values()) {
      if (secret.name === secretId) return secret;
      if (
        secretId.startsWith('arn:') &&
        secret.arn.length === secretId.length + 7 &&
        secret.arn.startsWith(`${secretId}-`)
      ) {
        return secret;
      }
    }
    throw notFound();
  }

  /** Like {@link find}, refusing secrets that are scheduled for deletion. */
  private live(secretId: string): SecretRecord {
    const secret = this.find(secretId);
    if (secret.deletedDate) throw invalidRequest(MARKED_FOR_DELETION);
    return secret;
  }

  /** The version holding `stage`, if any. */
  holder(secret: SecretRecord, stage: string): SecretVersion | undefined {
    for (const version of secret.versions.values()) if (version.stages.includes(stage)) return version;
    return undefined;
  }

  /**
   * Puts `stage` on `target`, taking it off whichever version has it; AWSCURRENT takes AWSPREVIOUS along to the
   * version that was current. Completes a pending rotation when AWSCURRENT reaches its version.
   */
  private attachStage(secret: SecretRecord, stage: string, target: SecretVersion): void {
    const from = this.holder(secret, stage);
    if (from === target) return;
    if (from) from.stages = from.stages.filter((s) => s !== stage);
    target.stages.push(stage);
    if (stage === CURRENT) {
      if (from) {
        const previous = this.holder(secret, PREVIOUS);
        if (previous) previous.stages = previous.stages.filter((s) => s !== PREVIOUS);
        if (!from.stages.includes(PREVIOUS)) from.stages.push(PREVIOUS);
      }
      target.stages = target.stages.filter((s) => s !== PREVIOUS);
      const rotation = this.pendingRotations.get(secret.arn);
      if (rotation && rotation.token === target.versionId) {
        secret.lastRotatedDate = this.now();
        target.stages = target.stages.filter((s) => s !== PENDING);
        this.pendingRotations.delete(secret.arn);
      }
    }
  }

  private prune(secret: SecretRecord): void {
    if (secret.versions.size <= MAX_VERSIONS) return;
    for (const [id, version] of secret.versions) {
      if (secret.versions.size <= MAX_VERSIONS) break;
      if (version.stages.length === 0) secret.versions.delete(id);
    }
  }

  /** Adds a version with the given value and stages (or fills a rotation stub with that id). */
  private putVersion(
    secret: SecretRecord,
    token: string,
    value: { secretString?: string; secretBinary?: string },
    stages: string[],
  ): SecretVersion {
    const existing = secret.versions.get(token);
    if (existing && (existing.secretString !== undefined || existing.secretBinary !== undefined)) {
      if (existing.secretString === value.secretString && existing.secretBinary === value.secretBinary)
        return existing;
      throw smError(
        'ResourceExistsException',
        `A resource with the ID you requested already exists: version ${token} of the secret has another value, and versions cannot be changed.`,
      );
    }
    const now = this.now();
    const version: SecretVersion = existing ?? { versionId: token, stages: [], createdDate: now };
    if (value.secretString !== undefined) version.secretString = value.secretString;
    if (value.secretBinary !== undefined) version.secretBinary = value.secretBinary;
    if (!existing) secret.versions.set(token, version);
    for (const stage of stages) this.attachStage(secret, stage, version);
    secret.lastChangedDate = now;
    this.prune(secret);
    return version;
  }

  createSecret(input: JsonObject): JsonObject {
    const name = optString(input, 'Name');
    if (name === undefined) throw nullMember('Name');
    if (name.length < 1 || name.length > 512 || !/^[A-Za-z0-9/_+=.@-]+$/.test(name)) {
      throw validation(
        'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
      );
    }
    const value = readValue(input);
    const token = readToken(input);
    this.purge();
    for (const secret of this.secrets.values()) {
      if (secret.name !== name) continue;
      if (secret.deletedDate) {
        throw invalidRequest(
          "You can't create this secret because a secret with this name is already scheduled for deletion.",
        );
      }
      throw smError(
        'ResourceExistsException',
        `The operation failed because the secret ${name} already exists.`,
      );
    }
    const now = this.now();
    const suffix = Array.from({ length: 6 }, () => ARN_SUFFIX_CHARS[randomInt(ARN_SUFFIX_CHARS.length)]).join(
      '',
    );
    const secret: SecretRecord = {
      arn: this.secretArn(name, suffix),
      name,
      description: optString(input, 'Description'),
      kmsKeyId: optString(input, 'KmsKeyId'),
      tags: readTags(input.Tags),
      versions: new Map(),
      createdDate: now,
      lastChangedDate: now,
    };
    this.secrets.set(secret.arn, secret);
    const out: JsonObject = { ARN: secret.arn, Name: secret.name };
    if (value) {
      const versionId = token ?? crypto.randomUUID();
      this.putVersion(secret, versionId, value, [CURRENT]);
      out.VersionId = versionId;
    }
    return out;
  }

  describeSecret(secretId: string): JsonObject {
    const secret = this.find(secretId);
    const out = this.summary(secret);
    out.VersionIdsToStages = versionStages(secret);
    return out;
  }

  private summary(secret: SecretRecord): JsonObject {
    const out: JsonObject = { ARN: secret.arn, Name: secret.name };
    if (secret.description !== undefined) out.Description = secret.description;
    if (secret.kmsKeyId !== undefined) out.KmsKeyId = secret.kmsKeyId;
    if (secret.rotationEnabled !== undefined) out.RotationEnabled = secret.rotationEnabled;
    if (secret.rotationLambdaArn !== undefined) out.RotationLambdaARN = secret.rotationLambdaArn;
    if (secret.rotationRules !== undefined) out.RotationRules = secret.rotationRules;
    if (secret.lastRotatedDate) out.LastRotatedDate = secret.lastRotatedDate;
    if (secret.lastChangedDate) out.LastChangedDate = secret.lastChangedDate;
    if (secret.lastAccessedDate) out.LastAccessedDate = secret.lastAccessedDate;
    if (secret.deletedDate) out.DeletedDate = secret.deletedDate;
    const next = nextRotationDate(secret);
    if (next) out.NextRotationDate = next;
    if (secret.tags.length > 0) out.Tags = secret.tags.map((t) => ({ ...t }));
    out.CreatedDate = secret.createdDate;
    return out;
  }

  /** GetSecretValue: by VersionId and/or VersionStage (default AWSCURRENT). */
  getSecretValue(input: JsonObject): JsonObject {
    const secretId = optString(input, 'SecretId');
    if (secretId === undefined) throw nullMember('SecretId');
    const secret = this.live(secretId);
    const versionId = optString(input, 'VersionId');
    const stage = optString(input, 'VersionStage') ?? (versionId === undefined ? CURRENT : undefined);
    let version: SecretVersion | undefined;
    if (versionId !== undefined) {
      version = secret.versions.get(versionId);
      if (version && stage !== undefined && !version.stages.includes(stage)) version = undefined;
    } else if (stage !== undefined) {
      version = this.holder(secret, stage);
    }
    if (!version || (version.secretString === undefined && version.secretBinary === undefined)) {
      const what = [
        versionId !== undefined ? `VersionId: ${versionId}` : undefined,
        stage !== undefined ? `staging label: ${stage}` : undefined,
      ]
        .filter(Boolean)
        .join(' and ');
      throw notFound(`Secrets Manager can't find the specified secret value for ${what}`);
    }
    const today = dayOf(this.now());
    version.lastAccessedDate = today;
    secret.lastAccessedDate = today;
    const out: JsonObject = { ARN: secret.arn, Name: secret.name, VersionId: version.versionId };
    if (version.secretString !== undefined) out.SecretString = version.secretString;
    if (version.secretBinary !== undefined) out.SecretBinary = version.secretBinary;
    out.VersionStages = [...version.stages];
    out.CreatedDate = version.createdDate;
    return out;
  }

  putSecretValue(input: JsonObject): JsonObject {
    const secretId = optString(input, 'SecretId');
    if (secretId === undefined) throw nullMember('SecretId');
    const secret = this.live(secretId);
    const value = readValue(input);
    if (!value) throw invalidParameter('You must provide either SecretString or SecretBinary.');
    const token = readToken(input) ?? crypto.randomUUID();
    const stages = optStringList(input, 'VersionStages') ?? [CURRENT];
    if (stages.length === 0 || stages.length > 20) {
      throw invalidParameter('VersionStages must contain between 1 and 20 staging labels.');
    }
    const version = this.putVersion(secret, token, value, stages);
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      VersionStages: [...version.stages],
    };
  }

  updateSecret(input: JsonObject): JsonObject {
    const secretId = optString(input, 'SecretId');
    if (secretId === undefined) throw nullMember('SecretId');
    const secret = this.live(secretId);
    const description = optString(input, 'Description');
    const kmsKeyId = optString(input, 'KmsKeyId');
    if (description !== undefined) secret.description = description;
    if (kmsKeyId !== undefined) secret.kmsKeyId = kmsKeyId;
    secret.lastChangedDate = this.now();
    const value = readValue(input);
    const out: JsonObject = { ARN: secret.arn, Name: secret.name };
    if (value) {
      const version = this.putVersion(secret, readToken(input) ?? crypto.randomUUID(), value, [CURRENT]);
      out.VersionId = version.versionId;
    }
    return out;
  }

  /**
   * UpdateSecretVersionStage: moves (or removes) one staging label. When the label is attached to a version, moving
   * it needs RemoveFromVersionId naming that version; AWSCURRENT can only be moved, never just removed.
   */
  updateSecretVersionStage(input: JsonObject): JsonObject {
    const secretId = optString(input, 'SecretId');
    if (secretId === undefined) throw nullMember('SecretId');
    const stage = optString(input, 'VersionStage');
    if (stage === undefined) throw nullMember('VersionStage');
    const secret = this.live(secretId);
    const moveTo = optString(input, 'MoveToVersionId');
    const removeFrom = optString(input, 'RemoveFromVersionId');
    const holder = this.holder(secret, stage);
    if (removeFrom !== undefined) {
      const from = secret.versions.get(removeFrom);
      if (!from)
        throw notFound(`Secrets Manager can't find the specified secret value for VersionId: ${removeFrom}`);
      if (!from.stages.includes(stage)) {
        throw invalidParameter(
          `The staging label ${stage} is currently not attached to version ${removeFrom}${holder ? `; it is attached to version ${holder.versionId}` : ''}.`,
        );
      }
    }
    if (moveTo !== undefined) {
      const target = secret.versions.get(moveTo);
      if (!target)
        throw notFound(`Secrets Manager can't find the specified secret value for VersionId: ${moveTo}`);
      if (holder && holder !== target && removeFrom !== holder.versionId) {
        throw invalidParameter(
          `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
        );
      }
      this.attachStage(secret, stage, target);
    } else if (removeFrom !== undefined) {
      if (stage === CURRENT) {
        throw invalidParameter(
          `You can only move staging label ${CURRENT} to a different secret version. It can't be completely removed.`,
        );
      }
      const from = secret.versions.get(removeFrom) as SecretVersion;
      from.stages = from.stages.filter((s) => s !== stage);
    } else {
      throw invalidParameter('You must specify MoveToVersionId, RemoveFromVersionId, or both.');
    }
    secret.lastChangedDate = this.now();
    return { ARN: secret.arn, Name: secret.name };
  }

  listSecretVersionIds(input: JsonObject): JsonObject {
    const secretId = optString(input, 'SecretId');
    if (secretId === undefined) throw nullMember('SecretId');
    const secret = this.find(secretId);
    const includeDeprecated = optBoolean(input, 'IncludeDeprecated') ?? false;
    const versions = [...secret.versions.values()].filter((v) => includeDeprecated || v.stages.length > 0);
    const { page, next } = paginate(versions, input, `versions|${secret.arn}|${includeDeprecated}`);
    const out: JsonObject = {
      Versions: page.map((v) => {
        const entry: JsonObject = { VersionId: v.versionId, VersionStages: [...v.stages] };
        if (v.lastAccessedDate) entry.LastAccessedDate = v.lastAccessedDate;
        entry.CreatedDate = v.createdDate;
        entry.KmsKeyIds = [secret.kmsKeyId ?? 'DefaultEncryptionKey'];
        return entry;
      }),
      ARN: secret.arn,
      Name: secret.name,
    };
    if (next) out.NextToken = next;
    return out;
  }

  listSecrets(input: JsonObject): JsonObject {
    this.purge();
    const includeDeleted = optBoolean(input, 'IncludePlannedDeletion') ?? false;
    const filters = (optList(input, 'Filters') ?? []).map((f, i) => {
      if (!isObject(f)) throw validation(`Filters.member.${i + 1} must be a structure`);
      const key = optString(f, 'Key');
      const values = optStringList(f, 'Values') ?? [];
      if (
        !key ||
        !['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all'].includes(
          key,
        )
      ) {
        throw validation(
          `1 validation error detected: Value '${String(key)}' at 'filters.${i + 1}.member.key' failed to satisfy constraint: Member must satisfy enum value set: [all, name, tag-key, description, tag-value, owning-service, primary-region]`,
        );
      }
      return { key, values };
    });
    const sortOrder = optString(input, 'SortOrder') ?? 'asc';
    const sortBy = optString(input, 'SortBy') ?? 'created-date';
    let secrets = [...this.secrets.values()].filter((s) => includeDeleted || !s.deletedDate);
    secrets = secrets.filter((s) => filters.every((f) => matchesFilter(s, f.key, f.values, this.region)));
    const sortKey = (s: SecretRecord): string | number =>
      sortBy === 'name'
        ? s.name
        : sortBy === 'last-accessed-date'
          ? (s.lastAccessedDate?.getTime() ?? 0)
          : sortBy === 'last-changed-date'
            ? (s.lastChangedDate?.getTime() ?? 0)
            : s.createdDate.getTime();
    secrets.sort((a, b) => {
      const x = sortKey(a);
      const y = sortKey(b);
      const c = x < y ? -1 : x > y ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
      return sortOrder === 'desc' ? -c : c;
    });
    const salt = `secrets|${JSON.stringify(filters)}|${includeDeleted}|${sortOrder}|${sortBy}`;
    const { page, next } = paginate(secrets, input, salt);
    const out: JsonObject = {
      SecretList: page.map((s) => {
        const entry = this.summary(s);
        entry.SecretVersionsToStages = versionStages(s);
        return entry;
      }),
    };
    if (next) out.NextToken = next;
    return out;
  }

  /**
   * RotateSecret: stores the rotation settings, turns rotation on and (unless RotateImmediately is false) starts a
   * rotation: an AWSPENDING version stub with the ClientRequestToken as its id, recorded in `pendingRotations`.
   */
  rotateSecret(input: JsonObject): JsonObject {
    const secretId = optString(input, 'SecretId');
    if (secretId === undefined) throw nullMember('SecretId');
    const secret = this.live(secretId);
    const lambdaArn = optString(input, 'RotationLambdaARN') ?? secret.rotationLambdaArn;
    if (!lambdaArn) throw invalidRequest('No Lambda rotation function ARN is associated with this secret.');
    const rules = optObject(input, 'RotationRules');
    let rotationRules = secret.rotationRules;
    if (rules) {
      const days = optNumber(rules, 'AutomaticallyAfterDays');
      const schedule = optString(rules, 'ScheduleExpression');
      const duration = optString(rules, 'Duration');
      if (days !== undefined && schedule !== undefined) {
        throw invalidParameter("You can't specify both AutomaticallyAfterDays and ScheduleExpression.");
      }
      if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 1000)) {
        throw invalidParameter('AutomaticallyAfterDays must be between 1 and 1000.');
      }
      if (schedule !== undefined && !/^(rate\(\d+ (hours?|days?)\)|cron\(.+\))$/.test(schedule)) {
        throw invalidParameter('The ScheduleExpression is not valid.');
      }
      if (duration !== undefined && !/^([1-9]|1\d|2[0-4])h$/.test(duration)) {
        throw invalidParameter('The Duration must be between 1h and 24h.');
      }
      rotationRules = {};
      if (days !== undefined) rotationRules.AutomaticallyAfterDays = days;
      if (duration !== undefined) rotationRules.Duration = duration;
      if (schedule !== undefined) rotationRules.ScheduleExpression = schedule;
    }
    const pending = this.holder(secret, PENDING);
    const current = this.holder(secret, CURRENT);
    const rotateNow = optBoolean(input, 'RotateImmediately') ?? true;
    const token = readToken(input) ?? crypto.randomUUID();
    if (rotateNow && pending && pending !== current && pending.versionId !== token) {
      throw invalidRequest("A previous rotation isn't complete. That rotation will be reattempted.");
    }
    secret.rotationLambdaArn = lambdaArn;
    secret.rotationRules = rotationRules;
    secret.rotationEnabled = true;
    secret.lastChangedDate = this.now();
    const out: JsonObject = { ARN: secret.arn, Name: secret.name };
    if (rotateNow) {
      let stub = secret.versions.get(token);
      if (!stub) {
        stub = { versionId: token, stages: [], createdDate: this.now() };
        secret.versions.set(token, stub);
      }
      if (!stub.stages.includes(PENDING)) this.attachStage(secret, PENDING, stub);
      this.pendingRotations.set(secret.arn, {
        secretId: secret.arn,
        name: secret.name,
        token,
        rotationLambdaArn: lambdaArn,
        rotationRules,
        startedAt: this.now(),
      });
      out.VersionId = token;
    }
    return out;
  }

  /** CancelRotateSecret: rotation off; a rotation in progress is dropped but its AWSPENDING label stays. */
  cancelRotateSecret(secretId: string): JsonObject {
    const secret = this.live(secretId);
    secret.rotationEnabled = false;
    const rotation = this.pendingRotations.get(secret.arn);
    this.pendingRotations.delete(secret.arn);
    const out: JsonObject = { ARN: secret.arn, Name: secret.name };
    const pending = rotation ? secret.versions.get(rotation.token) : this.holder(secret, PENDING);
    if (pending) out.VersionId = pending.versionId;
    return out;
  }

  deleteSecret(input: JsonObject): JsonObject {
    const secretId = optString(input, 'SecretId');
    if (secretId === undefined) throw nullMember('SecretId');
    const window = optNumber(input, 'RecoveryWindowInDays');
    const force = optBoolean(input, 'ForceDeleteWithoutRecovery') ?? false;
    if (force && window !== undefined) {
      throw invalidParameter(
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
      );
    }
    if (window !== undefined && (!Number.isInteger(window) || window < 7 || window > 30)) {
      throw invalidParameter('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
    }
    const secret = this.find(secretId);
    const now = this.now();
    if (force) {
      this.secrets.delete(secret.arn);
      this.pendingRotations.delete(secret.arn);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: now };
    }
    if (secret.deletedDate) throw invalidRequest(MARKED_FOR_DELETION);
    secret.deletedDate = now;
    secret.deletionDate = new Date(now.getTime() + (window ?? 30) * DAY);
    return { ARN: secret.arn, Name: secret.name, DeletionDate: secret.deletionDate };
  }

  restoreSecret(secretId: string): JsonObject {
    const secret = this.find(secretId);
    secret.deletedDate = undefined;
    secret.deletionDate = undefined;
    return { ARN: secret.arn, Name: secret.name };
  }

  tagResource(secretId: string, tags: SecretTag[]): void {
    const secret = this.live(secretId);
    const merged = new Map(secret.tags.map((t) => [t.Key, t.Value]));
    for (const tag of tags) merged.set(tag.Key, tag.Value);
    if (merged.size > 50)
      throw smError(
        'LimitExceededException',
        'The request failed because it would exceed one of the Secrets Manager quotas: 50 tags per secret.',
      );
    secret.tags = [...merged].map(([Key, Value]) => ({ Key, Value }));
  }

  untagResource(secretId: string, keys: string[]): void {
    const secret = this.live(secretId);
    secret.tags = secret.tags.filter((t) => !keys.includes(t.Key));
  }
}

function stableSuffix(name: string): string {
  const hex = stableHex(`arn|${name}`, 12);
  let out = '';
  for (let i = 0; i < 6; i++)
    out += ARN_SUFFIX_CHARS[Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16) % ARN_SUFFIX_CHARS.length];
  return out;
}

function versionStages(secret: SecretRecord): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of secret.versions.values()) if (v.stages.length > 0) out[v.versionId] = [...v.stages];
  return out;
}

function nextRotationDate(secret: SecretRecord): Date | undefined {
  const days = secret.rotationRules?.AutomaticallyAfterDays;
  if (!secret.rotationEnabled || !days) return undefined;
  const from = secret.lastRotatedDate ?? secret.createdDate;
  return new Date(dayOf(from).getTime() + days * DAY);
}

function readValue(input: JsonObject): { secretString?: string; secretBinary?: string } | undefined {
  const secretString = optString(input, 'SecretString');
  const secretBinary = optString(input, 'SecretBinary');
  if (secretString !== undefined && secretBinary !== undefined) {
    throw invalidParameter(
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
  }
  if (secretString !== undefined) {
    if (Buffer.byteLength(secretString, 'utf8') > 65_536)
      throw invalidParameter('SecretString must be at most 65536 bytes.');
    return { secretString };
  }
  if (secretBinary !== undefined) return { secretBinary };
  return undefined;
}

function readToken(input: JsonObject): string | undefined {
  const token = optString(input, 'ClientRequestToken');
  if (token === undefined) return undefined;
  if (token.length < 32 || token.length > 64) {
    throw validation(
      `1 validation error detected: Value '${token}' at 'clientRequestToken' failed to satisfy constraint: Member must have length between 32 and 64`,
    );
  }
  return token;
}

function readTags(value: unknown): SecretTag[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw validation('Tags must be a list');
  return value.map((t) => {
    if (!isObject(t) || typeof t.Key !== 'string' || typeof t.Value !== 'string') {
      throw invalidParameter('Each tag must have a Key and a Value.');
    }
    if (t.Key.startsWith('aws:')) throw invalidParameter('Tag keys starting with aws: are reserved.');
    return { Key: t.Key, Value: t.Value };
  });
}

function matchesFilter(secret: SecretRecord, key: string, values: string[], region: string): boolean {
  const positive = values.filter((v) => !v.startsWith('!'));
  const negative = values.filter((v) => v.startsWith('!')).map((v) => v.slice(1));
  const fields = (): string[] => {
    switch (key) {
      case 'name':
        return [secret.name];
      case 'description':
        return secret.description !== undefined ? [secret.description] : [];
      case 'tag-key':
        return secret.tags.map((t) => t.Key);
      case 'tag-value':
        return secret.tags.map((t) => t.Value);
      case 'primary-region':
        return [region];
      case 'owning-service':
        return [];
      default:
        return [secret.name, secret.description ?? '', ...secret.tags.flatMap((t) => [t.Key, t.Value])];
    }
  };
  const caseless = key === 'description' || key === 'all';
  const norm = (s: string) => (caseless ? s.toLowerCase() : s);
  const candidates = fields().map(norm);
  const hit = (value: string) => {
    if (key === 'all') {
      const words = value
        .split(/[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])/)
        .filter(Boolean);
      return words.every((w) => candidates.some((c) => c.includes(w.toLowerCase())));
    }
    return candidates.some((c) => c.startsWith(norm(value)));
  };
  if (positive.length > 0 && !positive.some(hit)) return false;
  if (negative.some(hit)) return false;
  return true;
}

function paginate<T>(items: T[], input: JsonObject, salt: string): { page: T[]; next?: string } {
  const max = optNumber(input, 'MaxResults') ?? 100;
  if (!Number.isInteger(max) || max < 1 || max > 100) {
    throw validation(
      `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100`,
    );
  }
  const token = optString(input, 'NextToken');
  const offset = token === undefined ? 0 : decodeToken(token, salt);
  if (offset === undefined) throw smError('InvalidNextTokenException', 'The NextToken value is invalid.');
  const page = items.slice(offset, offset + max);
  return offset + max < items.length ? { page, next: encodeToken(offset + max, salt) } : { page };
}

const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** GetRandomPassword with Secrets Manager's options and defaults (32 characters, each included type required). */
export function randomPassword(input: JsonObject): string {
  const length = optNumber(input, 'PasswordLength') ?? 32;
  if (!Number.isInteger(length) || length < 1 || length > 4096) {
    throw invalidParameter('PasswordLength must be between 1 and 4096.');
  }
  const exclude = new Set(optString(input, 'ExcludeCharacters') ?? '');
  const types: string[] = [];
  if (!optBoolean(input, 'ExcludeLowercase')) types.push('abcdefghijklmnopqrstuvwxyz');
  if (!optBoolean(input, 'ExcludeUppercase')) types.push('ABCDEFGHIJKLMNOPQRSTUVWXYZ');
  if (!optBoolean(input, 'ExcludeNumbers')) types.push('0123456789');
  if (!optBoolean(input, 'ExcludePunctuation')) types.push(PUNCTUATION);
  if (optBoolean(input, 'IncludeSpace')) types.push(' ');
  const sets = types.map((t) => [...t].filter((c) => !exclude.has(c))).filter((s) => s.length > 0);
  const pool = sets.flat();
  if (pool.length === 0) throw invalidParameter('The password options exclude every character.');
  const requireEach = optBoolean(input, 'RequireEachIncludedType') ?? true;
  if (requireEach && length < sets.length) {
    throw invalidParameter(`PasswordLength must be at least ${sets.length} to include each character type.`);
  }
  const chars: string[] = [];
  if (requireEach) for (const set of sets) chars.push(set[randomInt(set.length)] as string);
  while (chars.length < length) chars.push(pool[randomInt(pool.length)] as string);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join('');
}

// ---- the emulator ----

const TARGET_PREFIX = 'secretsmanager';

function errorResponse(error: ApiError): LocalResponse {
  return jsonError(error, { version: '1.1', messageMember: 'Message' });
}

function secretIdOf(input: JsonObject): string {
  const id = optString(input, 'SecretId');
  if (id === undefined) throw nullMember('SecretId');
  return id;
}

function handleOperation(operation: string, input: JsonObject, ctx: ServiceContext): JsonObject {
  const state = ctx.world.secrets;
  switch (operation) {
    case 'CreateSecret':
      return state.createSecret(input);
    case 'DescribeSecret':
      return state.describeSecret(secretIdOf(input));
    case 'GetSecretValue':
      return state.getSecretValue(input);
    case 'PutSecretValue':
      return state.putSecretValue(input);
    case 'UpdateSecret':
      return state.updateSecret(input);
    case 'UpdateSecretVersionStage':
      return state.updateSecretVersionStage(input);
    case 'ListSecretVersionIds':
      return state.listSecretVersionIds(input);
    case 'ListSecrets':
      return state.listSecrets(input);
    case 'GetRandomPassword':
      return { RandomPassword: randomPassword(input) };
    case 'RotateSecret':
      return state.rotateSecret(input);
    case 'CancelRotateSecret':
      return state.cancelRotateSecret(secretIdOf(input));
    case 'DeleteSecret':
      return state.deleteSecret(input);
    case 'RestoreSecret':
      return state.restoreSecret(secretIdOf(input));
    case 'TagResource':
      state.tagResource(secretIdOf(input), readTags(input.Tags));
      return {};
    case 'UntagResource':
      state.untagResource(secretIdOf(input), optStringList(input, 'TagKeys') ?? []);
      return {};
    default:
      throw smError(
        'UnknownOperationException',
        `Operation ${operation} is not supported by the local cloud.`,
      );
  }
}

/** Secrets Manager on awsJson1_1. */
export const secretsManagerEmulator: ServiceEmulator = {
  signingNames: ['secretsmanager'],
  operation: (req: LocalRequest) => jsonTarget(req, TARGET_PREFIX),
  handle(operation, req, ctx) {
    try {
      if (!jsonTarget(req, TARGET_PREFIX))
        throw smError('UnknownOperationException', 'Missing or unknown X-Amz-Target.');
      return jsonResponse(handleOperation(operation, parseJsonBody(req), ctx), '1.1');
    } catch (error) {
      if (error instanceof ApiError) return errorResponse(error);
      throw error;
    }
  },
  throttled: () => errorResponse(smError('ThrottlingException', 'Rate exceeded')),
  failure: (_operation, message) => errorResponse(smError('InternalServiceError', message, 500)),
};
