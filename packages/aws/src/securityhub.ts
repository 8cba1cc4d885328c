import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  SecurityHubClient,
  type SecurityHubClientConfig,
} from '@aws-sdk/client-securityhub';
import { ASFF_LIMITS } from '@mqops/core';

/** A finding Security Hub did not import, and why. */
export interface FailedFinding {
  id: string;
  /** Security Hub's per-finding ErrorCode (`InvalidInput`, …), or the error name of a call that failed. */
  code: string;
  message: string;
}

/** What {@link SecurityHubExporter.export} did. */
export interface SecurityHubExportResult {
  /** Findings Security Hub accepted. */
  imported: number;
  failed: FailedFinding[];
}

/** Options of {@link SecurityHubExporter}. */
export interface SecurityHubExporterOptions {
  /** Findings per BatchImportFindings call; at most (and by default) 100, Security Hub's limit. */
  batchSize?: number;
  /**
   * Rounds of re-sending the findings Security Hub answered with a transient per-finding error (throttling, an
   * internal error); default 2. Throttled calls are retried by the SDK client itself.
   */
  retries?: number;
  /** Pause before the first retry round, doubled each round; default 1,000 ms. */
  retryDelayMs?: number;
  /** How to wait (tests pass a no-op). */
  sleep?: (ms: number) => Promise<void>;
}

/** Per-finding error codes worth sending the finding again for. */
const TRANSIENT_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'InternalException',
  'InternalServerException',
  'ServiceUnavailable',
]);

const bytesOf = (finding: AwsSecurityFinding) => Buffer.byteLength(JSON.stringify(finding));

/**
 * Sends findings in the AWS Security Finding Format to AWS Security Hub with BatchImportFindings: batches of at
 * most 100 findings and 6 MB, findings over 240 KB refused before sending, per-finding failures collected (and
 * transient ones sent again), a failed call recorded against its findings without stopping the other batches.
 * With the default product ARN, Security Hub takes only findings whose AwsAccountId is the caller's account: use
 * one exporter (client) per account.
 *
 * @example
 * const exporter = new SecurityHubExporter({ region: 'us-east-1' });
 * const { imported, failed } = await exporter.export(toAsff(report));
 */
export class SecurityHubExporter {
  private readonly client: SecurityHubClient;
  private readonly batchSize: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    client: SecurityHubClient | SecurityHubClientConfig = {},
    options: SecurityHubExporterOptions = {},
  ) {
    this.client = client instanceof SecurityHubClient ? client : new SecurityHubClient(client);
    this.batchSize = Math.max(
      1,
      Math.min(options.batchSize ?? ASFF_LIMITS.findingsPerBatch, ASFF_LIMITS.findingsPerBatch),
    );
    this.retries = Math.max(0, options.retries ?? 2);
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Imports the findings; never throws for a failed call or finding: they are returned in `failed`. */
  async export(findings: readonly AwsSecurityFinding[]): Promise<SecurityHubExportResult> {
    const failed: FailedFinding[] = [];
    let imported = 0;
    let pending: AwsSecurityFinding[] = [];
    for (const finding of findings) {
      const bytes = bytesOf(finding);
      if (bytes > ASFF_LIMITS.findingBytes) {
        failed.push({
          id: finding.Id ?? '',
          code: 'FindingTooLarge',
          message: `finding is ${bytes} bytes; Security Hub takes at most ${ASFF_LIMITS.findingBytes}`,
        });
      } else pending.push(finding);
    }

    for (let round = 0; pending.length > 0; round++) {
      if (round > 0) await this.sleep(this.retryDelayMs * 2 ** (round - 1));
      const again: AwsSecurityFinding[] = [];
      for (const batch of this.batches(pending)) {
        const outcome = await this.importBatch(batch);
        imported += outcome.imported;
        const byId = new Map(batch.map((f) => [f.Id ?? '', f]));
        for (const failure of outcome.failed) {
          const finding = byId.get(failure.id);
          if (finding && round < this.retries && TRANSIENT_CODES.has(failure.code)) again.push(finding);
          else failed.push(failure);
        }
      }
      pending = again;
    }
    return { imported, failed };
  }

  /** Splits findings into batches within the count and size limits of one call. */
  private *batches(findings: readonly AwsSecurityFinding[]): Generator<AwsSecurityFinding[]> {
    let batch: AwsSecurityFinding[] = [];
    let bytes = 0;
    for (const finding of findings) {
      const size = bytesOf(finding) + 1;
      if (batch.length > 0 && (batch.length >= this.batchSize || bytes + size > ASFF_LIMITS.batchBytes)) {
        yield batch;
        batch = [];
        bytes = 0;
      }
      batch.push(finding);
      bytes += size;
    }
    if (batch.length > 0) yield batch;
  }

  private async importBatch(batch: AwsSecurityFinding[]): Promise<SecurityHubExportResult> {
    try {
      const out = await this.client.send(new BatchImportFindingsCommand({ Findings: batch }));
      return {
        imported: out.SuccessCount ?? 0,
        failed: (out.FailedFindings ?? []).map((f) => ({
          id: f.Id ?? '',
          code: f.ErrorCode ?? 'Unknown',
          message: f.ErrorMessage ?? '',
        })),
      };
    } catch (error) {
      // The SDK has already retried throttling and server errors; what is left fails the whole batch.
      const code = error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? error.message : String(error);
      return { imported: 0, failed: batch.map((f) => ({ id: f.Id ?? '', code, message })) };
    }
  }
}
