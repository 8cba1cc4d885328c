import { defineCheck, fail, pass } from '../../check';
import { ENGINE_NAMES, engineSupport, isoDay } from '../../engine-support';

const DAY_MS = 86_400_000;

/** Early warning: an upgrade planned before the end-of-support date is one you schedule, not one AWS forces. */
export const mqEngineEndOfSupportSoon = defineCheck({
  id: 'mq-engine-end-of-support-soon',
  title: 'Broker engine version is not about to reach end of support',
  severity: 'LOW',
  rationale:
    'Amazon MQ announces an end of support at least 90 days ahead, stops creating brokers on the version 30 days ' +
    'before the date, and afterwards upgrades remaining brokers in their maintenance window within 45 days. ' +
    'Upgrading before the date lets you test clients and choose the time; the warning period is ' +
    '`endOfSupportWarningDays` in the audit policy.',
  remediation:
    'Plan the upgrade now: test clients against a supported version (ActiveMQ 5.18 or 5.19; RabbitMQ 3.13 or 4.2), ' +
    'then `aws mq update-broker --broker-id ID --engine-version VERSION` and reboot or wait for the maintenance ' +
    'window. CloudFormation `EngineVersion`, Terraform `engine_version`.',
  evaluate: ({ broker }, { now, policy }) => {
    const running = `${ENGINE_NAMES[broker.engine]} ${broker.engineVersion}`;
    const support = engineSupport(broker.engine, broker.engineVersion);
    const end = support.endOfSupport;
    if (!support.known)
      return pass(`Broker ${broker.name} runs ${running}, which is not in mqops' support calendar.`);
    if (!end) return pass(`Broker ${broker.name} runs ${running}, which has no end of support announced.`);
    if (now >= end)
      return pass(
        `Broker ${broker.name} runs ${running}, already past its end of support on ${isoDay(end)} (reported by mq-engine-end-of-support).`,
      );
    const daysLeft = Math.ceil((end.getTime() - now.getTime()) / DAY_MS);
    if (daysLeft > policy.endOfSupportWarningDays)
      return pass(
        `Broker ${broker.name} runs ${running}, supported until ${isoDay(end)} (${daysLeft} days, beyond the ${policy.endOfSupportWarningDays}-day warning period).`,
      );
    const pending = broker.pending.engineVersion
      ? ` (an upgrade to ${broker.pending.engineVersion} is pending)`
      : '';
    return fail(
      `Broker ${broker.name} runs ${running}, whose support on Amazon MQ ends on ${isoDay(end)}, in ${daysLeft} ${daysLeft === 1 ? 'day' : 'days'}${pending}.`,
    );
  },
});
