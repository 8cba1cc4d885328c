import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchMetricReader } from '@mqops/aws/cloudwatch-metrics';
import { DynamoKeyValueStore } from '@mqops/aws/dynamodb-kv';
import { MqInstanceOptions } from '@mqops/aws/mq-instance-options';
import { MqBrokerInventory } from '@mqops/aws/mq-inventory';
import { PriceListPrices } from '@mqops/aws/pricing';
import { CloudWatchRabbitNodes } from '@mqops/aws/rabbit-nodes';
import type { ClientSettings } from '@mqops/aws/targets';
import type { KeyValueStore } from '@mqops/core';
import { maintenanceReport } from '@mqops/core/capacity/maintenance';
import { acceptPlan, planFromRecommendation } from '@mqops/core/capacity/plan';
import { tablePrices, withFallback } from '@mqops/core/capacity/prices';
import type { Recommendation } from '@mqops/core/capacity/recommend';
import { type RightsizeDeps, rightsizeFleet } from '@mqops/core/capacity/rightsize';
import { parseConfigFile } from '@mqops/core/config-file';
import { describeFleet } from '@mqops/core/fleet';
import { EXIT } from '@mqops/core/outcome';
import { checkLocalOptions, localStateStore, withLocalCloud } from './local';
import type { Io } from './main';
import { cliTarget, reportOutcome } from './outcome';
import { progressBar } from './progress';
import { cell, clientSettings, parseOptions, readConfigFile, tableOrJson, UsageError } from './usage';

export const RIGHTSIZE_HELP = `mqops rightsize — host instance type recommendations with their monthly cost

Usage:
  mqops rightsize [--local [--scenario NAME|FILE] [--reset]] [--broker NAME|ID]… [--config FILE]
                  [--output table|json]
      Reads every broker's CPU, memory/heap, store and connections over the policy's lookback (14 days by default;
      GetMetricData in batches of 500 queries), and recommends an upsize, a downsize, keep, blocked (over a threshold
      but no resize is possible) or "not enough data", with the reason and the monthly cost delta (AWS Price List
      API; a shipped price table when it cannot answer).
  mqops rightsize --accept NAME|ID (--table TABLE | --local) [--config FILE] [--output table|json]
      Plans that broker's recommended resize. The deployed Resize function applies it inside the broker's
      maintenance window, never while one of its alarms is in ALARM, and rolls back when the post-checks fail.
      Exits 1 when it is not planned (the broker already has an open plan), 3 when its recommendation is no resize.

Options:
  --local                    the embedded local cloud with the demo fleet (no AWS account, no network), kept between
                             commands in ./.mqops/local (or $MQOPS_LOCAL_DIR)
  --scenario NAME|FILE       with --local: the fleet to start from (default: demo)
  --reset                    with --local: start the local cloud over from the scenario
  --broker NAME|ID           only this broker; repeatable
  --accept NAME|ID           plan this broker's recommended resize
  --table TABLE              the deployed state table (default MQOPS_STATE_TABLE) where plans are kept; with --local
                             the local cloud's
  --config FILE              mqops.config.json (its "capacity" is the policy; default ./mqops.config.json)
  --region REGION, --profile NAME, --output table|json

\`mqops maintenance\` lists every broker's pending changes and the next window that applies them.`;

export const MAINTENANCE_HELP = `mqops maintenance — every broker's pending changes and the next maintenance window that applies them

Usage:
  mqops maintenance [--local [--scenario NAME|FILE] [--reset]] [--output table|json]
      For each broker: its state, the next (or current) maintenance window in UTC and in the window's time zone,
      and the pending changes it applies (instance type, engine version, security groups, configuration, logs,
      authentication, users).

Options:
  --local                    the embedded local cloud with the demo fleet (no AWS account, no network), kept between
                             commands in ./.mqops/local (or $MQOPS_LOCAL_DIR)
  --scenario NAME|FILE       with --local: the fleet to start from (default: demo)
  --reset                    with --local: start the local cloud over from the scenario
  --region REGION, --profile NAME, --output table|json`;

function parse(argv: string[]) {
  return parseOptions(argv, {
    local: { type: 'boolean' },
    scenario: { type: 'string' },
    reset: { type: 'boolean' },
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
  checkLocalOptions(values);
  if (!values.local) return use({ settings, now: () => new Date() });
  return withLocalCloud({ scenario: values.scenario, reset: values.reset }, async (cloud) =>
    use({
      settings: { ...cloud.clientConfig(), ...settings },
      now: () => cloud.clock.now(),
      // The local cloud's state table, kept with it: `mqops run resize-now --local` finds the plan there.
      store: await localStateStore(cloud),
    }),
  );
}

function loadPolicy(values: Values) {
  // --config FILE, or ./mqops.config.json when there is one; a missing or unreadable file exits 3 (readConfigFile).
  const file = values.config ?? (existsSync('mqops.config.json') ? 'mqops.config.json' : undefined);
  return parseConfigFile(file ? readConfigFile(file) : '{}', file ?? 'configuration').capacity;
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

/**
 * The reason that decided: for a kept broker, the last (why nothing is done); for a blocked one, the last too (which
 * metric is over its threshold, and what blocks the resize).
 */
const why = (r: Recommendation) =>
  (r.action === 'keep' || r.action === 'blocked' ? r.reasons.at(-1) : r.reasons[0]) ?? '';

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
  const blocked = recs.filter((r) => r.action === 'blocked').length;
  io.out(
    `\n${recs.length} brokers: ${resizes.length} to resize (${money(total)} per month if all are applied)` +
      `${blocked ? `, ${blocked} blocked (over a threshold, and no resize can be recommended: see WHY)` : ''}` +
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
    const d = { ...deps(target, values), target: await cliTarget(target.settings) };
    if (values.accept) {
      const report = await rightsizeFleet(d, { brokers: [values.accept] });
      const rec = report.recommendations[0];
      if (!rec) {
        // Not assessed: nothing to plan; say why (and what to do) like any job that did not cover what was asked.
        io.err(`mqops: broker ${values.accept} not planned: it could not be assessed`);
        return Math.max(EXIT.incomplete, reportOutcome(io, 'rightsize', report.outcome));
      }
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
            `${target.store ? ` (--local: \`mqops run resize-now --local --broker ${plan.brokerName} --execute\` applies it now.)` : ''}`,
        );
      return outcome.accepted ? 0 : 1;
    }
    const bar = io.progress ? progressBar(io.progress, 'measuring') : undefined;
    const report = await rightsizeFleet(
      { ...d, onProgress: (done, total) => bar?.update(done, total) },
      values.broker?.length ? { brokers: values.broker } : {},
    ).finally(() => bar?.end());
    // The table (unless nothing was assessed: no empty table that reads as a fleet with nothing to do), then what
    // was not assessed on standard error whatever the format; exit 3 when a broker or the fleet was not covered.
    if (output === 'json') io.out(JSON.stringify({ ...report, brokers: undefined }, null, 2));
    else if (report.outcome.status !== 'failed' || report.recommendations.length > 0)
      table(report.recommendations, io);
    return reportOutcome(io, 'rightsize', report.outcome);
  });
}

/** `mqops maintenance …`; returns the exit code. */
export async function maintenanceCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help) {
    io.out(MAINTENANCE_HELP);
    return 0;
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const output = tableOrJson(values.output);
  return withTarget(values, async (target) => {
    const bar = io.progress ? progressBar(io.progress, 'reading brokers') : undefined;
    const { brokers, outcome } = await describeFleet(new MqBrokerInventory(target.settings), {
      target: await cliTarget(target.settings),
      onProgress: (done, total) => bar?.update(done, total),
    }).finally(() => bar?.end());
    const entries = maintenanceReport(brokers, target.now());
    // What could not be read goes to standard error whatever the format; exit 3 when a broker or the fleet is
    // missing from the report.
    if (output === 'json') {
      io.out(JSON.stringify(entries, null, 2));
      return reportOutcome(io, 'maintenance', outcome);
    }
    if (outcome.status === 'failed' && entries.length === 0) return reportOutcome(io, 'maintenance', outcome);
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
    return reportOutcome(io, 'maintenance', outcome);
  });
}
