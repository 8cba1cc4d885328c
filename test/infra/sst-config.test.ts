import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deriveActions } from '../../infra/iam';
import { isWriteAction } from '../../infra/iam-access';
import { stack } from '../../infra/index';
import { type Recorded, recordingSst } from './recording-sst';

type AppConfig = {
  app(input: { stage?: string }): Record<string, unknown>;
  run(): Promise<Record<string, unknown>>;
};

const globals = globalThis as Record<string, unknown>;

async function evaluateConfig(stage = 'dev'): Promise<{
  config: AppConfig;
  recorded: Recorded[];
  outputs: Record<string, unknown>;
}> {
  const { sst, recorded, interpolate, aws } = recordingSst();
  globals.$config = (config: AppConfig) => config;
  globals.sst = sst;
  globals.$interpolate = interpolate;
  globals.aws = aws;
  globals.$app = { stage };
  const config = (await import('../../sst.config')).default as unknown as AppConfig;
  const outputs = await config.run();
  return { config, recorded, outputs };
}

function find(recorded: Recorded[], type: string, name: string): Record<string, unknown> {
  const hit = recorded.find((r) => r.type === type && r.name === name);
  if (!hit)
    throw new Error(
      `${type} ${name} was not created; created: ${recorded.map((r) => `${r.type} ${r.name}`).join(', ')}`,
    );
  return hit.args as Record<string, unknown>;
}

describe('sst.config.ts', () => {
  const clear = () => {
    for (const name of ['$config', 'sst', '$interpolate', 'aws', '$app']) delete globals[name];
  };
  beforeEach(clear);
  afterEach(clear);

  it('names the app and retains resources only in production', async () => {
    const { config } = await evaluateConfig();
    expect(config.app({ stage: 'dev' })).toMatchObject({ name: 'mqops', home: 'aws', removal: 'remove' });
    expect(config.app({ stage: 'production' })).toMatchObject({ removal: 'retain', protect: true });
  });

  it('creates the audit function on Node 22 with its schedule, topic and secret wired in', async () => {
    const { recorded, outputs } = await evaluateConfig();
    const fn = find(recorded, 'sst.aws.Function', 'Audit');
    expect(fn).toMatchObject({
      handler: 'functions/audit.handler',
      runtime: 'nodejs22.x',
      environment: {
        MQOPS_ALERT_TOPIC_ARN: '$ref:AlertTopic.arn',
        MQOPS_SLACK_WEBHOOK_URL: '$ref:SlackWebhookUrl.value',
        MQOPS_STATE_BUCKET: '$ref:AuditState.name',
        MQOPS_CONFIG: expect.any(String),
      },
    });
    expect(JSON.parse((fn.environment as { MQOPS_CONFIG: string }).MQOPS_CONFIG)).toBeTypeOf('object');
    expect(find(recorded, 'sst.aws.Cron', 'AuditSchedule')).toEqual({
      schedule: 'cron(0 6 * * ? *)',
      function: '$ref:Audit.arn',
    });
    find(recorded, 'sst.aws.SnsTopic', 'AlertTopic');
    find(recorded, 'sst.aws.Bucket', 'AuditState');
    expect(find(recorded, 'sst.aws.Dynamo', 'State')).toEqual({
      fields: { pk: 'string', sk: 'string' },
      primaryIndex: { hashKey: 'pk', rangeKey: 'sk' },
      ttl: 'ttl',
    });
    find(recorded, 'sst.aws.Queue', 'DeadLetters');
    expect(find(recorded, 'sst.aws.Cron', 'AlarmsSchedule')).toEqual({
      schedule: 'rate(1 hour)',
      function: '$ref:Alarms.arn',
    });
    expect(find(recorded, 'sst.aws.Cron', 'WatchSchedule')).toEqual({
      schedule: 'rate(2 minutes)',
      function: '$ref:Watch.arn',
    });
    expect(find(recorded, 'sst.aws.Cron', 'AlertFlushSchedule')).toEqual({
      schedule: 'rate(1 minute)',
      function: '$ref:AlertFlush.arn',
    });
    // SST's Bus.subscribe reads `detailType` (not EventBridge's `detail-type`, which it would drop).
    const onAlarm = find(recorded, 'sst.aws.Bus.subscribe', 'AlertsOnAlarm') as {
      subscriber: string;
      pattern: Record<string, unknown>;
    };
    expect(onAlarm.subscriber).toBe('$ref:Alerts.arn');
    expect(onAlarm.pattern).toMatchObject({
      source: ['aws.cloudwatch'],
      detailType: ['CloudWatch Alarm State Change'],
      detail: { $or: expect.any(Array) },
    });
    for (const subscription of recorded.filter((r) => r.type === 'sst.aws.Bus.subscribe'))
      expect(Object.keys((subscription.args as { pattern: object }).pattern)).not.toContain('detail-type');
    expect(find(recorded, 'aws.lambda.Permission', 'RotateBySecretsManager')).toEqual({
      action: 'lambda:InvokeFunction',
      function: '$ref:Rotate.name',
      principal: 'secretsmanager.amazonaws.com',
      sourceAccount: '$account',
    });
    const rotate = find(recorded, 'sst.aws.Function', 'Rotate').permissions as {
      actions: string[];
      resources: unknown[];
    }[];
    expect(rotate.find((s) => s.actions.includes('secretsmanager:PutSecretValue'))?.resources).toEqual([
      'arn:aws:secretsmanager:*:*:secret:mqops/*',
    ]);
    expect(find(recorded, 'sst.aws.Function', 'Watch')).toMatchObject({
      handler: 'functions/watch.handler',
      environment: {
        MQOPS_STATE_TABLE: '$ref:State.name',
        MQOPS_SLACK_WEBHOOK_URL: '$ref:SlackWebhookUrl.value',
      },
    });
    const onChange = find(recorded, 'sst.aws.Bus.subscribe', 'AuditOnChange') as {
      busArn: string;
      subscriber: string;
      pattern: { source: string[]; detail: { eventName: string[] } };
    };
    expect(onChange.busArn).toBe('arn:aws:events:$region:$account:event-bus/default');
    expect(onChange.subscriber).toBe('$ref:Audit.arn');
    expect(onChange.pattern.source).toEqual(['aws.amazonmq', 'aws.ec2']);
    expect(onChange.pattern.detail.eventName).toEqual(
      expect.arrayContaining(['UpdateBroker', 'CreateUser', 'AuthorizeSecurityGroupIngress']),
    );
    expect(recorded.find((r) => r.type === 'sst.Secret')).toEqual({
      type: 'sst.Secret',
      name: 'SlackWebhookUrl',
      args: '',
    });
    for (const [name, schedule] of [
      ['RightsizeSchedule', 'cron(30 5 * * ? *)'],
      ['ResizeTick', 'rate(10 minutes)'],
      ['MaintenanceSchedule', 'cron(15 * * * ? *)'],
    ] as const)
      expect(find(recorded, 'sst.aws.Cron', name)).toEqual({
        schedule,
        function: `$ref:${name.replace(/Schedule|Tick/, '')}.arn`,
      });
    expect(find(recorded, 'sst.aws.Function', 'Resize')).toMatchObject({
      handler: 'functions/resize.handler',
      environment: { MQOPS_STATE_TABLE: '$ref:State.name', MQOPS_CONFIG: expect.any(String) },
    });
    expect(outputs).toMatchObject({
      AuditFunction: '$ref:Audit.name',
      AlertTopic: '$ref:AlertTopic.arn',
      AuditState: '$ref:AuditState.name',
      RotateFunctionArn: '$ref:Rotate.arn',
      State: '$ref:State.name',
    });
  });

  it('grants each function exactly the AWS calls its code makes, scoped where the stack says so', async () => {
    const { recorded } = await evaluateConfig();
    for (const spec of stack.functions) {
      const fn = find(recorded, 'sst.aws.Function', spec.name);
      const statements = fn.permissions as { actions: string[]; resources: unknown[] }[];
      // Lambda sends failed asynchronous events to the dead-letter queue with the function's role.
      const dlq = statements.filter((s) => s.actions.join() === 'sqs:SendMessage');
      if (spec.deadLetterQueue) {
        expect(dlq).toEqual([
          { actions: ['sqs:SendMessage'], resources: [`$ref:${spec.deadLetterQueue}.arn`] },
        ]);
        expect(fn.transform).toEqual({
          function: { deadLetterConfig: { targetArn: `$ref:${spec.deadLetterQueue}.arn` } },
        });
      }
      const granted = [
        ...new Set(statements.filter((s) => !dlq.includes(s)).flatMap((s) => s.actions)),
      ].sort();
      expect(granted).toEqual(deriveActions(spec.handler).actions);
      for (const s of statements) {
        if (spec.scopes?.[s.actions[0] ?? '']) expect(s.resources).not.toContain('*');
        // What sst deploy grants: no write action on *.
        const writes = s.actions.filter(isWriteAction);
        if (writes.length > 0) expect(s.resources, `${spec.name}: ${writes.join()}`).not.toContain('*');
      }
    }
    const publish = (
      find(recorded, 'sst.aws.Function', 'Audit').permissions as { actions: string[]; resources: unknown[] }[]
    ).find((s) => s.actions.includes('sns:Publish'));
    expect(publish?.resources).toEqual(['$ref:AlertTopic.arn']);
    const statements = find(recorded, 'sst.aws.Function', 'Audit').permissions as {
      actions: string[];
      resources: unknown[];
    }[];
    expect(statements.find((s) => s.actions.includes('s3:PutObject'))?.resources).toEqual([
      '$ref:AuditState.arn/*',
    ]);
  });

  it('points every function at a handler that exists and is exported', async () => {
    for (const spec of stack.functions) {
      const [file, exportName] = [
        spec.handler.replace(/\.[^.]+$/, '.ts'),
        spec.handler.split('.').pop() ?? '',
      ];
      expect(existsSync(file), file).toBe(true);
      const module = (await import(/* @vite-ignore */ pathToFileURL(resolve(file)).href)) as Record<
        string,
        unknown
      >;
      expect(typeof module[exportName]).toBe('function');
    }
  });
});

describe('infra/sst.ts', () => {
  it('passes IAM conditions through to the SST permissions (the audit reads only secrets tagged for it)', async () => {
    // prepare / act
    const { recorded } = await evaluateConfig();
    type Statement = { actions: string[]; resources: unknown[]; conditions?: unknown };
    const secretReads = (name: string) =>
      (find(recorded, 'sst.aws.Function', name).permissions as Statement[]).filter((s) =>
        s.actions.includes('secretsmanager:GetSecretValue'),
      );
    const tagged = {
      actions: ['secretsmanager:GetSecretValue'],
      resources: ['arn:aws:secretsmanager:*:*:secret:*'],
      conditions: [
        { test: 'StringLike', variable: 'aws:ResourceTag/mqops:broker', values: ['*'] },
        { test: 'StringEquals', variable: 'aws:ResourceTag/mqops:role', values: ['audit'] },
      ],
    };
    // assess
    expect(secretReads('Audit')).toEqual([tagged]);
    expect(secretReads('Runbook')).toEqual([
      expect.objectContaining({ resources: ['arn:aws:secretsmanager:*:*:secret:mqops/*'] }),
      expect.objectContaining(tagged),
    ]);
    expect(secretReads('Runbook')[0]).not.toHaveProperty('conditions');
    const alarms = find(recorded, 'sst.aws.Function', 'Alarms').permissions as Statement[];
    expect(alarms.find((s) => s.actions.includes('cloudwatch:PutMetricAlarm'))?.resources).toEqual([
      'arn:aws:cloudwatch:*:*:alarm:mqops-*',
    ]);
  });

  it('maps every operator and key of a condition, and refuses to deploy a write without a scope', async () => {
    // prepare
    const { deployStack, sstConditions } = await import('../../infra/sst');
    const { sst, interpolate } = recordingSst();
    const context = {
      interpolate,
      defaultBusArn: 'bus',
      accountId: '$account',
      lambdaPermission: () => ({}),
      secretRotation: () => ({}),
      stage: 'test',

      metricAlarm: () => ({}),

      queueName: () => '$queueName',
    };
    const alarms = stack.functions.find((f) => f.name === 'Alarms');
    if (!alarms) throw new Error('no Alarms function');
    const { 'cloudwatch:DeleteAlarms': _dropped, ...scopes } = alarms.scopes ?? {};
    // act / assess
    expect(
      sstConditions({ StringLike: { 'a:K': ['x*', 'y*'] }, Null: { 'a:T': 'false', 'a:U': 'true' } }),
    ).toEqual([
      { test: 'StringLike', variable: 'a:K', values: ['x*', 'y*'] },
      { test: 'Null', variable: 'a:T', values: ['false'] },
      { test: 'Null', variable: 'a:U', values: ['true'] },
    ]);
    expect(() => deployStack({ ...stack, functions: [{ ...alarms, scopes }] }, sst, context)).toThrow(
      /IAM of Alarms:\n {2}Alarms: cloudwatch:DeleteAlarms \(Write\) needs a scope/,
    );
  });

  it('subscribes a function to an SNS topic outside the stack (alarmTopics in mqops.config.json)', async () => {
    const { deployStack } = await import('../../infra/sst');
    const { sst, recorded, interpolate } = recordingSst();
    const alerts = stack.functions.find((f) => f.name === 'Alerts');
    if (!alerts) throw new Error('no Alerts function');
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:team-alarms';
    deployStack(
      {
        ...stack,
        functions: [{ ...alerts, triggers: [{ kind: 'topic', name: 'AlertsFromTopic1', topicArn }] }],
        selfAlarms: [],
      },
      sst,
      {
        interpolate,
        defaultBusArn: 'bus',
        accountId: '$account',
        lambdaPermission: () => ({}),
        secretRotation: () => ({}),
        stage: 'test',

        metricAlarm: () => ({}),

        queueName: () => '$queueName',
      },
    );
    expect(recorded.find((r) => r.type === 'sst.aws.SnsTopic.subscribe')).toEqual({
      type: 'sst.aws.SnsTopic.subscribe',
      name: 'AlertsFromTopic1',
      args: { topicArn, subscriber: '$ref:Alerts.arn' },
    });
  });

  it('turns on rotation of the configured secrets with the Rotate function, after its invoke permission', async () => {
    const { deployStack } = await import('../../infra/sst');
    const { secretRotations } = await import('../../infra/rotation');
    const { sst, recorded, interpolate, aws } = recordingSst();
    const rotations = secretRotations([
      { secret: 'mqops/orders-prod/app', schedule: 'rate(10 days)', window: '4h' },
      { secret: 'mqops/events/svc', schedule: 30 },
    ]);
    expect(rotations.map((r) => r.name)).toEqual(['RotationOrdersProdApp', 'RotationEventsSvc']);
    deployStack({ ...stack, secretRotations: rotations }, sst, {
      interpolate,
      defaultBusArn: 'bus',
      accountId: '$account',
      lambdaPermission: (name, args) => new aws.lambda.Permission(name, args),
      secretRotation: (name, args, dependsOn) =>
        new aws.secretsmanager.SecretRotation(name, args, { dependsOn }),
      stage: 'test',

      metricAlarm: () => ({}),

      queueName: () => '$queueName',
    });
    const made = recorded.filter((r) => r.type === 'aws.secretsmanager.SecretRotation');
    expect(made.map((r) => [r.name, r.args])).toEqual([
      [
        'RotationOrdersProdApp',
        {
          secretId: 'mqops/orders-prod/app',
          rotationLambdaArn: '$ref:Rotate.arn',
          rotationRules: { scheduleExpression: 'rate(10 days)', duration: '4h' },
          rotateImmediately: false,
        },
      ],
      [
        'RotationEventsSvc',
        {
          secretId: 'mqops/events/svc',
          rotationLambdaArn: '$ref:Rotate.arn',
          rotationRules: { automaticallyAfterDays: 30 },
          rotateImmediately: false,
        },
      ],
    ]);
    // RotateSecret checks that Secrets Manager may invoke the function: the permission comes first.
    const permissionIndex = recorded.findIndex(
      (r) => r.type === 'aws.lambda.Permission' && r.name === 'RotateBySecretsManager',
    );
    expect(permissionIndex).toBeGreaterThanOrEqual(0);
    const firstRotation = recorded.findIndex((r) => r.type === 'aws.secretsmanager.SecretRotation');
    expect(firstRotation).toBeGreaterThan(permissionIndex);
    expect((made[0]?.opts as { dependsOn?: unknown[] } | undefined)?.dependsOn).toEqual([
      expect.objectContaining({ id: '$ref:RotateBySecretsManager.id' }),
    ]);
  });

  it('refuses a configured rotation of a secret outside mqops/ or with a bad schedule, naming it', async () => {
    const { deployedConfig } = await import('../../infra/config');
    const root = mkdtempSync(join(tmpdir(), 'mqops-config-'));
    const deployWith = (config: unknown) => {
      writeFileSync(join(root, 'mqops.config.json'), JSON.stringify(config));
      return () => deployedConfig(root);
    };
    expect(deployWith({ rotations: [{ secret: 'prod/app', schedule: 30 }] })).toThrow(
      /rotations\.0: secret name prod\/app must start with mqops\//,
    );
    expect(deployWith({ rotations: [{ secret: 'mqops/a/b', schedule: 'rate(2 hours)' }] })).toThrow(
      /at most every 4 hours/,
    );
    // A section only the capacity functions read is checked at deploy too.
    expect(deployWith({ capacity: { lookbackDays: 0 } })).toThrow(/capacity\.lookbackDays: /);
    expect(deployWith({ rotations: [{ secret: 'mqops/a/b' }] })().rotations).toEqual([
      { secret: 'mqops/a/b', schedule: 30 },
    ]);
    writeFileSync(join(root, 'mqops.config.json'), '{"rotations": [');
    expect(() => deployedConfig(root)).toThrow(/mqops\.config\.json is not valid JSON/);
    rmSync(root, { recursive: true, force: true });
  });

  it('is stage-aware: production keeps logs 3 months, other stages a week; every function knows its stage', async () => {
    for (const [stage, retention] of [
      ['prod', '3 months'],
      ['dev', '1 week'],
      ['pr-42', '1 week'],
    ] as const) {
      const { recorded } = await evaluateConfig(stage);
      for (const spec of stack.functions) {
        const fn = find(recorded, 'sst.aws.Function', spec.name) as {
          logging: { retention: string };
          environment: Record<string, unknown>;
        };
        expect(fn.logging.retention, `${stage} ${spec.name}`).toBe(retention);
        expect(fn.environment.MQOPS_STAGE).toBe(stage);
      }
    }
  });

  it('makes every function reachable: a trigger, a service allowed to invoke it, or a documented manual invoke', async () => {
    const { recorded } = await evaluateConfig();
    for (const spec of stack.functions) {
      const ref = `$ref:${spec.name}.arn`;
      const wired = recorded.filter((r) => {
        const args = r.args as Record<string, unknown> | undefined;
        return (
          (r.type === 'sst.aws.Cron' && args?.function === ref) ||
          ((r.type === 'sst.aws.Bus.subscribe' || r.type === 'sst.aws.SnsTopic.subscribe') &&
            args?.subscriber === ref) ||
          (r.type === 'aws.lambda.Permission' && args?.function === `$ref:${spec.name}.name`)
        );
      });
      // Or invoked by another function of the stack, whose IAM names it (the Audit invokes the SecurityHub function).
      const invokers = stack.functions.filter((f) =>
        JSON.stringify(f.scopes?.['lambda:InvokeFunction'] ?? []).includes(`"ref":"${spec.name}"`),
      );
      if (wired.length === 0 && invokers.length > 0) continue;
      expect(wired.length > 0 || spec.manualInvoke === true, `${spec.name} is reachable from nothing`).toBe(
        true,
      );
      // Each trigger in the spec was created and points at this function.
      for (const trigger of spec.triggers)
        expect(
          wired.some((r) => r.name === trigger.name),
          `${spec.name}: trigger ${trigger.name}`,
        ).toBe(true);
    }
    // The manual one is the Runbook function, and its name is printed for `mqops run --invoke`.
    expect(stack.functions.filter((f) => f.manualInvoke).map((f) => f.name)).toEqual(['Runbook']);
    expect(find(recorded, 'sst.aws.Bucket', 'Backups')).toEqual({ versioning: true });
  });
});
