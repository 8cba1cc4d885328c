import { defineCheck, fail, pass } from '../../check';
import { isoDay } from '../../engine-support';
import { type Broker, hasPendingChanges } from '../../model';

const DAY_MS = 86_400_000;

/** What waits for a reboot, in words: "instance type mq.m5.xlarge, user changes (app: UPDATE)". */
function describePending(broker: Broker): string {
  const { engineVersion, instanceType, securityGroups, authenticationStrategy, configuration, logs } =
    broker.pending;
  const parts: string[] = [];
  if (engineVersion) parts.push(`engine version ${engineVersion}`);
  if (instanceType) parts.push(`instance type ${instanceType}`);
  if (securityGroups) parts.push(`security groups ${securityGroups.join(', ') || '(none)'}`);
  if (authenticationStrategy) parts.push(`authentication ${authenticationStrategy}`);
  if (configuration) parts.push(`configuration ${configuration.id} revision ${configuration.revision}`);
  if (logs) {
    const settings = Object.entries(logs)
      .filter(([, on]) => on !== undefined)
      .map(([log, on]) => `${log} ${on ? 'on' : 'off'}`);
    parts.push(`logs${settings.length ? ` (${settings.join(', ')})` : ''}`);
  }
  const users = broker.users.filter((u) => u.pendingChange !== undefined);
  if (users.length)
    parts.push(`user changes (${users.map((u) => `${u.username}: ${u.pendingChange}`).join(', ')})`);
  return parts.join(', ') || 'changes';
}

/** Pending changes that linger mean the broker does not run the configuration everybody thinks it does. */
export const mqPendingChangesAge = defineCheck({
  id: 'mq-pending-changes-age',
  title: 'Pending broker changes are applied promptly',
  severity: 'LOW',
  rationale:
    'Changes to security groups, authentication, logs, instance type, configuration revisions and ActiveMQ users ' +
    'wait for a reboot (engine versions and users also for the maintenance window); until then the broker runs ' +
    'the old settings while the console and infrastructure code show the new ones. mqops records when it first ' +
    'saw the pending changes; past `pendingChangeMaxDays` in the audit policy they fail.',
  remediation:
    'Reboot the broker in a quiet period to apply them: `aws mq reboot-broker --broker-id ID` (active/standby and ' +
    'cluster brokers reboot one instance at a time). If a change should not happen, revert it with `aws mq ' +
    'update-broker` first.',
  evaluate: ({ broker }, { now, policy, pendingSince }) => {
    if (!hasPendingChanges(broker)) return pass(`Broker ${broker.name} has no pending changes.`);
    const what = describePending(broker);
    if (!pendingSince) return pass(`Broker ${broker.name} has changes pending, first seen now: ${what}.`);
    // A pendingSince ahead of the clock (skew between runs) counts as just seen.
    const days = Math.floor(Math.max(0, now.getTime() - pendingSince.getTime()) / DAY_MS);
    const since = `for ${days} ${days === 1 ? 'day' : 'days'} (since ${isoDay(pendingSince)})`;
    const limit = policy.pendingChangeMaxDays;
    return days > limit
      ? fail(
          `Broker ${broker.name} has had changes pending ${since}, more than the ${limit}-day limit: ${what}.`,
        )
      : pass(
          `Broker ${broker.name} has had changes pending ${since}, within the ${limit}-day limit: ${what}.`,
        );
  },
});
