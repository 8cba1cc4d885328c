import type { Check } from '../check';
import { mqRabbitmqAdminUsers } from './mq-rabbitmq-admin-users';
import { mqRabbitmqBroadPermissions } from './mq-rabbitmq-broad-permissions';
import { mqRabbitmqClassicMirroring } from './mq-rabbitmq-classic-mirroring';
import { mqRabbitmqGuestUser } from './mq-rabbitmq-guest-user';
import { mqRabbitmqQueueBacklog } from './mq-rabbitmq-queue-backlog';
import { mqRabbitmqQueueDeadLettering } from './mq-rabbitmq-queue-dead-lettering';
import { mqRabbitmqResourceAlarm } from './mq-rabbitmq-resource-alarm';
import { mqRabbitmqTlsListeners } from './mq-rabbitmq-tls-listeners';

/**
 * Checks of this group, in report order: who can get in and what they may do, then transport, then the health of
 * the nodes and queues, then what blocks the next upgrade and what loses messages.
 */
export const RABBITMQ_DATA_PLANE_CHECKS: readonly Check[] = [
  mqRabbitmqGuestUser,
  mqRabbitmqAdminUsers,
  mqRabbitmqBroadPermissions,
  mqRabbitmqTlsListeners,
  mqRabbitmqResourceAlarm,
  mqRabbitmqQueueBacklog,
  mqRabbitmqClassicMirroring,
  mqRabbitmqQueueDeadLettering,
];

export {
  mqRabbitmqAdminUsers,
  mqRabbitmqBroadPermissions,
  mqRabbitmqClassicMirroring,
  mqRabbitmqGuestUser,
  mqRabbitmqQueueBacklog,
  mqRabbitmqQueueDeadLettering,
  mqRabbitmqResourceAlarm,
  mqRabbitmqTlsListeners,
};
