import { SELF_ALARM_PREFIX } from '@mqops/core/alerts/events';
import { alertTopic } from './alerts';
import { planPermissions } from './iam';
import { stageSettings } from './stage';
import type { DimensionValue, EnvValue, FunctionSpec, IamCondition, StackSpec } from './types';

/**
 * The few SST v3 components (and helpers) mqops uses, as the shape this file relies on. The real ones come from
 * SST's platform at deploy time (sst.config.ts passes them in); tests pass recording stand-ins.
 */
export interface SstComponents {
  aws: {
    Function: new (name: string, args: Record<string, unknown>) => { arn: unknown; name: unknown };
    Cron: new (name: string, args: Record<string, unknown>) => unknown;
    SnsTopic: (new (
      name: string,
      args?: Record<string, unknown>,
    ) => { arn: unknown; name: unknown }) & {
      subscribe(name: string, topicArn: unknown, subscriber: unknown): unknown;
    };
    Bucket: new (name: string, args?: Record<string, unknown>) => { arn: unknown; name: unknown };
    Dynamo: new (name: string, args: Record<string, unknown>) => { arn: unknown; name: unknown };
    Queue: new (name: string, args?: Record<string, unknown>) => { arn: unknown; url: unknown };
    Bus: {
      subscribe(name: string, busArn: unknown, subscriber: unknown, args: Record<string, unknown>): unknown;
    };
  };
  Secret: new (name: string, placeholder?: string) => { value: unknown; name: unknown };
}

/** What sst.config.ts hands over besides the components. */
export interface SstContext {
  /** `$interpolate` (joins outputs and strings). */
  interpolate: (strings: TemplateStringsArray, ...values: unknown[]) => unknown;
  /** ARN of the account's default event bus in the deployed region. */
  defaultBusArn: unknown;
  /** The deploying account's id (resource-based permissions name it as the source account). */
  accountId: unknown;
  /** Creates a resource-based Lambda permission (`aws.lambda.Permission`; SST has no component for it). */
  lambdaPermission: (name: string, args: Record<string, unknown>) => unknown;
  /**
   * Turns on rotation of a secret (`aws.secretsmanager.SecretRotation`), after `dependsOn` (the function's invoke
   * permission for Secrets Manager: RotateSecret checks it).
   */
  secretRotation: (name: string, args: Record<string, unknown>, dependsOn: unknown[]) => unknown;
  /** The stage being deployed (`$app.stage`): log retention and other stage settings follow it. */
  stage: string;
  /** Creates a CloudWatch metric alarm (`aws.cloudwatch.MetricAlarm`; SST has no component for it). */
  metricAlarm: (name: string, args: Record<string, unknown>) => unknown;
  /** The SQS queue name of an `sst.aws.Queue` (`queue.nodes.queue.name`): the dimension of its metrics. */
  queueName: (queue: unknown) => unknown;
}

type Resource = Record<string, unknown>;

/** An IAM condition as SST's `permissions[].conditions` take it (one entry per operator and context key). */
export function sstConditions(
  condition: IamCondition,
): { test: string; variable: string; values: string[] }[] {
  return Object.entries(condition).flatMap(([test, keys]) =>
    Object.entries(keys).map(([variable, values]) => ({
      test,
      variable,
      values: typeof values === 'string' ? [values] : [...values],
    })),
  );
}

/**
 * IAM statements of a function, as SST `permissions`: the derived actions on the resources its scopes name (with
 * their conditions), metadata reads on their resource type, and `*` only where AWS allows nothing narrower (see
 * infra/iam.ts `planPermissions`).
 * @throws Error naming every action that cannot be granted (missing from infra/iam-access.ts, or a write without a
 * scope), so `sst deploy` never grants a write on `*`.
 */
export function permissionsFor(fn: FunctionSpec, resolveRef: (value: EnvValue) => unknown, root?: string) {
  const plan = planPermissions(fn, root);
  if (plan.problems.length > 0) throw new Error(`infra: IAM of ${fn.name}:\n  ${plan.problems.join('\n  ')}`);
  return plan.statements.map((s) => ({
    actions: s.actions,
    resources: s.resources.map(resolveRef),
    ...(s.condition ? { conditions: sstConditions(s.condition) } : {}),
  }));
}

/** Creates the stack's resources with SST components; returns the outputs `sst deploy` prints. */
export function deployStack(
  stack: StackSpec,
  sst: SstComponents,
  context: SstContext,
  root?: string,
): Record<string, unknown> {
  const resources = new Map<string, Resource>();
  const stage = stageSettings(context.stage);
  for (const b of stack.buckets)
    resources.set(
      b.name,
      new sst.aws.Bucket(b.name, b.versioned ? { versioning: true } : {}) as unknown as Resource,
    );
  for (const t of stack.tables) {
    const table = new sst.aws.Dynamo(t.name, {
      fields: { pk: 'string', sk: 'string' },
      primaryIndex: { hashKey: 'pk', rangeKey: 'sk' },
      ttl: 'ttl',
    });
    resources.set(t.name, table as unknown as Resource);
  }
  for (const q of stack.queues)
    resources.set(
      q.name,
      new sst.aws.Queue(
        q.name,
        q.retentionDays
          ? { transform: { queue: { messageRetentionSeconds: q.retentionDays * 86_400 } } }
          : {},
      ) as unknown as Resource,
    );
  for (const t of stack.topics) resources.set(t.name, new sst.aws.SnsTopic(t.name) as unknown as Resource);
  for (const s of stack.secrets)
    resources.set(s.name, new sst.Secret(s.name, s.placeholder) as unknown as Resource);
  const resolveRef = (value: EnvValue): unknown => {
    if ('literal' in value) return value.literal;
    if ('defaultBus' in value) return context.defaultBusArn;
    const resource = resources.get(value.ref);
    if (!resource) throw new Error(`infra: unknown resource ${value.ref}`);
    const attribute = resource[value.attribute];
    return value.suffix ? context.interpolate`${attribute}${value.suffix}` : attribute;
  };
  const outputs: Record<string, unknown> = {};
  for (const fn of stack.functions) {
    const granted = permissionsFor(fn, resolveRef, root);
    const created = new sst.aws.Function(fn.name, {
      handler: fn.handler,
      description: fn.description,
      runtime: stack.runtime,
      architecture: 'arm64',
      timeout: `${fn.timeout} seconds`,
      memory: `${fn.memory} MB`,
      environment: {
        ...Object.fromEntries(Object.entries(fn.environment).map(([k, v]) => [k, resolveRef(v)])),
        MQOPS_STAGE: stage.stage,
        // Where the function sends an event it refuses (functions/lib/refuse.ts), as Lambda sends failed ones.
        ...(fn.deadLetterQueue
          ? { MQOPS_DEAD_LETTER_QUEUE_URL: resolveRef({ ref: fn.deadLetterQueue, attribute: 'url' }) }
          : {}),
      },
      logging: { retention: stage.logRetention, format: 'json' },
      ...(fn.splitting ? { nodejs: { format: 'esm', splitting: true } } : {}),
      permissions: [
        ...granted,
        // Lambda itself sends failed asynchronous events there, with the function's role (unless the code's own
        // refusals already need the same grant).
        ...(fn.deadLetterQueue && !granted.some((p) => p.actions.includes('sqs:SendMessage'))
          ? [
              {
                actions: ['sqs:SendMessage'],
                resources: [resolveRef({ ref: fn.deadLetterQueue, attribute: 'arn' })],
              },
            ]
          : []),
      ],
      ...(fn.deadLetterQueue
        ? {
            transform: {
              function: {
                deadLetterConfig: { targetArn: resolveRef({ ref: fn.deadLetterQueue, attribute: 'arn' }) },
              },
            },
          }
        : {}),
    });
    resources.set(fn.name, created as unknown as Resource);
    for (const trigger of fn.triggers) {
      if (trigger.kind === 'schedule')
        new sst.aws.Cron(trigger.name, { schedule: trigger.expression, function: created.arn });
      else if (trigger.kind === 'topic')
        sst.aws.SnsTopic.subscribe(trigger.name, trigger.topicArn, created.arn);
      else
        sst.aws.Bus.subscribe(trigger.name, context.defaultBusArn, created.arn, {
          pattern: sstPattern(trigger.pattern),
        });
    }
    const permissions = (fn.invokedBy ?? []).map((invoker) =>
      context.lambdaPermission(invoker.name, {
        action: 'lambda:InvokeFunction',
        function: created.name,
        principal: invoker.principal,
        sourceAccount: context.accountId,
      }),
    );
    for (const rotation of stack.secretRotations.filter((r) => r.functionName === fn.name)) {
      const rules = rotation.rules;
      context.secretRotation(
        rotation.name,
        {
          secretId: rotation.secretId,
          rotationLambdaArn: created.arn,
          rotationRules: {
            ...(rules.AutomaticallyAfterDays !== undefined
              ? { automaticallyAfterDays: rules.AutomaticallyAfterDays }
              : {}),
            ...(rules.ScheduleExpression ? { scheduleExpression: rules.ScheduleExpression } : {}),
            ...(rules.Duration ? { duration: rules.Duration } : {}),
          },
          rotateImmediately: false,
        },
        permissions,
      );
    }
    outputs[`${fn.name}Function`] = created.name;
    // Services that invoke the function by ARN (Secrets Manager's rotation) need the ARN: print it too.
    if (fn.invokedBy?.length) outputs[`${fn.name}FunctionArn`] = created.arn;
  }
  createSelfAlarms(stack, resources, context, resolveRef);
  for (const t of stack.topics) outputs[t.name] = resources.get(t.name)?.arn;
  for (const b of stack.buckets) outputs[b.name] = resources.get(b.name)?.name;
  // The CLI needs the state table's name to plan resizes (`mqops rightsize --accept … --table`).
  for (const t of stack.tables) outputs[t.name] = resources.get(t.name)?.name;
  return outputs;
}

/**
 * An EventBridge pattern as SST's Bus.subscribe takes it: `source`, `detailType`, `detail` (SST builds the rule from
 * those three only, so a `detail-type` key as EventBridge spells it would be dropped silently). Any other top-level
 * key is refused: SST would drop it too.
 */
export function sstPattern(pattern: Record<string, unknown>): Record<string, unknown> {
  const { source, 'detail-type': detailType, detail, ...rest } = pattern;
  const others = Object.keys(rest);
  if (others.length > 0) throw new Error(`SST's Bus.subscribe cannot filter on ${others.join(', ')}`);
  return {
    ...(source !== undefined ? { source } : {}),
    ...(detailType !== undefined ? { detailType } : {}),
    ...(detail !== undefined ? { detail } : {}),
  };
}

/**
 * The stack's alarms on itself (infra/monitoring.ts): `mqops.self.<stage>.<key>`, one datapoint at or above the
 * threshold in one period, missing data as OK (a quiet mqops is a healthy one). `direct` ones publish to the alert
 * topic as well as reaching the Alerts rule.
 */
function createSelfAlarms(
  stack: StackSpec,
  resources: Map<string, Resource>,
  context: SstContext,
  resolveRef: (value: EnvValue) => unknown,
): void {
  const topicArn = resources.get(alertTopic.name)?.arn;
  const dimension = (value: DimensionValue): unknown => {
    if ('functionName' in value) {
      const fn = resources.get(value.functionName);
      if (!fn) throw new Error(`infra: self-alarm on unknown function ${value.functionName}`);
      return fn.name;
    }
    if ('queueName' in value) {
      const queue = resources.get(value.queueName);
      if (!queue) throw new Error(`infra: self-alarm on unknown queue ${value.queueName}`);
      return context.queueName(queue);
    }
    return resolveRef(value);
  };
  for (const alarm of stack.selfAlarms) {
    const actions = alarm.direct && topicArn ? [topicArn] : [];
    context.metricAlarm(`Self${alarm.key.replace(/(^|-)(.)/g, (_m, _d, c: string) => c.toUpperCase())}`, {
      name: `${SELF_ALARM_PREFIX}${context.stage}.${alarm.key}`,
      alarmDescription: alarm.description,
      namespace: alarm.namespace,
      metricName: alarm.metric,
      dimensions: Object.fromEntries(Object.entries(alarm.dimensions).map(([k, v]) => [k, dimension(v)])),
      statistic: alarm.statistic,
      period: alarm.period,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: alarm.threshold,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: actions,
      okActions: actions,
      tags: { 'mqops:service': 'mqops', 'mqops:stage': context.stage },
    });
  }
}
