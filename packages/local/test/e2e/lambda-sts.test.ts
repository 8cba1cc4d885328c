import {
  InvalidParameterValueException,
  InvalidRequestContentException,
  InvokeCommand,
  LambdaClient,
  type LambdaClientConfig,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  STSClient,
  type STSClientConfig,
} from '@aws-sdk/client-sts';
import { isThrottlingError } from '@smithy/core/retry';
import type { Context, Handler } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ControllableClock } from '../../src/clock';
import type { Scenario } from '../../src/scenario';
import { type LocalCloud, startLocalCloud } from '../../src/server';
import type { LambdaContext } from '../../src/services/lambda';

const NOW = '2026-03-10T12:00:00.000Z';
const ACCOUNT = '123456789012';
const RUNBOOK_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:mqops-runbook`;

const scenario: Scenario = { now: NOW, brokers: [] };

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const decode = (payload: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(payload)) as unknown;
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

class RunbookRefusedError extends Error {
  override name = 'RunbookRefusedError';
}

describe('local Lambda and STS through the real SDK clients', () => {
  let cloud: LocalCloud;
  let clock: ControllableClock;
  let lambda: LambdaClient;
  let sts: STSClient;
  let contexts: LambdaContext[];
  const lambdaClient = (extra: Partial<LambdaClientConfig> = {}) =>
    new LambdaClient({ ...cloud.clientConfig(), maxAttempts: 1, ...extra });
  const stsClient = (extra: Partial<STSClientConfig> = {}) =>
    new STSClient({ ...cloud.clientConfig(), maxAttempts: 1, ...extra });

  beforeAll(async () => {
    clock = new ControllableClock(NOW, { frozen: true });
    cloud = await startLocalCloud({ scenario, clock });
    lambda = lambdaClient();
    sts = stsClient();
  });
  afterAll(async () => {
    lambda.destroy();
    sts.destroy();
    await cloud.stop();
  });
  beforeEach(() => {
    clock.set(NOW);
    cloud.faults.clear();
    cloud.world.lambda.functions.clear();
    cloud.world.lambda.invocations.length = 0;
    contexts = [];
    cloud.world.lambda.register(
      'mqops-runbook',
      async (event: { runbook: string; brokers: string[] }, context) => {
        contexts.push(context);
        return { runbook: event.runbook, status: 'done', brokers: event.brokers.length };
      },
      { aliases: ['live'] },
    );
    cloud.world.sts.setCaller(`arn:aws:iam::${ACCOUNT}:user/local-developer`);
  });

  describe('Lambda Invoke', () => {
    it('returns the handler result as the payload, with the executed version', async () => {
      // Act
      const out = await lambda.send(
        new InvokeCommand({
          FunctionName: 'mqops-runbook',
          Payload: encode({ runbook: 'reboot', brokers: ['a', 'b'] }),
        }),
      );

      // Assess
      expect(out.StatusCode).toBe(200);
      expect(out.FunctionError).toBeUndefined();
      expect(out.ExecutedVersion).toBe('$LATEST');
      expect(decode(out.Payload)).toEqual({ runbook: 'reboot', status: 'done', brokers: 2 });
      const [invocation] = cloud.world.lambda.invocations;
      expect(invocation).toMatchObject({
        functionName: 'mqops-runbook',
        functionArn: RUNBOOK_ARN,
        invocationType: 'RequestResponse',
        event: { runbook: 'reboot', brokers: ['a', 'b'] },
        at: NOW,
        status: 'succeeded',
        result: { runbook: 'reboot', status: 'done', brokers: 2 },
      });
      expect(cloud.requests.at(-1)).toMatchObject({ service: 'lambda', operation: 'Invoke', status: 200 });
    });

    it('passes a Lambda context to the handler', async () => {
      // Act
      await lambda.send(
        new InvokeCommand({ FunctionName: 'mqops-runbook', Payload: encode({ runbook: 'r', brokers: [] }) }),
      );

      // Assess
      const [context] = contexts;
      expect(context).toMatchObject({
        functionName: 'mqops-runbook',
        functionVersion: '$LATEST',
        invokedFunctionArn: RUNBOOK_ARN,
        memoryLimitInMB: '128',
        awsRequestId: cloud.world.lambda.invocations[0]?.requestId,
        logGroupName: '/aws/lambda/mqops-runbook',
      });
      expect(context?.logStreamName).toMatch(/^2026\/03\/10\/\[\$LATEST\][0-9a-f]{32}$/);
      const remaining = context?.getRemainingTimeInMillis() ?? 0;
      expect(remaining).toBeGreaterThan(890_000);
      expect(remaining).toBeLessThanOrEqual(900_000);
    });

    it('accepts handlers typed with @types/aws-lambda and callback-style handlers', async () => {
      // Prepare
      const typed: Handler<{ n: number }, { doubled: number }> = async (
        event: { n: number },
        _c: Context,
      ) => ({
        doubled: event.n * 2,
      });
      cloud.world.lambda.register('typed', typed);
      cloud.world.lambda.register('callback', (event, _context, callback) => {
        setTimeout(() => callback(null, { echoed: event }), 5);
      });
      cloud.world.lambda.register('nothing', async () => undefined);

      // Act
      const [a, b, c] = await Promise.all(
        [
          ['typed', { n: 21 }],
          ['callback', { x: 1 }],
          ['nothing', {}],
        ].map(([name, event]) =>
          lambda.send(new InvokeCommand({ FunctionName: name as string, Payload: encode(event) })),
        ),
      );

      // Assess
      expect(decode(a?.Payload)).toEqual({ doubled: 42 });
      expect(decode(b?.Payload)).toEqual({ echoed: { x: 1 } });
      expect(decode(c?.Payload)).toBeNull();
    });

    it('passes an empty payload as an empty event', async () => {
      // Prepare
      const events: unknown[] = [];
      cloud.world.lambda.register('echo', async (event) => {
        events.push(event);
        return 'ok';
      });

      // Act
      const out = await lambda.send(new InvokeCommand({ FunctionName: 'echo' }));

      // Assess
      expect(decode(out.Payload)).toBe('ok');
      expect(events).toEqual([{}]);
    });

    it.each([
      {
        what: 'a thrown error',
        handler: async () => {
          throw new TypeError('brokers must be a list');
        },
        errorType: 'TypeError',
        errorMessage: 'brokers must be a list',
      },
      {
        what: 'a named error class',
        handler: async () => {
          throw new RunbookRefusedError('broker b-1 is not in a maintenance window');
        },
        errorType: 'RunbookRefusedError',
        errorMessage: 'broker b-1 is not in a maintenance window',
      },
      {
        what: 'a rejected string',
        handler: () => Promise.reject('plain failure'),
        errorType: 'string',
        errorMessage: 'plain failure',
      },
      {
        what: 'an error passed to the callback',
        handler: (_e: unknown, _c: LambdaContext, callback: (error?: unknown) => void) =>
          callback(new Error('callback failure')),
        errorType: 'Error',
        errorMessage: 'callback failure',
      },
    ])('reports $what as an Unhandled function error with the runtime error document', async (row) => {
      // Prepare
      cloud.world.lambda.register('failing', row.handler);

      // Act
      const out = await lambda.send(new InvokeCommand({ FunctionName: 'failing', Payload: encode({}) }));

      // Assess
      expect(out.StatusCode).toBe(200);
      expect(out.FunctionError).toBe('Unhandled');
      const payload = decode(out.Payload) as { errorType: string; errorMessage: string; trace: string[] };
      expect(payload).toMatchObject({ errorType: row.errorType, errorMessage: row.errorMessage });
      expect(Array.isArray(payload.trace)).toBe(true);
      expect(cloud.world.lambda.invocations.at(-1)).toMatchObject({
        status: 'failed',
        error: { errorType: row.errorType, errorMessage: row.errorMessage },
      });
    });

    it('answers Sandbox.Timedout when the handler outlives its timeout', async () => {
      // Prepare
      cloud.world.lambda.register('slow', () => new Promise((r) => setTimeout(r, 2_000)), {
        timeoutSeconds: 0.05,
      });

      // Act
      const out = await lambda.send(new InvokeCommand({ FunctionName: 'slow' }));

      // Assess
      expect(out.FunctionError).toBe('Unhandled');
      expect(decode(out.Payload)).toMatchObject({
        errorType: 'Sandbox.Timedout',
        errorMessage: expect.stringMatching(/Task timed out after 0\.05 seconds/),
      });
    });

    it('fails with ResourceNotFoundException (404) for an unknown function', async () => {
      // Act
      const error = await failure(lambda.send(new InvokeCommand({ FunctionName: 'no-such-function' })));

      // Assess
      expect(error).toBeInstanceOf(ResourceNotFoundException);
      expect(error).toMatchObject({
        name: 'ResourceNotFoundException',
        Type: 'User',
        message: `Function not found: arn:aws:lambda:us-east-1:${ACCOUNT}:function:no-such-function`,
        $metadata: { httpStatusCode: 404 },
      });
      expect(cloud.world.lambda.invocations).toHaveLength(0);
    });

    it('runs an Event invocation in the background and answers 202 at once', async () => {
      // Prepare
      let release: () => void = () => undefined;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      cloud.world.lambda.register('background', async (event) => {
        await gate;
        return event;
      });

      // Act
      const out = await lambda.send(
        new InvokeCommand({ FunctionName: 'background', InvocationType: 'Event', Payload: encode({ n: 1 }) }),
      );

      // Assess
      expect(out.StatusCode).toBe(202);
      expect(out.Payload?.length ?? 0).toBe(0);
      const [invocation] = cloud.world.lambda.invocations;
      expect(invocation).toMatchObject({ invocationType: 'Event', status: 'running' });
      release();
      await cloud.world.lambda.settled();
      expect(invocation).toMatchObject({ status: 'succeeded', result: { n: 1 } });
    });

    it('answers a DryRun with 204 without running the handler', async () => {
      // Act
      const out = await lambda.send(
        new InvokeCommand({ FunctionName: 'mqops-runbook', InvocationType: 'DryRun' }),
      );
      const missing = await failure(
        lambda.send(new InvokeCommand({ FunctionName: 'missing', InvocationType: 'DryRun' })),
      );

      // Assess
      expect(out.StatusCode).toBe(204);
      expect(contexts).toHaveLength(0);
      expect(cloud.world.lambda.invocations).toHaveLength(0);
      expect(missing).toBeInstanceOf(ResourceNotFoundException);
    });

    it.each([
      { what: 'a full ARN', functionName: RUNBOOK_ARN, qualifier: undefined, invoked: RUNBOOK_ARN },
      {
        what: 'a partial ARN',
        functionName: `${ACCOUNT}:function:mqops-runbook`,
        qualifier: undefined,
        invoked: RUNBOOK_ARN,
      },
      {
        what: 'a qualified ARN',
        functionName: `${RUNBOOK_ARN}:live`,
        qualifier: undefined,
        invoked: `${RUNBOOK_ARN}:live`,
      },
      {
        what: 'a name and an alias',
        functionName: 'mqops-runbook',
        qualifier: 'live',
        invoked: `${RUNBOOK_ARN}:live`,
      },
      {
        what: 'a name and $LATEST',
        functionName: 'mqops-runbook:$LATEST',
        qualifier: '$LATEST',
        invoked: `${RUNBOOK_ARN}:$LATEST`,
      },
    ])('invokes by $what', async ({ functionName, qualifier, invoked }) => {
      // Act
      const out = await lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          Qualifier: qualifier,
          Payload: encode({ runbook: 'r', brokers: [] }),
        }),
      );

      // Assess
      expect(out.StatusCode).toBe(200);
      expect(decode(out.Payload)).toMatchObject({ status: 'done' });
      expect(contexts[0]?.invokedFunctionArn).toBe(invoked);
      expect(cloud.world.lambda.invocations[0]).toMatchObject({
        functionArn: RUNBOOK_ARN,
        invokedFunctionArn: invoked,
      });
    });

    it.each([
      { what: 'an unknown alias', functionName: 'mqops-runbook', qualifier: 'canary' },
      { what: 'another region', functionName: RUNBOOK_ARN.replace('us-east-1', 'eu-west-1') },
      { what: 'another account', functionName: RUNBOOK_ARN.replace(ACCOUNT, '210987654321') },
    ])('does not find the function for $what', async ({ functionName, qualifier }) => {
      // Act
      const error = await failure(
        lambda.send(new InvokeCommand({ FunctionName: functionName, Qualifier: qualifier })),
      );

      // Assess
      expect(error).toBeInstanceOf(ResourceNotFoundException);
      expect(contexts).toHaveLength(0);
    });

    it('refuses a qualifier that contradicts the one in the function name', async () => {
      // Act
      const error = await failure(
        lambda.send(new InvokeCommand({ FunctionName: `${RUNBOOK_ARN}:live`, Qualifier: '$LATEST' })),
      );

      // Assess
      expect(error).toBeInstanceOf(InvalidParameterValueException);
    });

    it('refuses a payload that is not JSON', async () => {
      // Act
      const error = await failure(
        lambda.send(
          new InvokeCommand({
            FunctionName: 'mqops-runbook',
            Payload: new TextEncoder().encode('{not json'),
          }),
        ),
      );

      // Assess
      expect(error).toBeInstanceOf(InvalidRequestContentException);
      expect((error as Error).message).toMatch(/^Could not parse request body into json/);
      expect(contexts).toHaveLength(0);
    });

    it('returns the log tail when asked', async () => {
      // Act
      const out = await lambda.send(
        new InvokeCommand({
          FunctionName: 'mqops-runbook',
          LogType: 'Tail',
          Payload: encode({ runbook: 'r', brokers: [] }),
        }),
      );

      // Assess
      const log = Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
      const id = cloud.world.lambda.invocations[0]?.requestId;
      expect(log).toContain(`START RequestId: ${id} Version: $LATEST`);
      expect(log).toContain(`REPORT RequestId: ${id}`);
    });

    it('throttles with TooManyRequestsException under a throttle fault', async () => {
      // Prepare
      cloud.faults.add({ service: 'lambda', operation: 'Invoke', throttle: { rate: 0, burst: 0 } });

      // Act
      const error = await failure(lambda.send(new InvokeCommand({ FunctionName: 'mqops-runbook' })));

      // Assess
      expect(error).toBeInstanceOf(TooManyRequestsException);
      expect(isThrottlingError(error as Parameters<typeof isThrottlingError>[0])).toBe(true);
      expect(contexts).toHaveLength(0);
    });
  });

  describe('STS', () => {
    it('GetCallerIdentity answers the local developer in the scenario account', async () => {
      // Act
      const identity = await sts.send(new GetCallerIdentityCommand({}));

      // Assess
      expect(identity.Account).toBe(ACCOUNT);
      expect(identity.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/local-developer`);
      expect(identity.UserId).toMatch(/^AIDA[0-9A-F]{17}$/);
      expect(cloud.requests.at(-1)).toMatchObject({
        service: 'sts',
        operation: 'GetCallerIdentity',
        status: 200,
      });
    });

    it.each([
      {
        arn: 'arn:aws:sts::210987654321:assumed-role/OpsRole/alice',
        account: '210987654321',
        userId: /^AROA[0-9A-F]{17}:alice$/,
      },
      { arn: `arn:aws:iam::${ACCOUNT}:root`, account: ACCOUNT, userId: new RegExp(`^${ACCOUNT}$`) },
      { arn: `arn:aws:iam::${ACCOUNT}:user/ops/bob`, account: ACCOUNT, userId: /^AIDA[0-9A-F]{17}$/ },
    ])('GetCallerIdentity answers the caller set on the world: $arn', async ({ arn, account, userId }) => {
      // Prepare
      cloud.world.sts.setCaller(arn);

      // Act
      const identity = await sts.send(new GetCallerIdentityCommand({}));

      // Assess
      expect(identity).toMatchObject({ Arn: arn, Account: account, UserId: expect.stringMatching(userId) });
    });

    it('AssumeRole issues temporary credentials that identify as the assumed role until they expire', async () => {
      // Act
      const out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/ops/MqOpsRunbook`,
          RoleSessionName: 'runbook-test',
          DurationSeconds: 900,
        }),
      );
      const credentials = out.Credentials;
      const assumed = stsClient({
        credentials: {
          accessKeyId: credentials?.AccessKeyId ?? '',
          secretAccessKey: credentials?.SecretAccessKey ?? '',
          sessionToken: credentials?.SessionToken ?? '',
        },
      });
      const identity = await assumed.send(new GetCallerIdentityCommand({}));
      clock.advance(900_000);
      const expired = await failure(assumed.send(new GetCallerIdentityCommand({})));
      assumed.destroy();

      // Assess
      expect(credentials?.AccessKeyId).toMatch(/^ASIA[0-9A-F]{16}$/);
      expect(credentials?.SecretAccessKey).toHaveLength(40);
      expect(credentials?.SessionToken?.length).toBeGreaterThan(100);
      expect(credentials?.Expiration?.toISOString()).toBe(new Date(Date.parse(NOW) + 900_000).toISOString());
      expect(out.AssumedRoleUser).toEqual({
        Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/MqOpsRunbook/runbook-test`,
        AssumedRoleId: expect.stringMatching(/^AROA[0-9A-F]{17}:runbook-test$/),
      });
      expect(identity).toMatchObject({
        Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/MqOpsRunbook/runbook-test`,
        UserId: out.AssumedRoleUser?.AssumedRoleId,
        Account: ACCOUNT,
      });
      expect(expired).toMatchObject({ name: 'ExpiredToken', $metadata: { httpStatusCode: 403 } });
      expect(cloud.world.sts.sessions.at(-1)).toMatchObject({ roleSessionName: 'runbook-test' });
    });

    it.each([
      { what: 'a malformed role ARN', RoleArn: 'not-a-role-arn-at-all', RoleSessionName: 's1', seconds: 900 },
      {
        what: 'a session name with spaces',
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/R`,
        RoleSessionName: 'a b',
        seconds: 900,
      },
      {
        what: 'too short a session',
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/R`,
        RoleSessionName: 's1',
        seconds: 60,
      },
      {
        what: 'more than the role allows',
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/R`,
        RoleSessionName: 's1',
        seconds: 7200,
      },
    ])('AssumeRole refuses $what with ValidationError', async ({ RoleArn, RoleSessionName, seconds }) => {
      // Act
      const error = await failure(
        sts.send(new AssumeRoleCommand({ RoleArn, RoleSessionName, DurationSeconds: seconds })),
      );

      // Assess
      expect(error).toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    });

    it('answers AccessDenied under a deny fault', async () => {
      // Prepare
      cloud.faults.add({ service: 'sts', operation: 'AssumeRole', deny: true });

      // Act
      const error = await failure(
        sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/R`, RoleSessionName: 's1' })),
      );

      // Assess
      expect(error).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    });
  });

  describe('standard SDK configuration', () => {
    const saved = { ...process.env };
    afterEach(() => {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    });

    it('reaches both services through AWS_ENDPOINT_URL with clients built without settings', async () => {
      // Prepare
      for (const key of Object.keys(process.env))
        if (/^AWS_(PROFILE|ENDPOINT_URL_)/.test(key)) delete process.env[key];
      Object.assign(process.env, cloud.env());
      const bareLambda = new LambdaClient({});
      const bareSts = new STSClient({});

      // Act
      const identity = await bareSts.send(new GetCallerIdentityCommand({}));
      const out = await bareLambda.send(
        new InvokeCommand({ FunctionName: RUNBOOK_ARN, Payload: encode({ runbook: 'r', brokers: ['x'] }) }),
      );
      bareLambda.destroy();
      bareSts.destroy();

      // Assess
      expect(identity).toMatchObject({
        Account: ACCOUNT,
        Arn: `arn:aws:iam::${ACCOUNT}:user/local-developer`,
      });
      expect(decode(out.Payload)).toEqual({ runbook: 'r', status: 'done', brokers: 1 });
      expect(cloud.requests.slice(-2).map((r) => `${r.service}:${r.operation}`)).toEqual([
        'sts:GetCallerIdentity',
        'lambda:Invoke',
      ]);
    });
  });
});
