import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  type GetRandomPasswordCommandInput,
  GetSecretValueCommand,
  InternalServiceError,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { isThrottlingError } from '@smithy/core/retry';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ControllableClock } from '../../src/clock';
import type { Scenario } from '../../src/scenario';
import { type LocalCloud, startLocalCloud } from '../../src/server';
import { rotationEvent } from '../../src/services/secretsmanager';

const NOW = '2025-03-10T12:00:00.000Z';
const DAY = 86_400_000;
const at = (iso: string) => new Date(iso);
const ARN_PREFIX = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:';
const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:mq-rotate';
const token = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const scenario: Scenario = {
  now: NOW,
  secrets: [
    {
      Name: 'mq/orders/admin',
      SecretString: '{"username":"admin","password":"scenario-pass-1"}',
      Description: 'Orders broker admin',
      Tags: [
        { Key: 'broker', Value: 'orders' },
        { Key: 'team', Value: 'Platform' },
      ],
      CreatedDate: '2025-01-01T00:00:00.000Z',
      LastChangedDate: '2025-02-01T00:00:00.000Z',
      LastRotatedDate: '2025-02-01T09:30:00.000Z',
      RotationEnabled: true,
      RotationLambdaARN: LAMBDA,
      RotationRules: { AutomaticallyAfterDays: 30 },
    },
    {
      Name: 'mq/events/admin',
      SecretString: 'plain',
      Description: 'Events broker ADMIN',
      CreatedDate: '2025-01-02T00:00:00.000Z',
    },
  ],
};

describe('local Secrets Manager through the real SDK client', () => {
  let cloud: LocalCloud;
  let sm: SecretsManagerClient;
  const client = (extra: Partial<SecretsManagerClientConfig> = {}) =>
    new SecretsManagerClient({ ...cloud.clientConfig(), ...extra });
  const stages = async (id: string) =>
    (await sm.send(new DescribeSecretCommand({ SecretId: id }))).VersionIdsToStages ?? {};

  beforeAll(async () => {
    cloud = await startLocalCloud({ scenario, clock: new ControllableClock(NOW, { frozen: true }) });
    sm = client({ maxAttempts: 1 });
  });
  afterAll(async () => {
    sm.destroy();
    await cloud.stop();
  });
  beforeEach(() => cloud.faults.clear());

  it('DescribeSecret returns every field of a scenario secret', async () => {
    const out = await sm.send(new DescribeSecretCommand({ SecretId: 'mq/orders/admin' }));
    const { $metadata, ...fields } = out;
    expect(fields).toEqual({
      ARN: expect.stringMatching(
        /^arn:aws:secretsmanager:us-east-1:123456789012:secret:mq\/orders\/admin-[A-Za-z0-9]{6}$/,
      ),
      Name: 'mq/orders/admin',
      Description: 'Orders broker admin',
      RotationEnabled: true,
      RotationLambdaARN: LAMBDA,
      RotationRules: { AutomaticallyAfterDays: 30 },
      LastRotatedDate: at('2025-02-01T09:30:00.000Z'),
      LastChangedDate: at('2025-02-01T00:00:00.000Z'),
      NextRotationDate: at('2025-03-03T00:00:00.000Z'),
      Tags: [
        { Key: 'broker', Value: 'orders' },
        { Key: 'team', Value: 'Platform' },
      ],
      VersionIdsToStages: { [Object.keys(out.VersionIdsToStages ?? {})[0] ?? '?']: ['AWSCURRENT'] },
      CreatedDate: at('2025-01-01T00:00:00.000Z'),
    });
    expect(Object.keys(out.VersionIdsToStages ?? {})).toHaveLength(1);
    // The same secret by full ARN and by partial ARN (without the random suffix).
    expect((await sm.send(new DescribeSecretCommand({ SecretId: out.ARN })))?.Name).toBe('mq/orders/admin');
    expect(
      (await sm.send(new DescribeSecretCommand({ SecretId: `${ARN_PREFIX}mq/orders/admin` })))?.ARN,
    ).toBe(out.ARN);
  });

  it('CreateSecret and GetSecretValue round-trip strings and binaries; duplicates and bad names are refused', async () => {
    const created = await sm.send(
      new CreateSecretCommand({
        Name: 'app/db',
        SecretString: '{"password":"s3cr3t"}',
        ClientRequestToken: token(1),
        Description: 'db',
        KmsKeyId: 'alias/mq',
        Tags: [{ Key: 'env', Value: 'test' }],
      }),
    );
    expect(created.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:app\/db-[A-Za-z0-9]{6}$/,
    );
    expect(created.Name).toBe('app/db');
    expect(created.VersionId).toBe(token(1));
    const value = await sm.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    const { $metadata, ...fields } = value;
    expect(fields).toEqual({
      ARN: created.ARN,
      Name: 'app/db',
      VersionId: token(1),
      SecretString: '{"password":"s3cr3t"}',
      VersionStages: ['AWSCURRENT'],
      CreatedDate: at(NOW),
    });
    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'app/db' }));
    expect(described.KmsKeyId).toBe('alias/mq');
    expect(described.LastAccessedDate).toEqual(at('2025-03-10T00:00:00.000Z'));
    expect(described.RotationEnabled).toBeUndefined();

    const binary = new Uint8Array([0, 1, 2, 250, 255]);
    await sm.send(new CreateSecretCommand({ Name: 'app/key', SecretBinary: binary }));
    const got = await sm.send(new GetSecretValueCommand({ SecretId: 'app/key' }));
    expect(got.SecretBinary).toEqual(binary);
    expect(got.SecretString).toBeUndefined();

    const dup = await sm
      .send(new CreateSecretCommand({ Name: 'app/db', SecretString: 'x' }))
      .catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(ResourceExistsException);
    expect((dup as Error).message).toBe('The operation failed because the secret app/db already exists.');
    const badName = await sm
      .send(new CreateSecretCommand({ Name: 'bad name!', SecretString: 'x' }))
      .catch((e: unknown) => e);
    expect(badName).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
  });

  it('GetSecretValue on an unknown secret, version or stage raises ResourceNotFoundException', async () => {
    const unknown = await sm.send(new GetSecretValueCommand({ SecretId: 'nope' })).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);
    expect((unknown as Error).message).toBe("Secrets Manager can't find the specified secret.");
    const stage = await sm
      .send(new GetSecretValueCommand({ SecretId: 'mq/events/admin', VersionStage: 'AWSPENDING' }))
      .catch((e: unknown) => e);
    expect(stage).toBeInstanceOf(ResourceNotFoundException);
    expect((stage as Error).message).toBe(
      "Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
    );
  });

  it('PutSecretValue is idempotent per token, refuses a changed value, and moves AWSPREVIOUS', async () => {
    const { ARN } = await sm.send(
      new CreateSecretCommand({ Name: 'idem', SecretString: 'v1', ClientRequestToken: token(10) }),
    );
    const put = await sm.send(
      new PutSecretValueCommand({ SecretId: 'idem', SecretString: 'v2', ClientRequestToken: token(11) }),
    );
    expect(put).toMatchObject({ ARN, Name: 'idem', VersionId: token(11), VersionStages: ['AWSCURRENT'] });
    expect(await stages('idem')).toEqual({ [token(10)]: ['AWSPREVIOUS'], [token(11)]: ['AWSCURRENT'] });

    const again = await sm.send(
      new PutSecretValueCommand({ SecretId: 'idem', SecretString: 'v2', ClientRequestToken: token(11) }),
    );
    expect(again.VersionId).toBe(token(11));
    const versions = await sm.send(
      new ListSecretVersionIdsCommand({ SecretId: 'idem', IncludeDeprecated: true }),
    );
    expect(versions.Versions?.map((v) => v.VersionId)).toEqual([token(10), token(11)]);

    const changed = await sm
      .send(
        new PutSecretValueCommand({
          SecretId: 'idem',
          SecretString: 'hunter2-changed',
          ClientRequestToken: token(11),
        }),
      )
      .catch((e: unknown) => e);
    expect(changed).toBeInstanceOf(ResourceExistsException);
    expect((changed as Error).message).not.toContain('hunter2');

    await sm.send(
      new PutSecretValueCommand({ SecretId: 'idem', SecretString: 'v3', ClientRequestToken: token(12) }),
    );
    expect(await stages('idem')).toEqual({ [token(11)]: ['AWSPREVIOUS'], [token(12)]: ['AWSCURRENT'] });
    const listed = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'idem' }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.VersionStages])).toEqual([
      [token(11), ['AWSPREVIOUS']],
      [token(12), ['AWSCURRENT']],
    ]);
    const all = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'idem', IncludeDeprecated: true }));
    expect(all.Versions?.[0]).toEqual({
      VersionId: token(10),
      VersionStages: [],
      CreatedDate: at(NOW),
      KmsKeyIds: ['DefaultEncryptionKey'],
    });
    const previous = await sm.send(
      new GetSecretValueCommand({ SecretId: 'idem', VersionStage: 'AWSPREVIOUS' }),
    );
    expect(previous.SecretString).toBe('v2');
  });

  it('walks a full rotation: RotateSecret, createSecret, finishSecret', async () => {
    const { ARN } = await sm.send(
      new CreateSecretCommand({
        Name: 'mq/rotating',
        SecretString: 'old-password',
        ClientRequestToken: token(20),
      }),
    );
    const rotate = await sm.send(
      new RotateSecretCommand({
        SecretId: 'mq/rotating',
        ClientRequestToken: token(21),
        RotationLambdaARN: LAMBDA,
        RotationRules: { AutomaticallyAfterDays: 7, Duration: '2h' },
      }),
    );
    expect(rotate).toMatchObject({ ARN, Name: 'mq/rotating', VersionId: token(21) });
    const pending = cloud.world.secrets.pendingRotations.get(ARN ?? '');
    expect(pending && rotationEvent(pending, 'createSecret')).toEqual({
      Step: 'createSecret',
      SecretId: ARN,
      ClientRequestToken: token(21),
    });
    let described = await sm.send(new DescribeSecretCommand({ SecretId: ARN }));
    expect(described).toMatchObject({
      RotationEnabled: true,
      RotationLambdaARN: LAMBDA,
      RotationRules: { AutomaticallyAfterDays: 7, Duration: '2h' },
      VersionIdsToStages: { [token(20)]: ['AWSCURRENT'], [token(21)]: ['AWSPENDING'] },
    });

    // createSecret step: the pending version has no value yet, so the handler generates and stores one.
    const missing = await sm
      .send(new GetSecretValueCommand({ SecretId: ARN, VersionId: token(21), VersionStage: 'AWSPENDING' }))
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    const { RandomPassword } = await sm.send(new GetRandomPasswordCommand({ ExcludeCharacters: ',:=' }));
    expect(RandomPassword).toMatch(/^[^,:=]{32}$/);
    await sm.send(
      new PutSecretValueCommand({
        SecretId: ARN,
        ClientRequestToken: token(21),
        SecretString: RandomPassword,
        VersionStages: ['AWSPENDING'],
      }),
    );
    const pendingValue = await sm.send(
      new GetSecretValueCommand({ SecretId: ARN, VersionStage: 'AWSPENDING' }),
    );
    expect(pendingValue).toMatchObject({
      VersionId: token(21),
      SecretString: RandomPassword,
      VersionStages: ['AWSPENDING'],
    });

    const overlapping = await sm
      .send(new RotateSecretCommand({ SecretId: ARN, ClientRequestToken: token(29) }))
      .catch((e: unknown) => e);
    expect(overlapping).toBeInstanceOf(InvalidRequestException);
    expect((overlapping as Error).message).toBe(
      "A previous rotation isn't complete. That rotation will be reattempted.",
    );

    // finishSecret step: AWSCURRENT must be moved explicitly from the version that has it.
    const withoutRemove = await sm
      .send(
        new UpdateSecretVersionStageCommand({
          SecretId: ARN,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token(21),
        }),
      )
      .catch((e: unknown) => e);
    expect(withoutRemove).toBeInstanceOf(InvalidParameterException);
    expect((withoutRemove as Error).message).toContain(`currently attached to version ${token(20)}`);
    const wrongRemove = await sm
      .send(
        new UpdateSecretVersionStageCommand({
          SecretId: ARN,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token(21),
          RemoveFromVersionId: token(21),
        }),
      )
      .catch((e: unknown) => e);
    expect(wrongRemove).toBeInstanceOf(InvalidParameterException);
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: ARN,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token(21),
        RemoveFromVersionId: token(20),
      }),
    );
    described = await sm.send(new DescribeSecretCommand({ SecretId: ARN }));
    expect(described.VersionIdsToStages).toEqual({
      [token(20)]: ['AWSPREVIOUS'],
      [token(21)]: ['AWSCURRENT'],
    });
    expect(described.LastRotatedDate).toEqual(at(NOW));
    expect(described.NextRotationDate).toEqual(at('2025-03-17T00:00:00.000Z'));
    expect(cloud.world.secrets.pendingRotations.has(ARN ?? '')).toBe(false);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: ARN }))).SecretString).toBe(RandomPassword);
    const previous = await sm.send(new GetSecretValueCommand({ SecretId: ARN, VersionStage: 'AWSPREVIOUS' }));
    expect(previous).toMatchObject({
      VersionId: token(20),
      SecretString: 'old-password',
      VersionStages: ['AWSPREVIOUS'],
    });

    // A second rotation: AWSPREVIOUS follows AWSCURRENT, the oldest version is left without labels (deprecated).
    await sm.send(new RotateSecretCommand({ SecretId: ARN, ClientRequestToken: token(22) }));
    await sm.send(
      new PutSecretValueCommand({
        SecretId: ARN,
        ClientRequestToken: token(22),
        SecretString: 'third',
        VersionStages: ['AWSPENDING'],
      }),
    );
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: ARN,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token(22),
        RemoveFromVersionId: token(21),
      }),
    );
    expect(await stages(ARN ?? '')).toEqual({ [token(21)]: ['AWSPREVIOUS'], [token(22)]: ['AWSCURRENT'] });
    const removeCurrent = await sm
      .send(
        new UpdateSecretVersionStageCommand({
          SecretId: ARN,
          VersionStage: 'AWSCURRENT',
          RemoveFromVersionId: token(22),
        }),
      )
      .catch((e: unknown) => e);
    expect(removeCurrent).toBeInstanceOf(InvalidParameterException);
  });

  it('CancelRotateSecret turns rotation off and leaves the AWSPENDING label', async () => {
    await sm.send(
      new CreateSecretCommand({ Name: 'cancelled', SecretString: 'a', ClientRequestToken: token(30) }),
    );
    await sm.send(
      new RotateSecretCommand({
        SecretId: 'cancelled',
        ClientRequestToken: token(31),
        RotationLambdaARN: LAMBDA,
      }),
    );
    const out = await sm.send(new CancelRotateSecretCommand({ SecretId: 'cancelled' }));
    expect(out.VersionId).toBe(token(31));
    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'cancelled' }));
    expect(described.RotationEnabled).toBe(false);
    expect(described.VersionIdsToStages).toEqual({
      [token(30)]: ['AWSCURRENT'],
      [token(31)]: ['AWSPENDING'],
    });
    expect([...cloud.world.secrets.pendingRotations.values()].some((p) => p.name === 'cancelled')).toBe(
      false,
    );
    const noLambda = await sm
      .send(new RotateSecretCommand({ SecretId: 'mq/events/admin' }))
      .catch((e: unknown) => e);
    expect(noLambda).toBeInstanceOf(InvalidRequestException);
  });

  it('ListSecrets filters (prefix, tags, case-insensitive description, negation) and pages', async () => {
    const names = async (
      filters: { Key: 'name' | 'tag-key' | 'tag-value' | 'description'; Values: string[] }[],
    ) => ((await sm.send(new ListSecretsCommand({ Filters: filters }))).SecretList ?? []).map((s) => s.Name);
    expect(await names([{ Key: 'name', Values: ['mq/'] }])).toEqual([
      'mq/orders/admin',
      'mq/events/admin',
      'mq/rotating',
    ]);
    expect(await names([{ Key: 'name', Values: ['MQ/'] }])).toEqual([]);
    expect(await names([{ Key: 'description', Values: ['events broker admin'] }])).toEqual([
      'mq/events/admin',
    ]);
    expect(await names([{ Key: 'tag-key', Values: ['broker'] }])).toEqual(['mq/orders/admin']);
    expect(await names([{ Key: 'tag-value', Values: ['Plat'] }])).toEqual(['mq/orders/admin']);
    expect(
      await names([
        { Key: 'name', Values: ['mq/'] },
        { Key: 'name', Values: ['!mq/orders'] },
      ]),
    ).toEqual(['mq/events/admin', 'mq/rotating']);
    const first = await sm.send(
      new ListSecretsCommand({ MaxResults: 1, Filters: [{ Key: 'name', Values: ['mq/'] }] }),
    );
    expect(first.SecretList?.map((s) => s.Name)).toEqual(['mq/orders/admin']);
    expect(first.SecretList?.[0]?.SecretVersionsToStages).toBeDefined();
    const second = await sm.send(
      new ListSecretsCommand({
        MaxResults: 1,
        NextToken: first.NextToken,
        Filters: [{ Key: 'name', Values: ['mq/'] }],
      }),
    );
    expect(second.SecretList?.map((s) => s.Name)).toEqual(['mq/events/admin']);
  });

  it('GetRandomPassword honours its options and uses fresh randomness', async () => {
    const pw = async (input: GetRandomPasswordCommandInput) =>
      (await sm.send(new GetRandomPasswordCommand(input))).RandomPassword ?? '';
    const a = await pw({});
    const b = await pw({});
    expect(a).toHaveLength(32);
    expect(a).not.toBe(b);
    expect(a).toMatch(/[a-z]/);
    expect(a).toMatch(/[A-Z]/);
    expect(a).toMatch(/[0-9]/);
    expect(a).toMatch(/[^A-Za-z0-9]/);
    expect(await pw({ PasswordLength: 50, ExcludePunctuation: true, ExcludeNumbers: true })).toMatch(
      /^[A-Za-z]{50}$/,
    );
    expect(
      await pw({
        PasswordLength: 20,
        ExcludeUppercase: true,
        ExcludeLowercase: true,
        ExcludePunctuation: true,
      }),
    ).toMatch(/^\d{20}$/);
    expect(await pw({ PasswordLength: 40, IncludeSpace: true, ExcludeCharacters: 'abc' })).toMatch(
      /^[^abc]{40}$/,
    );
    expect(await pw({ PasswordLength: 40, IncludeSpace: true })).toContain(' ');
    const none = await sm
      .send(
        new GetRandomPasswordCommand({
          ExcludeLowercase: true,
          ExcludeUppercase: true,
          ExcludeNumbers: true,
          ExcludePunctuation: true,
        }),
      )
      .catch((e: unknown) => e);
    expect(none).toBeInstanceOf(InvalidParameterException);
  });

  it('tags can be added and removed', async () => {
    await sm.send(
      new TagResourceCommand({
        SecretId: 'mq/events/admin',
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'b', Value: '2' },
        ],
      }),
    );
    await sm.send(new UntagResourceCommand({ SecretId: 'mq/events/admin', TagKeys: ['a'] }));
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'mq/events/admin' }))).Tags).toEqual([
      { Key: 'b', Value: '2' },
    ]);
  });

  describe('fault injection', () => {
    it('a throttle is the ThrottlingException the SDK classifies as throttling', async () => {
      cloud.faults.add({
        service: 'secretsmanager',
        operation: 'GetSecretValue',
        throttle: { rate: 1, burst: 1 },
      });
      await sm.send(new GetSecretValueCommand({ SecretId: 'mq/events/admin' }));
      const error = await sm
        .send(new GetSecretValueCommand({ SecretId: 'mq/events/admin' }))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400, attempts: 1 },
      });
      expect(isThrottlingError(error as Parameters<typeof isThrottlingError>[0])).toBe(true);
    });

    it('the SDK retries throttles until the bucket refills', async () => {
      cloud.faults.add({
        service: 'secretsmanager',
        operation: 'GetSecretValue',
        throttle: { rate: 1, burst: 1 },
      });
      const retrying = client({ maxAttempts: 10 });
      await retrying.send(new GetSecretValueCommand({ SecretId: 'mq/events/admin' }));
      const timer = setTimeout(() => cloud.clock.advance(1_000), 150);
      const out = await retrying.send(new GetSecretValueCommand({ SecretId: 'mq/events/admin' }));
      clearTimeout(timer);
      retrying.destroy();
      expect(out.SecretString).toBe('plain');
      expect(out.$metadata.attempts).toBeGreaterThan(1);
    });

    it('injected failures are InternalServiceError (500), retried by the SDK', async () => {
      cloud.faults.add({ service: 'secretsmanager', operation: 'DescribeSecret', failTimes: 1 });
      const error = await sm
        .send(new DescribeSecretCommand({ SecretId: 'mq/events/admin' }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InternalServiceError);
      cloud.faults.add({ service: 'secretsmanager', operation: 'DescribeSecret', failTimes: 1 });
      const retrying = client({ maxAttempts: 3 });
      const out = await retrying.send(new DescribeSecretCommand({ SecretId: 'mq/events/admin' }));
      retrying.destroy();
      expect(out.$metadata.attempts).toBe(2);
    });
  });

  // Last: this moves the clock forward.
  it('DeleteSecret schedules deletion, RestoreSecret undoes it, the window ends it', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'temp', SecretString: 'x' }));
    const deleted = await sm.send(new DeleteSecretCommand({ SecretId: 'temp', RecoveryWindowInDays: 7 }));
    const now = cloud.clock.now().getTime();
    expect(deleted.DeletionDate).toEqual(new Date(now + 7 * DAY));
    const get = await sm.send(new GetSecretValueCommand({ SecretId: 'temp' })).catch((e: unknown) => e);
    expect(get).toBeInstanceOf(InvalidRequestException);
    expect((get as Error).message).toBe(
      "You can't perform this operation on the secret because it was marked for deletion.",
    );
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'temp' }))).DeletedDate).toEqual(
      new Date(now),
    );
    expect(
      ((await sm.send(new ListSecretsCommand({}))).SecretList ?? []).some((s) => s.Name === 'temp'),
    ).toBe(false);
    expect(
      ((await sm.send(new ListSecretsCommand({ IncludePlannedDeletion: true }))).SecretList ?? []).some(
        (s) => s.Name === 'temp',
      ),
    ).toBe(true);
    const recreate = await sm
      .send(new CreateSecretCommand({ Name: 'temp', SecretString: 'y' }))
      .catch((e: unknown) => e);
    expect(recreate).toBeInstanceOf(InvalidRequestException);
    await sm.send(new RestoreSecretCommand({ SecretId: 'temp' }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'temp' }))).SecretString).toBe('x');

    const both = await sm
      .send(
        new DeleteSecretCommand({
          SecretId: 'temp',
          RecoveryWindowInDays: 7,
          ForceDeleteWithoutRecovery: true,
        }),
      )
      .catch((e: unknown) => e);
    expect(both).toBeInstanceOf(InvalidParameterException);
    await sm.send(new DeleteSecretCommand({ SecretId: 'temp' }));
    cloud.clock.advance(31 * DAY);
    const gone = await sm.send(new DescribeSecretCommand({ SecretId: 'temp' })).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(ResourceNotFoundException);

    await sm.send(new DeleteSecretCommand({ SecretId: 'app/db', ForceDeleteWithoutRecovery: true }));
    const forced = await sm.send(new DescribeSecretCommand({ SecretId: 'app/db' })).catch((e: unknown) => e);
    expect(forced).toBeInstanceOf(ResourceNotFoundException);
  });
});
