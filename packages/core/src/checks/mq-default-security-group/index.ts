import { defineCheck, fail, pass } from '../../check';

/** EC2 names every VPC's default security group `default`. */
const DEFAULT_GROUP_NAME = 'default';

/** The VPC's default group is shared by everything launched without a group: its rules are nobody's to change. */
export const mqDefaultSecurityGroup = defineCheck({
  id: 'mq-default-security-group',
  title: "Broker uses its own security groups, not the VPC's default group",
  severity: 'LOW',
  rationale:
    "Amazon MQ puts a broker in the VPC's default security group when none is given at creation. That group is " +
    'shared by every resource launched without a group and lets members reach each other on all ports, so ' +
    'anything in the VPC can reach the broker and a rule added for another service silently widens access to it.',
  remediation:
    'Create a dedicated group that allows only the broker ports from the clients, then ' +
    '`aws mq update-broker --broker-id ID --security-groups sg-NEW` and reboot the broker (security-group ' +
    'changes apply at the next reboot). In CloudFormation set `SecurityGroups` on `AWS::AmazonMQ::Broker`; in ' +
    'Terraform `security_groups` on `aws_mq_broker`.',
  needs: ['securityGroups'],
  controls: { securityHub: 'EC2.2', awsConfig: 'vpc-default-security-group-closed' },
  evaluate: ({ broker, securityGroups = [] }) => {
    const defaults = securityGroups.filter((g) => g.name === DEFAULT_GROUP_NAME);
    if (defaults.length === 0)
      return pass(`Broker ${broker.name} does not use a VPC default security group.`);
    const named = defaults.map((g) => (g.vpcId ? `${g.id} of ${g.vpcId}` : g.id)).join(', ');
    return fail(
      `Broker ${broker.name} uses the VPC default security group ${named}, shared by everything in the VPC.`,
    );
  },
});
