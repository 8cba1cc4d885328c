import { alertTopic, slackWebhookSecret } from './alerts';
import { auditFunction } from './audit';
import { stateBucket } from './storage';
import type { StackSpec } from './types';

/** The whole mqops stack. */
export const stack: StackSpec = {
  app: 'mqops',
  runtime: 'nodejs22.x',
  buckets: [stateBucket],
  tables: [],
  queues: [],
  topics: [alertTopic],
  secrets: [slackWebhookSecret],
  functions: [auditFunction],
};

export type { BucketSpec, EnvValue, FunctionSpec, SecretSpec, StackSpec, TopicSpec, Trigger } from './types';
