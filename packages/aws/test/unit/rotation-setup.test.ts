import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  type ListSecretsCommandInput,
  type ListSecretsCommandOutput,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { InvalidInputError, MqopsError } from '@mqops/core';
import { type RotationSecretDraft, rotationSecretValue } from '@mqops/core/rotation/index';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type EnableRotationInput, RotationSetup } from '../../src/rotation-setup';

const sm = mockClient(SecretsManagerClient);
const notFound = () =>
  new ResourceNotFoundException({ message: "Secrets Manager can't find it", $metadata: {} });
const awsError = (name: string, message: string) =>
  new SecretsManagerServiceException({ name, message, $fault: 'client', $metadata: {} });

const NAME = 'mqops/orders/app';
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mqops/orders/app-AbCdEf';
const FUNCTION = 'arn:aws:lambda:eu-west-1:123456789012:function:mqops-rotate';
const MASTER = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mqops/orders/admin-AbCdEf';
const BROKER = 'b-1234abcd-56ef-78ab-90cd-1234567890ab';
const PASSWORD = 'S3cret-Pa55word-never-shown';
const STORED_PASSWORD = 'Stored-Pa55word-never-shown';

const secretText = (over: Partial<RotationSecretDraft> = {}) =>
  rotationSecretValue({ engine: 'rabbitmq', brokerId: BROKER, username: 'app', password: PASSWORD, ...over })
    .text;

/** A secret's JSON written by hand (fields rotationSecretValue has no draft field for, or refuses). */
const rawText = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ engine: 'rabbitmq', brokerId: BROKER, username: 'app', password: PASSWORD, ...over });

const input = (over: Partial<EnableRotationInput> = {}): EnableRotationInput => ({
  name: NAME,
  secretString: secretText(),
  rotationLambdaArn: FUNCTION,
  rules: { AutomaticallyAfterDays: 30 },
  ...over,
});

const setup = () => new RotationSetup(new SecretsManagerClient({ region: 'eu-west-1' }));

/** The names of the commands sent, in order. */
const sent = () => sm.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name);

/** A secret that does not exist yet, then exists once created. */
function newSecret() {
  sm.on(DescribeSecretCommand).rejectsOnce(notFound()).resolves({ ARN, Name: NAME, RotationEnabled: false });
  sm.on(CreateSecretCommand).resolves({ ARN, Name: NAME, VersionId: 'v-1' });
  sm.on(RotateSecretCommand).resolves({ ARN, Name: NAME, VersionId: 'v-2' });
}

/** A secret that exists with this value. */
function existingSecret(
  value: string,
  rotationEnabled = false,
  tags = [
    { Key: 'mqops:engine', Value: 'rabbitmq' },
    { Key: 'mqops:broker', Value: BROKER },
  ],
) {
  sm.on(DescribeSecretCommand).resolves({ ARN, Name: NAME, RotationEnabled: rotationEnabled, Tags: tags });
  sm.on(TagResourceCommand).resolves({});
  sm.on(GetSecretValueCommand).resolves({ ARN, Name: NAME, SecretString: value, VersionId: 'v-0' });
  sm.on(RotateSecretCommand).resolves({ ARN, Name: NAME, VersionId: 'v-2' });
}

describe('Function: RotationSetup.enable', () => {
  beforeEach(() => sm.reset());

  it('creates a new secret with its value, description and tags, then turns rotation on without rotating now', async () => {
    // Prepare
    newSecret();
    const text = secretText();

    // Act
    const result = await setup().enable(input({ secretString: text }));

    // Assess
    expect(sent()).toEqual(['DescribeSecretCommand', 'CreateSecretCommand', 'RotateSecretCommand']);
    expect(sm.commandCalls(CreateSecretCommand)[0]?.args[0].input).toStrictEqual({
      Name: NAME,
      SecretString: text,
      Description: `Amazon MQ user app of broker ${BROKER}, rotated by mqops`,
      Tags: [
        { Key: 'mqops:engine', Value: 'rabbitmq' },
        { Key: 'mqops:broker', Value: BROKER },
      ],
    });
    expect(sm.commandCalls(RotateSecretCommand)[0]?.args[0].input).toStrictEqual({
      SecretId: ARN,
      RotationLambdaARN: FUNCTION,
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediately: false,
    });
    expect(result).toStrictEqual({ arn: ARN, created: true, rotationEnabled: true });
  });

  it('passes a given description and KMS key, and a schedule expression with its window', async () => {
    // Prepare
    newSecret();
    const rules = { ScheduleExpression: 'rate(12 hours)', Duration: '2h' };

    // Act
    await setup().enable(
      input({ description: 'orders app login', kmsKeyId: 'alias/mqops', rules, rotateNow: false }),
    );

    // Assess
    expect(sm.commandCalls(CreateSecretCommand)[0]?.args[0].input).toMatchObject({
      Description: 'orders app login',
      KmsKeyId: 'alias/mqops',
    });
    expect(sm.commandCalls(RotateSecretCommand)[0]?.args[0].input).toMatchObject({
      RotationRules: rules,
      RotateImmediately: false,
    });
  });

  it('rotates immediately with rotateNow and returns the version being rotated to', async () => {
    // Prepare
    newSecret();

    // Act
    const result = await setup().enable(input({ rotateNow: true }));

    // Assess
    expect(sm.commandCalls(RotateSecretCommand)[0]?.args[0].input).toMatchObject({
      SecretId: ARN,
      RotateImmediately: true,
    });
    expect(result).toStrictEqual({ arn: ARN, created: true, rotationEnabled: true, rotationVersion: 'v-2' });
  });

  it('creates the secret only when no rules are given', async () => {
    // Prepare
    newSecret();

    // Act
    const result = await setup().enable(input({ rules: undefined, rotateNow: true }));

    // Assess
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(1);
    expect(sm.commandCalls(RotateSecretCommand)).toHaveLength(0);
    expect(result).toStrictEqual({ arn: ARN, created: true, rotationEnabled: false });
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['the same user', {}, {}],
    [
      'the same user, alternating-users',
      { strategy: 'alternating-users', masterarn: MASTER },
      { strategy: 'alternating-users', masterarn: MASTER },
    ],
    [
      'the alternating partner app_clone',
      { strategy: 'alternating-users', masterarn: MASTER },
      { strategy: 'alternating-users', masterarn: MASTER, username: 'app_clone' },
    ],
    [
      'the alternating partner with a custom clone suffix',
      { strategy: 'alternating-users', masterarn: MASTER, cloneSuffix: '-b' },
      { strategy: 'alternating-users', masterarn: MASTER, username: 'app-b' },
    ],
  ])('keeps an existing secret of %s and turns its rotation on', async (_case, wanted, stored) => {
    // Prepare
    existingSecret(rawText({ ...stored, password: STORED_PASSWORD }));

    // Act
    const result = await setup().enable(input({ secretString: rawText(wanted) }));

    // Assess
    expect(sent()).toEqual(['DescribeSecretCommand', 'GetSecretValueCommand', 'RotateSecretCommand']);
    expect(sm.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toStrictEqual({
      SecretId: NAME,
      VersionStage: 'AWSCURRENT',
    });
    expect(sm.commandCalls(RotateSecretCommand)[0]?.args[0].input).toStrictEqual({
      SecretId: ARN,
      RotationLambdaARN: FUNCTION,
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediately: false,
    });
    expect(result).toStrictEqual({ arn: ARN, created: false, rotationEnabled: true });
  });

  it('tags an existing secret made by hand with the mqops:broker tag the Rotate function requires', async () => {
    // Prepare
    existingSecret(secretText({ password: STORED_PASSWORD }), false, [{ Key: 'team', Value: 'orders' }]);

    // Act
    await setup().enable(input());

    // Assess
    expect(sent()).toEqual([
      'DescribeSecretCommand',
      'GetSecretValueCommand',
      'TagResourceCommand',
      'RotateSecretCommand',
    ]);
    expect(sm.commandCalls(TagResourceCommand)[0]?.args[0].input).toStrictEqual({
      SecretId: ARN,
      Tags: [
        { Key: 'mqops:engine', Value: 'rabbitmq' },
        { Key: 'mqops:broker', Value: BROKER },
      ],
    });
  });

  it('reports the rotation state of an existing secret when no rules are given', async () => {
    // Prepare
    existingSecret(secretText({ password: STORED_PASSWORD }), true);

    // Act
    const result = await setup().enable(input({ rules: undefined }));

    // Assess
    expect(sent()).toEqual(['DescribeSecretCommand', 'GetSecretValueCommand']);
    expect(result).toStrictEqual({ arn: ARN, created: false, rotationEnabled: true });
  });

  it.each<[string, Partial<RotationSecretDraft>, RegExp]>([
    ['another broker', { brokerId: 'b-other' }, /holds rabbitmq\/b-other\/app, not rabbitmq\/b-1234/],
    [
      'another user',
      { username: 'billing' },
      /holds rabbitmq\/b-1234abcd-56ef-78ab-90cd-1234567890ab\/billing/,
    ],
    ['another engine', { engine: 'activemq' }, /holds activemq\//],
    [
      'the clone user, for a single-user rotation',
      { username: 'app_clone' },
      /holds .*\/app_clone, not .*\/app:/,
    ],
  ])('refuses an existing secret of %s without writing anything', async (_case, stored, holds) => {
    // Prepare
    existingSecret(secretText({ ...stored, password: STORED_PASSWORD }));

    // Act
    const error = await setup()
      .enable(input())
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );

    // Assess
    expect(error).toBeInstanceOf(MqopsError);
    expect(error?.message).toMatch(new RegExp(`^secret ${NAME} exists and `));
    expect(error?.message).toMatch(holds);
    expect(error?.message).toContain('choose another --secret-name');
    expect(error?.message).not.toContain(PASSWORD);
    expect(error?.message).not.toContain(STORED_PASSWORD);
    expect(sent()).toEqual(['DescribeSecretCommand', 'GetSecretValueCommand']);
  });

  it.each<[string, string]>([
    ['a plain login secret', JSON.stringify({ username: 'app', password: STORED_PASSWORD })],
    ['text that is not JSON', `password=${STORED_PASSWORD}`],
  ])('refuses an existing secret that holds %s, without writing or echoing it', async (_case, stored) => {
    // Prepare
    existingSecret(stored);

    // Act
    const error = await setup()
      .enable(input())
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error?.message).toContain(`secret ${NAME}`);
    expect(error?.message).not.toContain(STORED_PASSWORD);
    expect(error?.message).not.toContain(PASSWORD);
    expect(sent()).toEqual(['DescribeSecretCommand', 'GetSecretValueCommand']);
  });

  it.each([
    ['orders/app', /must start with mqops\//],
    ['mqops/orders/svc-orders', /ends in a hyphen and six characters/],
    ['mqops/orders/app user', /has characters Secrets Manager refuses/],
  ])('refuses the name %s before any call', async (name, why) => {
    // Prepare
    newSecret();

    // Act / Assess
    await expect(setup().enable(input({ name }))).rejects.toThrow(why);
    await expect(setup().enable(input({ name }))).rejects.toBeInstanceOf(InvalidInputError);
    expect(sm.calls()).toHaveLength(0);
  });

  it.each<[string, string]>([
    ['not JSON', `{"password":"${PASSWORD}"`],
    ['RabbitMQ alternating-users without masterarn', rawText({ strategy: 'alternating-users' })],
    ['no broker id', JSON.stringify({ engine: 'rabbitmq', username: 'app', password: PASSWORD })],
  ])('refuses a secret value that is %s before any call, never echoing the password', async (_case, text) => {
    // Prepare
    newSecret();

    // Act
    const error = await setup()
      .enable(input({ secretString: text }))
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error?.message).toContain(`the secret for ${NAME}`);
    expect(error?.message).not.toContain(PASSWORD);
    expect(sm.calls()).toHaveLength(0);
  });

  it.each<[string, () => void]>([
    [
      'DescribeSecret',
      () => {
        sm.on(DescribeSecretCommand).rejects(
          awsError('AccessDeniedException', 'not authorized to DescribeSecret'),
        );
      },
    ],
    [
      'GetSecretValue',
      () => {
        existingSecret(secretText());
        sm.on(GetSecretValueCommand).rejects(
          awsError('DecryptionFailure', 'cannot decrypt with the KMS key'),
        );
      },
    ],
    [
      'CreateSecret',
      () => {
        newSecret();
        sm.on(CreateSecretCommand).rejects(awsError('LimitExceededException', 'too many secrets'));
      },
    ],
    [
      'RotateSecret',
      () => {
        newSecret();
        sm.on(RotateSecretCommand).rejects(awsError('AccessDeniedException', 'cannot invoke the function'));
      },
    ],
  ])(
    'wraps a %s error with the operation and secret name, never the password',
    async (operation, arrange) => {
      // Prepare
      arrange();

      // Act
      const error = await setup()
        .enable(input())
        .then(
          () => undefined,
          (e: unknown) => e as Error,
        );

      // Assess
      expect(error).toBeInstanceOf(MqopsError);
      expect(error?.message).toMatch(new RegExp(`^Secrets Manager ${operation} of ${NAME} failed: \\w+: .+`));
      expect(error?.message).not.toContain(PASSWORD);
      expect(String(error?.cause)).not.toContain(PASSWORD);
      expect((error?.cause as Error | undefined)?.name).toMatch(/Exception|Failure/);
      if (operation !== 'RotateSecret') expect(sm.commandCalls(RotateSecretCommand)).toHaveLength(0);
    },
  );

  it('does not rotate when CreateSecret fails, and says so with the error name and message', async () => {
    // Prepare
    newSecret();
    sm.on(CreateSecretCommand).rejects(awsError('ResourceExistsException', 'the secret already exists'));

    // Act / Assess
    await expect(setup().enable(input())).rejects.toThrow(
      `Secrets Manager CreateSecret of ${NAME} failed: ResourceExistsException: the secret already exists`,
    );
    expect(sent()).toEqual(['DescribeSecretCommand', 'CreateSecretCommand']);
  });
});

describe('Function: RotationSetup.list', () => {
  beforeEach(() => sm.reset());

  const LAST = new Date('2026-03-01T04:00:00.000Z');
  const NEXT = new Date('2026-03-31T04:00:00.000Z');

  it('reads every page with the prefix filter and returns the rows sorted by name', async () => {
    // Prepare: the paginator reuses one input object, so keep a copy of what each call was sent
    const inputs: ListSecretsCommandInput[] = [];
    const pages: ListSecretsCommandOutput[] = [
      {
        $metadata: {},
        SecretList: [
          {
            Name: 'mqops/orders/reports',
            ARN: `${ARN}-reports`,
            RotationEnabled: true,
            RotationLambdaARN: FUNCTION,
            RotationRules: { ScheduleExpression: 'rate(12 hours)', Duration: '2h' },
            LastRotatedDate: LAST,
            NextRotationDate: NEXT,
            SecretVersionsToStages: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] },
          },
          { Name: 'legacy/mqops/orders/app', ARN: 'arn:legacy', RotationEnabled: true },
        ],
        NextToken: 'page-2',
      },
      {
        $metadata: {},
        SecretList: [
          {
            Name: 'mqops/orders/app',
            ARN,
            RotationEnabled: true,
            RotationLambdaARN: FUNCTION,
            RotationRules: { AutomaticallyAfterDays: 30 },
            SecretVersionsToStages: { v1: ['AWSCURRENT'], v0: ['AWSPREVIOUS'] },
          },
          { Name: 'mqops/billing/app' },
          { ARN: 'arn:no-name' },
        ],
      },
    ];
    sm.on(ListSecretsCommand).callsFake((sentInput: ListSecretsCommandInput) => {
      inputs.push(structuredClone(sentInput));
      return pages[inputs.length - 1] ?? { $metadata: {}, SecretList: [] };
    });

    // Act
    const rows = await setup().list();

    // Assess
    expect(sm.commandCalls(ListSecretsCommand)).toHaveLength(2);
    expect(inputs[0]).toEqual({
      Filters: [{ Key: 'name', Values: ['mqops/'] }],
      IncludePlannedDeletion: false,
    });
    expect(inputs[0]?.NextToken).toBeUndefined();
    expect(inputs[1]).toEqual({
      Filters: [{ Key: 'name', Values: ['mqops/'] }],
      IncludePlannedDeletion: false,
      NextToken: 'page-2',
    });
    expect(rows).toStrictEqual([
      { name: 'mqops/billing/app', arn: 'mqops/billing/app', rotationEnabled: false, rotating: false },
      {
        name: 'mqops/orders/app',
        arn: ARN,
        rotationEnabled: true,
        rotationLambdaArn: FUNCTION,
        schedule: 'every 30 days',
        rotating: false,
      },
      {
        name: 'mqops/orders/reports',
        arn: `${ARN}-reports`,
        rotationEnabled: true,
        rotationLambdaArn: FUNCTION,
        schedule: 'rate(12 hours)',
        lastRotated: LAST,
        nextRotation: NEXT,
        rotating: true,
      },
    ]);
  });

  it.each<
    [string, { AutomaticallyAfterDays?: number; ScheduleExpression?: string } | undefined, string | undefined]
  >([
    ['days', { AutomaticallyAfterDays: 7 }, 'every 7 days'],
    ['a rate expression', { ScheduleExpression: 'rate(10 days)' }, 'rate(10 days)'],
    ['a cron expression', { ScheduleExpression: 'cron(0 4 ? * SUN *)' }, 'cron(0 4 ? * SUN *)'],
    [
      'both (the expression wins)',
      { AutomaticallyAfterDays: 10, ScheduleExpression: 'rate(10 days)' },
      'rate(10 days)',
    ],
    ['no rules', undefined, undefined],
    ['empty rules', {}, undefined],
  ])('shows the schedule of %s', async (_case, rules, schedule) => {
    // Prepare
    sm.on(ListSecretsCommand).resolves({
      SecretList: [{ Name: NAME, ARN, ...(rules ? { RotationRules: rules } : {}) }],
    });

    // Act
    const [row] = await setup().list();

    // Assess
    expect(row?.schedule).toBe(schedule);
    expect(row && 'schedule' in row).toBe(schedule !== undefined);
  });

  it.each<[string, Record<string, string[]> | undefined, boolean]>([
    ['a version labelled AWSPENDING', { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] }, true],
    ['AWSPENDING beside another label', { v1: ['AWSCURRENT'], v2: ['AWSPENDING', 'custom'] }, true],
    ['only AWSCURRENT and AWSPREVIOUS', { v1: ['AWSCURRENT'], v0: ['AWSPREVIOUS'] }, false],
    ['no stages', undefined, false],
  ])('reads rotating from %s', async (_case, stages, rotating) => {
    // Prepare
    sm.on(ListSecretsCommand).resolves({
      SecretList: [{ Name: NAME, ARN, ...(stages ? { SecretVersionsToStages: stages } : {}) }],
    });

    // Act / Assess
    expect((await setup().list())[0]?.rotating).toBe(rotating);
  });

  it('sends a given prefix and keeps only the names that start with it', async () => {
    // Prepare
    sm.on(ListSecretsCommand).resolves({
      SecretList: [
        { Name: 'mqops/orders/app', ARN },
        { Name: 'mqops/billing/app' },
        { Name: 'MQOPS/orders/x' },
      ],
    });

    // Act
    const rows = await setup().list('mqops/orders/');

    // Assess
    expect(sm.commandCalls(ListSecretsCommand)[0]?.args[0].input.Filters).toStrictEqual([
      { Key: 'name', Values: ['mqops/orders/'] },
    ]);
    expect(rows.map((r) => r.name)).toEqual(['mqops/orders/app']);
  });

  it('returns no rows when nothing is there', async () => {
    sm.on(ListSecretsCommand).resolves({});
    await expect(setup().list()).resolves.toEqual([]);
  });

  it('wraps a ListSecrets error with the operation and prefix', async () => {
    // Prepare
    sm.on(ListSecretsCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));

    // Act / Assess
    const failure = setup().list();
    await expect(failure).rejects.toBeInstanceOf(MqopsError);
    await expect(setup().list()).rejects.toThrow(
      'Secrets Manager ListSecrets of mqops/ failed: ThrottlingException: Rate exceeded',
    );
  });
});
