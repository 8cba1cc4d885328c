import type { SecretSpec, TopicSpec } from './types';

/** Where findings and alerts go: an SNS topic (subscribe e-mail, chat or a pager to it) and Slack. */
export const alertTopic: TopicSpec = {
  name: 'AlertTopic',
  description: 'mqops findings and alerts (JSON messages)',
};

export const slackWebhookSecret: SecretSpec = {
  name: 'SlackWebhookUrl',
  description: 'Slack incoming-webhook URL for findings and alerts; leave empty to send to SNS only',
  placeholder: '',
};
