import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { buildTargets, type ClientSettings, sourcesFor } from '@mqops/aws/targets';
import {
  type AuditReport,
  type AuditTarget,
  atLeast,
  CHECKS,
  failing,
  type MqopsConfig,
  renderHtml,
  renderMarkdown,
  renderSarif,
  renderTable,
  runAudit,
  SEVERITY_ORDER,
  type Severity,
  toAsff,
} from '@mqops/core';
import { parseConfigFile } from '@mqops/core/config-file';
import { alarmsCommand } from './alarms';
import { maintenanceCommand, RIGHTSIZE_HELP, rightsizeCommand } from './capacity';
import { FileStateStore } from './file-state';
import { withLocalCloud } from './local';
import { progressBar } from './progress';
import { ROTATION_HELP, rotationCommand } from './rotation';
import { runCommand } from './run';
import { cell, parseOptions, tableOrJson, UsageError } from './usage';

/** The version of the `mqops` package (packages/cli/package.json). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const OUTPUTS = ['table', 'json', 'md', 'html', 'sarif', 'asff'] as const;
type Output = (typeof OUTPUTS)[number];

export const HELP = `mqops ${VERSION} — ops autopilot for Amazon MQ fleets

Usage:
  mqops audit [options]      audit every broker (or --broker ones) and print the findings
  mqops checks [--output table|json]
                             list the checks mqops runs
  mqops alarms [--apply]     the recommended CloudWatch alarms of every broker: what to create, update, delete
  mqops rightsize [--accept NAME]
                             instance type recommendations with their monthly cost; plan one (\`mqops rightsize --help\`)
  mqops maintenance          every broker's pending changes and the next maintenance window that applies them
  mqops run RUNBOOK          audit-now, rotate-now, resize-now, safe-reboot, backup-config, restore-config; a dry run
                             unless --execute (\`mqops run --help\`)
  mqops rotation enable|list turn on credential rotation for a broker user; list rotated secrets
                             (\`mqops rotation --help\`)

Every command takes --help. Options of audit (the others take the same --local, --region, --profile, --output):
  --local                    run against the embedded local cloud (no AWS account, no network)
  --scenario NAME|FILE       with --local: the fleet to load (default: demo, the shipped demo fleet)
  --real-brokers             with --local: back the fleet with the local RabbitMQ and ActiveMQ (must be running;
                             \`npx tsx packages/local/src/brokers/cli.ts up\` starts them) so data-plane checks run
  --region REGION            AWS region (default: AWS_REGION / your profile's region)
  --regions R1,R2|all        several regions, or every enabled region (overrides the config file)
  --profile NAME             AWS profile from ~/.aws/config (default: AWS_PROFILE / the credential chain)
  --broker ID                audit only this broker (id or name); repeatable
  --config FILE              policy, suppressions, regions and accounts (default: ./mqops.config.json if present)
  --state FILE               remember findings in FILE between runs, so reports say new / still open / fixed

Output:
  --output FORMAT            table (default), json, md, html, sarif or asff (Security Hub findings)
  --out FILE                 write the report to FILE instead of standard output
  --severity LEVEL           show findings at or above LEVEL (CRITICAL, HIGH, MEDIUM, LOW, INFO; default INFO)
  --fail-on LEVEL            exit with code 1 when an unsuppressed finding at or above LEVEL exists (for CI)

  -h, --help                 this help
  -v, --version              the version

Exit codes: 0 done, 1 findings at or above --fail-on, 2 bad usage, 3 could not run (AWS error, unknown broker).
Any AWS-compatible endpoint works through the SDK's standard settings (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_MQ, …).`;

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
  /** Reads standard input to its end (passwords given with --password-stdin); default process.stdin. */
  stdin?: () => Promise<string>;
  /** Where the progress bar goes (a terminal); default: none. */
  progress?: NodeJS.WriteStream;
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  progress: process.stderr,
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

function parse(argv: string[]) {
  return parseOptions(argv, {
    local: { type: 'boolean' },
    scenario: { type: 'string' },
    'real-brokers': { type: 'boolean' },
    region: { type: 'string' },
    regions: { type: 'string' },
    profile: { type: 'string' },
    broker: { type: 'string', multiple: true },
    config: { type: 'string' },
    state: { type: 'string' },
    output: { type: 'string' },
    out: { type: 'string' },
    severity: { type: 'string' },
    'fail-on': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  });
}

type Values = ReturnType<typeof parse>['values'];

async function run(argv: string[], io: Io): Promise<number> {
  if (argv[0] === 'rightsize' || argv[0] === 'maintenance') {
    if (argv.includes('--help') || argv.includes('-h')) {
      io.out(RIGHTSIZE_HELP);
      return 0;
    }
    return argv[0] === 'rightsize'
      ? rightsizeCommand(argv.slice(1), io)
      : maintenanceCommand(argv.slice(1), io);
  }
  if (argv[0] === 'run') return runCommand(argv.slice(1), io);
  if (argv[0] === 'alarms') return alarmsCommand(argv.slice(1), io);
  // `mqops rotate …` is the same command group as `mqops rotation …`.
  if (argv[0] === 'rotate') argv = ['rotation', ...argv.slice(1)];
  if (argv[0] === 'rotation') {
    if (argv.length === 1 || argv.includes('--help') || argv.includes('-h')) {
      io.out(ROTATION_HELP);
      return argv.length === 1 ? 2 : 0;
    }
    return rotationCommand(argv.slice(1), io);
  }
  const { values, positionals } = parse(argv);
  if (values.version) {
    io.out(VERSION);
    return 0;
  }
  if (values.help || positionals.length === 0) {
    io.out(HELP);
    return positionals.length === 0 && !values.help ? 2 : 0;
  }
  const [command, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  if (command === 'checks') return listChecks(values, io);
  if (command !== 'audit') throw new UsageError(`unknown command '${command}'`);
  return audit(values, io);
}

function listChecks(values: Values, io: Io): number {
  const output = tableOrJson(values.output);
  const rows = CHECKS.map((c) => ({
    id: c.id,
    title: c.title,
    severity: c.severity,
    engines: c.appliesTo?.engines ?? ['ACTIVEMQ', 'RABBITMQ'],
    modes: c.appliesTo?.modes ?? ['SINGLE_INSTANCE', 'ACTIVE_STANDBY_MULTI_AZ', 'CLUSTER_MULTI_AZ'],
    securityHub: c.controls?.securityHub ?? null,
    awsConfig: c.controls?.awsConfig ?? null,
    requires: c.requires,
  }));
  if (output === 'json') {
    io.out(JSON.stringify(rows, null, 2));
    return 0;
  }
  io.out(`${cell('ID', 40)}  ${cell('SEVERITY', 8)}  ${cell('ENGINES', 17)}  ${cell('CONTROLS', 28)}  TITLE`);
  for (const r of rows) {
    const controls = [r.securityHub, r.awsConfig].filter(Boolean).join(', ') || '-';
    io.out(
      `${cell(r.id, 40)}  ${cell(r.severity, 8)}  ${cell(r.engines.join(','), 17)}  ${cell(controls, 28)}  ${r.title}`,
    );
  }
  io.out(`\n${rows.length} checks.`);
  return 0;
}

function loadConfig(values: Values): MqopsConfig {
  const file = values.config ?? (existsSync('mqops.config.json') ? 'mqops.config.json' : undefined);
  if (!file) return parseConfigFile('{}').config;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read the config file ${file}`);
  }
  return parseConfigFile(text, file).config;
}

function regionsOption(values: Values, config: MqopsConfig): MqopsConfig['regions'] {
  if (values.regions === undefined) return config.regions;
  if (values.regions === 'all') return 'all';
  const list = values.regions
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  if (list.length === 0 || list.some((r) => !/^[a-z]{2}(-[a-z]+)+-\d$/.test(r)))
    throw new UsageError(
      `--regions must be region names separated by commas, or all (got ${values.regions})`,
    );
  return list;
}

function render(report: AuditReport, output: Output, width: number): string {
  switch (output) {
    case 'json':
      return JSON.stringify(report, null, 2);
    case 'md':
      return renderMarkdown(report);
    case 'html':
      return renderHtml(report);
    case 'sarif':
      return JSON.stringify(renderSarif(report), null, 2);
    case 'asff':
      return JSON.stringify(toAsff(report), null, 2);
    default:
      return renderTable(report, { width });
  }
}

async function audit(values: Values, io: Io): Promise<number> {
  const output = (values.output ?? 'table') as Output;
  if (!OUTPUTS.includes(output))
    throw new UsageError(`--output must be one of ${OUTPUTS.join(', ')} (got ${output})`);
  const minimum = severityOption(values.severity, '--severity') ?? 'INFO';
  const failOn = severityOption(values['fail-on'], '--fail-on');
  if (values.scenario && !values.local) throw new UsageError('--scenario needs --local');
  if (values['real-brokers'] && !values.local) throw new UsageError('--real-brokers needs --local');
  const config = loadConfig(values);
  const regions = regionsOption(values, config);

  const bar = io.progress ? progressBar(io.progress, 'auditing') : undefined;
  const report = await withTargets(values, { ...config, regions }, (targets, now) =>
    runAudit(
      {
        targets,
        ...(now ? { now } : {}),
        policy: config.policy,
        suppressions: config.suppressions,
        ...(values.state ? { store: new FileStateStore(values.state) } : {}),
        onProgress: (done, total) => bar?.update(done, total),
      },
      { trigger: 'cli', ...(values.broker?.length ? { brokerIds: values.broker } : {}) },
    ),
  ).finally(() => bar?.end());
  for (const warning of report.warnings) io.err(`mqops: warning: ${warning}`);
  const shown: AuditReport = {
    ...report,
    results: report.results.filter((f) => f.status !== 'FAIL' || atLeast(f.severity, minimum)),
  };
  const text = render(shown, output, process.stdout.columns ?? 200);
  if (values.out) {
    writeFileSync(values.out, text.endsWith('\n') ? text : `${text}\n`);
    io.err(`mqops: wrote ${output} report to ${values.out}`);
  } else io.out(text);
  if (failOn && failing(report).some((f) => atLeast(f.severity, failOn))) return 1;
  return 0;
}

/**
 * Builds the audit targets: the real account(s) and region(s) through the SDK's credential chain, or with --local
 * an embedded local cloud that lives for this one command.
 */
async function withTargets<T>(
  values: Values,
  config: MqopsConfig,
  use: (targets: AuditTarget[], now?: () => Date) => Promise<T>,
): Promise<T> {
  if (!values.local) {
    const base: ClientSettings = {};
    if (values.region) base.region = values.region;
    if (values.profile) base.profile = values.profile;
    return use(await buildTargets(config, base));
  }
  // `@mqops/local` is loaded only for --local (withLocalCloud), so the production path never carries it.
  return withLocalCloud({ scenario: values.scenario, realBrokers: values['real-brokers'] }, async (cloud) => {
    const settings = { ...cloud.clientConfig(), ...(values.region ? { region: values.region } : {}) };
    const { inventory, sources } = sourcesFor(settings);
    // Without real brokers there is no RabbitMQ management API to read: those checks report UNKNOWN.
    if (!values['real-brokers'])
      sources.rabbit = {
        snapshot: async () => {
          throw new Error('the local cloud has no RabbitMQ behind it; add --real-brokers');
        },
      };
    // The local cloud's clock is the audit's clock (the demo fleet is set at a fixed instant).
    return await use([{ name: `local/${settings.region}`, inventory, sources }], () => cloud.clock.now());
  });
}
