export * from './actions-required';
export * from './alarms/desired';
export * from './alarms/policy';
export * from './alarms/reconcile';
export * from './alarms/trigger';
export * from './alerts/index';
export type {
  AuditDeps,
  AuditReport,
  AuditRequest,
  AuditTarget,
  AuditTrigger,
  Finding,
  InventoryError,
  TargetListing,
  TargetScope,
} from './audit';
export { auditFleet, evaluateBroker, failing, mapBounded, neededFacts, uncheckedReason } from './audit';
export type { CasCell, CasDecision, CasOptions, CasPolicy, Snapshot } from './cas';
export { CAS_POLICY, ConcurrentWriteError, compareAndSwap } from './cas';
export type { AuditPolicy, Check, CheckContext, CheckOutcome, CheckStatus } from './check';
export {
  applies,
  atLeast,
  DEFAULT_POLICY,
  defineCheck,
  fail,
  isProduction,
  pass,
  requiredActions,
  SEVERITY_ORDER,
  Severity,
} from './check';
export { CHECKS, checkById } from './checks';
export type { MqopsConfig, ParseConfigOptions } from './config';
export { parseConfig, parseConfigText } from './config';
export type { DeliveryErrorOptions } from './errors';
export {
  BrokerNotFoundError,
  ConfigurationError,
  DeliveryError,
  InvalidInputError,
  MqopsError,
} from './errors';
export {
  MQ_CHANGE_EVENTS,
  parseAuditEvent,
  parseScheduledEvent,
  type ScheduledRequest,
  SECURITY_GROUP_CHANGE_EVENTS,
} from './events';
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
export { FACT_ACTIONS, FactKind } from './facts';
export * from './instance-types';
export type { KeyValueStore, Versioned } from './kv';
export { casItem, kvCell, MemoryKeyValueStore, update } from './kv';
// `clip` and `MAX_SECRET_ID_LENGTH` of limits.ts are exported with rotation (rotation/index.ts).
export {
  ACCOUNT_ID_DIGITS,
  ARN_CHARS,
  assertWithinLimits,
  BROKER_ID,
  BROKER_REF,
  brokerRefSchema,
  CLIP_CHARS,
  CLOUDTRAIL_EVENT_NAME_CHARS,
  EVENTBRIDGE_EVENT_BYTES,
  MAX_BROKERS,
  MAX_DEPTH,
  MAX_EVENT_CHARS,
  MAX_MESSAGE_CHARS,
  MAX_REQUEST_CHARS,
  MAX_REQUEST_STRING,
  MAX_RESOURCES,
  MAX_SHORT,
  MQ_BROKER_ID_CHARS,
  MQ_BROKER_NAME_CHARS,
  MQ_USER_NAME_CHARS,
  REGION_CHARS,
  refusal,
  S3_KEY_BYTES,
  SECURITY_GROUP_ID,
  TAG_KEY_CHARS,
  TAG_VALUE_CHARS,
} from './limits';
export type { WeeklyWindow } from './maintenance-window';
export {
  inMaintenanceWindow,
  lastWindowStart,
  MAINTENANCE_WINDOW_HOURS,
  nextWindowStart,
  zoneOffsetMinutes,
} from './maintenance-window';
export type { Broker, BrokerUserRef, EncryptionKind } from './model';
export { accountOf, DeploymentMode, Engine, hasPendingChanges, toEngine } from './model';
export type { Notice, NoticeKind, NoticeLevel, NoticeOptions, NoticeOutcome, NoticeSink } from './notices';
export { errorText, NOTICE_KINDS, NOTICE_LEVELS, postNotice, slackNotice, snsNotice } from './notices';
export * from './outcome';
export type { BrokerInventory, BrokerRef, Channel, Notifier } from './ports';
export { rendered } from './ports';
export type { AsffFinding, AsffOptions, AsffSeverityLabel } from './report/asff';
export { ASFF_FINDING_TYPE, ASFF_LIMITS, ASFF_SEVERITY_LABEL, ASFF_STATE, toAsff } from './report/asff';
export type { HtmlOptions } from './report/html';
export { escapeHtml, renderHtml } from './report/html';
export type { MarkdownOptions } from './report/markdown';
export { escapeCell, renderMarkdown } from './report/markdown';
export type { SarifLevel, SarifLog, SarifOptions, SarifResult, SarifRule } from './report/sarif';
export { MQOPS_INFORMATION_URI, renderSarif, SARIF_LEVEL, SARIF_LIMITS, SARIF_SCHEMA } from './report/sarif';
export type { SlackBlockMessage, SlackMessage } from './report/slack';
export { SLACK_LIMITS, SLACK_RATE, slackMessage } from './report/slack';
export { clipText } from './report/slack-limits';
export type { SnsMessage } from './report/sns';
export { SNS_LIMITS, snsMessage } from './report/sns';
export {
  countBySeverity,
  diffLine,
  groupByBroker,
  headline,
  LIFECYCLE_LABEL,
  lifecycleLabel,
  notAuditedLines,
  outcomeSentence,
} from './report/summary';
export type { TableOptions } from './report/table';
export { renderTable } from './report/table';
export * from './rotation/index';
export type { RunDeps } from './run';
export { runAudit, shouldNotify } from './run';
export type { RunbookMarker } from './runbook-marker';
export { activeRunbook, clearRunbook, markRunbook } from './runbook-marker';
export type { BrokerCredential, FactSources } from './sources';
export { collectFacts } from './sources';
export type {
  AuditDiff,
  AuditState,
  DiffScope,
  Lifecycle,
  RememberedFinding,
  StateStore,
  SuppressedFinding,
} from './state';
export { diffFindings, emptyDiff, emptyState, LIFECYCLES, lifecycles, MemoryStateStore } from './state';
export type { Suppression } from './suppressions';
export {
  isActive,
  isMeaningfulReason,
  MIN_REASON,
  matchSuppression,
  parseSuppressions,
  SUPPRESS_TAG_PREFIX,
  suppressionWarnings,
  tagSuppressions,
} from './suppressions';
export * from './watch/index';
