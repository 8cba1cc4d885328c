import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchMetricReader } from '@mqops/aws/cloudwatch-metrics';
import { DynamoKeyValueStore } from '@mqops/aws/dynamodb-kv';
import { MqInstanceOptions } from '@mqops/aws/mq-instance-options';
import { MqBrokerInventory } from '@mqops/aws/mq-inventory';
import { PriceListPrices } from '@mqops/aws/pricing';
import { CloudWatchRabbitNodes } from '@mqops/aws/rabbit-nodes';
import type { ClientSettings } from '@mqops/aws/targets';
import {
  type Broker,
  InvalidInputError,
  type KeyValueStore,
  MemoryKeyValueStore,
  mapBounded,
} from '@mqops/core';
import { maintenanceReport } from '@mqops/core/capacity/maintenance';
import { acceptPlan, planFromRecommendation } from '@mqops/core/capacity/plan';
import { tablePrices, withFallback } from '@mqops/core/capacity/prices';
import type { Recommendation } from '@mqops/core/capacity/recommend';
import { type RightsizeDeps, rightsizeFleet } from '@mqops/core/capacity/rightsize';
import { parseConfigFile } from '@mqops/core/config-file';
import { withLocalCloud } from './local';
import type { Io } from './main';
import { progressBar } from './progress';
import { cell, clientSettings, parseOptions, tableOrJson, UsageError } from './usage';

export const RIGHTSIZE_HELP = `mqops rightsize — host instance type recommendations with their monthly cost

Usage:
  mqops rightsize [--local] [--broker NAME|ID]… [--output table|json]
      Reads every broker's CPU, memory/heap, store and connections over the policy's lookback (14 days by default;
      GetMetricData in batches of 500 queries), and recommends an upsize, a downsize, keep, or "not enough data",
      with the reason and the monthly cost delta (AWS Price List API; a shipped price table when it cannot answer).
  mqops rightsize --accept NAME|ID [--table TABLE] [--local]
      Plans that broker's recommended resize. The deployed Resize function applies it inside the broker's
      maintenance window, never while one of its alarms is in ALARM, and rolls back when the post-checks fail.
  mqops maintenance [--local] [--output table|json]
      Every broker's pending changes and the next maintenance window that applies them.

Options:
  --local                    the embedded local cloud with the demo fleet (no AWS account, no network)
  --scenario NAME|FILE       with --local: another fleet
  --config FILE              mqops.config.json (its "capacity" is the policy; default ./mqops.config.json)
  --table TABLE              the deployed state table (default MQOPS_STATE_TABLE) where plans are kept
  --region REGION, --profile NAME`;

function parse(argv: string[]) {
  return parseOptions(argv, {
    local: { type: 'boolean' },
    scenario: { type: 'string' },
    broker: { type: 'string', multiple: true },
    accept: { type: 'string' },
    table: { type: 'string' },
    config: { type: 'string' },
    output: { type: 'string' },
    region: { type: 'string' },
    profile: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
}

type Values = ReturnType<typeof parse>['values'];

interface Target {
  settings: ClientSettings;
  now: () => Date;
  store?: KeyValueStore;
}

/** Runs `use` against AWS (the SDK's standard configuration) or, with --local, an embedded local cloud. */
async function withTarget<T>(values: Values, use: (target: Target) => Promise<T>): Promise<T> {
  const settings: ClientSettings = clientSettings(values);
  if (!values.local) return use({ settings, now: () => new Date() });
  return withLocalCloud({ scenario: values.scenario }, (cloud) =>
    use({
      settings: { ...cloud.clientConfig(), ...settings },
      now: () => cloud.clock.now(),
      store: new MemoryKeyValueStore(),
    }),
  );
}

function loadPolicy(values: Values) {
  let file = values.config;
  let text = '{}';
  if (file) {
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new UsageError(`cannot read the config file ${file}`);
    }
  } else {
    try {
      text = readFileSync('mqops.config.json', 'utf8');
      file = 'mqops.config.json';
    } catch {
      // No config file: the defaults.
    }
  }
  return parseConfigFile(text, file ?? 'configuration').capacity;
}

function deps(target: Target, values: Values): RightsizeDeps {
  return {
    inventory: new MqBrokerInventory(target.settings),
    metrics: new CloudWatchMetricReader(new CloudWatchClient(target.settings)),
    nodes: new CloudWatchRabbitNodes(new CloudWatchClient(target.settings)),
    options: new MqInstanceOptions(target.settings),
    // The Price List API lives in us-east-1 (and ap-south-1) whatever the brokers' region.
    prices: withFallback(new PriceListPrices({ ...target.settings, region: 'us-east-1' }), tablePrices()),
    policy: loadPolicy(values),
    now: target.now,
  };
}

const money = (usd: number) => `${usd >= 0 ? '+' : '−'}$${Math.abs(usd).toFixed(2)}`;

/** The reason that decided: for a kept broker whose metrics breach, the last (why nothing can be done). */
const why = (r: Recommendation) => (r.action === 'keep' ? r.reasons.at(-1) : r.reasons[0]) ?? '';

function table(recs: Recommendation[], io: Io): void {
  const w = Math.max(6, ...recs.map((r) => r.brokerName.length));
  io.out(
    `${cell('BROKER', w)}  ${cell('ENGINE', 8)}  ${cell('MODE', 23)}  ${cell('TYPE', 13)}  ${cell('ACTION', 15)}  ${cell('TO', 13)}  ${cell('$/MONTH', 11)}  WHY`,
  );
  for (const r of recs) {
    const delta = r.monthlyCostDelta
      ? `${money(r.monthlyCostDelta.usd)}${r.monthlyCostDelta.source === 'table' ? '*' : ''}`
      : '-';
    io.out(
      `${cell(r.brokerName, w)}  ${cell(r.engine, 8)}  ${cell(r.deploymentMode, 23)}  ${cell(r.from, 13)}  ${cell(r.action, 15)}  ${cell(r.to ?? '-', 13)}  ${cell(delta, 11)}  ${why(r)}`,
    );
  }
  const resizes = recs.filter((r) => r.action === 'upsize' || r.action === 'downsize');
  const total = resizes.reduce((sum, r) => sum + (r.monthlyCostDelta?.usd ?? 0), 0);
  io.out(
    `\n${recs.length} brokers: ${resizes.length} to resize (${money(total)} per month if all are applied)` +
      `${recs.some((r) => r.monthlyCostDelta?.source === 'table') ? '; * priced from the shipped table' : ''}.`,
  );
}

/** `mqops rightsize …`; returns the exit code. */
export async function rightsizeCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help) {
    io.out(RIGHTSIZE_HELP);
    return 0;
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const output = tableOrJson(values.output);
  const table_ = values.table ?? process.env.MQOPS_STATE_TABLE;
  if (values.accept && !values.local && !table_)
    throw new UsageError(
      '--accept needs the state table: --table NAME or MQOPS_STATE_TABLE (the sst deploy output State)',
    );
  return withTarget(values, async (target) => {
    const d = deps(target, values);
    if (values.accept) {
      const report = await rightsizeFleet(d, { brokers: [values.accept] });
      const rec = report.recommendations[0];
      if (!rec)
        throw new InvalidInputError(`broker ${values.accept}: ${report.errors[0]?.error ?? 'not assessed'}`);
      const plan = planFromRecommendation(rec, {
        source: 'cli',
        now: target.now(),
        policy: d.policy,
        acceptedBy: userInfo().username,
      });
      const store = target.store ?? new DynamoKeyValueStore(table_ as string, target.settings);
      const outcome = await acceptPlan(store, plan);
      if (output === 'json') io.out(JSON.stringify(outcome, null, 2));
      else if (!outcome.accepted) io.out(`Not planned: ${outcome.reason}.`);
      else
        io.out(
          `Planned: broker ${plan.brokerName} ${plan.from} → ${plan.to}` +
            `${plan.monthlyCostDelta ? ` (${money(plan.monthlyCostDelta.usd)} per month)` : ''}. ` +
            `It is applied in its maintenance window by the Resize function; the plan expires ${plan.expiresAt}.` +
            `${target.store ? ' (--local: the plan lives only for this command.)' : ''}`,
        );
      return outcome.accepted ? 0 : 1;
    }
    const bar = io.progress ? progressBar(io.progress, 'measuring') : undefined;
    const report = await rightsizeFleet(
      { ...d, onProgress: (done, total) => bar?.update(done, total) },
      values.broker?.length ? { brokers: values.broker } : {},
    ).finally(() => bar?.end());
    if (output === 'json') io.out(JSON.stringify({ ...report, brokers: undefined }, null, 2));
    else table(report.recommendations, io);
    for (const e of report.errors) io.err(`mqops: broker ${e.broker} not assessed: ${e.error}`);
    return 0;
  });
}

/** `mqops maintenance …`; returns the exit code. */
export async function maintenanceCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help) {
    io.out(RIGHTSIZE_HELP);
    return 0;
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const output = tableOrJson(values.output);
  return withTarget(values, async (target) => {
    const inventory = new MqBrokerInventory(target.settings);
    const refs = await inventory.list();
    const bar = io.progress ? progressBar(io.progress, 'reading brokers') : undefined;
    let done = 0;
    const brokers: Broker[] = await mapBounded(refs, 8, async (r) => {
      const broker = await inventory.describe(r.id);
      bar?.update(++done, refs.length);
      return broker;
    }).finally(() => bar?.end());
    const entries = maintenanceReport(brokers, target.now());
    if (output === 'json') {
      io.out(JSON.stringify(entries, null, 2));
      return 0;
    }
    const w = Math.max(6, ...entries.map((e) => e.brokerName.length));
    io.out(
      `${cell('BROKER', w)}  ${cell('STATE', 9)}  ${cell('NEXT WINDOW (UTC)', 17)}  ${cell('LOCAL', 25)}  PENDING (applied then)`,
    );
    for (const e of entries) {
      const next = e.current ?? e.next;
      const when = next
        ? `${next.startUtc.slice(0, 16).replace('T', ' ')}${e.current ? ' now' : ''}`
        : e.problem
          ? 'unreadable'
          : '-';
      io.out(
        `${cell(e.brokerName, w)}  ${cell(e.state, 9)}  ${cell(when, 17)}  ${cell(next?.startLocal.slice(0, 16).replace('T', ' ') ?? '-', 25)}  ${
          e.pending.map((p) => p.text).join('; ') || '-'
        }`,
      );
    }
    const applying = entries.filter((e) => e.willApply).length;
    io.out(`\n${entries.length} brokers; ${applying} will apply pending changes at their next window.`);
    return 0;
  });
}
