import { InvalidInputError } from '../errors';
import { clip, MAX_SECRET_ID_LENGTH } from '../limits';
import { ROTATED_SECRET_PREFIX } from './enable';
import { type SecretDescription, type SecretStore, STAGES } from './ports';

/**
 * Whether an invocation of the rotation function is for a secret mqops owns, decided before anything is written or
 * sent: like AWS's own rotation templates, and first of all by the secret's name (its IAM policy reaches
 * `secret:mqops/*` only). See {@link admitRotation}.
 */

/** The tag every secret mqops rotates carries (`mqops rotation enable` sets it to the broker id). */
export const ROTATION_OWNER_TAG = 'mqops:broker';

/** `clip` (a value cut for a message) and AWS's limit on a SecretId live with the other edge limits (limits.ts). */
export { clip, MAX_SECRET_ID_LENGTH };

/** How much of a SecretId a refusal repeats: a whole ARN of an ordinary name, and the message stays ≤ 300 chars. */
const SECRET_ID_CLIP = 100;
/** The longest refusal message. */
const MAX_MESSAGE = 300;

/** Secrets Manager's secret-name characters. */
const NAME = '[A-Za-z0-9/_+=.@-]+';
const NAME_ONLY = new RegExp(`^${NAME}$`);
/** `arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME[-6chars]`. */
const ARN = new RegExp(`^arn:aws(?:-[a-z]+)*:secretsmanager:[a-z0-9-]+:\\d{12}:secret:(${NAME})$`);

/**
 * The secret name a SecretId (a name, or a complete or partial ARN) names, or undefined when it is neither. The
 * 6-character suffix of a complete ARN stays on the name: the `mqops/` prefix is what {@link ownsSecretId} decides on.
 */
export function secretNameOf(secretId: string): string | undefined {
  if (secretId.startsWith('arn:')) return ARN.exec(secretId)?.[1];
  return NAME_ONLY.test(secretId) ? secretId : undefined;
}

/**
 * True when a SecretId names a secret under `mqops/` (the only secrets the rotation function may touch), within
 * AWS's limit of {@link MAX_SECRET_ID_LENGTH} characters.
 */
export function ownsSecretId(secretId: string): boolean {
  if (secretId.length > MAX_SECRET_ID_LENGTH) return false;
  const name = secretNameOf(secretId);
  return name?.startsWith(ROTATED_SECRET_PREFIX) === true && name.length > ROTATED_SECRET_PREFIX.length;
}

/**
 * An invocation the rotation function refuses: a secret it does not own, or a version that is not one it may act on.
 * Nothing was written or sent (at most DescribeSecret was called). The message repeats no long value (see
 * {@link clip}).
 */
export class RotationRefusedError extends InvalidInputError {
  constructor(message: string) {
    super(message);
    this.name = 'RotationRefusedError';
  }
}

/** The event fields {@link admitRotation} decides on. */
export interface RotationRequest {
  Step: string;
  SecretId: string;
  ClientRequestToken: string;
}

/**
 * Decides whether the rotation function may act on this invocation, with no side effect but one DescribeSecret:
 * 1. the SecretId names a secret under `mqops/` (decided on the string: no call at all otherwise);
 * 2. the secret exists (DescribeSecret), its ARN is under `mqops/` too, rotation is enabled on it, and it carries
 *    the `mqops:broker` tag;
 * 3. the ClientRequestToken is a version of the secret, labelled AWSCURRENT (the rotation is complete: every step
 *    returns) or AWSPENDING (the rotation in progress).
 * @returns the description (the step uses it rather than describing again)
 * @throws RotationRefusedError (an InvalidInputError) saying why; other errors of DescribeSecret pass through
 */
export async function admitRotation(
  request: RotationRequest,
  store: SecretStore,
): Promise<SecretDescription> {
  const { Step: step, SecretId: secretId, ClientRequestToken: token } = request;
  const refuse = (reason: string) => {
    const message = `${clip(step, 16)} of secret ${clip(secretId, SECRET_ID_CLIP)} (version ${clip(token)}) refused: ${reason}`;
    // Only a caller that skipped parseRotationEvent's limits can make it longer.
    return new RotationRefusedError(
      message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE - 1)}…`,
    );
  };
  if (!ownsSecretId(secretId))
    throw refuse(`not an ${ROTATED_SECRET_PREFIX}… secret; the rotation function rotates no other`);
  const description = await store.describe(secretId);
  if (!description) throw refuse('no such secret');
  if (!ownsSecretId(description.arn))
    throw refuse(`the secret's ARN is not an ${ROTATED_SECRET_PREFIX}… secret`);
  if (!description.rotationEnabled) throw refuse('rotation is not enabled on the secret');
  if (!description.tags[ROTATION_OWNER_TAG]) throw refuse(`the secret has no ${ROTATION_OWNER_TAG} tag`);
  const stages = description.versions[token];
  if (!stages) throw refuse('the token is not a version of the secret');
  if (!stages.includes(STAGES.current) && !stages.includes(STAGES.pending))
    throw refuse('the version is not labelled AWSPENDING');
  return description;
}
