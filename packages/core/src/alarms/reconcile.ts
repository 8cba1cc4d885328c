/**
 * The alarm reconciler: keeps every broker's CloudWatch alarms equal to the desired set. A pure diff
 * ({@link planAlarms}) and the use case ({@link reconcileAlarms}) over two ports: the broker inventory and an
 * {@link AlarmStore}.
 *
 * Ownership: mqops only ever updates or deletes an alarm whose name starts with {@link ALARM_NAME_PREFIX} and that
 * it recognises as its own:
 * - by the marker line that ends the description of every alarm it writes (`mqops:managed v=1 broker=<id>
 *   broker-name=<name> key=<key> [node=<node>]`, {@link parseAlarmMarker}), consistent with the alarm's name. This
 *   comes with DescribeAlarms: a run over alarms that all carry it reads no tags (no ListTagsForResource at all).
 * - else by the tag `mqops:managed` = `true`: the alarms of mqops versions before the marker. Their tags are read
 *   (one ListTagsForResource per alarm with the prefix and without a valid marker, and only for those), and the
 *   update that writes the marker into their description adopts them: from the next run on they cost no tag read.
 *
 * An alarm with the prefix but neither (made by hand, or with `mqops:managed` other than `true`) is someone else's:
 * never changed or deleted, listed in the report as `unowned`, and a desired alarm with its name is reported as a
 * conflict instead of taking it over. Its tags are read on every run (one call each) to tell it from an older
 * mqops alarm. An alarm without the prefix is never read further nor touched.
 *
 * Tags are written when an alarm is created, and rewritten (TagResource) when what the marker says (broker, key,
 * node) differs from the desired alarm (the marker records what mqops last wrote to the tags). They are not read
 * back on every run: a tag edited by hand on a marked alarm stays until the marker line is removed from its
 * description (the next run then reads its tags once, repairs them and writes the marker again).
 *
 * An update is made only when something differs: the configuration DescribeAlarms returns is compared field by
 * field with the desired one (edits made in the console are reverted), so a run over an in-sync fleet makes no
 * write call.
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
  parseAlarmMarker,
  type SingleMetric,
} from './desired';
import { type AlarmPolicy, DEFAULT_ALARM_POLICY, type OverrideIssue } from './policy';

/** Where alarms live (CloudWatch in AWS, the local cloud in tests). */
export interface AlarmStore {
  /** Every metric alarm whose name starts with `prefix`, with its configuration (DescribeAlarms), without tags. */
  list(prefix: string): Promise<ExistingAlarm[]>;
  /** The tags of one alarm (ListTagsForResource); undefined when the alarm no longer exists. */
  tags(arn: string): Promise<Record<string, string> | undefined>;
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
  /** Only alarms mqops owns ({@link isOwned}). */
  delete: ExistingAlarm[];
  unchanged: DesiredAlarm[];
  /** Desired alarms whose name an alarm mqops does not own already uses: left alone. */
  conflicts: AlarmConflict[];
  /** Existing alarms with the name prefix that mqops does not own: left alone. */
  unowned: ExistingAlarm[];
}

/** An alarm as ownership is decided from: its name, its description and, when they were read, its tags. */
type OwnershipView = { name: string; description: string; tags?: Record<string, string> | undefined };

/**
 * True when mqops owns the alarm: the name prefix, and a valid marker in its description (one that matches the
 * name) or, for alarms of mqops versions before the marker, the tag `mqops:managed` = `true`.
 */
export function isOwned(alarm: OwnershipView): boolean {
  if (!alarm.name.startsWith(ALARM_NAME_PREFIX)) return false;
  return parseAlarmMarker(alarm) !== undefined || alarm.tags?.[ALARM_TAGS.MANAGED] === 'true';
}

/** True when ownership needs the alarm's tags: the name prefix without a valid marker. */
export function needsTags(alarm: Pick<OwnershipView, 'name' | 'description'>): boolean {
  return alarm.name.startsWith(ALARM_NAME_PREFIX) && parseAlarmMarker(alarm) === undefined;
}

/** Whose alarm an owned alarm is: from its marker, else from its tags. */
export function ownerOf(alarm: OwnershipView): { brokerId?: string; brokerName?: string } {
  const marker = parseAlarmMarker(alarm);
  if (marker) return { brokerId: marker.brokerId, brokerName: marker.brokerName };
  const brokerId = alarm.tags?.[ALARM_TAGS.BROKER];
  const brokerName = alarm.tags?.[ALARM_TAGS.BROKER_NAME];
  return { ...(brokerId ? { brokerId } : {}), ...(brokerName ? { brokerName } : {}) };
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

/** The managed tags the marker of an alarm's description says mqops wrote (undefined without a valid marker). */
function markerTags(alarm: Pick<OwnershipView, 'name' | 'description'>): Record<string, string> | undefined {
  const marker = parseAlarmMarker(alarm);
  if (!marker) return undefined;
  return {
    [ALARM_TAGS.MANAGED]: 'true',
    [ALARM_TAGS.BROKER]: marker.brokerId,
    [ALARM_TAGS.BROKER_NAME]: marker.brokerName,
    [ALARM_TAGS.KEY]: marker.key,
    ...(marker.node !== undefined ? { [ALARM_TAGS.NODE]: marker.node } : {}),
  };
}

/**
 * The fields in which an existing alarm differs from the desired one. Actions compare as sets; dimensions in any
 * order. Tags: only the tags mqops sets are compared (other tags on the alarm are left alone), with the tags read
 * when there are (an alarm without a valid marker), else with what its marker says mqops wrote to them.
 */
export function driftOf(
  desired: AlarmSpec,
  existing: Omit<AlarmSpec, 'tags'> & { tags?: Record<string, string> | undefined },
): DriftField[] {
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
  const tags = existing.tags ?? markerTags(existing);
  if (!tags || Object.entries(desired.tags).some(([k, v]) => tags[k] !== v)) fields.push('tags');
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
  const plan: AlarmPlan = { create: [], update: [], delete: [], unchanged: [], conflicts: [], unowned: [] };
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
        reason: `an alarm named ${alarm.name} exists without mqops' marker or the tag ${ALARM_TAGS.MANAGED}=true: not mqops', left alone`,
      });
    else {
      const fields = driftOf(alarm, current);
      if (fields.length) plan.update.push({ alarm, existing: current, fields });
      else plan.unchanged.push(alarm);
    }
  }
  for (const alarm of existing) {
    if (!isOwned(alarm)) {
      if (alarm.name.startsWith(ALARM_NAME_PREFIX)) plan.unowned.push(alarm);
      continue;
    }
    if (wanted.has(alarm.name)) continue;
    const { brokerId } = ownerOf(alarm);
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
  /**
   * Tag reads made (ListTagsForResource): one per alarm with the name prefix and without mqops' marker (alarms of
   * an older mqops version, adopted by this run's update, and alarms mqops does not own); 0 when every alarm with
   * the prefix carries the marker.
   */
  tagReads: number;
  conflicts: { name: string; reason: string }[];
  /**
   * Alarms with the name prefix that mqops does not own (neither its marker nor the tag `mqops:managed` = `true`:
   * made by hand, or by another tool): never changed or deleted.
   */
  unowned: string[];
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
  let tagReads = 0;
  /** Nothing can be reconciled without the brokers and the existing alarms: change nothing, report why. */
  const failed = (what: string, error: unknown): AlarmReconcileReport => {
    errors.push({ message: `${what} failed, no alarm changed: ${message(error)}` });
    gaps.push({ target, reason: `not reconciled: ${what} failed: ${message(error)}` });
    return { ...emptyReport(dryRun), tagReads, errors, notes, outcome: outcomeOf(0, gaps, true) };
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
    const listed = await deps.alarms.list(ALARM_NAME_PREFIX);
    // Tags only where the marker does not say whose the alarm is: alarms of older mqops versions, and foreign ones.
    const read = await mapBounded(listed, concurrency, async (alarm): Promise<ExistingAlarm | undefined> => {
      if (!needsTags(alarm)) return alarm;
      tagReads += 1;
      const tags = await deps.alarms.tags(alarm.arn);
      return tags === undefined ? undefined : { ...alarm, tags }; // undefined: deleted since the listing
    });
    existing = read.filter((a): a is ExistingAlarm => a !== undefined);
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
    const owners = deletes.map((a) => {
      const owner = ownerOf(a);
      return { name: a.name, brokerId: owner.brokerId ?? '(untagged)', brokerName: owner.brokerName };
    });
    const done = await write('deleted', owners, async () => {
      await deps.alarms.delete(names);
      return Math.ceil(names.length / 100);
    });
    if (done) for (const owner of owners) reportOf(owner.brokerId, owner.brokerName).deleted.push(owner.name);
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
    tagReads,
    conflicts: plan.conflicts.map((c) => ({ name: c.alarm.name, reason: c.reason })),
    unowned: plan.unowned.map((a) => a.name).sort(),
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
  tagReads: 0,
  conflicts: [],
  unowned: [],
  perBroker: [],
  issues: [],
});
