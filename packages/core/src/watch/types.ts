import type { ActionRequired } from '../actions-required';
import type { KeyValueStore } from '../kv';
import type { WeeklyWindow } from '../maintenance-window';
import type { Broker } from '../model';
import type { JobOutcome } from '../outcome';
import type { Channel } from '../ports';
import type { RunbookMarker } from '../runbook-marker';

/** Amazon MQ broker states (BrokerState), as constants with a derived union. */
export const BrokerState = {
  CREATION_IN_PROGRESS: 'CREATION_IN_PROGRESS',
  CREATION_FAILED: 'CREATION_FAILED',
  DELETION_IN_PROGRESS: 'DELETION_IN_PROGRESS',
  RUNNING: 'RUNNING',
  REBOOT_IN_PROGRESS: 'REBOOT_IN_PROGRESS',
  CRITICAL_ACTION_REQUIRED: 'CRITICAL_ACTION_REQUIRED',
  REPLICA: 'REPLICA',
} as const;
export type BrokerState = (typeof BrokerState)[keyof typeof BrokerState];

/** What the watcher records for a broker that left the listing (kept as a tombstone until its TTL). */
export const GoneState = {
  /** Left the listing without being seen in DELETION_IN_PROGRESS. */
  GONE: 'GONE',
  /** Left the listing after DELETION_IN_PROGRESS: a deletion we saw coming. */
  DELETED: 'DELETED',
} as const;
export type GoneState = (typeof GoneState)[keyof typeof GoneState];

/** One broker as ListBrokers shows it (BrokerSummaries). */
export interface BrokerSummary {
  id: string;
  name: string;
  state: string;
  arn?: string;
  /** Upper-case: ACTIVEMQ | RABBITMQ. */
  engine?: string;
  deploymentMode?: string;
  instanceType?: string;
}

/** Where the watcher reads brokers: ListBrokers page by page, and DescribeBroker for the few that need it. */
export interface WatchInventory {
  /** Every page of ListBrokers, one call per page; throws (possibly after some pages) when a call fails. */
  pages(): AsyncIterable<BrokerSummary[]>;
  /**
   * One broker in full (its ActionsRequired codes and maintenance window).
   * @throws BrokerNotFoundError when the broker is gone.
   */
  describe(id: string): Promise<Broker>;
}

/** Looks up the runbook (reboot, resize…) mqops runs for a broker at `now`, if any. */
export type RunbookLookup = (brokerId: string, now: Date) => Promise<RunbookMarker | undefined>;

/** Changes that are sent to people. */
export const AlertKind = {
  /** The broker entered CRITICAL_ACTION_REQUIRED, or reported a code it had not reported before. */
  CRITICAL: 'critical',
  /** REBOOT_IN_PROGRESS outside the maintenance window and without an mqops runbook. */
  UNPLANNED_REBOOT: 'unplanned-reboot',
  /** The broker could not be created. */
  CREATION_FAILED: 'creation-failed',
  /** The broker left a complete listing without being seen in DELETION_IN_PROGRESS. */
  DISAPPEARED: 'disappeared',
  /** Back to RUNNING (or REPLICA) after one of the above: resolves it. */
  RECOVERED: 'recovered',
  /** Deleted while one of the above was open: closes it. */
  DELETED: 'deleted',
} as const;
export type AlertKind = (typeof AlertKind)[keyof typeof AlertKind];

/** Kinds that open an alert (recovery or deletion resolves them). */
export type OpeningKind = 'critical' | 'unplanned-reboot' | 'creation-failed' | 'disappeared';

/** Every transition the watcher tells apart: alerts, and changes it only records. */
export const TransitionKind = {
  ...AlertKind,
  /** A broker seen for the first time: recorded as the baseline, never alerted. */
  FIRST_SEEN: 'first-seen',
  /** A reboot inside the maintenance window or during an mqops runbook. */
  PLANNED_REBOOT: 'planned-reboot',
  /** A reboot of a broker in CRITICAL_ACTION_REQUIRED: the usual remedy; its critical alert stays open. */
  REMEDIAL_REBOOT: 'remedial-reboot',
  /** CRITICAL_ACTION_REQUIRED still, with fewer codes than before. */
  CODES_CHANGED: 'codes-changed',
  /** Any other change of state (creation finished, deletion started, back to RUNNING without an alert…). */
  STATE_CHANGED: 'state-changed',
} as const;
export type TransitionKind = (typeof TransitionKind)[keyof typeof TransitionKind];

/** The broker as an alert names it. */
export interface AlertBroker {
  id: string;
  name: string;
  arn?: string;
  region?: string;
  engine?: string;
  deploymentMode?: string;
  instanceType?: string;
}

/** An alert that is open: what a recovery or deletion resolves. */
export interface OpenAlert {
  kind: OpeningKind;
  /** When it was raised (ISO). */
  since: string;
  state: string;
  codes: string[];
}

/** One message about one change of one broker, for Slack and SNS. */
export interface WatchAlert {
  /** Stable id (`<brokerId>/<kind>/<at>`): the same change always has the same id (for deduplication). */
  id: string;
  kind: AlertKind;
  severity: 'CRITICAL' | 'HIGH' | 'INFO';
  /** The poll that saw the change (ISO). */
  at: string;
  broker: AlertBroker;
  /** The state before and now (`GONE` for a broker that left the listing). */
  from?: string;
  state: string;
  /** One sentence saying what happened. */
  summary: string;
  /** One or two sentences saying what to do. */
  remedy: string;
  /** ActionsRequired codes with meaning and remedy (critical alerts). */
  actions: ActionRequired[];
  /** Codes not reported before (a critical alert for a broker that was critical already). */
  newCodes?: string[];
  maintenanceWindow?: WeeklyWindow;
  /** What a recovery or deletion resolves. */
  resolves?: OpenAlert;
}

/**
 * A place alerts go to (Slack, SNS…): the notifier port for the watcher's alerts. Its `channel` (`slack`, `sns`) is
 * kept in the store to retry only the channels that failed, so it must stay stable across deployments.
 */
export type AlertChannel = Channel<WatchAlert>;

/** An alert written to the store, waiting for delivery (the store's outbox). */
export interface PendingAlert {
  alert: WatchAlert;
  /** Channels it still has to reach. */
  pending: string[];
  /** Delivery attempts that failed. */
  attempts: number;
  /** While a poll delivers it: when that poll's claim lapses (ISO); another poll may retry it after. */
  claimedUntil?: string;
  lastError?: string;
}

/** What the store keeps per broker, under `watch#<brokerId>`. */
export interface WatchRecord {
  broker: AlertBroker;
  /** Last state seen (a BrokerState, or a GoneState for a tombstone). */
  state: string;
  /** ActionsRequired codes last seen (CRITICAL_ACTION_REQUIRED only). */
  codes: string[];
  /** When this state was first seen (ISO). */
  since: string;
  /** Why a reboot was planned (`maintenance window`, `runbook safe-reboot`), when it was. */
  planned?: string;
  /** The alert raised and not yet resolved. */
  open?: OpenAlert;
  /** Alerts written but not yet delivered to every channel, oldest first. */
  outbox: PendingAlert[];
}

/** One change the poll found (alerted or only recorded). */
export interface Transition {
  brokerId: string;
  brokerName: string;
  kind: TransitionKind;
  from?: string;
  to: string;
  /** The alert it raised, if any. */
  alertId?: string;
  /** Why (planned reboot reason, new codes…). */
  note?: string;
}

/** What one poll did. */
export interface WatchResult {
  /** Whether every page of ListBrokers was read (disappearances are judged only then). */
  complete: boolean;
  pages: number;
  brokers: number;
  /** Brokers described (DescribeBroker calls). */
  described: number;
  transitions: Transition[];
  /** Alerts this poll raised (each change once, however many polls overlap). */
  alerts: WatchAlert[];
  /** Alerts delivered to every channel in this poll (raised now, or retried from an earlier poll). */
  delivered: WatchAlert[];
  /** Alerts left in the outbox (a channel failed): retried by the next poll. */
  undelivered: { alert: WatchAlert; pending: string[]; error: string }[];
  /** What went wrong without stopping the poll (listing, describing, writing). */
  errors: { brokerId?: string; message: string }[];
  /**
   * Complete when every page was listed and every listed broker decided and recorded (described when it needed
   * to be) and every alert delivered; partial with a gap for the rest of a listing that failed part-way, each
   * broker left undecided (DescribeBroker, the runbook lookup or the state write failed) and each alert still
   * waiting for a channel; failed when nothing was listed or the remembered states could not be read. `covered`
   * counts the listed brokers decided.
   */
  outcome: JobOutcome;
}

/** Dependencies and options of {@link watchBrokers}. */
export interface WatchDeps {
  inventory: WatchInventory;
  /** State between polls (`watch#<brokerId>`) and runbook markers. */
  store: KeyValueStore;
  /** The poll's instant. */
  now: Date;
  /** Runbook markers; default: the markers in `store` (`activeRunbook`). */
  runbooks?: RunbookLookup;
  /** Where alerts go; none means changes are recorded only. */
  channels?: readonly AlertChannel[];
  /** The region polled: records of other regions sharing the store are never judged gone. */
  region?: string;
  /** The account and region as the outcome's gaps name it. Default `self/<region>`. */
  target?: string;
  /**
   * A reboot seen up to this long after the maintenance window ended still counts as planned: a poll only sees a
   * reboot some time after it started. Default: 15 minutes.
   */
  windowGraceMs?: number;
  /** How long a poll owns an alert it delivers before another poll may retry it. Default: 5 minutes. */
  deliveryLeaseMs?: number;
  /** How long a tombstone (a broker gone from the listing) is kept. Default: 7 days. */
  tombstoneTtlMs?: number;
}
