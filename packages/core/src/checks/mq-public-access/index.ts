import { defineCheck } from '../../check';

/** A broker reachable from the internet is one leaked password away from a breach. */
export const mqPublicAccess = defineCheck({
  id: 'mq-public-access',
  title: 'Broker is not publicly accessible',
  severity: 'HIGH',
  rationale:
    'A publicly accessible broker has endpoints that resolve to public IP addresses, so anyone on the internet can ' +
    'reach its wire protocols and web console; only credentials stand between them and your messages.',
  remediation:
    'Public accessibility cannot be changed on an existing broker: create a new broker with ' +
    '`--no-publicly-accessible` (CloudFormation `PubliclyAccessible: false`) in private subnets, move clients to ' +
    'it (VPC peering, PrivateLink or a VPN for outside clients), then delete the public one.',
  controls: { awsConfig: 'mq-no-public-access' },
  evaluate: ({ broker }) =>
    broker.publiclyAccessible
      ? { status: 'FAIL', message: `Broker ${broker.name} is publicly accessible from the internet.` }
      : { status: 'PASS', message: `Broker ${broker.name} is reachable only from its VPC.` },
});
