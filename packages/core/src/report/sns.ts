import type { AuditReport } from '../audit';
import { failing } from '../audit';
import { countBySeverity } from './summary';

/** SNS limits: Subject ≤ 100 printable ASCII characters; messages ≤ 256 KiB. */
export const SNS_LIMITS = { subject: 100, messageBytes: 262_144 } as const;

export interface SnsMessage {
  subject: string;
  message: string;
}

/**
 * The audit as an SNS message: a short ASCII subject, and a JSON body (machine-readable for subscribers, e.g. a
 * Lambda or an HTTPS endpoint) that lists the failing findings; cut to fit the 256 KiB limit.
 */
export function snsMessage(report: AuditReport): SnsMessage {
  const fails = failing(report);
  const counts = countBySeverity(fails)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const status = report.outcome.status;
  const none =
    status === 'complete' ? 'no findings' : `${report.brokersAudited} brokers audited, nothing failed`;
  const subject = `mqops audit${status === 'complete' ? '' : ` ${status.toUpperCase()}`}: ${counts || none}`
    .replace(/[^\x20-\x7e]/g, '')
    .slice(0, SNS_LIMITS.subject);
  const body = {
    source: 'mqops',
    kind: 'audit',
    trigger: report.trigger,
    finishedAt: report.finishedAt,
    brokersAudited: report.brokersAudited,
    /** complete, partial or failed; with what was not covered and why. */
    outcome: report.outcome.status,
    notAudited: report.outcome.gaps,
    findings: fails.map((f) => ({
      severity: f.severity,
      checkId: f.checkId,
      brokerId: f.broker.id,
      brokerName: f.broker.name,
      brokerArn: f.broker.arn,
      message: f.message,
      ...(f.lifecycle ? { lifecycle: f.lifecycle } : {}),
    })),
    // What changed since the last run: the fingerprints in each list of the diff (new, stillOpen, fixed, gone, …).
    ...(report.diff
      ? {
          since: Object.fromEntries(
            Object.entries(report.diff).map(([list, items]) => [
              list,
              (items as { fingerprint: string }[]).map((f) => f.fingerprint),
            ]),
          ) as Record<string, string[]>,
        }
      : {}),
    suppressed: report.results
      .filter((f) => f.status === 'FAIL' && f.suppressed)
      .map((f) => ({ fingerprint: f.fingerprint, ...f.suppressed })),
    truncated: 0,
  };
  let message = JSON.stringify(body);
  while (Buffer.byteLength(message) > SNS_LIMITS.messageBytes && body.findings.length > 0) {
    const drop = Math.max(1, Math.ceil(body.findings.length / 10));
    body.findings = body.findings.slice(0, body.findings.length - drop);
    body.truncated += drop;
    message = JSON.stringify(body);
  }
  // Still too big (a huge fleet not audited, thousands suppressed): keep the first 100 of every other list, counted.
  if (Buffer.byteLength(message) > SNS_LIMITS.messageBytes) {
    const cut = <T>(list: T[]): T[] => {
      body.truncated += Math.max(0, list.length - 100);
      return list.slice(0, 100);
    };
    body.notAudited = cut(body.notAudited);
    body.suppressed = cut(body.suppressed);
    const since = (body as { since?: Record<string, unknown> }).since;
    for (const [key, value] of Object.entries(since ?? {}))
      if (Array.isArray(value) && since) since[key] = cut(value);
    message = JSON.stringify(body);
  }
  return { subject, message };
}
