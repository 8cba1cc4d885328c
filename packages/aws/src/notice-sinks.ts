import type { SNSClient, SNSClientConfig } from '@aws-sdk/client-sns';
import { type Notice, type NoticeSink, slackNotice, snsNotice } from '@mqops/core';
import type { Channel } from '@mqops/core/ports';
import { SlackChannel, type SlackChannelOptions } from './slack-channel';
import { SnsPublisher } from './sns-notifier';

/**
 * Notices to a Slack channel (incoming webhook; the URL never appears in errors or logs): a {@link NoticeSink} and the
 * notifier port (`send`).
 */
export class SlackNoticeSink implements NoticeSink, Channel<Notice> {
  readonly channel: string;
  private readonly slack: SlackChannel;

  constructor(slack: SlackChannel | SlackChannelOptions) {
    this.slack = slack instanceof SlackChannel ? slack : new SlackChannel(slack);
    this.channel = `slack:${this.slack.name}`;
  }

  async post(notice: Notice): Promise<void> {
    await this.slack.post(slackNotice(notice));
  }

  /** {@link post}, as the notifier port. */
  send(notice: Notice): Promise<void> {
    return this.post(notice);
  }
}

/** Notices to an SNS topic: JSON body, attributes `kind` and `level` for subscription filters. */
export class SnsNoticeSink implements NoticeSink, Channel<Notice> {
  readonly channel = 'sns';
  private readonly publisher: SnsPublisher;

  constructor(topicArn: string, client: SNSClient | SNSClientConfig = {}) {
    this.publisher = new SnsPublisher(topicArn, client);
  }

  async post(notice: Notice): Promise<void> {
    const { subject, message, attributes } = snsNotice(notice);
    await this.publisher.publish({
      subject,
      message,
      attributes: Object.fromEntries(
        Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
      ),
    });
  }

  /** {@link post}, as the notifier port. */
  send(notice: Notice): Promise<void> {
    return this.post(notice);
  }
}

/**
 * The notice sinks an environment configures: `MQOPS_SLACK_WEBHOOK_URL` (Slack) and `MQOPS_ALERT_TOPIC_ARN` (SNS).
 * Empty or missing variables turn a channel off.
 */
export function noticeSinksFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  options: { sns?: SNSClient | SNSClientConfig; slack?: Partial<SlackChannelOptions> } = {},
): NoticeSink[] {
  const sinks: NoticeSink[] = [];
  const webhookUrl = env.MQOPS_SLACK_WEBHOOK_URL?.trim();
  if (webhookUrl) sinks.push(new SlackNoticeSink({ ...options.slack, webhookUrl }));
  const topicArn = env.MQOPS_ALERT_TOPIC_ARN?.trim();
  if (topicArn) sinks.push(new SnsNoticeSink(topicArn, options.sns ?? {}));
  return sinks;
}
