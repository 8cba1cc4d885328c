import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { AsffInput } from '@mqops/core/report/asff';
import { securityHubExportKey } from '@mqops/core/report/asff-handover';
import { lostRace } from './s3-state';

/** What {@link queueSecurityHubExport} did: the report's key, and whether the SecurityHub function was invoked. */
export interface SecurityHubHandover {
  queued: boolean;
  key: string;
}

/**
 * Hands an audit's results to the SecurityHub function (functions/securityhub-export.ts), so the Audit function
 * carries neither the ASFF conversion nor the Security Hub client: writes what `toAsff` reads of the report to the
 * state bucket at `mqops/securityhub/<id>.json` (`If-None-Match: *`: never over a report already handed over), then
 * invokes the function asynchronously with `{ bucket, key }`. A report already there for this id (a retry of the same
 * invocation) is left as it is and not queued again.
 * IAM: `s3:PutObject` on the key, `lambda:InvokeFunction` on the SecurityHub function.
 *
 * @param to the state bucket, the SecurityHub function's name, the audit invocation's id
 * @throws the S3 or Lambda error of a call that failed (but a lost conditional write).
 */
export async function queueSecurityHubExport(
  report: AsffInput,
  to: { bucket: string; functionName: string; id: string },
  s3: S3Client = new S3Client({}),
  lambda: LambdaClient = new LambdaClient({}),
): Promise<SecurityHubHandover> {
  const key = securityHubExportKey(to.id);
  const compact: AsffInput = { finishedAt: report.finishedAt, results: report.results };
  if (report.diff) compact.diff = { gone: report.diff.gone };
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: to.bucket,
        Key: key,
        Body: JSON.stringify(compact),
        ContentType: 'application/json',
        IfNoneMatch: '*',
      }),
    );
  } catch (error) {
    if (lostRace(error)) return { queued: false, key };
    throw error;
  }
  await lambda.send(
    new InvokeCommand({
      FunctionName: to.functionName,
      InvocationType: 'Event',
      Payload: new TextEncoder().encode(JSON.stringify({ bucket: to.bucket, key })),
    }),
  );
  return { queued: true, key };
}
