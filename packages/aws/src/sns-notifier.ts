import {
  type MessageAttributeValue,
  PublishCommand,
  SNSClient,
  type SNSClientConfig,
} from '@aws-sdk/client-sns';
import { type AuditReport, DeliveryError, type Notifier, snsMessage } from '@mqops/core';

/** One SNS message: a short ASCII subject, a body, and string attributes for subscription filters. */
export interface SnsPublication {
  subject: string;
  message: string;
  attributes?: Record<string, MessageAttributeValue>;
}

/** Publishes messages to one SNS topic; failures become DeliveryError naming the topic (never the message). */
export class SnsPublisher {
  private readonly client: SNSClient;

  constructor(
    readonly topicArn: string,
    client: SNSClient | SNSClientConfig = {},
  ) {
    this.client = client instanceof SNSClient ? client : new SNSClient(client);
  }

  async publish({ subject, message, attributes }: SnsPublication): Promise<string | undefined> {
    try {
      const { MessageId } = await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subject,
          Message: message,
          ...(attributes ? { MessageAttributes: attributes } : {}),
        }),
      );
      return MessageId;
    } catch (error) {
      throw new DeliveryError('sns', `publish to ${this.topicArn} failed: ${(error as Error).name}`, {
        cause: error,
      });
    }
  }
}

/** Publishes audit reports to an SNS topic (JSON body, short ASCII subject). */
export class SnsNotifier implements Notifier {
  readonly channel = 'sns';
  private readonly publisher: SnsPublisher;

  constructor(topicArn: string, client: SNSClient | SNSClientConfig = {}) {
    this.publisher = new SnsPublisher(topicArn, client);
  }

  async send(report: AuditReport): Promise<void> {
    const { subject, message } = snsMessage(report);
    await this.publisher.publish({
      subject,
      message,
      attributes: { kind: { DataType: 'String', StringValue: 'audit' } },
    });
  }
}
