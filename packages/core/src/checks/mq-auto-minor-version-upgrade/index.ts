import { defineCheck, fail, pass } from '../../check';

/** Minor versions carry the engine's security fixes; with upgrades off they wait for someone to remember. */
export const mqAutoMinorVersionUpgrade = defineCheck({
  id: 'mq-auto-minor-version-upgrade',
  title: 'Automatic minor version upgrades are on',
  severity: 'LOW',
  rationale:
    'With automatic minor version upgrades on, Amazon MQ applies new minor and patch versions of the engine ' +
    '(security and bug fixes) in the broker’s maintenance window. With them off the broker stays on its version ' +
    'until someone upgrades it by hand, or until end of support forces an upgrade.',
  remediation:
    '`aws mq update-broker --broker-id ID --auto-minor-version-upgrade` (applies at once; upgrades then happen in ' +
    'the maintenance window). CloudFormation `AutoMinorVersionUpgrade: true`, Terraform ' +
    '`auto_minor_version_upgrade = true`.',
  controls: { securityHub: 'MQ.3', awsConfig: 'mq-auto-minor-version-upgrade-enabled' },
  evaluate: ({ broker }) =>
    broker.autoMinorVersionUpgrade
      ? pass(`Broker ${broker.name} has automatic minor version upgrades on.`)
      : fail(
          `Broker ${broker.name} has automatic minor version upgrades off, so it stays on ${broker.engineVersion} until someone upgrades it.`,
        ),
});
