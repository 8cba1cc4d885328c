import { InvalidInputError } from '../errors';
import * as v from '../schema';
import { admitRotation, clip, MAX_SECRET_ID_LENGTH, ownsSecretId } from './admit';
import { ROTATED_SECRET_PREFIX } from './enable';
import { type CredentialTargets, type SecretDescription, type SecretStore, STAGES } from './ports';
import {
  type Credential,
  credentialOf,
  PASSWORD_EXCLUDE,
  PASSWORD_LENGTH,
  parseAdminSecret,
  parseRotationSecret,
  partnerOf,
  RotationError,
  type RotationSecret,
} from './secret';

/** The four steps, as Secrets Manager spells them on the wire. */
export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStepName = (typeof ROTATION_STEPS)[number];

/**
 * AWS's limits on the strings of a rotation event (the Secrets Manager API reference): a SecretId is at most 2,048
 * characters, a ClientRequestToken 32 to 64, a RotationToken at most 256.
 */
export const ROTATION_EVENT_LIMITS = {
  secretId: MAX_SECRET_ID_LENGTH,
  tokenMin: 32,
  tokenMax: 64,
  rotationToken: 256,
} as const;

/** The longest message {@link parseRotationEvent} throws. */
const MAX_MESSAGE = 300;

const L = ROTATION_EVENT_LIMITS;
/** The event Secrets Manager invokes a rotation function with. Messages name the rule, never the value. */
export const rotationEventSchema = v.object({
  Step: v.picklist(ROTATION_STEPS, `not one of ${ROTATION_STEPS.join(', ')}`),
  SecretId: v.pipe(
    v.string('not a string'),
    v.minLength(1, 'empty'),
    v.maxLength(L.secretId, `longer than ${L.secretId} characters`),
  ),
  ClientRequestToken: v.pipe(
    v.string('not a string'),
    v.minLength(L.tokenMin, `not ${L.tokenMin} to ${L.tokenMax} characters`),
    v.maxLength(L.tokenMax, `not ${L.tokenMin} to ${L.tokenMax} characters`),
  ),
  RotationToken: v.optional(
    v.pipe(
      v.string('not a string'),
      v.minLength(1, 'empty'),
      v.maxLength(L.rotationToken, `longer than ${L.rotationToken} characters`),
    ),
  ),
});
export type RotationEvent = v.InferOutput<typeof rotationEventSchema>;

/**
 * Validates a rotation event against AWS's limits ({@link ROTATION_EVENT_LIMITS}), before anything is read.
 * @throws InvalidInputError (nothing was touched) naming each wrong field, in at most 300 characters: no value of the
 * event is ever repeated (a SecretId may be a megabyte long; the RotationToken is a credential).
 */
export function parseRotationEvent(event: unknown): RotationEvent {
  let result: ReturnType<typeof v.safeParse<typeof rotationEventSchema>>;
  try {
    result = v.safeParse(rotationEventSchema, event, { abortPipeEarly: true });
  } catch {
    // Not a JSON value (a getter that throws, a revoked proxy): no event Secrets Manager sends.
    throw new InvalidInputError('not a Secrets Manager rotation event');
  }
  if (!result.success) {
    const issues = v.issueLines(result.issues, '(event)');
    const error = new InvalidInputError('not a Secrets Manager rotation event', issues);
    if (error.message.length <= MAX_MESSAGE) throw error;
    throw new InvalidInputError(`${error.message.slice(0, MAX_MESSAGE - 1)}…`);
  }
  return result.output;
}

/** What a step did (for logs and tests; never a secret value). */
export type RotationOutcome =
  /** The token is already AWSCURRENT: the rotation is complete. */
  | 'already-current'
  /** createSecret found the AWSPENDING value already stored. */
  | 'pending-exists'
  | 'pending-created'
  /** setSecret found the pending credential already working on the broker. */
  | 'already-set'
  | 'set'
  | 'tested'
  | 'finished';

export interface RotationStepResult {
  step: RotationStepName;
  secretId: string;
  token: string;
  outcome: RotationOutcome;
  /** The user the pending version holds (after createSecret). */
  username?: string;
  /** The broker and engine of the secret, when the step read it. */
  brokerId?: string;
  engine?: RotationSecret['engine'];
}

/** Ports of {@link runRotationStep}. */
export interface RotationDeps {
  store: SecretStore;
  targets: CredentialTargets;
}

/**
 * One step of Secrets Manager's four-step rotation for an Amazon MQ user. Every step is idempotent and safe to
 * re-run; a failure leaves AWSCURRENT untouched and working.
 *
 * Guard (every step, {@link admitRotation}, with no side effect but DescribeSecret): the secret is named `mqops/…`,
 * exists, has rotation enabled and the `mqops:broker` tag; the token is a version of it labelled AWSCURRENT (→ done)
 * or AWSPENDING; else the invocation is refused (RotationRefusedError). Then:
 * - createSecret: AWSPENDING value present → nothing; else a new password (and, for alternating-users, the other
 *   user of the pair) stored as AWSPENDING under the token.
 * - setSecret: pending credential already works → nothing; else AWSCURRENT (or AWSPREVIOUS, after a half-done
 *   single-user change) must log in, then the user is changed on the broker as the admin (`masterarn`, else the
 *   current credential).
 * - testSecret: the pending credential must log in (when the target reports the change still pending, the error
 *   says so: Secrets Manager retries the rotation later).
 * - finishSecret: AWSCURRENT moves to the token.
 *
 * @param admitted the description {@link admitRotation} returned for this event (else the guard runs here)
 * @throws RotationRefusedError when the guard refuses; RotationError / InvalidInputError naming the secret and the
 * reason, never a password.
 */
export async function runRotationStep(
  event: RotationEvent,
  deps: RotationDeps,
  admitted?: SecretDescription,
): Promise<RotationStepResult> {
  const { Step: step, SecretId: secretId, ClientRequestToken: token } = event;
  const { store } = deps;
  const result = (
    outcome: RotationOutcome,
    secret?: Pick<RotationSecret, 'username' | 'brokerId' | 'engine'>,
  ): RotationStepResult => ({
    step,
    secretId,
    token,
    outcome,
    ...(secret ? { username: secret.username, brokerId: secret.brokerId, engine: secret.engine } : {}),
  });
  const fail = (reason: string, cause?: unknown, waiting = false) =>
    new RotationError(`${step} of secret ${secretId} (version ${token}): ${reason}`, step, {
      cause,
      waiting,
    });

  const description = admitted ?? (await admitRotation(event, store));
  if (description.versions[token]?.includes(STAGES.current)) return result('already-current');

  const read = async (stage: string, versionId?: string) =>
    store.getValue(secretId, versionId ? { versionId, stage } : { stage });
  const current = async () =>
    parseRotationSecret(await read(STAGES.current), `AWSCURRENT of secret ${secretId}`);
  const pending = async () => {
    const text = await read(STAGES.pending, token);
    if (text === undefined) throw fail('no AWSPENDING value for this version (createSecret has not run)');
    return parseRotationSecret(text, `AWSPENDING of secret ${secretId}`);
  };
  const targetOf = (secret: RotationSecret) => {
    const target = deps.targets[secret.engine];
    if (!target) throw fail(`no credential target for engine ${secret.engine} in this deployment`);
    return target;
  };

  switch (step) {
    case 'createSecret': {
      const existing = await read(STAGES.pending, token);
      if (existing !== undefined) {
        return result('pending-exists', parseRotationSecret(existing, `AWSPENDING of secret ${secretId}`));
      }
      const now = await current();
      const username =
        now.strategy === 'alternating-users' ? partnerOf(now.username, now.cloneSuffix) : now.username;
      const password = await store.randomPassword({
        length: PASSWORD_LENGTH,
        excludeCharacters: PASSWORD_EXCLUDE[now.engine],
      });
      await store.putPending(
        secretId,
        token,
        JSON.stringify({ ...now, username, password }),
        event.RotationToken,
      );
      return result('pending-created', { ...now, username });
    }

    case 'setSecret': {
      const [now, next] = [await current(), await pending()];
      checkPair(now, next, fail);
      // The admin secret is read with the function's own rights: it must be one mqops owns too.
      if (now.masterarn && !ownsSecretId(now.masterarn))
        throw new InvalidInputError(
          `${step} of secret ${secretId} (version ${token}): masterarn ${clip(now.masterarn)} is not an ` +
            `${ROTATED_SECRET_PREFIX}… secret; the rotation function reads no other`,
        );
      const target = targetOf(next);
      if (await target.verify(next, credentialOf(next))) return result('already-set', next);
      // Log in with AWSCURRENT first: never change a user of a broker the secret's owner cannot reach.
      let proven = await target.verify(now, credentialOf(now));
      if (!proven) {
        const previousText = await read(STAGES.previous);
        const previous = previousText
          ? parseRotationSecret(previousText, `AWSPREVIOUS of secret ${secretId}`)
          : undefined;
        proven =
          previous !== undefined &&
          previous.username === now.username &&
          (await target.verify(previous, credentialOf(previous)));
      }
      if (!proven)
        throw fail(
          `the AWSCURRENT credential of user ${now.username} does not log in to broker ${now.brokerId}; refusing to change it`,
        );
      let admin: Credential = credentialOf(now);
      if (now.masterarn) {
        admin = parseAdminSecret(
          await store.getValue(now.masterarn, { stage: STAGES.current }),
          `admin secret ${now.masterarn}`,
        );
      }
      await target.apply(
        next,
        {
          username: next.username,
          password: next.password,
          ...(next.username !== now.username ? { copyFrom: now.username } : {}),
        },
        admin,
      );
      return result('set', next);
    }

    case 'testSecret': {
      const next = await pending();
      const target = targetOf(next);
      if (!(await target.verify(next, credentialOf(next)))) {
        // A change the broker has not made live yet (ActiveMQ before a reboot): a retryable failure saying so.
        const waiting = await target.pendingChange?.(next, next.username);
        if (waiting) throw fail(waiting, undefined, true);
        throw fail(
          `the AWSPENDING credential of user ${next.username} does not log in to broker ${next.brokerId}`,
        );
      }
      return result('tested', next);
    }

    case 'finishSecret': {
      const from = Object.entries(description.versions).find(([, s]) => s.includes(STAGES.current))?.[0];
      const next = await pending();
      await store.moveCurrent(secretId, token, from);
      return result('finished', next);
    }
  }
}

/** The pending version must be the same broker and the user the strategy allows. */
function checkPair(now: RotationSecret, next: RotationSecret, fail: (reason: string) => Error): void {
  if (now.engine !== next.engine || now.brokerId !== next.brokerId) {
    throw fail('AWSPENDING names another broker or engine than AWSCURRENT');
  }
  const allowed =
    next.strategy === 'alternating-users' ? [partnerOf(now.username, now.cloneSuffix)] : [now.username];
  if (!allowed.includes(next.username)) {
    throw fail(`AWSPENDING user ${next.username} is not the user the ${next.strategy} strategy rotates`);
  }
}
