import { defineCheck, fail, pass } from '../../check';
import { compareMinor, ENGINE_NAMES, type MinorVersion, parseMinor } from '../../engine-support';
import type { Engine } from '../../model';

/** From these versions on, Amazon MQ requires automatic minor version upgrades. */
const MANDATORY_FROM: Readonly<Record<Engine, MinorVersion>> = {
  ACTIVEMQ: { major: 5, minor: 18 },
  RABBITMQ: { major: 3, minor: 13 },
};

/** True when `version` is at or after the version where automatic minor upgrades became mandatory. */
const mandatoryOn = (engine: Engine, version: string | undefined): boolean => {
  const parsed = version === undefined ? undefined : parseMinor(version);
  return parsed !== undefined && compareMinor(parsed, MANDATORY_FROM[engine]) >= 0;
};

/**
 * On ActiveMQ 5.18+ and RabbitMQ 3.13+ automatic minor upgrades are not a choice: Amazon MQ manages the patch level
 * and refuses updates that leave the setting off. Unlike mq-auto-minor-version-upgrade (good practice on every
 * version), this flags brokers where the setting is mandatory.
 */
export const mqAutoMinorRequired = defineCheck({
  id: 'mq-auto-minor-required',
  title: 'Automatic minor version upgrades are on where Amazon MQ requires them',
  severity: 'MEDIUM',
  rationale:
    'Amazon MQ requires AutoMinorVersionUpgrade to be true for ActiveMQ 5.18 and later and RabbitMQ 3.13 and later, ' +
    'where it manages patch versions itself. A broker on these versions with the setting off is out of step with ' +
    'the service: UpdateBroker calls that keep it off are refused, so the next urgent change (security groups, ' +
    'logs, instance type) fails until it is fixed.',
  remediation:
    '`aws mq update-broker --broker-id ID --auto-minor-version-upgrade` (applies at once). CloudFormation ' +
    '`AutoMinorVersionUpgrade: true`, Terraform `auto_minor_version_upgrade = true`; include it in every later ' +
    'update of the broker.',
  evaluate: ({ broker }) => {
    const engine = ENGINE_NAMES[broker.engine];
    const threshold = MANDATORY_FROM[broker.engine];
    const from = `${engine} ${threshold.major}.${threshold.minor}`;
    const current = mandatoryOn(broker.engine, broker.engineVersion);
    const pending = broker.pending.engineVersion;
    const afterUpgrade = !current && mandatoryOn(broker.engine, pending);
    if (!current && !afterUpgrade && !parseMinor(broker.engineVersion))
      return pass(
        `Broker ${broker.name} reports engine version "${broker.engineVersion}", which mqops cannot read.`,
      );
    if (!current && !afterUpgrade)
      return pass(
        `Broker ${broker.name} runs ${engine} ${broker.engineVersion}, older than ${from}, where automatic minor upgrades become mandatory.`,
      );
    if (broker.autoMinorVersionUpgrade)
      return pass(
        `Broker ${broker.name} has automatic minor version upgrades on, as ${from} and later require.`,
      );
    return fail(
      afterUpgrade
        ? `Broker ${broker.name} has automatic minor version upgrades off, but its pending upgrade to ${engine} ${pending} requires them (${from} and later).`
        : `Broker ${broker.name} runs ${engine} ${broker.engineVersion} with automatic minor version upgrades off, which Amazon MQ requires on for ${from} and later.`,
    );
  },
});
