/**
 * Function configuration, read once from the environment (set by infra/, see infra/audit.ts).
 */
export interface NotifierConfig {
  /** SNS topic ARN for findings (`MQOPS_ALERT_TOPIC_ARN`). */
  topicArn?: string;
  /** Slack incoming-webhook URL (`MQOPS_SLACK_WEBHOOK_URL`); a secret, never logged. */
  slackWebhookUrl?: string;
}

/** Reads an optional variable: unset and empty are the same. */
export function optionalEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

export function notifierConfig(env: NodeJS.ProcessEnv = process.env): NotifierConfig {
  return {
    topicArn: optionalEnv('MQOPS_ALERT_TOPIC_ARN', env),
    slackWebhookUrl: optionalEnv('MQOPS_SLACK_WEBHOOK_URL', env),
  };
}
