import { defineCheck, fail, pass } from '../../check';
import { ENGINE_NAMES, engineSupport, isoDay, knownMinors } from '../../engine-support';

const DAY_MS = 86_400_000;
/** After end of support, Amazon MQ upgrades remaining brokers in a maintenance window within this many days. */
const FORCED_UPGRADE_DAYS = 45;

/**
 * A broker past its engine's end of support gets no fixes and is upgraded by Amazon MQ on its own schedule.
 *
 * A version missing from mqops' calendar passes with a message that says so: it is almost always a version newer
 * than the calendar (failing it would flag every new release until mqops is updated), and DescribeBrokerEngineTypes
 * is the authoritative list anyway. Only a version known to be past its end of support fails.
 */
export const mqEngineEndOfSupport = defineCheck({
  id: 'mq-engine-end-of-support',
  title: 'Broker engine version is supported by Amazon MQ',
  severity: 'HIGH',
  rationale:
    'An engine version past its end of support on Amazon MQ gets no security or bug fixes, and Amazon MQ upgrades ' +
    'every broker still on it in a maintenance window within 45 days of the end-of-support date: an unplanned ' +
    'upgrade (RabbitMQ one minor version at a time) with a reboot, on AWS’s schedule rather than yours.',
  remediation:
    'Upgrade to a supported version (ActiveMQ 5.18 or 5.19; RabbitMQ 3.13 or 4.2 — RabbitMQ one minor version at a ' +
    'time): `aws mq update-broker --broker-id ID --engine-version VERSION`, then `aws mq reboot-broker --broker-id ' +
    'ID` or wait for the maintenance window. CloudFormation `EngineVersion`, Terraform `engine_version`. Test ' +
    'clients against the new version first; `aws mq describe-broker-engine-types` lists what is offered.',
  controls: { awsConfig: 'active-mq-supported-version / rabbit-mq-supported-version' },
  evaluate: ({ broker }, { now }) => {
    const engine = ENGINE_NAMES[broker.engine];
    const support = engineSupport(broker.engine, broker.engineVersion);
    const running = `${engine} ${broker.engineVersion}`;
    if (!support.known) {
      const known = knownMinors(broker.engine);
      return pass(
        `Broker ${broker.name} runs ${running}, which is not in mqops' support calendar (it knows ${engine} ` +
          `${known[0]} to ${known.at(-1)}); check it with aws mq describe-broker-engine-types.`,
      );
    }
    const end = support.endOfSupport;
    if (!end || now < end)
      return pass(
        end
          ? `Broker ${broker.name} runs ${running}, supported until ${isoDay(end)}.`
          : `Broker ${broker.name} runs ${running}, which is supported with no end of support announced.`,
      );
    const deadline = new Date(end.getTime() + FORCED_UPGRADE_DAYS * DAY_MS);
    const forced =
      now < deadline
        ? `Amazon MQ will upgrade it in a maintenance window by ${isoDay(deadline)}`
        : `the upgrade Amazon MQ makes within 45 days (by ${isoDay(deadline)}) has not happened yet`;
    const pending = broker.pending.engineVersion
      ? ` (an upgrade to ${broker.pending.engineVersion} is pending)`
      : '';
    return fail(
      `Broker ${broker.name} runs ${running}, whose support on Amazon MQ ended on ${isoDay(end)}; ${forced}${pending}.`,
    );
  },
});
