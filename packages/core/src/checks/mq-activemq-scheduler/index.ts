import { activeMqConfigOf, hasPlugin, isTrue } from '../../activemq-xml';
import { defineCheck, fail, pass } from '../../check';

/**
 * The highest repeat cap the check accepts: ActiveMQ's own default (BrokerService.MAX_SCHEDULER_REPEAT_ALLOWED).
 * Not a policy field: the check asks for an explicit cap no looser than the engine's default.
 */
export const MAX_SCHEDULER_REPEATS = 1000;

/** Scheduled messages live in a store the configuration cannot size; a scheduler left on needs a deliberate cap. */
export const mqActivemqScheduler = defineCheck({
  id: 'mq-activemq-scheduler',
  title: 'The ActiveMQ job scheduler is off, or on with an explicit repeat cap',
  severity: 'LOW',
  rationale:
    'With schedulerSupport="true" every producer can delay or repeat messages (AMQ_SCHEDULED_DELAY, _REPEAT, ' +
    '_CRON). Scheduled messages wait in the job scheduler store, outside destination memory limits and producer ' +
    'flow control, and Amazon MQ does not let the configuration size that store; when it fills ' +
    '(JobSchedulerStorePercentUsage at 100) scheduled sends fail. The only bound the configuration can set is ' +
    `maxSchedulerRepeatAllowed; mqops asks for it explicitly, at most ${MAX_SCHEDULER_REPEATS} (ActiveMQ's default).`,
  remediation:
    'If nothing uses delayed or scheduled delivery (nor redeliveryPlugin, which needs the scheduler), remove ' +
    '`schedulerSupport="true"` from `<broker>`; otherwise set `maxSchedulerRepeatAllowed` on `<broker>` (e.g. "10") ' +
    'and alarm on the JobSchedulerStorePercentUsage metric. Apply a new revision: `aws mq update-configuration ' +
    '--configuration-id ID --data BASE64_XML`, `aws mq update-broker --broker-id ID --configuration ' +
    'Id=ID,Revision=N` and reboot. In CloudFormation `AWS::AmazonMQ::Configuration` `Data`; in Terraform ' +
    '`aws_mq_configuration.data`.',
  needs: ['configuration'],
  appliesTo: { engines: ['ACTIVEMQ'] },
  evaluate: (facts) => {
    const { broker } = facts;
    const read = activeMqConfigOf(facts);
    if (!read.ok) return fail(read.problem);
    const { config } = read;
    if (!isTrue(config.broker['schedulerSupport'])) {
      return pass(`Broker ${broker.name} runs without the job scheduler (schedulerSupport is not "true").`);
    }
    const needed = hasPlugin(config, 'redeliveryPlugin') ? ' (redeliveryPlugin needs it)' : '';
    const cap = config.broker['maxSchedulerRepeatAllowed'];
    if (cap === undefined) {
      return fail(
        `Broker ${broker.name} enables the job scheduler${needed} without an explicit maxSchedulerRepeatAllowed, so scheduled messages can fill the job scheduler store unchecked.`,
      );
    }
    const repeats = /^\d+$/.test(cap) ? Number(cap) : Number.NaN;
    if (!(repeats <= MAX_SCHEDULER_REPEATS)) {
      return fail(
        `Broker ${broker.name} enables the job scheduler${needed} with maxSchedulerRepeatAllowed="${cap}", not a cap of at most ${MAX_SCHEDULER_REPEATS} repeats.`,
      );
    }
    return pass(
      `Broker ${broker.name} enables the job scheduler${needed} with maxSchedulerRepeatAllowed="${cap}".`,
    );
  },
});
