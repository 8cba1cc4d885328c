import { RotateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { LocalCloud } from '@mqops/local';

/** The rotation function's ARN the tests register with Secrets Manager. */
export const ROTATION_LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:mqops-rotate';

/**
 * What Secrets Manager does to start a rotation: RotateSecret, then the token it invokes the function with (the
 * local cloud records it instead of invoking a Lambda).
 */
export async function startRotation(
  sm: SecretsManagerClient,
  cloud: LocalCloud,
  arn: string,
): Promise<string> {
  await sm.send(
    new RotateSecretCommand({
      SecretId: arn,
      RotationLambdaARN: ROTATION_LAMBDA,
      RotationRules: { AutomaticallyAfterDays: 30 },
    }),
  );
  const pending = cloud.world.secrets.pendingRotations.get(arn);
  if (!pending) throw new Error('RotateSecret started no rotation');
  return pending.token;
}
