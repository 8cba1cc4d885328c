export type { WatchRequest } from './event';
export { parseWatchEvent } from './event';
export type { SnsAttributes } from './messages';
export { alertTitle, brokerConsoleUrl, watchSlackMessage, watchSnsMessage } from './messages';
export type { DecideOptions, Decision, Observation } from './transitions';
export {
  decide,
  decideGone,
  isTombstone,
  needsDescribe,
  needsRebootContext,
  plannedReason,
} from './transitions';
export type {
  AlertBroker,
  AlertChannel,
  BrokerSummary,
  OpenAlert,
  OpeningKind,
  PendingAlert,
  RunbookLookup,
  Transition,
  WatchAlert,
  WatchDeps,
  WatchInventory,
  WatchRecord,
  WatchResult,
} from './types';
export { AlertKind, BrokerState, GoneState, TransitionKind } from './types';
export { WATCH_DEFAULTS, WATCH_KEY_PREFIX, watchBrokers, watchKey } from './watch';
