import { readFileSync } from 'node:fs';
import { ALARMS_HELP } from './alarms';
import { MAINTENANCE_HELP, RIGHTSIZE_HELP } from './capacity';
import { DOCTOR_HELP } from './doctor';
import { ROTATION_HELP } from './rotation';
import { RUN_HELP } from './run';

/** The version of the `mqops` package (packages/cli/package.json). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** What the exit codes mean (the global help, `mqops audit --help` and the README say the same). */
export const EXIT_CODES = `Exit codes: 0 done; 1 findings at or above --fail-on; 2 bad usage; 3 could not do all that was asked (a target,
broker or check not covered, an AWS error, an unknown broker, a bad or missing config file) — 3 wins over 1:
--fail-on never turns a failure into success.`;

export const HELP = `mqops ${VERSION} — ops autopilot for Amazon MQ fleets

Usage: mqops COMMAND [options]

Commands:
  audit                      audit every broker (or --broker ones) and print the findings
  checks                     list the checks mqops runs
  alarms                     the recommended CloudWatch alarms of every broker: what to create, update, delete
  rightsize                  instance type recommendations with their monthly cost; plan one with --accept
  maintenance                every broker's pending changes and the next maintenance window that applies them
  run RUNBOOK                audit-now, rotate-now, resize-now, safe-reboot, backup-config, restore-config; a dry run
                             unless --execute
  rotation enable|list       turn on credential rotation for a broker user; list rotated secrets (alias: rotate)
  doctor                     how a deployed mqops stage is doing: its self-alarms, dead letters, failed jobs
  help [COMMAND]             this help, or a command's

Run \`mqops help COMMAND\` (or \`mqops COMMAND --help\`) for the options of a command.

Options most commands take (a command's help lists exactly what it takes):
  --local                    run against the embedded local cloud with the demo fleet (no AWS account, no network);
                             it is kept between commands in ./.mqops/local (or $MQOPS_LOCAL_DIR), --reset starts over
  --region REGION            AWS region (default: AWS_REGION / your profile's region)
  --profile NAME             AWS profile from ~/.aws/config (default: AWS_PROFILE / the credential chain)
  --output table|json        (audit: also md, html, sarif, asff)

  -h, --help                 this help
  -v, --version              the version

${EXIT_CODES}
Any AWS-compatible endpoint works through the SDK's standard settings (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_MQ, …).`;

export const AUDIT_HELP = `mqops audit — audit every broker's security and configuration and print the findings

Usage:
  mqops audit [--local [--scenario NAME|FILE] [--reset] [--real-brokers]] [--region REGION | --regions R1,R2|all]
              [--profile NAME] [--broker ID]… [--config FILE] [--state FILE]
              [--output FORMAT] [--out FILE] [--severity LEVEL] [--fail-on LEVEL] [--wide]

Where it runs:
  --local                    run against the embedded local cloud (no AWS account, no network), kept between
                             commands in ./.mqops/local (or $MQOPS_LOCAL_DIR)
  --scenario NAME|FILE       with --local: the fleet to start from (default: demo, the shipped demo fleet)
  --reset                    with --local: start the local cloud over from the scenario
  --real-brokers             with --local: back the fleet with the local RabbitMQ and ActiveMQ (must be running;
                             \`npx tsx packages/local/src/brokers/cli.ts up\` starts them) so data-plane checks run
  --region REGION            AWS region (default: AWS_REGION / your profile's region)
  --regions R1,R2|all        several regions, or every enabled region (overrides the config file)
  --profile NAME             AWS profile from ~/.aws/config (default: AWS_PROFILE / the credential chain)

Options:
  --broker ID                audit only this broker (id or name); repeatable
  --config FILE              policy, suppressions, regions and accounts (default: ./mqops.config.json if present)
  --state FILE               remember findings in FILE between runs, so reports say new / still open / fixed

Output:
  --output FORMAT            table (default), json, md, html, sarif or asff (Security Hub findings)
  --out FILE                 write the report to FILE instead of standard output
  --severity LEVEL           show findings at or above LEVEL (CRITICAL, HIGH, MEDIUM, LOW, INFO; default INFO)
  --fail-on LEVEL            exit with code 1 when an unsuppressed finding at or above LEVEL exists (for CI)
  --wide                     the table never cuts a cell: broker names, check ids and findings in full (lines may
                             wrap)

${EXIT_CODES}`;

export const CHECKS_HELP = `mqops checks — the catalog of the checks mqops runs

Usage:
  mqops checks [--output table|json]
      Every check's id, severity, engines, the Security Hub / AWS Config controls it maps to and its title; the JSON
      also has its deployment modes and the data it requires. Needs no AWS account.

Options:
  --output table|json        table (default) or json`;

/** Every command with its help, in the order the global help lists them. */
const COMMAND_HELP = new Map<string, string>([
  ['audit', AUDIT_HELP],
  ['checks', CHECKS_HELP],
  ['alarms', ALARMS_HELP],
  ['rightsize', RIGHTSIZE_HELP],
  ['maintenance', MAINTENANCE_HELP],
  ['run', RUN_HELP],
  ['rotation', ROTATION_HELP],
  ['doctor', DOCTOR_HELP],
]);

/** The commands, for messages. */
export const COMMANDS: readonly string[] = [...COMMAND_HELP.keys(), 'help'];

/** The help of `command` (`rotate` is `rotation`), or undefined for an unknown command. */
export function helpFor(command: string): string | undefined {
  if (command === 'help') return HELP;
  return COMMAND_HELP.get(command === 'rotate' ? 'rotation' : command);
}

/** The message of an unknown command. */
export const unknownCommand = (command: string) =>
  `unknown command '${command}'; commands: ${COMMANDS.join(', ')}`;
