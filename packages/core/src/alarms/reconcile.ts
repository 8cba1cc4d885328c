/**
 * The alarm reconciler: keeps every broker's CloudWatch alarms equal to the desired set. A pure diff
 * ({@link planAlarms}) and the use case ({@link reconcileAlarms}) over two ports: the broker inventory and an
 * {@link AlarmStore}.
 *
 * Ownership: mqops only ever updates or deletes an alarm whose name starts with {@link ALARM_NAME_PREFIX} AND that
 * carries the tag `mqops:managed` = `true`. An alarm with the prefix but without the tag is someone else's: it is
 * never changed, and a desired alarm with its name is reported as a conflict instead of taking it over.
 */
import { mapBounded } from '../concurrency';
import { BrokerNotFoundError } from '../errors';
import type { Broker, DeploymentMode, Engine } from '../model';
import { type CoverageGap, type JobOutcome, outcomeOf } from '../outcome';
import type { BrokerInventory, BrokerRef } from '../ports';
import {
  ALARM_NAME_PREFIX,
  ALARM_TAGS,
  type AlarmSpec,
  type DesiredAlarm,
  desiredAlarms,
  type ExistingAlarm,
  type MetricQuery,
  type SingleMetric,
} from './desired';
import { type AlarmPolicy, DEFAULT_ALARM_POLICY, type OverrideIssue } from './policy';

/** Where alarms live (CloudWatch in AWS, the local cloud in tests). */
export interface AlarmStore {
  /** Every metric alarm whose name starts with `prefix`, with its tags. */
  list(prefix: string): Promise<ExistingAlarm[]>;
  /** Creates an alarm with its tags. */
  create(alarm: AlarmSpec): Promise<void>;
  /**
   * Brings an existing alarm to `alarm`: with `configuration`, replaces its configuration (PutMetricAlarm, keeping
   * `actionsEnabled` as it is); with `tags`, writes its tags (CloudWatch ignores tags when PutMetricAlarm updates).
   */
  update(
    alarm: AlarmSpec,
    options: { arn: string; actionsEnabled: boolean; configuration: boolean; tags: boolean },
  ): Promise<void>;
  /** Deletes alarms by name (unknown names are ignored). */
  delete(names: readonly string[]): Promise<void>;
}

/** Where RabbitMQ node names come from (the CloudWatch `Node` dimension). */
export interface RabbitNodeDirectory {
  /** Node names by broker name, for the brokers whose nodes publish metrics. */
  rabbitNodes(): Promise<Map<string, string[]>>;
}

/** A configuration field of an alarm that can drift. */
export type DriftField =
  | 'description'
  | 'metric'
  | 'statistic'
  | 'period'
  | 'metrics'
  | 'evaluationPeriods'
  | 'datapointsToAlarm'
  | 'threshold'
  | 'comparison'
  | 'treatMissingData'
  | 'alarmActions'
  | 'okActions'
  | 'tags';

export interface AlarmUpdate {
  alarm: DesiredAlarm;
  existing: ExistingAlarm;
  /** What differs; `tags` alone means only the managed tags need rewriting. */
  fields: DriftField[];
}

export interface AlarmConflict {
  alarm: DesiredAlarm;
  existing: ExistingAlarm;
  reason: string;
}

/** What it takes to go from the existing alarms to the desired ones. */
export interface AlarmPlan {
  create: DesiredAlarm[];
  update: AlarmUpdate[];
  /** Only alarms mqops owns (name prefix and managed tag). */
  delete: ExistingAlarm[];
  unchanged: DesiredAlarm[];
  /** Desired alarms whose name an alarm mqops does not own already uses: left alone. */
  conflicts: AlarmConflict[];
}

/** True when mqops owns the alarm: the name prefix and the tag `mqops:managed` = `true`. */
export function isOwned(alarm: Pick<AlarmSpec, 'name' | 'tags'>): boolean {
  return alarm.name.startsWith(ALARM_NAME_PREFIX) && alarm.tags[ALARM_TAGS.MANAGED] === 'true';
}

const sortedDims = (d: readonly { name: string; value: string }[]) =>
  [...d].sort((a, b) => a.name.localeCompare(b.name) || a.value.localeCompare(b.value));

const metricKey = (m: SingleMetric) => JSON.stringify([m.namespace, m.metricName, sortedDims(m.dimensions)]);

/** A metric-math query in a comparable form, without its period (compared on its own). */
const queryKey = (q: MetricQuery) =>
  JSON.stringify([
    q.id,
    q.returnData,
    q.label ?? null,
    q.expression ?? null,
    q.metric ? [q.metric.namespace, q.metric.metricName, sortedDims(q.metric.dimensions)] : null,
    q.stat ?? null,
  ]);

const byId = (a: MetricQuery, b: MetricQuery) => a.id.localeCompare(b.id);
const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

/**
 * The fields in which an existing alarm differs from the desired one. Actions compare as sets; dimensions in any
 * order; only the tags mqops sets are compared (other tags on the alarm are left alone).
 */
export function driftOf(desired: AlarmSpec, existing: AlarmSpec): DriftField[] {
  const fields: DriftField[] = [];
  if (desired.description !== existing.description) fields.push('description');
  if (desired.metric || existing.metric) {
    const d = desired.metric;
    const e = existing.metric;
    if (!d || !e) fields.push('metric');
    else {
      if (metricKey(d) !== metricKey(e)) fields.push('metric');
      if (d.statistic !== e.statistic) fields.push('statistic');
      if (d.period !== e.period) fields.push('period');
    }
  }
  if (desired.metrics || existing.metrics) {
    const d = [...(desired.metrics ?? [])].sort(byId);
    const e = [...(existing.metrics ?? [])].sort(byId);
    if (d.length !== e.length || d.some((q, i) => queryKey(q) !== queryKey(e[i] as MetricQuery)))
      fields.push('metrics');
    else if (d.some((q, i) => q.metric && q.period !== (e[i] as MetricQuery).period)) fields.push('period');
  }
  if (desired.evaluationPeriods !== existing.evaluationPeriods) fields.push('evaluationPeriods');
  if (desired.datapointsToAlarm !== existing.datapointsToAlarm) fields.push('datapointsToAlarm');
  if (desired.threshold !== existing.threshold) fields.push('threshold');
  if (desired.comparison !== existing.comparison) fields.push('comparison');
  if (desired.treatMissingData !== existing.treatMissingData) fields.push('treatMissingData');
  if (!sameList(desired.alarmActions, existing.alarmActions)) fields.push('alarmActions');
  if (!sameList(desired.okActions, existing.okActions)) fields.push('okActions');
  if (Object.entries(desired.tags).some(([k, v]) => existing.tags[k] !== v)) fields.push('tags');
  return fields;
}

/** Options of {@link planAlarms}. */
export interface PlanOptions {
  /**
   * Brokers whose alarms must not be deleted even if no desired alarm matches them (a broker that exists but could
   * not be described this run).
   */
  keepBrokerIds?: ReadonlySet<string>;
}

/**
 * The pure diff between desired and existing alarms: create what is missing, update what drifted (naming the
 * fields), delete owned alarms nothing desires any more (brokers that are gone, alarms turned off), and leave
 * everything else alone. Alarms mqops does not own are never updated or deleted.
 */
export function planAlarms(
  desired: readonly DesiredAlarm[],
  existing: readonly ExistingAlarm[],
  options: PlanOptions = {},
): AlarmPlan {
  const plan: AlarmPlan = { create: [], update: [], delete: [], unchanged: [], conflicts: [] };
  const existingByName = new Map(existing.map((a) => [a.name, a]));
  const wanted = new Set<string>();
  for (const alarm of desired) {
    if (wanted.has(alarm.name)) continue; // one alarm per name (the first wins)
    wanted.add(alarm.name);
    const current = existingByName.get(alarm.name);
    if (!current) plan.create.push(alarm);
    else if (!isOwned(current))
      plan.conflicts.push({
        alarm,
        existing: current,
        reason: `an alarm named ${alarm.name} exists without the tag ${ALARM_TAGS.MANAGED}=true: not mqops', left alone`,
      });
    else {
      const fields = driftOf(alarm, current);
      if (fields.length) plan.update.push({ alarm, existing: current, fields });
      else plan.unchanged.push(alarm);
    }
  }
  for (const alarm of existing) {
    if (wanted.has(alarm.name) || !isOwned(alarm)) continue;
    const brokerId = alarm.tags[ALARM_TAGS.BROKER];
    if (brokerId && options.keepBrokerIds?.has(brokerId)) continue;
    plan.delete.push(alarm);
  }
  return plan;
}

/** Options of {@link reconcileAlarms}. */
export interface ReconcileOptions {
  /** Default {@link DEFAULT_ALARM_POLICY}. */
  policy?: AlarmPolicy;
  /** Alarm (and OK) actions, e.g. the alert topic ARN. */
  alarmActions?: readonly string[];
  /** Plan only: report what would change, write nothing. */
  dryRun?: boolean;
  /**
   * A guard against mass deletion: when the plan deletes more alarms than this, no alarm is deleted this run (the
   * rest is applied) and the report says why. Default: no limit.
   */
  maxDeletes?: number;
  /** Parallel DescribeBroker and alarm writes. Default 4. */
  concurrency?: number;
  /** Called as brokers are described (the long part of a large fleet), for a progress bar. */
  onProgress?: (done: number, total: number) => void;
  /** The account and region reconciled (`self/eu-west-1`), as the outcome's gaps name it. Default `self`. */
  target?: string;
}

/** Ports the reconciler works through. */
export interface ReconcileDeps {
  inventory: BrokerInventory;
  alarms: AlarmStore;
  /** Node names for per-node RabbitMQ cluster alarms; without it clusters get only broker-level alarms. */
  nodes?: RabbitNodeDirectory;
}

/** What happened to one broker's alarms. */
export interface BrokerAlarmReport {
  brokerId: string;
  brokerName?: string;
  engine?: Engine;
  deploymentMode?: DeploymentMode;
  /** The instance type cap-based thresholds follow. */
  instanceType?: string;
  /** The broker no longer exists (or is being deleted): its alarms are removed. */
  gone: boolean;
  desired: number;
  created: string[];
  updated: { name: string; fields: DriftField[] }[];
  deleted: string[];
  unchanged: number;
  /** Override tags that took effect. */
  overrides: string[];
  /** Override tags that did not parse (ignored). */
  issues: OverrideIssue[];
  notes: string[];
}

/** The reconciler's report. */
export interface AlarmReconcileReport {
  dryRun: boolean;
  brokers: number;
  desired: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  /** Write calls made: one per create, one per configuration update, one per retag, one per 100 deletes. */
  writes: number;
  conflicts: { name: string; reason: string }[];
  perBroker: BrokerAlarmReport[];
  /** Every bad override tag, with its broker. */
  issues: (OverrideIssue & { brokerId: string; brokerName: string })[];
  /**
   * The listing that failed (nothing reconciled), brokers that could not be described and alarms that could not be
   * written; the run went on where it could.
   */
  errors: { brokerId?: string; alarm?: string; message: string }[];
  notes: string[];
  /**
   * Complete when every broker listed was reconciled (every write it needed made); partial with a gap per broker
   * not described or whose node names were unreadable (its alarms left as they are) and per alarm not written;
   * failed when the brokers or the existing alarms could not be listed (nothing changed) or no broker was
   * reconciled. `covered` counts the brokers reconciled. A conflict (a foreign alarm with a desired name) and
   * the maxDeletes guard are decisions the report states, not gaps.
   */
  outcome: JobOutcome;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Reconciles the alarms of every broker in the inventory: lists the brokers, computes each one's desired alarms,
 * lists the alarms mqops may own, and applies the plan. When everything is in sync it writes nothing.
 *
 * A broker that cannot be described keeps its alarms (reported as an error and a gap); one that no longer exists,
 * or is being deleted, loses them. When the brokers or the existing alarms cannot be listed nothing is changed (an
 * empty listing would delete every alarm) and the outcome is failed; it never throws for an AWS error.
 *
 * @example
 * const report = await reconcileAlarms(
 *   { inventory: new MqBrokerInventory(), alarms: store, nodes: store },
 *   { alarmActions: [topicArn] },
 * );
 */
export async function reconcileAlarms(
  deps: ReconcileDeps,
  options: ReconcileOptions = {},
): Promise<AlarmReconcileReport> {
  const concurrency = options.concurrency ?? 4;
  const dryRun = options.dryRun ?? false;
  const target = options.target ?? 'self';
  const errors: AlarmReconcileReport['errors'] = [];
  const notes: string[] = [];
  const gaps: CoverageGap[] = [];
  /** Nothing can be reconciled without the brokers and the existing alarms: change nothing, report why. */
  const failed = (what: string, error: unknown): AlarmReconcileReport => {
    errors.push({ message: `${what} failed, no alarm changed: ${message(error)}` });
    gaps.push({ target, reason: `not reconciled: ${what} failed: ${message(error)}` });
    return { ...emptyReport(dryRun), errors, notes, outcome: outcomeOf(0, gaps, true) };
  };
  let refs: BrokerRef[];
  try {
    refs = await deps.inventory.list();
  } catch (error) {
    return failed('ListBrokers', error);
  }
  const keepBrokerIds = new Set<string>();
  let done = 0;
  const described = await mapBounded(refs, concurrency, async (ref): Promise<Broker | undefined> => {
    try {
      return await deps.inventory.describe(ref.id);
    } catch (error) {
      if (error instanceof BrokerNotFoundError) return undefined; // deleted since the list: its alarms go
      keepBrokerIds.add(ref.id);
      errors.push({ brokerId: ref.id, message: `not described, alarms left as they are: ${message(error)}` });
      gaps.push({
        target,
        broker: ref.name,
        reason: `not described, alarms left as they are: ${message(error)}`,
      });
      return undefined;
    } finally {
      options.onProgress?.(++done, refs.length);
    }
  });
  let brokers = described.filter((b): b is Broker => b !== undefined);

  let nodes = new Map<string, string[]>();
  const isCluster = (b: Broker) => b.engine === 'RABBITMQ' && b.deploymentMode === 'CLUSTER_MULTI_AZ';
  if (deps.nodes && brokers.some(isCluster)) {
    try {
      nodes = await deps.nodes.rabbitNodes();
    } catch (error) {
      // Without node names a cluster's per-node alarms would look unwanted: leave the clusters' alarms alone.
      for (const broker of brokers.filter(isCluster)) {
        keepBrokerIds.add(broker.id);
        errors.push({
          brokerId: broker.id,
          message: `node names unavailable, alarms left as they are: ${message(error)}`,
        });
        gaps.push({
          target,
          broker: broker.name,
          reason: `node names unavailable, alarms left as they are: ${message(error)}`,
        });
      }
      brokers = brokers.filter((b) => !isCluster(b));
    }
  }

  const policy = options.policy ?? DEFAULT_ALARM_POLICY;
  const perBroker = new Map<string, BrokerAlarmReport>();
  const desired: DesiredAlarm[] = [];
  const issues: AlarmReconcileReport['issues'] = [];
  for (const broker of brokers) {
    const result = desiredAlarms(broker, {
      policy,
      alarmActions: options.alarmActions ?? [],
      rabbitNodes: nodes.get(broker.name) ?? [],
    });
    desired.push(...result.alarms);
    for (const issue of result.issues)
      issues.push({ ...issue, brokerId: broker.id, brokerName: broker.name });
    perBroker.set(broker.id, {
      brokerId: broker.id,
      brokerName: broker.name,
      engine: broker.engine,
      deploymentMode: broker.deploymentMode,
      instanceType: result.instanceType,
      gone: broker.state === 'DELETION_IN_PROGRESS',
      desired: result.alarms.length,
      created: [],
      updated: [],
      deleted: [],
      unchanged: 0,
      overrides: result.applied,
      issues: result.issues,
      notes: result.notes,
    });
  }

  let existing: ExistingAlarm[];
  try {
    existing = await deps.alarms.list(ALARM_NAME_PREFIX);
  } catch (error) {
    return failed('listing the existing alarms', error);
  }
  const plan = planAlarms(desired, existing, { keepBrokerIds });
  const reportOf = (brokerId: string, brokerName?: string): BrokerAlarmReport => {
    let report = perBroker.get(brokerId);
    if (!report) {
      report = {
        brokerId,
        ...(brokerName ? { brokerName } : {}),
        gone: true,
        desired: 0,
        created: [],
        updated: [],
        deleted: [],
        unchanged: 0,
        overrides: [],
        issues: [],
        notes: ['broker no longer exists: its alarms are deleted'],
      };
      perBroker.set(brokerId, report);
    }
    return report;
  };

  let deletes = plan.delete;
  if (options.maxDeletes !== undefined && deletes.length > options.maxDeletes) {
    notes.push(
      `the plan deletes ${deletes.length} alarms, more than maxDeletes (${options.maxDeletes}): nothing deleted this run`,
    );
    deletes = [];
  }

  let writes = 0;
  /** Brokers (by id) with a write that failed: not reconciled this run. */
  const unfinished = new Set<string>();
  /**
   * Makes one write (none in a dry run). When it fails: an error, and a gap for each alarm it left as it was
   * (`brokerId`, and the broker's name when known, name the broker); their brokers are not reconciled this run.
   */
  const write = async (
    what: 'created' | 'updated' | 'deleted',
    alarms: readonly { name: string; brokerId: string; brokerName?: string | undefined }[],
    work: () => Promise<number>,
  ): Promise<boolean> => {
    if (dryRun) return true;
    try {
      // Read the count first: `writes += await …` would add to a stale value under concurrency.
      const made = await work();
      writes += made;
      return true;
    } catch (error) {
      errors.push({ alarm: alarms.map((a) => a.name).join(', '), message: message(error) });
      for (const alarm of alarms) {
        unfinished.add(alarm.brokerId);
        gaps.push({
          target,
          broker: alarm.brokerName ?? perBroker.get(alarm.brokerId)?.brokerName ?? alarm.brokerId,
          check: alarm.name,
          reason: `not ${what}: ${message(error)}`,
        });
      }
      return false;
    }
  };

  await mapBounded(plan.create, concurrency, async (alarm) => {
    const done = await write('created', [alarm], async () => {
      await deps.alarms.create(alarm);
      return 1;
    });
    if (done) reportOf(alarm.brokerId).created.push(alarm.name);
  });
  await mapBounded(plan.update, concurrency, async ({ alarm, existing: current, fields }) => {
    const tags = fields.includes('tags');
    const configuration = fields.some((f) => f !== 'tags');
    const done = await write('updated', [alarm], async () => {
      await deps.alarms.update(alarm, {
        arn: current.arn,
        actionsEnabled: current.actionsEnabled,
        configuration,
        tags,
      });
      return (configuration ? 1 : 0) + (tags ? 1 : 0);
    });
    if (done) reportOf(alarm.brokerId).updated.push({ name: alarm.name, fields });
  });
  if (deletes.length > 0) {
    const names = deletes.map((a) => a.name);
    const owners = deletes.map((a) => ({
      name: a.name,
      brokerId: a.tags[ALARM_TAGS.BROKER] ?? '(untagged)',
      brokerName: a.tags[ALARM_TAGS.BROKER_NAME],
    }));
    const done = await write('deleted', owners, async () => {
      await deps.alarms.delete(names);
      return Math.ceil(names.length / 100);
    });
    if (done)
      for (const alarm of deletes)
        reportOf(
          alarm.tags[ALARM_TAGS.BROKER] ?? '(untagged)',
          alarm.tags[ALARM_TAGS.BROKER_NAME],
        ).deleted.push(alarm.name);
  }
  for (const alarm of plan.unchanged) reportOf(alarm.brokerId).unchanged += 1;

  const reports = [...perBroker.values()].sort(
    (a, b) =>
      (a.brokerName ?? a.brokerId).localeCompare(b.brokerName ?? b.brokerId) ||
      a.brokerId.localeCompare(b.brokerId),
  );
  for (const r of reports) {
    r.created.sort();
    r.deleted.sort();
    r.updated.sort((a, b) => a.name.localeCompare(b.name));
  }
  const count = (pick: (r: BrokerAlarmReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
  return {
    dryRun,
    brokers: brokers.length,
    desired: desired.length,
    created: count((r) => r.created.length),
    updated: count((r) => r.updated.length),
    deleted: count((r) => r.deleted.length),
    unchanged: plan.unchanged.length,
    writes,
    conflicts: plan.conflicts.map((c) => ({ name: c.alarm.name, reason: c.reason })),
    perBroker: reports,
    issues,
    errors,
    notes,
    outcome: outcomeOf(brokers.filter((b) => !unfinished.has(b.id)).length, gaps),
  };
}

/** A report of a run that changed nothing. */
const emptyReport = (dryRun: boolean) => ({
  dryRun,
  brokers: 0,
  desired: 0,
  created: 0,
  updated: 0,
  deleted: 0,
  unchanged: 0,
  writes: 0,
  conflicts: [],
  perBroker: [],
  issues: [],
});
