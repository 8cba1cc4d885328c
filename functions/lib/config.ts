import { type MqopsConfig, parseConfigText } from '@mqops/core';

/**
 * Function configuration, read from the environment (set by infra/, see infra/audit.ts).
 */
export interface FunctionConfig {
  /** SNS topic ARN for findings (`MQOPS_ALERT_TOPIC_ARN`). */
  topicArn?: string;
  /** Slack incoming-webhook URL (`MQOPS_SLACK_WEBHOOK_URL`); a secret, never logged. */
  slackWebhookUrl?: string;
  /** S3 bucket for the audit state (`MQOPS_STATE_BUCKET`); without it every run reports all findings as new. */
  stateBucket?: string;
  /**
   * The mqops configuration (`MQOPS_CONFIG`, JSON: policy, suppressions, regions, accounts); its `capacity` and
   * `rotations` sections are read where used (`capacityPolicyOf`), and all of it was checked at deploy.
   */
  mqops: MqopsConfig;
}

/** Reads an optional variable: unset and empty are the same. */
export function optionalEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** @throws InvalidInputError when MQOPS_CONFIG is not valid JSON or its common sections are not valid. */
export function functionConfig(env: NodeJS.ProcessEnv = process.env): FunctionConfig {
  return {
    topicArn: optionalEnv('MQOPS_ALERT_TOPIC_ARN', env),
    slackWebhookUrl: optionalEnv('MQOPS_SLACK_WEBHOOK_URL', env),
    stateBucket: optionalEnv('MQOPS_STATE_BUCKET', env),
    mqops: parseConfigText(optionalEnv('MQOPS_CONFIG', env) ?? '{}', 'MQOPS_CONFIG'),
  };
}
