import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { ActiveMqCredentialTarget } from '@mqops/aws/activemq-credentials';
import { DynamoKeyValueStore } from '@mqops/aws/dynamodb-kv';
import { noticeSinksFromEnv } from '@mqops/aws/notice-sinks';
import { RabbitCredentialTarget } from '@mqops/aws/rabbitmq-credentials';
import { SecretsRotationStore } from '@mqops/aws/secrets-rotation';
import { outcomeOf } from '@mqops/core/outcome';
import {
  clip,
  parseRotationEvent,
  type RotationDeps,
  RotationError,
  type RotationEvent,
  type RotationNotices,
  RotationRefusedError,
  type RotationStepResult,
  rotateAndNotify,
} from '@mqops/core/rotation/index';
import { optionalEnv } from './lib/config';
import { emitJobOutcome, emitMetrics } from './lib/job-metric';
import { selfTarget } from './lib/job-outcome';
import { createLogger } from './lib/logger';

const logger = createLogger('mqops-rotate');

export type RotateDeps = RotationDeps & { notices?: RotationNotices };

let defaults: RotateDeps | undefined;

/**
 * The real adapters, made once per container (the SDK clients read the standard AWS configuration). Notices go to
 * `MQOPS_SLACK_WEBHOOK_URL` and `MQOPS_ALERT_TOPIC_ARN`, each once per rotation version (`MQOPS_STATE_TABLE`).
 */
export function rotateDeps(env: NodeJS.ProcessEnv = process.env): RotateDeps {
  const table = optionalEnv('MQOPS_STATE_TABLE', env);
  return {
    store: new SecretsRotationStore(),
    targets: { rabbitmq: new RabbitCredentialTarget(), activemq: new ActiveMqCredentialTarget() },
    notices: {
      sinks: noticeSinksFromEnv(env),
      ...(table ? { store: new DynamoKeyValueStore(table) } : {}),
    },
  };
}

/** An error for a log line: its name and message (never a cause, which may hold an SDK request). */
const errorOf = (error: unknown) => ({ name: (error as Error)?.name, message: (error as Error)?.message });

/**
 * The Secrets Manager rotation function for Amazon MQ users: one step of the four-step protocol per invocation,
 * then a notice of a finished, waiting or failed rotation.
 *
 * Refused, with an InvalidInputError and no side effect (nothing written, no notice, no metric, no Secrets Manager
 * call but at most one DescribeSecret): an event outside AWS's limits (a Step that is not one of the four, a SecretId
 * over 2,048 characters, a ClientRequestToken not 32 to 64), a secret not named `mqops/…`, or one that is not
 * rotating under mqops (rotation off, no `mqops:broker` tag, a token that is not its AWSPENDING or AWSCURRENT
 * version). A refusal is logged as a warning, with no long value repeated.
 *
 * Logs name the step, the secret, the version and the outcome; never a secret value or the RotationToken. Every step
 * it acts on writes its outcome as a metric (`Job` = `rotation`): complete, or failed with the secret and the step;
 * a failed step throws its error (Secrets Manager retries the rotation and reports it).
 */
export async function rotate(event: unknown, deps?: RotateDeps): Promise<RotationStepResult> {
  let request: RotationEvent;
  try {
    request = parseRotationEvent(event);
  } catch (error) {
    logger.warn('rotation refused', { error: errorOf(error) });
    // Counted like every function's refusals (Rejected, which no alarm pages on), never as a failed rotation.
    emitMetrics('rotation', { Rejected: 1 });
    throw error;
  }
  const where = { step: request.Step, secretId: request.SecretId, token: request.ClientRequestToken };
  const onNotice = (
    outcome: { sent: string[]; failed: unknown[]; duplicate: boolean },
    notice: { title: string },
  ) =>
    (outcome.failed.length ? logger.warn : logger.info).call(logger, 'rotation notice', {
      ...where,
      notice: notice.title,
      ...outcome,
    });
  if (!deps) defaults ??= rotateDeps();
  try {
    const { result } = await rotateAndNotify(request, deps ?? (defaults as RotateDeps), onNotice);
    logger.info('rotation step done', { ...result });
    emitJobOutcome('rotation', outcomeOf(1, []));
    emitMetrics('rotation', { RotationsFinished: +(result.outcome === 'finished') });
    return result;
  } catch (error) {
    if (error instanceof RotationRefusedError) {
      // Not a rotation of mqops': no failure metric (its alarm would page for anyone's invoke), no notice; counted
      // as Rejected like every function's refusals.
      logger.warn('rotation refused', {
        ...where,
        secretId: clip(request.SecretId, 100),
        error: errorOf(error),
      });
      emitMetrics('rotation', { Rejected: 1 });
      throw error;
    }
    logger.error('rotation step failed', { ...where, error: errorOf(error) });
    const gap = {
      target: selfTarget(),
      check: request.SecretId,
      reason: `${request.Step} failed: ${(error as Error).message}`,
    };
    emitJobOutcome('rotation', outcomeOf(0, [gap], true));
    // Waiting for the broker (a reboot, the maintenance window) is no failure: Secrets Manager tries the step again.
    const waiting = error instanceof RotationError && error.waiting;
    emitMetrics('rotation', { RotationsWaiting: +waiting, RotationsFailed: +!waiting });
    throw error;
  }
}

// middy passes (event, context): the context must not land in `deps`.
export const handler = middy((event: unknown) => rotate(event)).use(
  injectLambdaContext(logger, { resetKeys: true }),
);
