import {
  type MessageAttributeValue,
  PublishCommand,
  SNSClient,
  type SNSClientConfig,
} from '@aws-sdk/client-sns';
import { type AuditReport, DeliveryError, type Notifier, snsMessage } from '@mqops/core';
import type { Channel } from '@mqops/core/ports';

/** One SNS message: a short ASCII subject, a body, and string attributes for subscription filters. */
export interface SnsPublication {
  subject: string;
  message: string;
  attributes?: Record<string, MessageAttributeValue>;
}

/**
 * Publishes messages to one SNS topic; failures become DeliveryError naming the topic (never the message). The
 * notifier port for rendered SNS messages (`send`).
 */
export class SnsPublisher implements Channel<SnsPublication> {
  readonly channel = 'sns';
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

  /** {@link publish}, as the notifier port. */
  async send(publication: SnsPublication): Promise<void> {
    await this.publish(publication);
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
