import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { DynamoKeyValueStore } from '@mqops/aws/dynamodb-kv';
import { noticeSinksFromEnv } from '@mqops/aws/notice-sinks';
import { type KeyValueStore, MqopsError, type NoticeSink } from '@mqops/core';
import { outcomeOf } from '@mqops/core/outcome';
import { type AllRunbookPorts, RUNBOOKS } from '@mqops/core/runbooks/index';
import { parseRunbookRequest, type RunRecord, runRunbook } from '@mqops/core/runbooks/run';
import { optionalEnv } from './lib/config';
import { emitJobOutcome, emitMetrics } from './lib/job-metric';
import { countFailures, selfTarget } from './lib/job-outcome';
import { createLogger } from './lib/logger';

const logger = createLogger('mqops-runbook');

/**
 * The adapters one runbook needs, loaded only for it (`await import`): an audit-now never loads the Secrets Manager
 * or S3 clients, a rotate-now never loads the audit's.
 */
export async function portsFor(runbook: string): Promise<AllRunbookPorts> {
  switch (runbook) {
    case 'audit-now': {
      // The deployed Audit function audits (and reports) as on its schedule: this function carries none of its code.
      const [{ LambdaAuditPort }, { MqBrokerInventory }] = await Promise.all([
        import('@mqops/aws/lambda-audit'),
        import('@mqops/aws/mq-inventory'),
      ]);
      const auditFunction = optionalEnv('MQOPS_AUDIT_FUNCTION');
      if (!auditFunction)
        throw new MqopsError('MQOPS_AUDIT_FUNCTION is not set: audit-now invokes the Audit function');
      return { inventory: new MqBrokerInventory(), audit: new LambdaAuditPort(auditFunction) };
    }
    case 'rotate-now': {
      const { SecretsRotationControl } = await import('@mqops/aws/rotation-control');
      return { rotation: new SecretsRotationControl() };
    }
    case 'resize-now':
    case 'safe-reboot': {
      const { resizeRuntime } = await import('./lib/resize-runtime');
      const plans = resizeRuntime();
      return { plans, control: plans.control, alarms: plans.alarms, probe: plans.probe };
    }
    case 'backup-config':
    case 'restore-config': {
      const [{ MqBackupSource, S3BackupStore }, { MqBrokerInventory }] = await Promise.all([
        import('@mqops/aws/config-backup'),
        import('@mqops/aws/mq-inventory'),
      ]);
      const bucket = optionalEnv('MQOPS_BACKUP_BUCKET');
      if (!bucket)
        throw new MqopsError("MQOPS_BACKUP_BUCKET is not set: backups go to the stack's Backups bucket");
      return {
        inventory: new MqBrokerInventory(),
        backup: { source: new MqBackupSource(), store: new S3BackupStore(bucket) },
      };
    }
    default:
      return {};
  }
}

export interface RunbookOptions {
  now?: () => Date;
  /** The ports (tests); default {@link portsFor}. */
  ports?: (runbook: string) => Promise<AllRunbookPorts>;
  store?: () => KeyValueStore;
  sinks?: () => readonly NoticeSink[];
}

/**
 * The Runbook function, invoked by hand (`aws lambda invoke`, the console, `mqops run --invoke`):
 * `{"runbook": "safe-reboot", "payload": {"brokerId": "b-…"}, "execute": true, "by": "arn:…"}`. A dry run unless
 * `execute` is true. Unknown runbooks and bad or oversized payloads are refused (a bounded InvalidInputError naming the
 * valid ones) before anything is built, called or written: a refused request leaves no trail record (run.ts).
 * Every run is kept in the trail (the state table) and posted to Slack and SNS, and writes its outcome as a metric
 * (`Job` = `runbook`): failed for a failed run, else complete (a refusal is a guard's answer). A failed run is
 * returned, not thrown: the record is the answer to the person who asked, and a retry must not repeat an operation.
 */
export function createRunbook(options: RunbookOptions = {}) {
  return async function runbook(event: unknown): Promise<RunRecord> {
    // The edge: a bad request is refused here, before any client, port or store is built.
    const { definition } = parseRunbookRequest(event, RUNBOOKS);
    const table = optionalEnv('MQOPS_STATE_TABLE');
    if (!options.store && !table)
      throw new MqopsError('MQOPS_STATE_TABLE is not set: runbooks keep their trail there');
    const store = options.store?.() ?? new DynamoKeyValueStore(table as string);
    const record = await runRunbook(event, {
      runbooks: RUNBOOKS,
      ports: await (options.ports ?? portsFor)(definition.name),
      store,
      sinks: options.sinks?.() ?? noticeSinksFromEnv(),
      ...(options.now ? { now: options.now } : {}),
    });
    logger.info('runbook run', {
      id: record.id,
      runbook: record.runbook,
      by: record.by,
      dryRun: record.dryRun,
      status: record.status,
      summary: record.summary,
      brokers: record.brokers,
    });
    const gap = {
      target: selfTarget(),
      ...(record.brokers[0] ? { broker: record.brokers.join(', ') } : {}),
      check: record.runbook || 'runbook',
      reason: record.summary,
    };
    emitJobOutcome('runbook', record.status === 'failed' ? outcomeOf(0, [gap], true) : outcomeOf(1, []));
    // Runs that acted (not dry runs, not refusals): a runbook is a manual change to production, and worth counting.
    emitMetrics('runbook', { RunbooksRun: +(!record.dryRun && record.status !== 'refused') });
    return record;
  };
}

export const handler = middy(createRunbook())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(countFailures('runbook'));
