import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { MqClient } from '@aws-sdk/client-mq';
import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { InvalidInputError } from '@mqops/core';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { rotate, rotateDeps } from '../../functions/rotate';
import { capturingOutput } from '../helpers/process';

/*
 * The Rotate function as deployed (rotateDeps: Secrets Manager, SNS, Slack, the DynamoDB state table, the MQ API),
 * every AWS client mocked and fetch stubbed: a refused invocation must reach nothing but, at most, DescribeSecret.
 */
const sm = mockClient(SecretsManagerClient);
const sns = mockClient(SNSClient);
const ddb = mockClient(DynamoDBClient);
const mq = mockClient(MqClient);
const fetchStub = vi.fn(async () => new Response('ok'));

const ENV = {
  MQOPS_STATE_TABLE: 'mqops-state',
  MQOPS_ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:mqops-alerts',
  MQOPS_SLACK_WEBHOOK_URL: 'https://hooks.slack.example/T000/B000/xyz',
};
const deps = rotateDeps(ENV);

const ACCOUNT_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:';
const OWNED = 'mqops/orders/app';
const OWNED_ARN = `${ACCOUNT_ARN}${OWNED}-AbCdEf`;
/** Versions of the owned secrets: AWSCURRENT and AWSPREVIOUS, and AWSPENDING for the rotation in progress. */
const CURRENT = '11111111-1111-4111-8111-111111111111';
const PREVIOUS = '22222222-2222-4222-8222-222222222222';
const PENDING = '33333333-3333-4333-8333-333333333333';
const VERSIONS = { [CURRENT]: ['AWSCURRENT'], [PREVIOUS]: ['AWSPREVIOUS'], [PENDING]: ['AWSPENDING'] };
const ROTATION_TOKEN = 'rotation-token-Secret-00000000000000000000000000000000';

/** What DescribeSecret answers, per SecretId: `mqops/x` has no tags, `mqops/off` no rotation; others do not exist. */
function described(secretId: string | undefined): DescribeSecretCommandOutput {
  const owned = (name: string, extra: Partial<DescribeSecretCommandOutput>) => ({
    $metadata: {},
    ARN: `${ACCOUNT_ARN}${name}-AbCdEf`,
    Name: name,
    RotationEnabled: true,
    VersionIdsToStages: VERSIONS,
    Tags: [
      { Key: 'mqops:engine', Value: 'rabbitmq' },
      { Key: 'mqops:broker', Value: 'b-1' },
    ],
    ...extra,
  });
  if (secretId === OWNED || secretId === OWNED_ARN) return owned(OWNED, {});
  if (secretId === 'mqops/x') return owned('mqops/x', { Tags: [] });
  if (secretId === 'mqops/off') return owned('mqops/off', { RotationEnabled: false });
  // As AWS: DescribeSecret of a secret of another account or name would be AccessDenied, of no secret NotFound.
  throw new ResourceNotFoundException({
    message: "Secrets Manager can't find the specified secret.",
    $metadata: {},
  });
}

/** Every call the handler made, by command name, per client; and what it wrote on stdout/stderr. */
function sideEffects(logs: string[]) {
  const names = (client: { calls(): { args: unknown[] }[] }) =>
    client.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name);
  return {
    secretsManager: names(sm),
    sns: names(sns),
    dynamodb: names(ddb),
    mq: names(mq),
    fetch: fetchStub.mock.calls.length,
    metrics: logs.filter((l) => l.includes('"_aws"')).length,
    rejected: logs.filter((l) => l.includes('"_aws"') && l.includes('"Rejected":1')).length,
    failed: logs.filter((l) => l.includes('"JobFailed":1') || l.includes('"RotationsFailed":1')).length,
    logBytes: logs.join('').length,
  };
}

const NONE = { sns: [], dynamodb: [], mq: [], fetch: 0, metrics: 0 };
/** A refusal: nothing called, written or sent; one metric line, the Rejected count (no failure metric). */
const REFUSED = { ...NONE, metrics: 1, rejected: 1, failed: 0 };

async function invoke(event: unknown) {
  const logs: string[] = [];
  const outcome = await capturingOutput(logs, () => rotate(event, deps)).then(
    (result) => ({ result, error: undefined }),
    (error: unknown) => ({ result: undefined, error }),
  );
  return { ...outcome, logs, effects: sideEffects(logs) };
}

function reset() {
  for (const client of [sm, sns, ddb, mq]) client.reset();
  sm.on(DescribeSecretCommand).callsFake((input: { SecretId?: string }) => described(input.SecretId));
  // The notice store and SNS answer as AWS does (no claim yet; published).
  ddb.on(GetItemCommand).resolves({});
  ddb.on(PutItemCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  fetchStub.mockClear();
}

describe('Function: rotate', () => {
  beforeEach(() => {
    vi.stubGlobal('fetch', fetchStub);
    reset();
  });
  afterEach(() => vi.unstubAllGlobals());
  afterAll(() => {
    for (const client of [sm, sns, ddb, mq]) client.restore();
  });

  const event = (over: object = {}) => ({
    Step: 'createSecret',
    SecretId: OWNED_ARN,
    ClientRequestToken: PENDING,
    RotationToken: ROTATION_TOKEN,
    ...over,
  });
  const HUGE = `mqops/${'a'.repeat(1 << 20)}`;

  describe.each([
    ['undefined', undefined, []],
    ['an empty object', {}, []],
    ['no token', { Step: 'createSecret', SecretId: OWNED }, []],
    ['an unknown step', event({ Step: 'rotate' }), []],
    ['a 1 MB step', event({ Step: 'x'.repeat(1 << 20) }), []],
    ['a foreign name', event({ SecretId: 'prod/db-password' }), []],
    ['a foreign ARN', event({ SecretId: `${ACCOUNT_ARN}prod/db-password-AbCdEf` }), []],
    [
      'an ARN of another service',
      event({ SecretId: 'arn:aws:ssm:us-east-1:123456789012:parameter/mqops/x' }),
      [],
    ],
    ['a name that only contains mqops/', event({ SecretId: 'prod/mqops/db' }), []],
    ['the bare prefix', event({ SecretId: 'mqops/' }), []],
    ['a 1 MB SecretId', event({ SecretId: HUGE }), []],
    ['a SecretId of 2,049 characters', event({ SecretId: `mqops/${'a'.repeat(2043)}` }), []],
    ['a short token', event({ ClientRequestToken: 'short' }), []],
    ['a 65-character token', event({ ClientRequestToken: 't'.repeat(65) }), []],
    ['a 1 MB token', event({ ClientRequestToken: 't'.repeat(1 << 20) }), []],
    ['a 1 MB RotationToken', event({ RotationToken: 'r'.repeat(1 << 20) }), []],
    ['a number as SecretId', event({ SecretId: 42 }), []],
    [
      'a token that is not a version',
      event({ ClientRequestToken: '99999999-9999-4999-8999-999999999999' }),
      ['DescribeSecretCommand'],
    ],
    ['the AWSPREVIOUS version', event({ ClientRequestToken: PREVIOUS }), ['DescribeSecretCommand']],
    ['rotation not enabled', event({ SecretId: 'mqops/off' }), ['DescribeSecretCommand']],
    ['an untagged mqops/x', event({ SecretId: 'mqops/x' }), ['DescribeSecretCommand']],
    ['an mqops/ secret that does not exist', event({ SecretId: 'mqops/gone' }), ['DescribeSecretCommand']],
  ] as const)('refuses %s', (_name, input, calls) => {
    it('with an InvalidInputError of at most 300 characters that repeats no long value', async () => {
      const { error, logs } = await invoke(input);
      expect(error).toBeInstanceOf(InvalidInputError);
      const message = (error as Error).message;
      expect(message.length).toBeLessThanOrEqual(300);
      expect(message).not.toContain('a'.repeat(200));
      expect(logs.join('')).not.toContain(ROTATION_TOKEN);
    });

    it(`with no side effect: Secrets Manager calls ${JSON.stringify(calls)}, no notice, no write, only the Rejected count`, async () => {
      const { effects } = await invoke(input);
      expect(effects).toMatchObject({ ...REFUSED, secretsManager: calls });
      // A refusal is one bounded warning, whatever the size of the event.
      expect(effects.logBytes).toBeLessThan(2_000);
    });
  });

  it('acts on an owned secret in rotation, and notifies its failure (the checks above can fail)', async () => {
    // Prepare: reading the secret fails, as when the function lacks kms:Decrypt.
    sm.on(GetSecretValueCommand).rejects(new Error('AccessDeniedException: kms'));

    // Act
    const { error, effects } = await invoke(event());

    // Assess
    expect((error as Error).message).toMatch(/GetSecretValue of .*mqops\/orders\/app.* failed/);
    expect(error).not.toBeInstanceOf(InvalidInputError);
    expect(effects.secretsManager).toEqual(['DescribeSecretCommand', 'GetSecretValueCommand']);
    expect(effects.sns).toEqual(['PublishCommand']);
    expect(effects.fetch).toBe(1);
    expect(effects.dynamodb).toContain('PutItemCommand');
    // The job's outcome, and the rotation counts (RotationsFailed) the self-alarm watches.
    expect(effects.metrics).toBe(2);
  });

  it('returns already-current for the AWSCURRENT version, after DescribeSecret only', async () => {
    const { result, effects } = await invoke(event({ SecretId: OWNED, ClientRequestToken: CURRENT }));
    expect(result).toMatchObject({ outcome: 'already-current' });
    // A complete step that finished no rotation declares no metric (job-metric.ts: only what is not zero).
    expect(effects).toMatchObject({ ...NONE, secretsManager: ['DescribeSecretCommand'], metrics: 0 });
  });
});

describe('Property: the rotate handler over arbitrary events', () => {
  beforeEach(() => {
    vi.stubGlobal('fetch', fetchStub);
    reset();
  });
  afterEach(() => vi.unstubAllGlobals());

  // Events near Secrets Manager's (each field right, wrong or hostile) and JSON of any shape. No arbitrary event is
  // an owned secret's AWSPENDING or AWSCURRENT version, so every one must be refused.
  const text = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.nat({ max: 1 << 20 }).map((n) => 'z'.repeat(n)),
  );
  const anyValue = fc.oneof(text, fc.jsonValue());
  const secretId = fc.oneof(
    fc.constantFrom(OWNED, OWNED_ARN, 'mqops/x', 'mqops/off', 'mqops/gone', 'prod/db-password', 'mqops/'),
    fc
      .constantFrom(ACCOUNT_ARN, 'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:')
      .chain((arn) => text.map((name) => `${arn}${name}`)),
    text.map((name) => `mqops/${name}`),
    anyValue,
  );
  const token = fc.oneof(
    fc.constant(PREVIOUS),
    fc.uuid(),
    fc.string({ minLength: 30, maxLength: 66 }),
    anyValue,
  );
  const eventLike = fc.record(
    {
      Step: fc.oneof(fc.constantFrom('createSecret', 'setSecret', 'testSecret', 'finishSecret'), anyValue),
      SecretId: secretId,
      ClientRequestToken: token,
      RotationToken: anyValue,
      extra: anyValue,
    },
    { requiredKeys: [] },
  );
  const events = fc.oneof(eventLike, fc.jsonValue(), fc.anything());

  it('refuses every one with a short InvalidInputError and no side effect but DescribeSecret', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await fc.assert(
        fc.asyncProperty(events, async (input) => {
          for (const client of [sm, sns, ddb, mq]) client.resetHistory();
          fetchStub.mockClear();
          const { error, effects } = await invoke(input);
          expect(error).toBeInstanceOf(InvalidInputError);
          expect((error as Error).message.length).toBeLessThanOrEqual(300);
          expect(effects).toMatchObject(REFUSED);
          expect(effects.secretsManager.every((c) => c === 'DescribeSecretCommand')).toBe(true);
          expect(effects.secretsManager.length).toBeLessThanOrEqual(1);
          expect(effects.logBytes).toBeLessThan(2_000);
        }),
        { seed: 20_260_312, numRuns: 1_000 },
      );
      // Let any stray rejection surface before looking.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  }, 60_000);
});
