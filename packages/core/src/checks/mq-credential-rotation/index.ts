import { defineCheck, fail, pass } from '../../check';
import type { CredentialFacts } from '../../facts';

const DAY_MS = 86_400_000;

/** The date the credential last got a new value, and what happened then. */
function lastRenewal(secret: CredentialFacts): { at: Date; what: string } | undefined {
  if (secret.lastRotated) return { at: secret.lastRotated, what: 'rotated' };
  if (secret.lastChanged) return { at: secret.lastChanged, what: 'changed' };
  if (secret.created) return { at: secret.created, what: 'created' };
  return undefined;
}

/** Whole days from `from` to `now` (0 for a date in the future). */
export function daysBetween(from: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - from.getTime()) / DAY_MS));
}

/** What is wrong with one secret under a maximum age, or nothing. */
function problems(secret: CredentialFacts, now: Date, maxDays: number): string[] {
  const found: string[] = [];
  if (!secret.rotationEnabled) found.push('rotation off');
  else if (secret.rotationDays !== undefined && secret.rotationDays > maxDays)
    found.push(`rotates every ${secret.rotationDays} days`);
  const renewal = lastRenewal(secret);
  if (renewal) {
    const age = daysBetween(renewal.at, now);
    if (age > maxDays) found.push(`${renewal.what} ${age} days ago`);
  }
  return found;
}

/** A broker password that never changes stays valid for whoever copied it once. */
export const mqCredentialRotation = defineCheck({
  id: 'mq-credential-rotation',
  title: 'Broker credentials in Secrets Manager rotate automatically and are recent',
  severity: 'MEDIUM',
  rationale:
    'Broker users authenticate with long-lived passwords; a password that is never rotated keeps working for ' +
    'every former employee, laptop and log line that ever held it. The check reads the secrets tagged ' +
    '`mqops:broker` and fails when rotation is off or the value is older than the policy allows ' +
    '(maxCredentialAgeDays), measured from the last rotation, else the last change, else creation.',
  remediation:
    'Turn rotation on: `aws secretsmanager rotate-secret --secret-id ARN --rotation-lambda-arn FUNCTION ' +
    '--rotation-rules AutomaticallyAfterDays=30` (or use the mqops rotation function); rotate a stale secret now ' +
    'with `aws secretsmanager rotate-secret --secret-id ARN`. The rotation must also set the password on the broker ' +
    '(`aws mq update-user --password`, applied at the next reboot, for ActiveMQ). In CloudFormation use ' +
    '`AWS::SecretsManager::RotationSchedule`; in Terraform `aws_secretsmanager_secret_rotation`.',
  needs: ['credentials'],
  controls: { securityHub: 'SecretsManager.4', awsConfig: 'secretsmanager-secret-periodic-rotation' },
  evaluate: ({ broker, credentials = [] }, { policy, now }) => {
    const max = policy.maxCredentialAgeDays;
    if (credentials.length === 0) {
      return pass(`Broker ${broker.name} has no credential secrets tagged mqops:broker to check.`);
    }
    const bad = credentials
      .map((secret) => ({ secret, found: problems(secret, now, max) }))
      .filter((e) => e.found.length > 0);
    if (bad.length > 0) {
      const list = bad.map((e) => `${e.secret.name} (${e.found.join(', ')})`).join('; ');
      return fail(
        `Broker ${broker.name} has credential secrets out of the ${max}-day rotation policy: ${list}.`,
      );
    }
    return pass(
      `Broker ${broker.name} has ${credentials.length} credential secrets that rotate automatically within ${max} days.`,
    );
  },
});
