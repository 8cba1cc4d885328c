import { InvalidInputError } from '../errors';
import type { KeyValueStore } from '../kv';
import { errorText, type Notice, type NoticeOutcome, type NoticeSink, postNotice } from '../notices';
import { admitRotation } from './admit';
import { type RotationDeps, type RotationEvent, type RotationStepResult, runRotationStep } from './protocol';
import { RotationError } from './secret';

/** Where rotation notices go, and the store that sends each one once. */
export interface RotationNotices {
  sinks: readonly NoticeSink[];
  /** Deduplicates notices of re-delivered steps (Secrets Manager retries a failed rotation several times). */
  store?: KeyValueStore;
  now?: () => Date;
}

/** The secret's short name for people: the name part of an ARN (`mqops/orders/app-AbCdEf` → `mqops/orders/app`). */
export function secretLabel(secretId: string): string {
  // An ARN ends in `-` and six random characters that Secrets Manager adds to the name; a name has none.
  const name = /^arn:[^:]+:secretsmanager:[^:]*:\d*:secret:(.+)-[A-Za-z0-9]{6}$/.exec(secretId)?.[1];
  return name ?? secretId;
}

/**
 * The notice a step's outcome deserves, or undefined: a finished rotation (info), a change that waits for the broker
 * to reboot (info, once per version), a failure (warning; critical when the secret itself is invalid and a person
 * must fix it). Failures say that AWSCURRENT still works: a failed rotation never moves it.
 */
export function rotationNotice(
  event: RotationEvent,
  outcome: { result: RotationStepResult } | { error: unknown },
): Notice | undefined {
  const secret = secretLabel(event.SecretId);
  const version = event.ClientRequestToken;
  const base = `rotation/${event.SecretId}/${version}`;
  if ('result' in outcome) {
    const r = outcome.result;
    if (r.outcome !== 'finished') return undefined;
    return {
      kind: 'rotation',
      level: 'info',
      title: `rotated ${r.username ?? 'the user'} of secret ${secret}`,
      text:
        `Secret ${secret} now holds a new credential for user ${r.username ?? '?'} on broker ${r.brokerId ?? '?'}` +
        ' (AWSCURRENT moved to the new version; the previous one is AWSPREVIOUS).',
      fields: {
        secret,
        version,
        ...(r.engine ? { engine: r.engine } : {}),
        ...(r.username ? { user: r.username } : {}),
      },
      ...(r.brokerId ? { broker: { id: r.brokerId } } : {}),
      key: `${base}/finished`,
    };
  }
  const error = outcome.error as Error;
  const message = error?.message ?? String(error);
  if (error instanceof RotationError && error.waiting) {
    return {
      kind: 'rotation',
      level: 'info',
      title: `rotation of secret ${secret} waits for the broker to reboot`,
      text: `${message}. AWSCURRENT keeps working meanwhile; the rotation completes after the reboot or maintenance window.`,
      fields: { secret, version, step: event.Step },
      key: `${base}/waiting`,
    };
  }
  return {
    kind: 'rotation',
    level: error instanceof InvalidInputError ? 'critical' : 'warning',
    title: `rotation of secret ${secret} failed at ${event.Step}`,
    text:
      `${message}. AWSCURRENT was not moved and still holds the working credential; Secrets Manager retries ` +
      'the rotation, or start it again with `aws secretsmanager rotate-secret`.',
    fields: { secret, version, step: event.Step, error: error?.name ?? 'Error' },
    key: `${base}/failed/${event.Step}`,
  };
}

export interface NotifiedStep {
  result: RotationStepResult;
  notice?: NoticeOutcome;
}

/**
 * One rotation step, then its notice (see {@link rotationNotice}). A notice never changes the step's result: a
 * failed delivery is reported in `notice.failed`, and a failed step is re-thrown after its notice went out.
 *
 * An invocation the guard refuses ({@link admitRotation}: a secret mqops does not own, rotation off, a token that is
 * no version to act on) or that cannot be decided (DescribeSecret failed) sends nothing and writes nothing: anyone
 * allowed to invoke the function must not be able to post a "rotation failed" notice or claim a notice key.
 * @param onNotice sees every notice outcome (for logs), also on failure.
 */
export async function rotateAndNotify(
  event: RotationEvent,
  deps: RotationDeps & { notices?: RotationNotices },
  onNotice: (outcome: NoticeOutcome, notice: Notice) => void = () => undefined,
): Promise<NotifiedStep> {
  const notify = async (notice: Notice | undefined) => {
    if (!notice || !deps.notices?.sinks.length) return undefined;
    const outcome = await postNotice(deps.notices.sinks, notice, {
      ...(deps.notices.store ? { store: deps.notices.store } : {}),
      ...(deps.notices.now ? { now: deps.notices.now } : {}),
    }).catch((error: unknown) => ({
      sent: [] as string[],
      failed: [{ channel: 'store', error: errorText(error) }],
      duplicate: false,
    }));
    try {
      onNotice(outcome, notice);
    } catch {
      // A logging callback must not change the step's result either.
    }
    return outcome;
  };
  const admitted = await admitRotation(event, deps.store);
  let result: RotationStepResult;
  try {
    result = await runRotationStep(event, deps, admitted);
  } catch (error) {
    await notify(rotationNotice(event, { error }));
    throw error;
  }
  const notice = await notify(rotationNotice(event, { result }));
  return { result, ...(notice ? { notice } : {}) };
}
