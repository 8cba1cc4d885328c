import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  type CompositeAlarm,
  type DescribeAlarmsCommandInput,
  ListTagsForResourceCommand,
  type MetricAlarm,
  paginateDescribeAlarms,
} from '@aws-sdk/client-cloudwatch';
import { type Broker, errorText, MqopsError } from '@mqops/core';
import type { AlarmStates } from '@mqops/core/capacity/ports';
import { mapBounded } from '@mqops/core/concurrency';

/**
 * The `Broker` dimension values of a broker's metrics: `<name>-1` / `<name>-2` for ActiveMQ (per instance; the name
 * alone too, for alarms written that way), the name for RabbitMQ.
 */
export function brokerDimensionValues(broker: Pick<Broker, 'name' | 'engine'>): string[] {
  return broker.engine === 'RABBITMQ' ? [broker.name] : [broker.name, `${broker.name}-1`, `${broker.name}-2`];
}

const NAMESPACE = 'AWS/AmazonMQ';

/** The tag that ties any alarm (an application's, a composite) to a broker: its value is the broker id or name. */
export const ALARM_BROKER_TAG = 'mqops:broker';

/**
 * The most ListTagsForResource calls one guard makes. Only alarms in ALARM that nothing else ties to the broker (and
 * the alarms their composite parents in ALARM reference) need their tags read; past this many the guard cannot tell
 * and fails closed, rather than call CloudWatch without bound or hold nothing.
 */
export const MAX_TAG_READS = 20;

/** Parallel ListTagsForResource calls. */
export const TAG_READ_CONCURRENCY = 4;

/** How long tags read once are reused (one tick guards several brokers against the same alarms). */
export const TAG_CACHE_MS = 60_000;

/**
 * Levels of composite alarms (a composite whose rule references composites…) the guard follows; deeper, it cannot
 * tell and fails closed. CloudWatch itself allows nesting, but not cycles.
 */
export const MAX_COMPOSITE_DEPTH = 5;

/** The most alarms the composite rules in ALARM may reference in all (CloudWatch: at most 100 per rule). */
export const MAX_REFERENCED_ALARMS = 500;

function watchesBroker(alarm: MetricAlarm, names: Set<string>): boolean {
  const dims = [
    ...(alarm.Namespace === NAMESPACE ? (alarm.Dimensions ?? []) : []),
    ...(alarm.Metrics ?? [])
      .filter((m) => m.MetricStat?.Metric?.Namespace === NAMESPACE)
      .flatMap((m) => m.MetricStat?.Metric?.Dimensions ?? []),
  ];
  return dims.some((d) => d.Name === 'Broker' && d.Value !== undefined && names.has(d.Value));
}

const STATE_FUNCTION = '(?:ALARM|OK|INSUFFICIENT_DATA)';
// Names are separated by commas in AT_LEAST lists, so no name can be split in two: the patterns stay linear on any
// rule (CloudWatch allows 10,240 characters of them).
const RULE_NAME = String.raw`"(?:[^"\\]|\\.)*"|[^\s(),"]+`;
const RULE_REFERENCE = new RegExp(String.raw`\b${STATE_FUNCTION}\s*\(\s*(${RULE_NAME})\s*\)`, 'g');
const RULE_AT_LEAST = new RegExp(
  String.raw`\bAT_LEAST\s*\(\s*\d+(?:\.\d+)?%?\s*,\s*(?:NOT\s+)?${STATE_FUNCTION}\s*,\s*\(\s*((?:${RULE_NAME})(?:\s*,\s*(?:${RULE_NAME}))*)\s*\)\s*\)`,
  'g',
);
const RULE_REST = /^(?:\s|\(|\)|\bAND\b|\bOR\b|\bNOT\b|\bTRUE\b|\bFALSE\b)*$/;
const ALARM_ARN = /^arn:[^:]+:cloudwatch:[^:]*:[^:]*:alarm:(.+)$/;

/** A name as a rule writes it (bare, quoted, or an alarm ARN) → the alarm name. */
function ruleName(token: string): string {
  const bare = token.startsWith('"') ? token.slice(1, -1).replace(/\\(.)/g, '$1') : token;
  return ALARM_ARN.exec(bare)?.[1] ?? bare;
}

/**
 * The alarms a composite alarm's AlarmRule references, by name (`ALARM(x)`, `OK("x")`, `INSUFFICIENT_DATA(arn…)`,
 * `AT_LEAST(2, ALARM, (x, y))`), or undefined when the rule has parts this does not understand (then nobody can tell
 * which alarms it watches).
 *
 * @example
 * alarmRuleReferences('ALARM("mqops-orders-down") OR ALARM(app-x)'); // ['mqops-orders-down', 'app-x']
 */
export function alarmRuleReferences(rule: string): string[] | undefined {
  const names: string[] = [];
  const rest = rule
    .replace(RULE_AT_LEAST, (_all, list: string) => {
      for (const m of list.matchAll(new RegExp(RULE_NAME, 'g'))) names.push(ruleName(m[0]));
      return ' TRUE ';
    })
    .replace(RULE_REFERENCE, (_all, name: string) => {
      names.push(ruleName(name));
      return ' TRUE ';
    });
  return RULE_REST.test(rest) ? [...new Set(names)] : undefined;
}

/** An alarm as the guard knows it. */
interface Known {
  name: string;
  arn?: string;
  inAlarm: boolean;
  /** The broker's by its metric dimensions or its tag, or through the alarms its rule references. */
  concerns: boolean;
  /** A composite's references; undefined for a metric alarm. */
  references?: string[];
  /** A composite whose rule could not be read. */
  unreadableRule?: boolean;
}

const shortList = (names: readonly string[]) =>
  names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');

/**
 * The broker's alarms in ALARM: every alarm of the account in state ALARM that concerns the broker:
 * - (a) a metric alarm whose metric — or a metric of its math — has the broker's `Broker` dimension in AWS/AmazonMQ;
 * - (b) any alarm, metric or composite (an application's alarm, say), tagged `mqops:broker` = the broker's id, name
 *   or ARN;
 * - (c) a composite alarm whose AlarmRule references, directly or through other composites, an alarm of (a) or (b),
 *   in whatever state that one is.
 * Alarms mqops did not create count too.
 *
 * Calls: DescribeAlarms with StateValue ALARM for both kinds of alarm (paged: only alarms in ALARM, few); for the
 * alarms that composite alarms in ALARM reference, DescribeAlarms by name (100 a call, any state); and
 * ListTagsForResource only for the alarms that neither their metrics nor their rule tie to the broker yet, at most
 * {@link MAX_TAG_READS} (tags read in the last {@link TAG_CACHE_MS} are reused). Every doubt fails closed: a failed
 * call, more alarms to read than the bounds allow, or a composite rule that cannot be read throws, so the guard holds
 * its step ("no alarm known" is not "no alarm in ALARM").
 * IAM: `cloudwatch:DescribeAlarms` (on `*`: CloudWatch answers composite alarms only then),
 * `cloudwatch:ListTagsForResource`.
 */
export class CloudWatchAlarmStates implements AlarmStates {
  private readonly client: CloudWatchClient;
  private readonly tagCache = new Map<string, { at: number; tags: Map<string, string> }>();

  constructor(client: CloudWatchClient | CloudWatchClientConfig = {}) {
    this.client = client instanceof CloudWatchClient ? client : new CloudWatchClient(client);
  }

  async inAlarm(broker: Broker): Promise<string[]> {
    const dimensions = new Set(brokerDimensionValues(broker));
    const known = new Map<string, Known>();
    const add = (alarm: MetricAlarm | CompositeAlarm, composite: boolean) => {
      const name = alarm.AlarmName;
      if (!name || known.has(name)) return;
      const references = composite
        ? alarmRuleReferences((alarm as CompositeAlarm).AlarmRule ?? '')
        : undefined;
      known.set(name, {
        name,
        ...(alarm.AlarmArn ? { arn: alarm.AlarmArn } : {}),
        inAlarm: alarm.StateValue === 'ALARM',
        concerns: !composite && watchesBroker(alarm as MetricAlarm, dimensions),
        ...(composite ? { references: references ?? [], unreadableRule: references === undefined } : {}),
      });
    };
    const describe = async (input: DescribeAlarmsCommandInput) => {
      try {
        for await (const page of paginateDescribeAlarms({ client: this.client }, input)) {
          for (const alarm of page.MetricAlarms ?? []) add(alarm, false);
          for (const alarm of page.CompositeAlarms ?? []) add(alarm, true);
        }
      } catch (error) {
        throw this.failure('DescribeAlarms', broker, error);
      }
    };

    await describe({ StateValue: 'ALARM', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] });
    const firing = [...known.values()].filter((a) => a.inAlarm);

    // The alarms the composites in ALARM reference (any state), level by level.
    let parents = firing.filter((a) => a.references);
    let referenced = 0;
    for (let depth = 0; parents.length; depth++) {
      const missing = [...new Set(parents.flatMap((p) => p.references ?? []))].filter((n) => !known.has(n));
      if (!missing.length) break;
      referenced += missing.length;
      if (depth >= MAX_COMPOSITE_DEPTH || referenced > MAX_REFERENCED_ALARMS)
        throw this.cannotTell(
          broker,
          `the composite alarms in ALARM nest deeper than ${MAX_COMPOSITE_DEPTH} levels or reference more than ` +
            `${MAX_REFERENCED_ALARMS} alarms`,
        );
      const before = new Set(known.keys());
      for (let i = 0; i < missing.length; i += 100)
        await describe({
          AlarmNames: missing.slice(i, i + 100),
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        });
      // A referenced alarm that no longer exists is in no state: it ties nothing to the broker.
      parents = [...known.values()].filter((a) => !before.has(a.name) && a.references);
    }

    const propagate = () => {
      const visiting = new Set<string>();
      const concerns = (alarm: Known): boolean => {
        if (alarm.concerns) return true;
        if (!alarm.references || visiting.has(alarm.name)) return false;
        visiting.add(alarm.name);
        const found = alarm.references.some((n) => {
          const child = known.get(n);
          return child !== undefined && concerns(child);
        });
        visiting.delete(alarm.name);
        if (found) alarm.concerns = true;
        return found;
      };
      for (const alarm of firing) concerns(alarm);
    };
    propagate();

    // Tags, for what nothing else tied to the broker: each undecided alarm in ALARM, and everything below an
    // undecided composite in ALARM (one of those tagged for the broker makes the composite the broker's).
    const needTags = new Map<string, Known>();
    const collect = (alarm: Known) => {
      if (alarm.concerns || needTags.has(alarm.name)) return;
      needTags.set(alarm.name, alarm);
      for (const n of alarm.references ?? []) {
        const child = known.get(n);
        if (child) collect(child);
      }
    };
    for (const alarm of firing) collect(alarm);
    const reads = [...needTags.values()].filter((a) => a.arn && !this.cachedTags(a.arn));
    if (reads.length > MAX_TAG_READS)
      throw this.cannotTell(
        broker,
        `${reads.length} alarms (${shortList(reads.map((a) => a.name))}) would need their tags read, more than ` +
          `${MAX_TAG_READS}`,
      );
    await mapBounded(reads, TAG_READ_CONCURRENCY, (alarm) => this.readTags(alarm.arn as string, broker));
    const ids = new Set([broker.id, broker.name, ...(broker.arn ? [broker.arn] : [])]);
    for (const alarm of needTags.values()) {
      const value = alarm.arn ? this.cachedTags(alarm.arn)?.get(ALARM_BROKER_TAG) : undefined;
      if (value !== undefined && ids.has(value.trim())) alarm.concerns = true;
    }
    propagate();

    const unreadable = firing.filter((a) => a.unreadableRule && !a.concerns).map((a) => a.name);
    if (unreadable.length)
      throw this.cannotTell(
        broker,
        `the rule of composite alarm${unreadable.length > 1 ? 's' : ''} ${shortList(unreadable)} in ALARM could not be read`,
      );
    return firing
      .filter((a) => a.concerns)
      .map((a) => a.name)
      .sort();
  }

  private cachedTags(arn: string): Map<string, string> | undefined {
    const hit = this.tagCache.get(arn);
    return hit && Date.now() - hit.at < TAG_CACHE_MS ? hit.tags : undefined;
  }

  private async readTags(arn: string, broker: Broker): Promise<void> {
    let tags: Map<string, string>;
    try {
      const out = await this.client.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
      tags = new Map((out.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    } catch (error) {
      // Deleted since DescribeAlarms: it is in no state any more.
      if ((error as { name?: unknown } | null)?.name === 'ResourceNotFoundException') tags = new Map();
      else throw this.failure('ListTagsForResource', broker, error);
    }
    this.tagCache.set(arn, { at: Date.now(), tags });
  }

  private failure(call: string, broker: Broker, error: unknown): MqopsError {
    if (error instanceof MqopsError) return error;
    return new MqopsError(
      `CloudWatch ${call} for broker ${broker.name} failed: ${(error as { name?: string } | null)?.name ?? 'Error'}: ${errorText(error)}`,
      { cause: error },
    );
  }

  private cannotTell(broker: Broker, why: string): MqopsError {
    return new MqopsError(`cannot tell whether an alarm in ALARM concerns broker ${broker.name}: ${why}`);
  }
}
