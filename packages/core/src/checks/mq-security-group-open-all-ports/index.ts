import { defineCheck, fail, pass } from '../../check';
import { allPortsRule, describeRule, groupLabel, openCidrs } from '../../ports-network';

/** A rule open to the internet on every port exposes the broker and anything else that shares the group. */
export const mqSecurityGroupOpenAllPorts = defineCheck({
  id: 'mq-security-group-open-all-ports',
  title: 'No security group of the broker allows all traffic from the whole internet',
  severity: 'HIGH',
  rationale:
    'A rule from 0.0.0.0/0 or ::/0 on all traffic (protocol -1) or on every TCP port (0-65535) opens every ' +
    'broker port and the web console at once, and every other port of anything else that uses the group. Such a ' +
    'rule is usually a leftover from testing; AWS Security Hub EC2.19 (restricted-common-ports) flags it as well.',
  remediation:
    'Replace the rule with rules for the broker ports the clients use, from their CIDR or security group: ' +
    '`aws ec2 revoke-security-group-ingress --group-id SG --ip-permissions IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]` ' +
    'then `aws ec2 authorize-security-group-ingress --group-id SG --protocol tcp --port 5671 --source-group CLIENT_SG`. ' +
    'In CloudFormation drop `IpProtocol: -1` with `CidrIp: 0.0.0.0/0` from `SecurityGroupIngress`; in Terraform the ' +
    'matching `aws_vpc_security_group_ingress_rule`. Security group changes apply at once.',
  needs: ['securityGroups'],
  controls: { securityHub: 'EC2.19', awsConfig: 'restricted-common-ports' },
  evaluate: ({ broker, securityGroups = [] }) => {
    const found = securityGroups.flatMap((group) =>
      group.ingress
        .filter(allPortsRule)
        .flatMap((rule) =>
          openCidrs(rule).map((cidr) => `${groupLabel(group)} allows ${cidr} on ${describeRule(rule)}`),
        ),
    );
    if (found.length === 0) {
      return pass(`Broker ${broker.name} has no security group rule open to 0.0.0.0/0 or ::/0 on all ports.`);
    }
    return fail(`Broker ${broker.name} has security group rules open on all ports: ${found.join('; ')}.`);
  },
});
