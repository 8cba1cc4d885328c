import type { EnvValue, ScopeStatement } from './types';

/**
 * Resources mqops owns or acts on, as IAM scopes the functions share (see FunctionSpec.scopes). Each names what the
 * code really touches, so a function cannot change or read anything else.
 */

/**
 * The CloudWatch alarms mqops owns: every alarm it creates is named `mqops-…` (ALARM_NAME_PREFIX in
 * packages/core/src/alarms/desired.ts), and it only ever changes those.
 */
export const ownedAlarms: EnvValue[] = [{ literal: 'arn:aws:cloudwatch:*:*:alarm:mqops-*' }];

/**
 * Amazon MQ brokers. No tag condition: the Rotate function changes users of (and reboots) the broker a rotated
 * secret names, the resize applies the plans in the state table (auto-planned ones are tagged
 * `mqops:rightsize=auto`, but `mqops rightsize --accept` and the resize-now runbook plan any broker), and the
 * safe-reboot runbook reboots the broker it is given — none of them is limited to brokers carrying a tag, so a tag
 * condition would break them.
 */
export const brokers: EnvValue[] = [{ literal: 'arn:aws:mq:*:*:broker:*' }];

/** Secrets mqops rotates (`mqops/…`, their `masterarn` admin secrets too). */
export const mqopsSecrets: EnvValue[] = [{ literal: 'arn:aws:secretsmanager:*:*:secret:mqops/*' }];

/**
 * The broker credential the audit (and backup-config) logs in with: a secret of any name, tagged `mqops:broker` (the
 * broker) and `mqops:role=audit` (packages/aws/src/secrets-credentials.ts, packages/core/src/sources.ts). Secrets
 * Manager supports `aws:ResourceTag/${TagKey}` on GetSecretValue; a secret without both tags cannot be read.
 */
export const brokerAuditSecrets: ScopeStatement = {
  resources: [{ literal: 'arn:aws:secretsmanager:*:*:secret:*' }],
  condition: {
    StringLike: { 'aws:ResourceTag/mqops:broker': '*' },
    StringEquals: { 'aws:ResourceTag/mqops:role': 'audit' },
  },
};

/**
 * The account's own Security Hub product, where the audit imports its findings (`product/<account id>/default`, the
 * ProductArn of packages/core/src/report/asff.ts).
 */
export const ownSecurityHubProduct: EnvValue[] = [{ literal: 'arn:aws:securityhub:*:*:product/*/default' }];
