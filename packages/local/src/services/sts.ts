/**
 * Emulated AWS STS (signing name `sts`) on its wire protocol, awsQuery: form-encoded POSTs with `Action=…` and
 * `Version=2011-06-15`, XML answers in the `https://sts.amazonaws.com/doc/2011-06-15/` namespace, errors as
 * `<ErrorResponse><Error>`.
 *
 * - GetCallerIdentity answers the world's caller ({@link StsState.caller}: by default the IAM user
 *   `arn:aws:iam::<account>:user/local-developer`), or, for a request signed with credentials AssumeRole issued, the
 *   assumed-role session (`arn:aws:sts::<account>:assumed-role/<role>/<session>`); once such credentials have
 *   expired (by the local cloud's clock) it answers `ExpiredToken`.
 * - AssumeRole issues temporary credentials (`ASIA…` key, secret, session token, expiration) for any well-formed
 *   role ARN; the local cloud accepts them like any other credentials. Every session is kept in
 *   {@link StsState.sessions}. Denying a role is done with a fault rule (`{ service: 'sts', operation: 'AssumeRole',
 *   deny: true }`).
 */
import { ApiError, stableHex } from '../protocols/json';
import {
  type FormObject,
  formInt,
  formList,
  formString,
  queryAction,
  queryError,
  queryResponse,
  requestForm,
  type XmlStruct,
} from '../protocols/query';
import type { LocalRequest, LocalResponse, ServiceContext, ServiceEmulator } from '../types';
import type { WorldOptions } from '../world';

/** What GetCallerIdentity answers. */
export interface CallerIdentity {
  Arn: string;
  UserId: string;
  Account: string;
}

/** A session AssumeRole started: the credentials it issued and the identity they stand for. */
export interface AssumedRoleSession {
  roleArn: string;
  roleSessionName: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** When the credentials were issued and when they expire (the local cloud's clock). */
  issuedAt: Date;
  expiration: Date;
  /** The session's identity (`arn:aws:sts::<account>:assumed-role/<role>/<session>`). */
  identity: CallerIdentity;
  sourceIdentity?: string;
  externalId?: string;
}

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const VERSION = '2011-06-15';
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const ACCESS_KEY = /Credential=([^/,\s]+)\//;

const stsError = (code: string, message: string, status = 400) => new ApiError(status, code, message);
const validation = (message: string) => stsError('ValidationError', message);

/** An IAM-style unique id: prefix + 17 upper-case characters derived from `seed`. */
function uniqueId(prefix: string, seed: string): string {
  return prefix + stableHex(seed, 17).toUpperCase();
}

/** The identity an IAM or STS ARN stands for. @throws Error when `arn` is not a user, role, root or session ARN. */
export function identityOf(arn: string, userId?: string): CallerIdentity {
  const iam = /^arn:aws[a-z-]*:iam::(\d{12}):(root|user\/.+|role\/.+)$/.exec(arn);
  const session = /^arn:aws[a-z-]*:sts::(\d{12}):(assumed-role\/[^/]+\/(.+)|federated-user\/.+)$/.exec(arn);
  const account = iam?.[1] ?? session?.[1];
  if (!account) throw new Error(`not an IAM or STS principal ARN: ${arn}`);
  if (userId) return { Arn: arn, UserId: userId, Account: account };
  if (iam?.[2] === 'root') return { Arn: arn, UserId: account, Account: account };
  if (iam?.[2]?.startsWith('user/')) return { Arn: arn, UserId: uniqueId('AIDA', arn), Account: account };
  if (iam) return { Arn: arn, UserId: uniqueId('AROA', arn), Account: account };
  const sessionName = session?.[3];
  const roleArn = arn.replace(/:sts::/, ':iam::').replace(/assumed-role\/([^/]+)\/.+$/, 'role/$1');
  return sessionName
    ? { Arn: arn, UserId: `${uniqueId('AROA', roleArn)}:${sessionName}`, Account: account }
    : { Arn: arn, UserId: `${account}:${arn.slice(arn.lastIndexOf('/') + 1)}`, Account: account };
}

/** The STS state that persists (see {@link StsState.snapshot}). */
export interface StsSnapshot {
  caller: CallerIdentity;
  maxSessionDurationSeconds: number;
  sessions: AssumedRoleSession[];
}

/** State of the emulated STS: who the caller is, and the sessions AssumeRole started. */
export class StsState {
  readonly accountId: string;
  /** What GetCallerIdentity answers for credentials STS did not issue. Change it with {@link setCaller}. */
  caller: CallerIdentity;
  /** The longest session AssumeRole grants (a role's MaxSessionDuration; AWS's default is one hour). */
  maxSessionDurationSeconds = 3600;
  /** Every session AssumeRole started, oldest first. */
  readonly sessions: AssumedRoleSession[] = [];
  private readonly clock: WorldOptions['clock'];

  constructor(options: WorldOptions) {
    this.accountId = options.accountId;
    this.clock = options.clock;
    this.caller = identityOf(`arn:aws:iam::${options.accountId}:user/local-developer`);
  }

  /** What outlives the process (../persistence.ts): the caller and the sessions AssumeRole started. */
  snapshot(): StsSnapshot {
    return {
      caller: this.caller,
      maxSessionDurationSeconds: this.maxSessionDurationSeconds,
      sessions: [...this.sessions],
    };
  }

  /** Puts back what {@link snapshot} kept. */
  restore(saved: StsSnapshot): void {
    this.caller = saved.caller;
    this.maxSessionDurationSeconds = saved.maxSessionDurationSeconds;
    this.sessions.splice(0, this.sessions.length, ...saved.sessions);
  }

  /**
   * Makes GetCallerIdentity answer `arn` (an IAM user, role or root ARN, or an STS assumed-role ARN); the account is
   * the ARN's and the user id is derived as AWS shapes it (`AIDA…`, `AROA…:session`) unless given.
   */
  setCaller(arn: string, userId?: string): CallerIdentity {
    this.caller = identityOf(arn, userId);
    return this.caller;
  }

  /** The session whose credentials use `accessKeyId`, if AssumeRole issued them. */
  session(accessKeyId: string): AssumedRoleSession | undefined {
    return this.sessions.find((s) => s.accessKeyId === accessKeyId);
  }

  /**
   * The identity behind a request signed with `accessKeyId`.
   * @throws ApiError `ExpiredToken` when the key belongs to an expired session.
   */
  identityFor(accessKeyId: string | undefined): CallerIdentity {
    const session = accessKeyId ? this.session(accessKeyId) : undefined;
    if (!session) return this.caller;
    if (session.expiration.getTime() <= this.clock.now().getTime())
      throw stsError('ExpiredToken', 'The security token included in the request is expired', 403);
    return session.identity;
  }

  /** Starts a session on `roleArn`. @throws ApiError `ValidationError` for malformed input, as STS. */
  assumeRole(input: {
    roleArn: string;
    roleSessionName: string;
    durationSeconds?: number;
    sourceIdentity?: string;
    externalId?: string;
  }): AssumedRoleSession {
    const role = ROLE_ARN.exec(input.roleArn);
    if (input.roleArn.length < 20 || !role) throw validation(`${input.roleArn} is invalid`);
    if (!SESSION_NAME.test(input.roleSessionName)) {
      throw validation(
        `1 validation error detected: Value '${input.roleSessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
      );
    }
    const duration = input.durationSeconds ?? 3600;
    if (duration < 900 || duration > 43200) {
      throw validation(
        `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value ${duration < 900 ? 'greater than or equal to 900' : 'less than or equal to 43200'}`,
      );
    }
    if (duration > this.maxSessionDurationSeconds)
      throw validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    const [, account = '', roleName = ''] = role;
    const issuedAt = this.clock.now();
    const seed = `${input.roleArn}|${input.roleSessionName}|${this.sessions.length}|${issuedAt.toISOString()}`;
    const session: AssumedRoleSession = {
      roleArn: input.roleArn,
      roleSessionName: input.roleSessionName,
      accessKeyId: uniqueId('ASIA', `key|${seed}`).slice(0, 20),
      secretAccessKey: Buffer.from(stableHex(`secret|${seed}`, 60), 'hex')
        .toString('base64')
        .slice(0, 40),
      sessionToken: `IQoJb3JpZ2luX2VjE${Buffer.from(stableHex(`token|${seed}`, 300), 'hex').toString('base64')}`,
      issuedAt,
      // STS states expirations to the second.
      expiration: new Date(Math.floor(issuedAt.getTime() / 1000) * 1000 + duration * 1000),
      identity: {
        Arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${input.roleSessionName}`,
        UserId: `${uniqueId('AROA', input.roleArn)}:${input.roleSessionName}`,
        Account: account,
      },
      ...(input.sourceIdentity !== undefined ? { sourceIdentity: input.sourceIdentity } : {}),
      ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
    };
    this.sessions.push(session);
    return session;
  }
}

const isoSeconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

function accessKeyOf(req: LocalRequest): string | undefined {
  const authorization = req.headers.authorization;
  return authorization ? ACCESS_KEY.exec(authorization)?.[1] : undefined;
}

function required(form: FormObject, name: string, member: string): string {
  const value = formString(form, name);
  if (value === undefined || value === '') {
    throw validation(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function handleOperation(
  action: string,
  form: FormObject,
  req: LocalRequest,
  ctx: ServiceContext,
): XmlStruct {
  const state = ctx.world.sts;
  switch (action) {
    case 'GetCallerIdentity': {
      const identity = state.identityFor(accessKeyOf(req));
      return { Arn: identity.Arn, UserId: identity.UserId, Account: identity.Account };
    }
    case 'AssumeRole': {
      const durationSeconds = formInt(form, 'DurationSeconds', 'ValidationError');
      const sourceIdentity = formString(form, 'SourceIdentity');
      const externalId = formString(form, 'ExternalId');
      const session = state.assumeRole({
        roleArn: required(form, 'RoleArn', 'roleArn'),
        roleSessionName: required(form, 'RoleSessionName', 'roleSessionName'),
        ...(durationSeconds !== undefined ? { durationSeconds } : {}),
        ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
        ...(externalId !== undefined ? { externalId } : {}),
      });
      return {
        Credentials: {
          AccessKeyId: session.accessKeyId,
          SecretAccessKey: session.secretAccessKey,
          SessionToken: session.sessionToken,
          Expiration: isoSeconds(session.expiration),
        },
        AssumedRoleUser: { AssumedRoleId: session.identity.UserId, Arn: session.identity.Arn },
        SourceIdentity: session.sourceIdentity,
      };
    }
    default:
      throw stsError('InvalidAction', `Could not find operation ${action} for version ${VERSION}`);
  }
}

/** STS on awsQuery. */
export const stsEmulator: ServiceEmulator = {
  signingNames: ['sts'],
  operation: (req: LocalRequest) => queryAction(req),
  handle(operation, req, ctx): LocalResponse {
    try {
      const form = requestForm(req);
      if (formList(form, 'Action') === undefined) throw stsError('MissingAction', 'Missing Action');
      return queryResponse(operation, handleOperation(operation, form, req, ctx), XMLNS);
    } catch (error) {
      if (error instanceof ApiError) return queryError(error, XMLNS);
      throw error;
    }
  },
  throttled: () => queryError(stsError('Throttling', 'Rate exceeded'), XMLNS),
  failure: (_operation, message) => queryError(stsError('InternalFailure', message, 500), XMLNS),
  denied: (operation) =>
    queryError(stsError('AccessDenied', `User is not authorized to perform: sts:${operation}`, 403), XMLNS),
};
