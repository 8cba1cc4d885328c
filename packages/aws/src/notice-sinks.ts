import type { SNSClient, SNSClientConfig } from '@aws-sdk/client-sns';
import { type Notice, type NoticeSink, slackNotice, snsNotice } from '@mqops/core';
import { SlackChannel, type SlackChannelOptions } from './slack-channel';
import { SnsPublisher } from './sns-notifier';

/** Notices to a Slack channel (incoming webhook; the URL never appears in errors or logs). */
export class SlackNoticeSink implements NoticeSink {
  readonly channel: string;
  private readonly slack: SlackChannel;

  constructor(slack: SlackChannel | SlackChannelOptions) {
    this.slack = slack instanceof SlackChannel ? slack : new SlackChannel(slack);
    this.channel = `slack:${this.slack.name}`;
  }

  /** Posts the notice as one Slack message. @throws DeliveryError when it cannot be delivered. */
  async send(notice: Notice): Promise<void> {
    await this.slack.send(slackNotice(notice));
  }
}

/** Notices to an SNS topic: JSON body, attributes `kind` and `level` for subscription filters. */
export class SnsNoticeSink implements NoticeSink {
  readonly channel = 'sns';
  private readonly publisher: SnsPublisher;

  constructor(topicArn: string, client: SNSClient | SNSClientConfig = {}) {
    this.publisher = new SnsPublisher(topicArn, client);
  }

  /** Publishes the notice. @throws DeliveryError when it cannot be delivered. */
  async send(notice: Notice): Promise<void> {
    const { subject, message, attributes } = snsNotice(notice);
    await this.publisher.publish({
      subject,
      message,
      attributes: Object.fromEntries(
        Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
      ),
    });
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
