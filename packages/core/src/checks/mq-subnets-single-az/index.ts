import { defineCheck, fail, pass } from '../../check';

/** A multi-AZ deployment whose subnets sit in one zone loses every instance when that zone fails. */
export const mqSubnetsSingleAz = defineCheck({
  id: 'mq-subnets-single-az',
  title: 'Multi-AZ broker has subnets in at least two Availability Zones',
  severity: 'MEDIUM',
  rationale:
    'Active/standby ActiveMQ brokers and RabbitMQ clusters only survive the loss of an Availability Zone when ' +
    'their instances are spread over zones, and the instances follow the subnets. Brokers whose subnets all ' +
    'resolve to one zone pay for redundancy they do not get.',
  remediation:
    'Subnets cannot change after creation: create a new broker with `aws mq create-broker ... --subnet-ids` ' +
    'listing subnets in different Availability Zones (two for ACTIVE_STANDBY_MULTI_AZ, up to three for ' +
    'CLUSTER_MULTI_AZ), move the clients and delete the old broker. In CloudFormation set `SubnetIds`; in ' +
    'Terraform `subnet_ids` on `aws_mq_broker`.',
  needs: ['subnets'],
  appliesTo: { modes: ['ACTIVE_STANDBY_MULTI_AZ', 'CLUSTER_MULTI_AZ'] },
  evaluate: ({ broker, subnets = [] }) => {
    const zones = [...new Set(subnets.map((s) => s.availabilityZone).filter(Boolean))].sort();
    const ids = subnets.map((s) => s.id).join(', ');
    if (zones.length >= 2) {
      return pass(
        `Broker ${broker.name} spreads its subnets over ${zones.length} Availability Zones (${zones.join(', ')}).`,
      );
    }
    if (zones.length === 0) {
      return fail(
        `Broker ${broker.name} is ${broker.deploymentMode} but none of its subnets (${broker.subnetIds.join(', ') || 'none'}) resolves to an Availability Zone.`,
      );
    }
    return fail(
      `Broker ${broker.name} is ${broker.deploymentMode} but all its subnets (${ids}) are in ${zones[0]}.`,
    );
  },
});
