export * from './brokers';
export type { Clock } from './clock';
export { ControllableClock } from './clock';
export type { FaultRule } from './faults';
export { Faults } from './faults';
export type { PersistOptions, SavedState } from './persistence';
export { LocalStateDir, LocalStateError } from './persistence';
export type { Scenario, ScenarioBroker, ScenarioConfiguration, ScenarioUser } from './scenario';
export { DEFAULT_SCENARIO, loadScenario, scenariosDir } from './scenario';
export type { LocalCloud, LocalCloudOptions } from './server';
export { credentialScope, startLocalCloud } from './server';
export type { EmfMetric, StoredDatapoint } from './services/cloudwatch-data';
export { evaluateMetricAlarm, parseEmf } from './services/cloudwatch-data';
export type {
  LambdaCallback,
  LambdaContext,
  LambdaFunction,
  LambdaFunctionError,
  LambdaFunctionOptions,
  LambdaHandler,
  LambdaInvocation,
} from './services/lambda';
export type { ScenarioQueue, SqsMessage, SqsMessageAttribute, SqsQueue } from './services/sqs';
export { md5OfMessageAttributes } from './services/sqs';
export type { AssumedRoleSession, CallerIdentity } from './services/sts';
export type { BackingBroker, BackingUser, BrokerBacking, RequestRecord } from './types';
export type { WorldSnapshot } from './world';
export { World } from './world';
