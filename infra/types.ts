/**
 * What mqops deploys, as plain typed data. `sst.config.ts` maps it onto SST components (see `sst.ts`); tests read
 * it directly. Nothing here imports SST.
 */

/** A value an environment variable takes: a literal, or an attribute of another resource in the stack. */
export type EnvValue =
  | { literal: string }
  | { ref: string; attribute: 'arn' | 'name' | 'value' | 'url'; suffix?: string }
  /** The account's default EventBridge bus (where AWS services deliver their events). */
  | { defaultBus: true };

export interface ScheduleTrigger {
  kind: 'schedule';
  /** Logical name of the EventBridge rule. */
  name: string;
  /** EventBridge expression, UTC: `rate(…)` or `cron(…)`. */
  expression: string;
}

/** An EventBridge rule on the default bus (AWS API calls via CloudTrail, service events). */
export interface EventTrigger {
  kind: 'events';
  name: string;
  /** EventBridge event pattern. */
  pattern: Record<string, unknown>;
}

/** A subscription to an SNS topic that exists outside the stack (by ARN). */
export interface TopicTrigger {
  kind: 'topic';
  name: string;
  topicArn: string;
}

export type Trigger = ScheduleTrigger | EventTrigger | TopicTrigger;

/**
 * An IAM condition, as a policy document writes it: operator → context key → value(s), e.g.
 * `{ StringLike: { 'aws:ResourceTag/mqops:broker': '*' } }`. Every key of every operator must match.
 */
export type IamCondition = Record<string, Record<string, string | readonly string[]>>;

/** One statement an action is granted by: on these resources, when the condition holds. */
export interface ScopeStatement {
  resources: EnvValue[];
  condition?: IamCondition;
}

/**
 * Where an action is granted: resources (one statement), or statements of their own (each with its resources and
 * condition; any one allows the call).
 */
export type ActionScope = EnvValue[] | ScopeStatement | ScopeStatement[];

/** One Lambda function. */
export interface FunctionSpec {
  /** Logical name (the SST component name). */
  name: string;
  /** Source file (from the repository root) and export: `functions/audit.handler`. */
  handler: string;
  description: string;
  /** Seconds. */
  timeout: number;
  /** MB. */
  memory: number;
  environment: Record<string, EnvValue>;
  triggers: Trigger[];
  /**
   * Where each derived action that changes something (or reads a value: a secret, an object, an item) is granted:
   * by action, the resources the function owns, optionally with IAM conditions. A derived action without a scope
   * gets what infra/iam-access.ts allows: a metadata read its whole resource type, an action that supports no
   * resource type `*`; a write without a scope is refused (infra/iam.ts `planPermissions`).
   */
  scopes?: Record<string, ActionScope>;
  /** Queue (by name) that receives events the function failed on after Lambda's retries. */
  deadLetterQueue?: string;
  /** AWS services allowed to invoke the function directly (a resource-based Lambda permission each). */
  invokedBy?: { name: string; principal: string }[];
  /** Invoked by people (`aws lambda invoke`, the console, `mqops run --invoke`) rather than by a trigger. */
  manualInvoke?: boolean;
  /**
   * Bundle what the handler loads with `await import()` into chunks of their own (SST `nodejs.splitting`): a function
   * whose paths need different adapters loads only the ones the invocation takes.
   */
  splitting?: boolean;
}

export interface TopicSpec {
  name: string;
  description: string;
}

export interface SecretSpec {
  /** Set with `sst secret set NAME VALUE`. */
  name: string;
  description: string;
  /** Used when no value is set (an empty value turns the feature off). */
  placeholder: string;
}

/** A DynamoDB table of the key-value store (packages/aws/src/dynamodb-kv.ts): pk/sk strings, TTL on `ttl`. */
export interface TableSpec {
  name: string;
  description: string;
}

/** An SQS queue (dead letters of asynchronous invocations). */
export interface QueueSpec {
  name: string;
  description: string;
  /** How long a message is kept (SQS: 1 minute to 14 days; its default is 4). */
  retentionDays?: number;
}

export interface BucketSpec {
  name: string;
  description: string;
  /** Keep every version of every object (backups: an overwrite or a deletion can be undone). */
  versioned?: boolean;
}

/** A dimension value of a self-alarm: a literal, a resource of the stack, or a function's deployed name. */
export type DimensionValue = EnvValue | { functionName: string } | { queueName: string };

/**
 * A CloudWatch metric alarm on mqops itself (infra/monitoring.ts): named `mqops.self.<stage>.<key>`, so the Alerts
 * rule routes its state changes to Slack and SNS like a broker's; `direct` alarms also publish straight to the alert
 * topic (they watch the alert path itself, which may be what is broken).
 */
export interface SelfAlarmSpec {
  /** The alarm name's last part, and (PascalCased) its logical name. */
  key: string;
  /** What it means and what to do, for the person it wakes. */
  description: string;
  namespace: string;
  metric: string;
  dimensions: Record<string, DimensionValue>;
  statistic: 'Sum' | 'Maximum';
  /** Seconds. */
  period: number;
  /** ALARM at or above this value, in one period. */
  threshold: number;
  direct?: boolean;
}

/** Rotation turned on for an existing secret (mqops.config.json `rotations`). */
export interface SecretRotationSpec {
  /** Logical name of the resource. */
  name: string;
  /** The secret's name (`mqops/…`); Secrets Manager takes a name where it takes an id. */
  secretId: string;
  /** The function (by spec name) Secrets Manager invokes. */
  functionName: string;
  /** Secrets Manager's RotationRules, as the API names them. */
  rules: { AutomaticallyAfterDays?: number; ScheduleExpression?: string; Duration?: string };
}

export interface StackSpec {
  app: string;
  /** Lambda runtime for every function. */
  runtime: 'nodejs22.x';
  buckets: BucketSpec[];
  tables: TableSpec[];
  queues: QueueSpec[];
  /** Alarms on mqops itself (infra/monitoring.ts). */
  selfAlarms: SelfAlarmSpec[];
  topics: TopicSpec[];
  secrets: SecretSpec[];
  functions: FunctionSpec[];
  secretRotations: SecretRotationSpec[];
}
