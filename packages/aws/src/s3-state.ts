import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { AuditState, StateStore } from '@mqops/core';
import { MqopsError } from '@mqops/core';

/** Keeps the audit state as one JSON object in S3. */
export class S3StateStore implements StateStore {
  private readonly client: S3Client;

  constructor(
    private readonly bucket: string,
    private readonly key = 'mqops/audit-state.json',
    client: S3Client | S3ClientConfig = {},
  ) {
    this.client = client instanceof S3Client ? client : new S3Client(client);
  }

  async load(): Promise<AuditState | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key }));
      const text = (await response.Body?.transformToString()) ?? '';
      const state = JSON.parse(text) as AuditState;
      if (state.version !== 1) throw new MqopsError(`s3://${this.bucket}/${this.key}: unknown state version`);
      return state;
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  async save(state: AuditState): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key,
        Body: JSON.stringify(state),
        ContentType: 'application/json',
      }),
    );
  }
}
