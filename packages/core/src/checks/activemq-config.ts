import type { Check } from '../check';
import { mqActivemqAdvisoryStatistics } from './mq-activemq-advisory-statistics';
import { mqActivemqAuthorizationEveryone } from './mq-activemq-authorization-everyone';
import { mqActivemqDeadLetterStrategy } from './mq-activemq-dead-letter-strategy';
import { mqActivemqMemoryLimits } from './mq-activemq-memory-limits';
import { mqActivemqProducerFlowControl } from './mq-activemq-producer-flow-control';
import { mqActivemqScheduler } from './mq-activemq-scheduler';

/**
 * Checks of this group, in report order: who may do what first, then what protects the broker's memory and
 * store, then what it tells clients and what it keeps scheduled.
 */
export const ACTIVEMQ_CONFIG_CHECKS: readonly Check[] = [
  mqActivemqAuthorizationEveryone,
  mqActivemqMemoryLimits,
  mqActivemqDeadLetterStrategy,
  mqActivemqProducerFlowControl,
  mqActivemqAdvisoryStatistics,
  mqActivemqScheduler,
];

export {
  mqActivemqAdvisoryStatistics,
  mqActivemqAuthorizationEveryone,
  mqActivemqDeadLetterStrategy,
  mqActivemqMemoryLimits,
  mqActivemqProducerFlowControl,
  mqActivemqScheduler,
};
