export * from './alert-delivery';
export * from './alert-metrics';
export * from './cloudwatch-alarms';
export { DynamoKeyValueStore } from './dynamodb-kv';
export { Ec2NetworkSource, toIngressRule, toSecurityGroupFacts, toSubnetFacts } from './ec2-network';
export type {
  ChannelPace,
  DeliveryAnswer,
  DeliveryFailure,
  DeliveryOptions,
  DeliveryRequest,
} from './http-delivery';
export { deliver, redactor, retryAfterMs } from './http-delivery';
export { MqBrokerStates } from './mq-broker-states';
export { MqConfigurationSource, MqUserSource, toActiveMqUserFacts, USER_CONCURRENCY } from './mq-details';
export { MqBrokerInventory, toBroker } from './mq-inventory';
export * from './pacing';
export { S3StateStore } from './s3-state';
export {
  belongsTo,
  CREDENTIAL_TAGS,
  rotationDaysOf,
  SecretsCredentialSource,
  toCredentialFacts,
} from './secrets-credentials';
export type { FailedFinding, SecurityHubExporterOptions, SecurityHubExportResult } from './securityhub';
export { SecurityHubExporter } from './securityhub';
export * from './slack-channel';
export type { SlackNotifierOptions } from './slack-notifier';
export { SLACK_NOTIFIER_DEFAULTS, SlackNotifier } from './slack-notifier';
export type { SnsPublication } from './sns-notifier';
export { SnsNotifier, SnsPublisher } from './sns-notifier';
export * from './targets';
