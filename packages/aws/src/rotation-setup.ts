import {
  CreateSecretCommand,
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
  paginateListSecrets,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { InvalidInputError, MqopsError } from '@mqops/core';
import {
  checkRotatedSecretName,
  parseRotationSecret,
  partnerOf,
  ROTATED_SECRET_PREFIX,
  type RotationRules,
} from '@mqops/core/rotation/index';
import { callSecretsManager, secretsManagerError } from './secrets-errors';

/** What {@link RotationSetup.enable} is asked to do. */
export interface EnableRotationInput {
  /** `mqops/…` */
  name: string;
  /** The secret's JSON (made by `rotationSecretValue`). A secret value: never logged or put in an error. */
  secretString: string;
  /** The Rotate function's ARN. */
  rotationLambdaArn: string;
  /** Omit to create the secret only (the stack's `rotations` turn it on). */
  rules?: RotationRules;
  /** Start a first rotation now (default false: the first one runs at the schedule). */
  rotateNow?: boolean;
  description?: string;
  kmsKeyId?: string;
}

export interface EnableRotationResult {
  arn: string;
  /** False when the secret existed already with the same user (its value is left as it is). */
  created: boolean;
  rotationEnabled: boolean;
  /** When rotateNow: the version Secrets Manager is rotating to. */
  rotationVersion?: string;
}

/** A rotated secret as `mqops rotation list` shows it (no value). */
export interface RotatedSecretInfo {
  name: string;
  arn: string;
  rotationEnabled: boolean;
  rotationLambdaArn?: string;
  schedule?: string;
  lastRotated?: Date;
  nextRotation?: Date;
  /** True while a version is labelled AWSPENDING (a rotation started and has not finished). */
  rotating: boolean;
}

/**
 * Creates rotated secrets for existing broker users and turns their rotation on (CreateSecret, RotateSecret), and
 * lists them (ListSecrets). An existing secret gets the `mqops:broker` and `mqops:engine` tags it lacks (TagResource).
 * IAM: `secretsmanager:CreateSecret`, `DescribeSecret`, `GetSecretValue`, `TagResource`, `RotateSecret`,
 * `ListSecrets`, and `lambda:InvokeFunction` is Secrets Manager's (the stack grants it).
 */
export class RotationSetup {
  private readonly client: SecretsManagerClient;

  constructor(client: SecretsManagerClient | SecretsManagerClientConfig = {}) {
    this.client = client instanceof SecretsManagerClient ? client : new SecretsManagerClient(client);
  }

  /**
   * Creates the secret (or finds the same user's secret already there) and turns rotation on. An existing secret of
   * another broker or user is refused, never overwritten.
   */
  async enable(input: EnableRotationInput): Promise<EnableRotationResult> {
    const name = checkRotatedSecretName(input.name);
    const wanted = parseRotationSecret(input.secretString, `the secret for ${name}`);
    let existing = await this.describe(name);
    let created = false;
    if (existing) {
      const value = await callSecretsManager('GetSecretValue', name, () =>
        this.client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSCURRENT' })),
      );
      let current: ReturnType<typeof parseRotationSecret>;
      try {
        current = parseRotationSecret(value.SecretString, `secret ${name}`);
      } catch (error) {
        throw new InvalidInputError(
          `secret ${name} exists and is not an mqops rotation secret (choose another --secret-name)`,
          error instanceof InvalidInputError ? error.issues : [],
        );
      }
      const same = (a: { engine: string; brokerId: string; username: string }) =>
        `${a.engine}/${a.brokerId}/${a.username}`;
      const pair =
        wanted.strategy === 'alternating-users'
          ? [wanted.username, partnerOf(wanted.username, wanted.cloneSuffix)]
          : [wanted.username];
      if (
        current.engine !== wanted.engine ||
        current.brokerId !== wanted.brokerId ||
        !pair.includes(current.username)
      )
        throw new MqopsError(
          `secret ${name} exists and holds ${same(current)}, not ${same(wanted)}: choose another --secret-name`,
        );
      // The Rotate function rotates only secrets tagged `mqops:broker` (its ownership check): an existing secret made
      // by hand gets the tags that a secret created here has.
      const tags = new Map((existing.Tags ?? []).map((t) => [t.Key, t.Value]));
      const missing = [
        { Key: 'mqops:engine', Value: wanted.engine },
        { Key: 'mqops:broker', Value: wanted.brokerId },
      ].filter((t) => !tags.has(t.Key));
      if (missing.length > 0) {
        await callSecretsManager('TagResource', name, () =>
          this.client.send(new TagResourceCommand({ SecretId: existing?.ARN ?? name, Tags: missing })),
        );
      }
    } else {
      const made = await callSecretsManager('CreateSecret', name, () =>
        this.client.send(
          new CreateSecretCommand({
            Name: name,
            SecretString: input.secretString,
            Description:
              input.description ??
              `Amazon MQ user ${wanted.username} of broker ${wanted.brokerId}, rotated by mqops`,
            ...(input.kmsKeyId ? { KmsKeyId: input.kmsKeyId } : {}),
            Tags: [
              { Key: 'mqops:engine', Value: wanted.engine },
              { Key: 'mqops:broker', Value: wanted.brokerId },
            ],
          }),
        ),
      );
      created = true;
      // A new secret has no rotation yet; CreateSecret answers its ARN.
      existing = { ARN: made.ARN, RotationEnabled: false, $metadata: {} };
    }
    const arn = existing?.ARN ?? name;
    if (!input.rules) return { arn, created, rotationEnabled: existing?.RotationEnabled ?? false };
    const out = await callSecretsManager('RotateSecret', name, () =>
      this.client.send(
        new RotateSecretCommand({
          SecretId: arn,
          RotationLambdaARN: input.rotationLambdaArn,
          RotationRules: input.rules,
          RotateImmediately: input.rotateNow ?? false,
        }),
      ),
    );
    return {
      arn,
      created,
      rotationEnabled: true,
      ...(input.rotateNow && out.VersionId ? { rotationVersion: out.VersionId } : {}),
    };
  }

  /** Every secret whose name starts with `prefix` (default `mqops/`), with its rotation state. */
  async list(prefix = ROTATED_SECRET_PREFIX): Promise<RotatedSecretInfo[]> {
    const out: RotatedSecretInfo[] = [];
    try {
      for await (const page of paginateListSecrets(
        { client: this.client },
        { Filters: [{ Key: 'name', Values: [prefix] }], IncludePlannedDeletion: false },
      )) {
        for (const s of page.SecretList ?? []) {
          if (!s.Name?.startsWith(prefix)) continue;
          const rules = s.RotationRules;
          const schedule =
            rules?.ScheduleExpression ??
            (rules?.AutomaticallyAfterDays ? `every ${rules.AutomaticallyAfterDays} days` : undefined);
          out.push({
            name: s.Name,
            arn: s.ARN ?? s.Name,
            rotationEnabled: s.RotationEnabled ?? false,
            ...(s.RotationLambdaARN ? { rotationLambdaArn: s.RotationLambdaARN } : {}),
            ...(schedule ? { schedule } : {}),
            ...(s.LastRotatedDate ? { lastRotated: s.LastRotatedDate } : {}),
            ...(s.NextRotationDate ? { nextRotation: s.NextRotationDate } : {}),
            rotating: Object.values(s.SecretVersionsToStages ?? {}).some((stages) =>
              stages.includes('AWSPENDING'),
            ),
          });
        }
      }
    } catch (error) {
      throw secretsManagerError('ListSecrets', prefix, error);
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  private async describe(name: string): Promise<DescribeSecretCommandOutput | undefined> {
    try {
      return await this.client.send(new DescribeSecretCommand({ SecretId: name }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException || (error as Error).name === 'ResourceNotFoundException')
        return undefined;
      throw secretsManagerError('DescribeSecret', name, error);
    }
  }
}
