import type { BucketSpec, QueueSpec, TableSpec } from './types';

/** Where the audit keeps the last run's open findings, so reports can say what is new and what got fixed. */
export const stateBucket: BucketSpec = {
  name: 'AuditState',
  description: 'mqops state between runs (audit-state.json)',
};

/** State that outlives one invocation: alert groups, broker states, runbook markers (DynamoDB, TTL on `ttl`). */
export const stateTable: TableSpec = {
  name: 'State',
  description: 'mqops key-value state (pk/sk strings, TTL attribute ttl)',
};

/**
 * Events a function failed on after Lambda's own retries, or refused at once (functions/lib/refuse.ts: the reason in
 * the ErrorMessage attribute), kept for a person to look at: 14 days, SQS's longest, and an alarm on the first message
 * (infra/monitoring.ts).
 */
export const deadLetters: QueueSpec = {
  name: 'DeadLetters',
  description: 'events mqops functions failed on after retries, or refused',
  retentionDays: 14,
};

/** Where backup-config writes (ActiveMQ configurations and users, RabbitMQ definitions), versioned. */
export const backupBucket: BucketSpec = {
  name: 'Backups',
  description: 'mqops configuration backups (backups/<broker>/<time>.json), versioned',
  versioned: true,
};
