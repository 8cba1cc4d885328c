import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { ActiveMqCredentialTarget } from '@mqops/aws/activemq-credentials';
import { RabbitCredentialTarget } from '@mqops/aws/rabbitmq-credentials';
import { SecretsRotationStore } from '@mqops/aws/secrets-rotation';
import {
  parseRotationEvent,
  type RotationDeps,
  type RotationStepResult,
  runRotationStep,
} from '@mqops/core/rotation/index';
import { createLogger } from './lib/logger';

const logger = createLogger('mqops-rotate');

let defaults: RotationDeps | undefined;

/** The real adapters, made once per container (the SDK clients read the standard AWS configuration). */
function defaultDeps(): RotationDeps {
  defaults ??= {
    store: new SecretsRotationStore(),
    targets: { rabbitmq: new RabbitCredentialTarget(), activemq: new ActiveMqCredentialTarget() },
  };
  return defaults;
}

/**
 * The Secrets Manager rotation function for Amazon MQ users: one step of the four-step protocol per invocation.
 * A malformed event is refused (InvalidInputError) before anything is read or changed. Logs name the step, the
 * secret, the version and the outcome; never a secret value or the RotationToken.
 */
export async function rotate(
  event: unknown,
  deps: RotationDeps = defaultDeps(),
): Promise<RotationStepResult> {
  const request = parseRotationEvent(event);
  const where = { step: request.Step, secretId: request.SecretId, token: request.ClientRequestToken };
  try {
    const result = await runRotationStep(request, deps);
    logger.info('rotation step done', { ...result });
    return result;
  } catch (error) {
    logger.error('rotation step failed', {
      ...where,
      error: { name: (error as Error).name, message: (error as Error).message },
    });
    throw error;
  }
}

// middy passes (event, context): the context must not land in `deps`.
export const handler = middy((event: unknown) => rotate(event)).use(
  injectLambdaContext(logger, { resetKeys: true }),
);
