import { defineCheck, fail, pass } from '../../check';

/** Untagged brokers have no owner to page, no cost centre and no environment for the other checks to go by. */
export const mqRequiredTags = defineCheck({
  id: 'mq-required-tags',
  title: 'Broker carries every required tag',
  severity: 'LOW',
  rationale:
    'Tags tell who owns a broker, what it costs and which environment it serves; mqops itself uses them to ' +
    'recognise production brokers. The keys required are `requiredTags` in the audit policy; each must be present ' +
    'with a non-empty value. Keys are compared case-sensitively, as AWS does (`Team` is not `team`).',
  remediation:
    '`aws mq create-tags --resource-arn BROKER_ARN --tags team=orders,env=production` (applies at once). ' +
    'CloudFormation `Tags`, Terraform `tags = { … }`; an AWS Organizations tag policy can enforce the keys.',
  controls: { securityHub: 'MQ.4' },
  evaluate: ({ broker }, { policy }) => {
    const required = policy.requiredTags;
    if (required.length === 0)
      return pass(`Broker ${broker.name} is not required to carry any tag by the policy.`);
    const keys = Object.keys(broker.tags);
    const problems = required.flatMap((key) => {
      const value = broker.tags[key];
      if (value !== undefined) return value.trim() === '' ? [`${key} (empty)`] : [];
      const lookalike = keys.find((k) => k.toLowerCase() === key.toLowerCase());
      return [lookalike ? `${key} (only "${lookalike}" is set, and tag keys are case-sensitive)` : key];
    });
    if (problems.length === 0)
      return pass(`Broker ${broker.name} carries every required tag (${required.join(', ')}).`);
    return fail(
      `Broker ${broker.name} lacks the required ${problems.length === 1 ? 'tag' : 'tags'} ${problems.join(', ')}.`,
    );
  },
});
