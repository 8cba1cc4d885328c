/**
 * Amazon MQ's ActionsRequired codes (DescribeBroker, while a broker is in CRITICAL_ACTION_REQUIRED): what each
 * means and what to do about it. Shared by the `mq-broker-state` check and the broker state watcher.
 */

/** Amazon MQ's list of action required codes, each linking to its troubleshooting page. */
export const ACTIONS_REQUIRED_GUIDE_URL =
  'https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/troubleshooting-action-required-codes.html';

const page = (name: string) =>
  `https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/troubleshooting-action-required-codes-${name}.html`;

/** What a code means, what to do about it, and where Amazon MQ documents it. */
export interface ActionRequiredInfo {
  /** One clause, lower-case start: "the broker's elastic network interface was deleted, …". */
  meaning: string;
  /** Concrete steps, one or two sentences. */
  remedy: string;
  /** The code's troubleshooting page (the general list when it has none of its own). */
  docUrl: string;
}

/** An explained code; `known` is false for a code mqops has no entry for (a new one). */
export interface ActionRequired extends ActionRequiredInfo {
  code: string;
  known: boolean;
}

/** What each ActionsRequired code means and what to do, from Amazon MQ's troubleshooting guide. */
export const ACTIONS_REQUIRED: Readonly<Record<string, ActionRequiredInfo>> = {
  BROKER_ENI_DELETED: {
    meaning: "the broker's elastic network interface was deleted, so clients cannot reach it",
    remedy:
      'Find who deleted the network interface (CloudTrail: DeleteNetworkInterface) and stop it from happening ' +
      'again (cleanup scripts must skip ENIs whose requester is Amazon MQ); then follow the BROKER_ENI_DELETED ' +
      'steps in the Amazon MQ troubleshooting guide, which may mean creating a new broker.',
    docUrl: page('broker-eni-deleted'),
  },
  BROKER_OOM: {
    meaning: 'ActiveMQ is in a restart loop because it runs out of memory',
    remedy:
      'Relieve memory: let consumers drain backlogged queues, purge the dead-letter queue, cut connections, ' +
      'consumers and prefetch (watch HeapUsage, TotalMessageCount, TotalConsumerCount); if it recurs, move to a ' +
      'larger instance type (`aws mq update-broker --host-instance-type …`, applied at the next reboot).',
    docUrl: page('broker-out-of-memory'),
  },
  RABBITMQ_MEMORY_ALARM: {
    meaning: 'memory use is above the RabbitMQ memory limit, so publishers are blocked',
    remedy:
      'Bring RabbitMQMemUsed below RabbitMQMemLimit: consume or purge backlogged queues, close idle connections ' +
      'and channels, delete unused queues; move to a larger instance type if it persists. Amazon MQ refuses ' +
      'RebootBroker meanwhile, and the state can take hours to clear.',
    docUrl: page('rabbitmq-memory-alarm'),
  },
  RABBITMQ_INVALID_KMS_KEY: {
    meaning: 'the KMS key that encrypts the broker is disabled, deleted or no longer usable by Amazon MQ',
    remedy:
      'Re-enable the customer-managed key (`aws kms enable-key --key-id …`) and check with `aws kms list-grants` ' +
      "that Amazon MQ's grants are still there; the broker leaves quarantine once the key works again. A deleted " +
      'key cannot be recovered: create a new broker.',
    docUrl: page('invalid-kms-key'),
  },
  RABBITMQ_DISK_ALARM: {
    meaning: 'free disk space is below the RabbitMQ disk limit, so publishers are blocked',
    remedy:
      'Free disk space (RabbitMQDiskFree vs RabbitMQDiskFreeLimit): let consumers drain or purge backlogged ' +
      'queues and delete unused ones; move to a larger instance type if the workload needs more storage.',
    docUrl: ACTIONS_REQUIRED_GUIDE_URL,
  },
  RABBITMQ_QUORUM_QUEUES_NOT_SUPPORTED_ON_CURRENT_VERSION: {
    meaning:
      'quorum queues were declared on a RabbitMQ version before 3.13, where Amazon MQ does not support them',
    remedy:
      'Upgrade the broker to RabbitMQ 3.13 or later (`aws mq update-broker --engine-version 3.13 …`), or delete ' +
      'the quorum queues and declare classic queues until the upgrade.',
    docUrl: ACTIONS_REQUIRED_GUIDE_URL,
  },
  RABBITMQ_BROKER_NOT_UPGRADEABLE_TO_V4: {
    meaning:
      'the upgrade to RabbitMQ 4 was not applied because the broker has classic queues or Khepri enabled',
    remedy:
      "Move the remaining classic mirrored queues to quorum queues and follow Amazon MQ's guide to upgrading to " +
      'RabbitMQ 4, then request the upgrade again.',
    docUrl: ACTIONS_REQUIRED_GUIDE_URL,
  },
};

/** What to do about a code mqops does not know yet. */
const UNKNOWN: ActionRequiredInfo = {
  meaning: 'see the Amazon MQ troubleshooting guide',
  remedy:
    'Look the code up in the Amazon MQ troubleshooting guide; `aws mq describe-broker --broker-id ID --query ' +
    'ActionsRequired` shows its ActionRequiredInfo.',
  docUrl: ACTIONS_REQUIRED_GUIDE_URL,
};

/**
 * Explains one ActionsRequired code; an unknown code points at the troubleshooting guide.
 * @example
 * explainActionRequired('BROKER_OOM').remedy; // 'Relieve memory: …'
 */
export function explainActionRequired(code: string): ActionRequired {
  const info = Object.hasOwn(ACTIONS_REQUIRED, code) ? ACTIONS_REQUIRED[code] : undefined;
  return { code, known: info !== undefined, ...(info ?? UNKNOWN) };
}
