import {
  DescribeSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import type { RotationPort, RotationStatus } from '@mqops/core/runbooks/ports';
import { callSecretsManager } from './secrets-errors';

/**
 * A rotated secret's state and "rotate now", for the rotate-now runbook. IAM: `secretsmanager:DescribeSecret`,
 * `secretsmanager:RotateSecret` (Secrets Manager then invokes the rotation function with its own permission).
 */
export class SecretsRotationControl implements RotationPort {
  private readonly client: SecretsManagerClient;

  constructor(client: SecretsManagerClient | SecretsManagerClientConfig = {}) {
    this.client = client instanceof SecretsManagerClient ? client : new SecretsManagerClient(client);
  }

  /** One secret's rotation state (DescribeSecret; never its value). */
  async status(secretId: string): Promise<RotationStatus> {
    const s = await callSecretsManager('DescribeSecret', secretId, () =>
      this.client.send(new DescribeSecretCommand({ SecretId: secretId })),
    );
    return {
      arn: s.ARN ?? secretId,
      name: s.Name ?? secretId,
      rotationEnabled: s.RotationEnabled ?? false,
      ...(s.RotationLambdaARN ? { rotationLambdaArn: s.RotationLambdaARN } : {}),
      ...(s.LastRotatedDate ? { lastRotated: s.LastRotatedDate.toISOString() } : {}),
      ...(s.NextRotationDate ? { nextRotation: s.NextRotationDate.toISOString() } : {}),
      rotating: Object.values(s.VersionIdsToStages ?? {}).some((stages) => stages.includes('AWSPENDING')),
    };
  }

  /** Starts a rotation now with the secret's configured function and rules (RotateSecret, RotateImmediately). */
  async rotateNow(secretId: string): Promise<{ versionId?: string }> {
    const out = await callSecretsManager('RotateSecret', secretId, () =>
      this.client.send(new RotateSecretCommand({ SecretId: secretId, RotateImmediately: true })),
    );
    return out.VersionId ? { versionId: out.VersionId } : {};
  }
}
