import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { refusal } from '@mqops/core/limits';

/** The largest handed-over report read (about 100,000 results); a larger one is refused, not read. */
export const MAX_REPORT_BYTES = 64 * 1024 * 1024;

/**
 * The reports the Audit function hands to the SecurityHub function, in the state bucket (securityhub-handover.ts):
 * read one, delete it once imported.
 * IAM: `s3:GetObject` and `s3:DeleteObject` on `mqops/securityhub/*` of the state bucket.
 */
export class SecurityHubReports {
  private readonly client: S3Client;

  constructor(client: S3Client | S3ClientConfig = {}) {
    this.client = client instanceof S3Client ? client : new S3Client(client);
  }

  /**
   * The report's text; undefined when it is not there (already imported and deleted).
   * @throws InvalidInputError when it is over {@link MAX_REPORT_BYTES} (not read).
   */
  async read(bucket: string, key: string): Promise<string | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if ((object.ContentLength ?? 0) > MAX_REPORT_BYTES) {
        (object.Body as { destroy?: () => void } | undefined)?.destroy?.();
        throw refusal(`${key} is ${object.ContentLength} bytes; at most ${MAX_REPORT_BYTES} are read`);
      }
      return (await object.Body?.transformToString()) ?? '';
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  async delete(bucket: string, key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }
}
