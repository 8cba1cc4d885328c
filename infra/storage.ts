import type { BucketSpec } from './types';

/** Where the audit keeps the last run's open findings, so reports can say what is new and what got fixed. */
export const stateBucket: BucketSpec = {
  name: 'AuditState',
  description: 'mqops state between runs (audit-state.json)',
};
