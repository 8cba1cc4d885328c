export type { AuditDeps, AuditReport, AuditRequest, AuditTrigger, Finding, InventoryError } from './audit';
export { auditFleet, evaluateBroker, failing } from './audit';
export type { AuditPolicy, Check, CheckOutcome, CheckStatus } from './check';
export {
  applies,
  atLeast,
  DEFAULT_POLICY,
  defineCheck,
  isProduction,
  SEVERITY_ORDER,
  Severity,
} from './check';
export { CHECKS } from './checks';
export { BrokerNotFoundError, DeliveryError, InvalidInputError, MqopsError } from './errors';
export { parseAuditEvent } from './events';
export type { Broker, BrokerUserRef, EncryptionKind } from './model';
export { accountOf, DeploymentMode, Engine, toEngine } from './model';
export type { BrokerInventory, BrokerRef, Notifier } from './ports';
export type { SlackMessage } from './report/slack';
export { SLACK_LIMITS, slackMessage } from './report/slack';
export type { SnsMessage } from './report/sns';
export { SNS_LIMITS, snsMessage } from './report/sns';
export { countBySeverity, groupByBroker, headline } from './report/summary';
export { renderTable } from './report/table';
export { checkById } from './checks';
export { FactKind } from './facts';
export type {
  ActiveMqUserFacts,
  BrokerFacts,
  ConfigurationFacts,
  CredentialFacts,
  IngressRule,
  RabbitFacts,
  RabbitListenerFacts,
  RabbitNodeFacts,
  RabbitPermissionFacts,
  RabbitPolicyFacts,
  RabbitQueueFacts,
  RabbitUserFacts,
  SecurityGroupFacts,
  SubnetFacts,
} from './facts';
export { collectFacts } from './sources';
export type { BrokerCredential, FactSources } from './sources';
export { hasPendingChanges } from './model';
export { fail, pass } from './check';
export type { CheckContext } from './check';
export { mapBounded, neededFacts } from './audit';
export type { AuditTarget } from './audit';
