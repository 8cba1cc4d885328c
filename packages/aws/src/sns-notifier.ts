import { PublishCommand, SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import { type AuditReport, DeliveryError, type Notifier, snsMessage } from '@mqops/core';

/** Publishes audit reports to an SNS topic (JSON body, short ASCII subject). */
export class SnsNotifier implements Notifier {
  readonly channel = 'sns';
  private readonly client: SNSClient;

  constructor(
    private readonly topicArn: string,
    client: SNSClient | SNSClientConfig = {},
  ) {
    this.client = client instanceof SNSClient ? client : new SNSClient(client);
  }

  async send(report: AuditReport): Promise<void> {
    const { subject, message } = snsMessage(report);
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subject,
          Message: message,
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'audit' } },
        }),
      );
    } catch (error) {
      throw new DeliveryError('sns', `publish to ${this.topicArn} failed: ${(error as Error).name}`, {
        cause: error,
      });
    }
  }
}
