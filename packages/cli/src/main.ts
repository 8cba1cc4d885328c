import { existsSync, writeFileSync } from 'node:fs';
import { buildTargets, type ClientSettings, configuredRegion, sourcesFor } from '@mqops/aws/targets';
import {
  type AuditReport,
  type AuditTarget,
  atLeast,
  CHECKS,
  exitCodeOf,
  failing,
  type MqopsConfig,
  outcomeSentence,
  renderHtml,
  renderMarkdown,
  renderSarif,
  renderTable,
  requiredActions,
  runAudit,
  SEVERITY_ORDER,
  type Severity,
  toAsff,
} from '@mqops/core';
import { parseConfigFile } from '@mqops/core/config-file';
import { alarmsCommand } from './alarms';
import { maintenanceCommand, rightsizeCommand } from './capacity';
import { doctorCommand } from './doctor';
import { FileStateStore } from './file-state';
import { HELP, helpFor, unknownCommand, VERSION } from './help';
import { hintFor } from './hints';
import { withLocalCloud } from './local';
import { progressBar } from './progress';
import { ROTATION_HELP, rotationCommand } from './rotation';
import { runCommand } from './run';
import { cell, parseOptions, readConfigFile, tableOrJson, UsageError } from './usage';

export { HELP, VERSION };

const OUTPUTS = ['table', 'json', 'md', 'html', 'sarif', 'asff'] as const;
type Output = (typeof OUTPUTS)[number];

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
      const command = argv[0] === 'rotate' ? 'rotation' : argv[0];
      const help = command && command !== 'help' && helpFor(command) ? `mqops help ${command}` : 'mqops help';
      io.err(`mqops: ${error.message}\nRun '${help}' for usage.`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(`mqops: ${message}`);
    const hint = hintFor(error instanceof Error ? `${error.name}: ${message}` : message);
    if (hint) io.err(`  hint: ${hint}`);
    return 3;
  }
}

function parse(argv: string[]) {
  return parseOptions(argv, {
    local: { type: 'boolean' },
    scenario: { type: 'string' },
    'real-brokers': { type: 'boolean' },
    reset: { type: 'boolean' },
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
    wide: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  });
}

type Values = ReturnType<typeof parse>['values'];

async function run(argv: string[], io: Io): Promise<number> {
  // `mqops rotate …` is the same command group as `mqops rotation …`.
  if (argv[0] === 'rotate') argv = ['rotation', ...argv.slice(1)];
  const [first, ...rest] = argv;
  if (first === 'help') return helpCommand(rest, io);
  // `mqops COMMAND --help` (anywhere after the command) prints that command's help.
  const help = first === undefined ? undefined : helpFor(first);
  if (help !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
    io.out(help);
    return 0;
  }
  if (first === 'rightsize') return rightsizeCommand(rest, io);
  if (first === 'maintenance') return maintenanceCommand(rest, io);
  if (first === 'run') return runCommand(rest, io);
  if (first === 'alarms') return alarmsCommand(rest, io);
  if (first === 'doctor') return doctorCommand(rest, io);
  if (first === 'rotation') {
    if (rest.length === 0) {
      io.out(ROTATION_HELP);
      return 2;
    }
    return rotationCommand(rest, io);
  }
  const { values, positionals } = parse(argv);
  if (values.version) {
    io.out(VERSION);
    return 0;
  }
  if (values.help || positionals.length === 0) {
    // `mqops --help audit` is `mqops help audit`.
    io.out((positionals[0] && helpFor(positionals[0])) || HELP);
    return positionals.length === 0 && !values.help ? 2 : 0;
  }
  const [command, ...extra] = positionals;
  if (command !== 'checks' && command !== 'audit') throw new UsageError(unknownCommand(command as string));
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  if (command === 'checks') return listChecks(values, io);
  return audit(values, io);
}

/** `mqops help [COMMAND]`: the global help, or the command's. */
function helpCommand(args: string[], io: Io): number {
  const [name, ...extra] = args.filter((a) => a !== '--help' && a !== '-h');
  if (name === undefined) {
    io.out(HELP);
    return 0;
  }
  if (name.startsWith('-')) throw new UsageError(`Unknown option '${name}'`);
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const text = helpFor(name);
  if (text === undefined) throw new UsageError(unknownCommand(name));
  io.out(text);
  return 0;
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
    requires: requiredActions(c),
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
  // A missing or unreadable file exits 3 (could not run), with the path and the system's reason.
  return parseConfigFile(readConfigFile(file), file).config;
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

function render(
  report: AuditReport,
  output: Output,
  table: { width: number; wide: boolean },
  category?: string,
): string {
  switch (output) {
    case 'json':
      return JSON.stringify(report, null, 2);
    case 'md':
      return renderMarkdown(report);
    case 'html':
      return renderHtml(report);
    case 'sarif':
      return JSON.stringify(renderSarif(report, category ? { category } : {}), null, 2);
    case 'asff':
      return JSON.stringify(toAsff(report), null, 2);
    default:
      return renderTable(report, table);
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

  // Without real brokers the local cloud has no RabbitMQ data plane: those checks are left out of the run (and
  // said so), rather than run to report UNKNOWN on every RabbitMQ broker of the demo.
  const noDataPlane = values.local && !values['real-brokers'];
  const checks = noDataPlane ? CHECKS.filter((c) => !c.needs?.includes('rabbit')) : CHECKS;
  if (noDataPlane)
    io.err(
      `mqops: note: ${CHECKS.length - checks.length} RabbitMQ data-plane checks not run: --local without --real-brokers`,
    );
  const bar = io.progress ? progressBar(io.progress, 'auditing') : undefined;
  const report = await withTargets(values, { ...config, regions }, (targets, now) =>
    runAudit(
      {
        targets,
        checks,
        ...(noDataPlane
          ? {
              leftOut: {
                checks: CHECKS.filter((c) => !checks.includes(c)).map((c) => c.id),
                reason: 'the RabbitMQ data plane needs --real-brokers with --local',
              },
            }
          : {}),
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
  // A SARIF file of an audit that covered nothing would list no result, and code scanning closes every alert that
  // is missing from an upload as fixed: it is not written (the exit code is 3 and standard error says why).
  // Nor for an audit that could not read a target or broker, without --state: the findings there would be missing,
  // and closed (a check that could not run is in the file, as an open result).
  const refused =
    output === 'sarif' &&
    (report.outcome.status === 'failed' || (!report.diff && report.outcome.gaps.some((g) => !g.check)));
  if (!refused) {
    // A run of named brokers is its own SARIF category: it never closes the other brokers' alerts.
    const category = values.broker?.length
      ? `mqops/audit/brokers/${[...values.broker].sort().join(',')}/`
      : undefined;
    const text = render(
      shown,
      output,
      { width: process.stdout.columns ?? 160, wide: values.wide === true },
      category,
    );
    if (values.out) {
      writeFileSync(values.out, text.endsWith('\n') ? text : `${text}\n`);
      io.err(`mqops: wrote ${output} report to ${values.out}`);
    } else io.out(text);
  }
  // What the audit could not cover goes to standard error too (whatever the format), with a hint for each target
  // that could not be read: a CI log shows why the gate failed even when the report went to a file.
  if (report.outcome.status !== 'complete') explainGaps(report, io);
  if (refused)
    io.err(
      report.outcome.status === 'failed'
        ? 'mqops: no SARIF written: an upload without results would close every open alert as fixed'
        : 'mqops: no SARIF written: without --state the alerts of the brokers it could not read would close as fixed; add --state FILE',
    );
  return exitCodeOf(
    report.outcome,
    failOn !== undefined && failing(report).some((f) => atLeast(f.severity, failOn)),
  );
}

/** Says on standard error what an audit could not cover: the outcome, each target or broker not read (with a hint). */
function explainGaps(report: AuditReport, io: Io): void {
  io.err(`mqops: ${outcomeSentence(report)}`);
  for (const e of report.errors) {
    io.err(`mqops: could not audit ${e.brokerId ? `broker ${e.brokerId} of ` : ''}${e.target}: ${e.message}`);
    const hint = hintFor(e.message);
    if (hint) io.err(`  hint: ${hint}`);
  }
  const unchecked = report.outcome.gaps.filter((g) => g.check).length;
  if (unchecked) io.err(`mqops: ${unchecked} checks could not be evaluated (UNKNOWN); see the report`);
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
    base.region ??= await configuredRegion(base);
    return use(await buildTargets(config, base));
  }
  // `@mqops/local` is loaded only for --local (withLocalCloud), so the production path never carries it.
  // The kept local cloud (--reset starts it over from the scenario).
  const local = { scenario: values.scenario, realBrokers: values['real-brokers'], reset: values.reset };
  return withLocalCloud(local, async (cloud) => {
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
    return await use(
      [{ name: `local/${settings.region}`, scope: { region: settings.region }, inventory, sources }],
      () => cloud.clock.now(),
    );
  });
}
