import { parseArgs } from 'node:util';
import type { MqClientConfig } from '@aws-sdk/client-mq';
import { MqBrokerInventory } from '@mqops/aws/mq-inventory';
import {
  type AuditReport,
  atLeast,
  auditFleet,
  failing,
  renderTable,
  SEVERITY_ORDER,
  type Severity,
} from '@mqops/core';

export const VERSION = '0.1.0';

export const HELP = `mqops ${VERSION} — ops autopilot for Amazon MQ fleets

Usage:
  mqops audit [options]      audit every broker (or --broker ones) and print the findings

Where:
  --local                    run against the embedded local cloud (no AWS account, no network)
  --scenario NAME|FILE       with --local: the fleet to load (default: demo, the shipped demo fleet)
  --region REGION            AWS region (default: AWS_REGION / your profile's region)
  --profile NAME             AWS profile from ~/.aws/config (default: AWS_PROFILE / the credential chain)
  --broker ID                audit only this broker (id or name); repeatable

Output:
  --output table|json        table (default) or the full report as JSON
  --severity LEVEL           show findings at or above LEVEL (CRITICAL, HIGH, MEDIUM, LOW, INFO; default INFO)
  --fail-on LEVEL            exit with code 1 when a finding at or above LEVEL exists (for CI)

  -h, --help                 this help
  -v, --version              the version

Exit codes: 0 done, 1 findings at or above --fail-on, 2 bad usage, 3 could not run (AWS error, unknown broker).
Any AWS-compatible endpoint works through the SDK's standard settings (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_MQ, …).`;

/** A usage mistake: exit code 2 with the message. */
class UsageError extends Error {}

function severityOption(value: string | undefined, flag: string): Severity | undefined {
  if (value === undefined) return undefined;
  const upper = value.toUpperCase();
  if (!(SEVERITY_ORDER as readonly string[]).includes(upper))
    throw new UsageError(`${flag} must be one of ${SEVERITY_ORDER.join(', ')} (got ${value})`);
  return upper as Severity;
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`mqops: ${error.message}\nRun 'mqops --help' for usage.`);
      return 2;
    }
    io.err(`mqops: ${error instanceof Error ? error.message : String(error)}`);
    return 3;
  }
}

async function run(argv: string[], io: Io): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.version) {
    io.out(VERSION);
    return 0;
  }
  if (values.help || positionals.length === 0) {
    io.out(HELP);
    return positionals.length === 0 && !values.help ? 2 : 0;
  }
  const [command, ...rest] = positionals;
  if (command !== 'audit') throw new UsageError(`unknown command '${command}'`);
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  const output = values.output ?? 'table';
  if (output !== 'table' && output !== 'json')
    throw new UsageError(`--output must be table or json (got ${output})`);
  const minimum = severityOption(values.severity, '--severity') ?? 'INFO';
  const failOn = severityOption(values['fail-on'], '--fail-on');
  if (values.scenario && !values.local) throw new UsageError('--scenario needs --local');

  const report = await withInventory(values, (inventory) =>
    auditFleet(
      { inventory },
      { trigger: 'cli', ...(values.broker?.length ? { brokerIds: values.broker } : {}) },
    ),
  );
  const shown: AuditReport = {
    ...report,
    results: report.results.filter((f) => f.status === 'PASS' || atLeast(f.severity, minimum)),
  };
  io.out(
    output === 'json'
      ? JSON.stringify(shown, null, 2)
      : renderTable(shown, { width: process.stdout.columns ?? 200 }),
  );
  if (failOn && failing(report).some((f) => atLeast(f.severity, failOn))) return 1;
  return 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      local: { type: 'boolean' },
      scenario: { type: 'string' },
      region: { type: 'string' },
      profile: { type: 'string' },
      broker: { type: 'string', multiple: true },
      output: { type: 'string' },
      severity: { type: 'string' },
      'fail-on': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}

type Values = ReturnType<typeof parse>['values'];

/**
 * Builds the inventory: against the real account (the SDK's credential chain, region and endpoint settings), or
 * with --local against an embedded local cloud that lives for this one command.
 */
async function withInventory<T>(
  values: Values,
  use: (inventory: MqBrokerInventory) => Promise<T>,
): Promise<T> {
  if (!values.local) {
    const config: MqClientConfig = {};
    if (values.region) config.region = values.region;
    if (values.profile) config.profile = values.profile;
    return use(new MqBrokerInventory(config));
  }
  // Loaded only for --local, so the production path never carries the local cloud.
  const { startLocalCloud } = await import('@mqops/local');
  const cloud = await startLocalCloud({ scenario: values.scenario ?? 'demo' });
  try {
    return await use(
      new MqBrokerInventory({ ...cloud.clientConfig(), ...(values.region ? { region: values.region } : {}) }),
    );
  } finally {
    await cloud.stop();
  }
}
