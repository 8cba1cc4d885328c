import type { FunctionSpec } from './types';

/** Secrets mqops rotates are named `mqops/…` (their `masterarn` admin secrets too): the function can touch no other. */
const rotatedSecrets = [{ literal: 'arn:aws:secretsmanager:*:*:secret:mqops/*' }];

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
  environment: {},
  triggers: [],
  scopes: {
    'secretsmanager:DescribeSecret': rotatedSecrets,
    'secretsmanager:GetSecretValue': rotatedSecrets,
    'secretsmanager:PutSecretValue': rotatedSecrets,
    'secretsmanager:UpdateSecretVersionStage': rotatedSecrets,
  },
  invokedBy: [{ name: 'RotateBySecretsManager', principal: 'secretsmanager.amazonaws.com' }],
};
