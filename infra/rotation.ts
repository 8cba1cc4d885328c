import { parseRotationSchedule } from '@mqops/core/rotation/index';
import { alertTopic, slackWebhookSecret } from './alerts';
import { deployedConfig } from './config';
import { brokers, mqopsSecrets } from './iam-scopes';
import { stateTable } from './storage';
import type { FunctionSpec, SecretRotationSpec } from './types';

const table = { ref: stateTable.name, attribute: 'arn' } as const;

/** Secrets mqops rotates are named `mqops/…` (their `masterarn` admin secrets too): the function can touch no other. */
const rotatedSecrets = mqopsSecrets;

/**
 * The rotation function Secrets Manager calls (createSecret, setSecret, testSecret, finishSecret) for broker
 * credentials: RabbitMQ users through the management API, single-user or alternating users. Turn rotation on per
 * secret with `aws secretsmanager rotate-secret --secret-id mqops/… --rotation-lambda-arn <RotateFunction ARN>
 * --rotation-rules AutomaticallyAfterDays=30`.
 */
export const rotateFunction: FunctionSpec = {
  name: 'Rotate',
  handler: 'functions/rotate.handler',
  description: 'Rotates Amazon MQ broker credentials for Secrets Manager',
  timeout: 60,
  memory: 256,
  // Notices of finished, waiting and failed rotations: Slack and SNS, each once per version (the state table).
  environment: {
    MQOPS_STATE_TABLE: { ref: stateTable.name, attribute: 'name' },
    MQOPS_ALERT_TOPIC_ARN: { ref: alertTopic.name, attribute: 'arn' },
    MQOPS_SLACK_WEBHOOK_URL: { ref: slackWebhookSecret.name, attribute: 'value' },
  },
  triggers: [],
  scopes: {
    'secretsmanager:DescribeSecret': rotatedSecrets,
    'secretsmanager:GetSecretValue': rotatedSecrets,
    'secretsmanager:PutSecretValue': rotatedSecrets,
    'secretsmanager:UpdateSecretVersionStage': rotatedSecrets,
    // ActiveMQ users change through the MQ API (and apply at a reboot) on the broker the secret names.
    'mq:CreateUser': brokers,
    'mq:UpdateUser': brokers,
    'mq:DeleteUser': brokers,
    'mq:RebootBroker': brokers,
    'sns:Publish': [{ ref: alertTopic.name, attribute: 'arn' }],
    'dynamodb:GetItem': [table],
    'dynamodb:PutItem': [table],
    'dynamodb:DeleteItem': [table],
    'dynamodb:Query': [table],
  },
  invokedBy: [{ name: 'RotateBySecretsManager', principal: 'secretsmanager.amazonaws.com' }],
};

/**
 * Rotation turned on by the stack for the secrets in mqops.config.json `rotations` (made beforehand with
 * `mqops rotation enable --no-schedule`, which checks that the password logs in). The first rotation runs at the
 * schedule, not at deploy.
 */
export function secretRotations(rotations = deployedConfig().rotations): SecretRotationSpec[] {
  return rotations.map((r) => ({
    name: `Rotation${r.secret
      .replace(/^mqops\//, '')
      .replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())
      .replace(/^./, (c) => c.toUpperCase())}`,
    secretId: r.secret,
    functionName: rotateFunction.name,
    rules: parseRotationSchedule(r.schedule, r.window),
  }));
}
