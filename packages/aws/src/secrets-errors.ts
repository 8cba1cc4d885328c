import { MqopsError } from '@mqops/core';

/**
 * A Secrets Manager failure, named by operation and secret: `Secrets Manager PutSecretValue of mqops/… failed:
 * Name: message`. SDK errors never carry a secret value (SecretString is not echoed), so the message is safe to log.
 * (Its own module, with no SDK command, so that importing it adds no IAM action to a function.)
 */
export function secretsManagerError(operation: string, secretId: string, error: unknown): MqopsError {
  const name = (error as { name?: string } | null)?.name ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return new MqopsError(`Secrets Manager ${operation} of ${secretId} failed: ${name}: ${message}`, {
    cause: error,
  });
}

/** Runs one Secrets Manager call; its failure becomes {@link secretsManagerError}. */
export async function callSecretsManager<T>(
  operation: string,
  secretId: string,
  send: () => Promise<T>,
): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw secretsManagerError(operation, secretId, error);
  }
}
