import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { MqopsError } from '@mqops/core';
import {
  type PasswordOptions,
  type SecretDescription,
  type SecretStore,
  STAGES,
  type VersionRef,
} from '@mqops/core/rotation/index';
import { callSecretsManager, secretsManagerError } from './secrets-errors';

/**
 * The rotation protocol's {@link SecretStore} on Secrets Manager. SDK errors are wrapped with the operation and the
 * secret id; they never carry a secret value (the SDK does not put values in errors).
 *
 * @example
 * const store = new SecretsRotationStore({ region: 'eu-west-1' });
 * await runRotationStep(event, { store, targets: { rabbitmq: new RabbitCredentialTarget() } });
 */
export class SecretsRotationStore implements SecretStore {
  private readonly client: SecretsManagerClient;

  constructor(client: SecretsManagerClient | SecretsManagerClientConfig = {}) {
    this.client = client instanceof SecretsManagerClient ? client : new SecretsManagerClient(client);
  }

  /** DescribeSecret; undefined when the secret does not exist (ResourceNotFoundException). */
  async describe(secretId: string): Promise<SecretDescription | undefined> {
    let out: DescribeSecretCommandOutput;
    try {
      out = await this.client.send(new DescribeSecretCommand({ SecretId: secretId }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw secretsManagerError('DescribeSecret', secretId, error);
    }
    return {
      arn: out.ARN ?? secretId,
      rotationEnabled: out.RotationEnabled ?? false,
      versions: out.VersionIdsToStages ?? {},
      tags: Object.fromEntries(
        (out.Tags ?? []).flatMap((t) => (t.Key !== undefined ? [[t.Key, t.Value ?? '']] : [])),
      ),
    };
  }

  async getValue(secretId: string, ref: VersionRef): Promise<string | undefined> {
    try {
      const out = await this.client.send(
        new GetSecretValueCommand({
          SecretId: secretId,
          ...(ref.versionId ? { VersionId: ref.versionId } : {}),
          ...(ref.stage ? { VersionStage: ref.stage } : {}),
        }),
      );
      return out.SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException && (ref.versionId || ref.stage !== STAGES.current)) {
        return undefined;
      }
      throw secretsManagerError('GetSecretValue', secretId, error);
    }
  }

  async putPending(secretId: string, token: string, value: string, rotationToken?: string): Promise<void> {
    await callSecretsManager('PutSecretValue', secretId, () =>
      this.client.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          ClientRequestToken: token,
          SecretString: value,
          VersionStages: [STAGES.pending],
          ...(rotationToken ? { RotationToken: rotationToken } : {}),
        }),
      ),
    );
  }

  async moveCurrent(secretId: string, token: string, fromVersionId: string | undefined): Promise<void> {
    await callSecretsManager('UpdateSecretVersionStage', secretId, () =>
      this.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: STAGES.current,
          MoveToVersionId: token,
          ...(fromVersionId ? { RemoveFromVersionId: fromVersionId } : {}),
        }),
      ),
    );
  }

  async randomPassword(options: PasswordOptions): Promise<string> {
    const out = await callSecretsManager('GetRandomPassword', '-', () =>
      this.client.send(
        new GetRandomPasswordCommand({
          PasswordLength: options.length,
          ExcludeCharacters: options.excludeCharacters,
          RequireEachIncludedType: true,
        }),
      ),
    );
    if (!out.RandomPassword) throw new MqopsError('GetRandomPassword returned no password');
    return out.RandomPassword;
  }
}
