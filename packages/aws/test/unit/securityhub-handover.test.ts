import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { queueSecurityHubExport } from '../../src/securityhub-handover';

const s3 = mockClient(S3Client);
const lambda = mockClient(LambdaClient);
const TO = { bucket: 'mqops-state', functionName: 'mqops-prod-SecurityHub', id: 'req-1' };
const REPORT = {
  finishedAt: '2026-12-01T06:00:00.000Z',
  results: [{ fingerprint: 'mq-a/arn' } as never],
  diff: { gone: [], new: [{ fingerprint: 'x' }], fixed: [] } as never,
  brokers: [{ id: 'b-1' }],
  notified: ['slack'],
};

beforeEach(() => {
  s3.reset();
  lambda.reset();
});

describe('queueSecurityHubExport: the Audit function hands its report to the SecurityHub function', () => {
  it('stores the compact report under mqops/securityhub/ once, then invokes the function asynchronously', async () => {
    // prepare
    s3.on(PutObjectCommand).resolves({});
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    // act
    const result = await queueSecurityHubExport(REPORT, TO, new S3Client({}), new LambdaClient({}));
    // assess
    expect(result).toEqual({ queued: true, key: 'mqops/securityhub/req-1.json' });
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      Bucket: 'mqops-state',
      Key: 'mqops/securityhub/req-1.json',
      IfNoneMatch: '*',
    });
    expect(JSON.parse(String(put?.Body))).toEqual({
      finishedAt: REPORT.finishedAt,
      results: REPORT.results,
      diff: { gone: [] },
    });
    const invoke = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(invoke).toMatchObject({ FunctionName: 'mqops-prod-SecurityHub', InvocationType: 'Event' });
    expect(JSON.parse(new TextDecoder().decode(invoke?.Payload as Uint8Array))).toEqual({
      bucket: 'mqops-state',
      key: 'mqops/securityhub/req-1.json',
    });
  });

  it('queues nothing again when the report of this invocation is already there (a retry)', async () => {
    s3.on(PutObjectCommand).rejects(
      new S3ServiceException({
        name: 'PreconditionFailed',
        $fault: 'client',
        $metadata: { httpStatusCode: 412 },
      }),
    );
    const result = await queueSecurityHubExport(REPORT, TO, new S3Client({}), new LambdaClient({}));
    expect(result).toEqual({ queued: false, key: 'mqops/securityhub/req-1.json' });
    expect(lambda.calls()).toHaveLength(0);
  });

  it('keeps the key within the prefix whatever the id', async () => {
    s3.on(PutObjectCommand).resolves({});
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const result = await queueSecurityHubExport(
      REPORT,
      { ...TO, id: '../audit-state' },
      new S3Client({}),
      new LambdaClient({}),
    );
    expect(result.key).toBe('mqops/securityhub/---audit-state.json');
  });

  it('throws when the function cannot be invoked', async () => {
    s3.on(PutObjectCommand).resolves({});
    lambda.on(InvokeCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(queueSecurityHubExport(REPORT, TO, new S3Client({}), new LambdaClient({}))).rejects.toThrow(
      'denied',
    );
  });
});
