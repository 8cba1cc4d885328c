export { ACTIVEMQ_ADMIN_GROUP, ActiveMqBacking } from './activemq';
export type { AmqpLoginOptions, StompAnswer, StompConnectOptions, StompLoginOptions } from './probe';
export { amqpLogin, stompConnect, stompLogin } from './probe';
export type { RabbitMqPermission, RabbitMqUser } from './rabbitmq';
export { RabbitMqBacking } from './rabbitmq';
export type { ActiveMqInfo, BrokerStatus, EnsureActiveMqOptions, EnsureOptions, RabbitMqInfo } from './setup';
export {
  ACTIVEMQ_JAAS_REALM,
  activeMqInfo,
  activeMqStatus,
  defaultActiveMqDir,
  ensureActiveMq,
  ensureRabbitMq,
  RABBITMQ_DEFAULTS,
  rabbitMqStatus,
  stopActiveMq,
  stopRabbitMq,
  writeFileAtomic,
} from './setup';
