import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { AuditState, Snapshot, StateStore } from '@mqops/core';
import { MqopsError } from '@mqops/core';

/**
 * Keeps the audit state as one JSON object in S3, written conditionally: `If-None-Match: *` for the first save,
 * `If-Match: <ETag it read>` after, so an overlapping audit's save is never overwritten (S3 answers 412
 * PreconditionFailed, or 409 ConditionalRequestConflict while another conditional write of the key is in flight).
 */
export class S3StateStore implements StateStore {
  private readonly client: S3Client;

  constructor(
    private readonly bucket: string,
    private readonly key = 'mqops/audit-state.json',
    client: S3Client | S3ClientConfig = {},
  ) {
    this.client = client instanceof S3Client ? client : new S3Client(client);
  }

  async read(): Promise<Snapshot<AuditState, string> | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key }));
      const text = (await response.Body?.transformToString()) ?? '';
      const state = JSON.parse(text) as AuditState;
      if (state.version !== 1) throw new MqopsError(`s3://${this.bucket}/${this.key}: unknown state version`);
      if (!response.ETag) throw new MqopsError(`s3://${this.bucket}/${this.key}: S3 returned no ETag`);
      return { value: state, version: response.ETag };
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  async write(state: AuditState, expected: string | undefined): Promise<boolean> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key,
          Body: JSON.stringify(state),
          ContentType: 'application/json',
          ...(expected === undefined ? { IfNoneMatch: '*' } : { IfMatch: expected }),
        }),
      );
      return true;
    } catch (error) {
      if (lostRace(error)) return false;
      throw error;
    }
  }
}

/** S3's answers to a conditional write that another writer beat: the object changed, appeared or went away. */
export function lostRace(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  const status = error.$metadata.httpStatusCode;
  return (
    error.name === 'PreconditionFailed' ||
    error.name === 'ConditionalRequestConflict' ||
    error.name === 'NoSuchKey' ||
    status === 412 ||
    status === 409
  );
}
