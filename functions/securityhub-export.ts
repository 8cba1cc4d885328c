import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { SecurityHubExporter } from '@mqops/aws/securityhub';
import { SecurityHubReports } from '@mqops/aws/securityhub-reports';
import { ConfigurationError } from '@mqops/core/errors';
import { refusal } from '@mqops/core/limits';
import { errorText } from '@mqops/core/notices';
import { outcomeOf } from '@mqops/core/outcome';
import { type AsffInput, toAsff } from '@mqops/core/report/asff';
import { parseSecurityHubExportEvent } from '@mqops/core/report/asff-handover';
import { optionalEnv } from './lib/config';
import { countFailures, endJob, type JobSummary, jobSummary, selfTarget } from './lib/job-outcome';
import { createLogger } from './lib/logger';
import { refuseToDeadLetters } from './lib/refuse';

const logger = createLogger('mqops-securityhub');

/** The job name of its outcome metric and its refusals. */
const JOB = 'securityhub';

/** Failed findings logged one by one (the rest are counted). */
const LOGGED_FAILURES = 20;

/** What an export returns: its outcome, the findings Security Hub imported and those it did not. */
export interface SecurityHubExportResult extends JobSummary {
  key: string;
  /** Findings in the report. */
  findings: number;
  imported: number;
  failed: number;
}

/** The adapters (tests pass their own). */
export interface SecurityHubExportDeps {
  reports: SecurityHubReports;
  exporter: SecurityHubExporter;
}

let defaults: SecurityHubExportDeps | undefined;

/** The real adapters, made once per container (the SDK clients read the standard AWS configuration). */
function defaultDeps(): SecurityHubExportDeps {
  defaults ??= { reports: new SecurityHubReports(), exporter: new SecurityHubExporter() };
  return defaults;
}

/** The report the audit stored, checked for what `toAsff` reads. @throws InvalidInputError when it is not one. */
function storedReport(text: string, key: string): AsffInput {
  let report: Partial<AsffInput> | null = null;
  try {
    report = JSON.parse(text) as Partial<AsffInput> | null;
  } catch {
    // Refused below.
  }
  if (
    typeof report?.finishedAt !== 'string' ||
    !Array.isArray(report.results) ||
    (report.diff !== undefined && !Array.isArray(report.diff?.gone))
  )
    throw refusal(`${key} is not an audit report handed over by the Audit function`);
  return report as AsffInput;
}

/**
 * Imports an audit's results into AWS Security Hub: invoked asynchronously by the Audit function with the report it
 * stored in the state bucket (`{ bucket, key }`, key `mqops/securityhub/<audit invocation id>.json`), it reads the
 * report, converts it to ASFF findings (`toAsff`) and imports them (BatchImportFindings on the account's default
 * product), then deletes the report. Its outcome: complete when every finding was imported, partial when some
 * were not (each a gap, its first ones logged), failed when none of a non-empty report was (thrown, so Lambda retries
 * it, and the report is kept for the retries and the dead letter).
 *
 * Refused (InvalidInputError, no call at all): an event that is not `{ bucket, key }` with the function's own state
 * bucket and a key under `mqops/securityhub/`. A report that is no longer there (a second delivery of an event
 * already done) is nothing to do. A stored object that is not a report, or is over 64 MiB (securityhub-reports.ts), is
 * refused after reading it (or its size).
 *
 * @throws ConfigurationError without MQOPS_STATE_BUCKET; JobFailedError when nothing was imported.
 */
export async function securityHubExport(
  event: unknown,
  deps: SecurityHubExportDeps = defaultDeps(),
): Promise<SecurityHubExportResult> {
  const stateBucket = optionalEnv('MQOPS_STATE_BUCKET');
  if (!stateBucket) throw new ConfigurationError('MQOPS_STATE_BUCKET is not set');
  const { bucket, key } = parseSecurityHubExportEvent(event, stateBucket);
  const text = await deps.reports.read(bucket, key);
  if (text === undefined) {
    logger.info('report already exported: nothing to do', { key });
    const none = outcomeOf(0, []);
    return endJob(JOB, none, { ...jobSummary(none), key, findings: 0, imported: 0, failed: 0 });
  }
  const findings = toAsff(storedReport(text, key));
  const { imported, failed } = await deps.exporter.export(findings);
  for (const failure of failed.slice(0, LOGGED_FAILURES))
    logger.warn('Security Hub refused a finding', { ...failure });
  const outcome = outcomeOf(
    imported,
    failed.map((f) => ({ target: selfTarget(), check: f.id, reason: `${f.code}: ${f.message}` })),
    false,
    imported > 0 || findings.length === 0,
  );
  if (outcome.status !== 'failed') {
    // Done with: a partial import's failures would fail again the same way. A report not deleted is harmless.
    try {
      await deps.reports.delete(bucket, key);
    } catch (error) {
      logger.warn('report not deleted', { key, error: errorText(error) });
    }
  }
  const result = endJob(JOB, outcome, {
    ...jobSummary(outcome),
    key,
    findings: findings.length,
    imported,
    failed: failed.length,
  });
  logger.info('Security Hub export finished', { ...result, notCovered: undefined });
  return result;
}

export const handler = middy((event: unknown) => securityHubExport(event))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(countFailures(JOB))
  .use(refuseToDeadLetters(JOB));
