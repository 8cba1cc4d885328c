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
  const subject = `mqops audit: ${counts || 'no findings'}`
    .replace(/[^\x20-\x7e]/g, '')
    .slice(0, SNS_LIMITS.subject);
  const body = {
    source: 'mqops',
    kind: 'audit',
    trigger: report.trigger,
    finishedAt: report.finishedAt,
    brokersAudited: report.brokersAudited,
    findings: fails.map((f) => ({
      severity: f.severity,
      checkId: f.checkId,
      brokerId: f.broker.id,
      brokerName: f.broker.name,
      brokerArn: f.broker.arn,
      message: f.message,
    })),
    truncated: 0,
  };
  let message = JSON.stringify(body);
  while (Buffer.byteLength(message) > SNS_LIMITS.messageBytes && body.findings.length > 0) {
    const drop = Math.max(1, Math.ceil(body.findings.length / 10));
    body.findings = body.findings.slice(0, body.findings.length - drop);
    body.truncated += drop;
    message = JSON.stringify(body);
  }
  return { subject, message };
}
