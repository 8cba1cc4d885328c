import { alertTopic, slackWebhookSecret } from './alerts';
import { auditFunction } from './audit';
import type { StackSpec } from './types';

/** The whole mqops stack. */
export const stack: StackSpec = {
  app: 'mqops',
  runtime: 'nodejs22.x',
  topics: [alertTopic],
  secrets: [slackWebhookSecret],
  functions: [auditFunction],
};

export type { EnvValue, FunctionSpec, SecretSpec, StackSpec, TopicSpec, Trigger } from './types';
