import { alarmsFunction } from './alarms';
import { alertTopic, slackWebhookSecret } from './alerts';
import { auditFunction, securityHubFunction } from './audit';
import { maintenanceFunction, resizeFunction, rightsizeFunction } from './capacity';
import { selfAlarms } from './monitoring';
import { alertFlushFunction, alertsFunction } from './notify';
import { rotateFunction, secretRotations } from './rotation';
import { runbookFunction, runbookTickFunction } from './runbooks';
import { backupBucket, deadLetters, stateBucket, stateTable } from './storage';
import type { StackSpec } from './types';
import { watchFunction } from './watch';

// The SecurityHub function before the Audit function, whose environment and IAM name it.
const functions = [
  securityHubFunction,
  auditFunction,
  alarmsFunction,
  watchFunction,
  alertsFunction,
  alertFlushFunction,
  rotateFunction,
  rightsizeFunction,
  resizeFunction,
  maintenanceFunction,
  runbookFunction,
  runbookTickFunction,
];

/** The whole mqops stack. */
export const stack: StackSpec = {
  app: 'mqops',
  runtime: 'nodejs22.x',
  buckets: [stateBucket, backupBucket],
  tables: [stateTable],
  queues: [deadLetters],
  topics: [alertTopic],
  secrets: [slackWebhookSecret],
  functions,
  selfAlarms: selfAlarms(functions),
  secretRotations: secretRotations(),
};

export type {
  BucketSpec,
  EnvValue,
  FunctionSpec,
  SecretRotationSpec,
  SecretSpec,
  SelfAlarmSpec,
  StackSpec,
  TopicSpec,
  Trigger,
} from './types';
