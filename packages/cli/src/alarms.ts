import { CloudWatchAlarmStore } from '@mqops/aws/cloudwatch-alarms';
import { MqBrokerInventory } from '@mqops/aws/mq-inventory';
import type { ClientSettings } from '@mqops/aws/targets';
import { reconcileAlarms } from '@mqops/core/alarms/reconcile';
import { checkLocalOptions, withLocalCloud } from './local';
import type { Io } from './main';
import { cliTarget, reportOutcome } from './outcome';
import { progressBar } from './progress';
import { cell, clientSettings, parseOptions, tableOrJson, UsageError } from './usage';

export const ALARMS_HELP = `mqops alarms — the recommended CloudWatch alarms of every broker

Usage:
  mqops alarms [--local [--scenario NAME|FILE] [--reset]] [--apply] [--topic ARN] [--output table|json]
      Compares every broker's alarms with the ones mqops recommends for its engine, mode and instance type (per node
      for RabbitMQ clusters; thresholds from the policy and the broker's mqops:alarm:<key>:threshold tags), and shows
      what would be created, updated and deleted. Only alarms mqops owns are ever changed (named mqops-… with
      mqops' marker line in their description, or the tag mqops:managed=true of older versions). --apply makes the
      changes.

Options:
  --apply                    create, update and delete (default: a dry run)
  --topic ARN                the SNS topic alarms notify (ALARM and OK); the deployed stack uses its AlertTopic
  --local                    the embedded local cloud with the demo fleet (no AWS account, no network), kept between
                             commands in ./.mqops/local (or $MQOPS_LOCAL_DIR)
  --scenario NAME|FILE       with --local: the fleet to start from (default: demo)
  --reset                    with --local: start the local cloud over from the scenario
  --region REGION, --profile NAME, --output table|json`;

/** `mqops alarms …`; returns the exit code. */
export async function alarmsCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help) {
    io.out(ALARMS_HELP);
    return 0;
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const output = tableOrJson(values.output);
  if (values.topic && !/^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/.test(values.topic))
    throw new UsageError(`--topic must be an SNS topic ARN (got ${values.topic})`);
  const settings: ClientSettings = clientSettings(values);
  checkLocalOptions(values);
  const bar = io.progress ? progressBar(io.progress, 'reading brokers') : undefined;
  const run = async (s: ClientSettings) => {
    const store = new CloudWatchAlarmStore(s);
    return reconcileAlarms(
      { inventory: new MqBrokerInventory(s), alarms: store, nodes: store },
      {
        target: await cliTarget(s),
        alarmActions: values.topic ? [values.topic] : [],
        dryRun: !values.apply,
        onProgress: (done, total) => bar?.update(done, total),
      },
    );
  };
  let report: Awaited<ReturnType<typeof run>>;
  if (values.local) {
    report = await withLocalCloud({ scenario: values.scenario, reset: values.reset }, (cloud) =>
      run({ ...cloud.clientConfig(), ...settings }),
    );
  } else report = await run(settings);
  bar?.end();

  // What was not reconciled goes to standard error whatever the format; the exit code follows the outcome (3 when
  // a target, broker or alarm was not covered).
  if (output === 'json') {
    io.out(JSON.stringify(report, null, 2));
    return reportOutcome(io, 'alarms', report.outcome);
  }
  // Nothing reconciled: no table of zeros that would read as an empty, in-sync fleet.
  if (report.outcome.status === 'failed' && report.brokers === 0)
    return reportOutcome(io, 'alarms', report.outcome);
  const w = Math.max(6, ...report.perBroker.map((b) => (b.brokerName ?? b.brokerId).length));
  io.out(`${cell('BROKER', w)}  DESIRED  CREATE  UPDATE  DELETE  OK`);
  for (const b of report.perBroker)
    io.out(
      `${cell(b.brokerName ?? b.brokerId, w)}  ${String(b.desired).padStart(7)}  ${String(b.created.length).padStart(6)}  ${String(b.updated.length).padStart(6)}  ${String(b.deleted.length).padStart(6)}  ${String(b.unchanged).padStart(2)}`,
    );
  io.out(
    `\n${report.brokers} brokers, ${report.desired} alarms recommended: ${report.created} to create, ${report.updated} to update, ${report.deleted} to delete` +
      `${report.dryRun ? ' (dry run; --apply to make the changes)' : ' (applied)'}.`,
  );
  for (const c of report.conflicts) io.err(`mqops: alarm ${c.name} left alone: ${c.reason}`);
  const conflicting = new Set(report.conflicts.map((c) => c.name));
  const unowned = report.unowned.filter((name) => !conflicting.has(name));
  if (unowned.length)
    io.err(
      `mqops: ${unowned.length} alarm${unowned.length === 1 ? '' : 's'} named mqops-… without mqops' marker or ` +
        `the tag mqops:managed=true, left alone: ${unowned.slice(0, 10).join(', ')}${unowned.length > 10 ? ', …' : ''}`,
    );
  return reportOutcome(io, 'alarms', report.outcome);
}

function parse(argv: string[]) {
  return parseOptions(argv, {
    local: { type: 'boolean' },
    scenario: { type: 'string' },
    reset: { type: 'boolean' },
    apply: { type: 'boolean' },
    topic: { type: 'string' },
    output: { type: 'string' },
    region: { type: 'string' },
    profile: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
}
