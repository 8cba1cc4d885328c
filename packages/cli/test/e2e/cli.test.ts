import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKS } from '@mqops/core';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { HELP, main, VERSION } from '../../src/main';

const DEMO_CONFIG = 'packages/local/scenarios/demo.config.json';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'mqops-cli-'));

// --local keeps its cloud between commands (in MQOPS_LOCAL_DIR): each test starts from a fresh one, never from what
// an earlier test (or a developer's run in the repository's .mqops/local) left.
const localDir = process.env.MQOPS_LOCAL_DIR;
beforeEach(() => {
  process.env.MQOPS_LOCAL_DIR = join(tmp(), 'local');
});
afterAll(() => {
  if (localDir === undefined) delete process.env.MQOPS_LOCAL_DIR;
  else process.env.MQOPS_LOCAL_DIR = localDir;
});

describe('mqops audit --local', () => {
  it('audits the demo fleet and prints a table of findings', async () => {
    const { code, out, err } = await run('audit', '--local', '--config', DEMO_CONFIG);
    expect(code).toBe(0);
    expect(out).toMatch(/^ {3}SEVERITY\s+BROKER\s+CHECK\s+FINDING/);
    expect(out).toMatch(/HIGH\s+billing-prod\s+mq-public-access/);
    expect(out).toMatch(
      /\d+ findings \(\d+ HIGH, \d+ MEDIUM, \d+ LOW\) on \d+ of 8 brokers; \d+ checks passed, 1 suppressed\./,
    );
    // Without real brokers there is no RabbitMQ data plane to read: those checks are left out, and it is said (they
    // neither pass nor make the audit partial).
    expect(err).toContain('8 RabbitMQ data-plane checks not run: --local without --real-brokers');
    expect(out).not.toContain('not checked');
    expect(out).toContain(
      'Audit complete: 8 brokers audited (8 checks left out: the RabbitMQ data plane needs --real-brokers with --local).',
    );
    // The model brokers fail nothing.
    expect(out).not.toMatch(/^\s*\S+\s+orders-prod\s/m);
    expect(out).not.toMatch(/^\s*\S+\s+events-prod\s/m);
  });

  it('prints the full report as JSON, with the suppression from the config file', async () => {
    const { code, out } = await run('audit', '--local', '--config', DEMO_CONFIG, '--output', 'json');
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.brokersAudited).toBe(8);
    const suppressed = report.results.filter((r: { suppressed?: unknown }) => r.suppressed);
    expect(suppressed).toEqual([
      expect.objectContaining({
        checkId: 'mq-kms-customer-managed-key',
        broker: expect.objectContaining({ name: 'analytics-dev' }),
        suppressed: expect.objectContaining({ source: 'config', expires: '2025-06-30' }),
      }),
    ]);
  });

  it.each([
    ['md', /^# /m],
    ['html', /^<!doctype html>/i],
    ['sarif', /"version": "2\.1\.0"/],
    ['asff', /"SchemaVersion": "2018-10-08"/],
  ])('writes a %s report', async (format, shape) => {
    const file = join(tmp(), `report.${format}`);
    const { code, err } = await run('audit', '--local', '--output', format, '--out', file);
    expect(code).toBe(0);
    expect(err).toContain(`wrote ${format} report to ${file}`);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(shape);
    expect(text).toContain('billing-prod');
  });

  it('exits 1 when an unsuppressed finding reaches --fail-on, 0 when none does', async () => {
    expect((await run('audit', '--local', '--fail-on', 'high')).code).toBe(1);
    expect((await run('audit', '--local', '--fail-on', 'CRITICAL')).code).toBe(0);
  });

  it('filters the table with --severity', async () => {
    const { out } = await run('audit', '--local', '--severity', 'HIGH');
    expect(out).toContain('mq-public-access');
    expect(out).not.toMatch(/^\s*(MEDIUM|LOW)\s/m);
  });

  it('remembers findings with --state: the second run has nothing new', async () => {
    const state = join(tmp(), 'state.json');
    const first = await run('audit', '--local', '--state', state);
    expect(first.out).toMatch(/^\+ /m);
    expect(first.out).toMatch(/Since the last run: (\d+) new, 0 fixed, 0 still open\./);
    const second = await run('audit', '--local', '--state', state);
    expect(second.out).not.toMatch(/^\+ /m);
    expect(second.out).toMatch(/Since the last run: 0 new, 0 fixed, \d+ still open\./);
    expect(JSON.parse(readFileSync(state, 'utf8')).version).toBe(1);
  });

  it('audits a scenario file and named brokers', async () => {
    const file = join(tmp(), 'fleet.json');
    writeFileSync(
      file,
      JSON.stringify({
        brokers: [
          {
            BrokerName: 'solo',
            EngineType: 'RABBITMQ',
            EngineVersion: '3.13',
            DeploymentMode: 'SINGLE_INSTANCE',
            HostInstanceType: 'mq.m5.large',
            PubliclyAccessible: true,
          },
        ],
      }),
    );
    const { code, out } = await run('audit', '--local', '--scenario', file, '--broker', 'solo');
    expect(code).toBe(0);
    expect(out).toMatch(/HIGH\s+solo\s+mq-public-access/);
    expect(out).toContain('on 1 of 1 brokers');
  });

  it.each([
    [['audit', '--output', 'xml'], /--output must be one of table, json, md, html, sarif, asff/],
    [['audit', '--severity', 'urgent'], /--severity must be one of/],
    [['audit', '--scenario', 'demo'], /--scenario needs --local/],
    [['audit', '--real-brokers'], /--real-brokers needs --local/],
    [['audit', '--regions', 'mars-north-1,,x'], /--regions must be region names/],
    [['checks', '--output', 'md'], /--output must be table or json/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['audit', '--nope'], /Unknown option '--nope'/],
  ])('rejects %j with exit code 2 and changes nothing', async (argv, message) => {
    const { code, err, out } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(out).toBe('');
  });

  it('exits 3 with a clear message for a config file that is wrong', async () => {
    const file = join(tmp(), 'mqops.config.json');
    writeFileSync(
      file,
      JSON.stringify({ policy: { maxCredentialAgeDays: 0 }, suppressions: [{ check: 'x' }] }),
    );
    const { code, err } = await run('audit', '--local', '--config', file);
    expect(code).toBe(3);
    expect(err).toContain('invalid mqops configuration');
    expect(err).toContain('policy.maxCredentialAgeDays');
    expect(err).toContain('suppressions.0.broker');
  });

  it('exits 3 with a clear message for an unknown broker', async () => {
    const { code, err } = await run('audit', '--local', '--broker', 'b-nope');
    expect(code).toBe(3);
    expect(err).toContain('unknown broker: b-nope');
  });

  it('exits 3 for a scenario file that does not exist', async () => {
    const { code, err } = await run('audit', '--local', '--scenario', '/nonexistent/fleet.json');
    expect(code).toBe(3);
    expect(err).toContain('cannot read scenario /nonexistent/fleet.json');
  });

  it('prints help and version', async () => {
    expect((await run('--help')).out).toBe(HELP);
    expect((await run('--version')).out).toBe(VERSION);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect((await run()).code).toBe(2);
  });
});

describe('mqops checks', () => {
  it('lists every check as a table', async () => {
    const { code, out } = await run('checks');
    expect(code).toBe(0);
    for (const check of CHECKS) expect(out).toContain(check.id);
    expect(out).toContain(`${CHECKS.length} checks.`);
    expect(out).toMatch(/mq-audit-logs\s+MEDIUM\s+ACTIVEMQ\s+MQ\.2/);
  });

  it('lists every check as JSON with engines and controls', async () => {
    const { out } = await run('checks', '--output', 'json');
    const rows = JSON.parse(out);
    expect(rows).toHaveLength(CHECKS.length);
    expect(rows.find((r: { id: string }) => r.id === 'mq-audit-logs')).toMatchObject({
      severity: 'MEDIUM',
      engines: ['ACTIVEMQ'],
      securityHub: 'MQ.2',
      awsConfig: 'mq-cloudwatch-audit-log-enabled',
    });
  });
});

describe('mqops binary', () => {
  it('runs the README demo command in a fresh process with no AWS settings', () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    const result = spawnSync(
      process.execPath,
      ['packages/cli/bin/mqops.mjs', 'audit', '--local', '--config', DEMO_CONFIG],
      {
        encoding: 'utf8',
        env: { ...env, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' },
        timeout: 60_000,
      },
    );
    // The only thing on standard error: which checks the demo leaves out without the real brokers.
    expect(result.stderr).toBe(
      'mqops: note: 8 RabbitMQ data-plane checks not run: --local without --real-brokers\n',
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/findings \(.*\) on \d+ of 8 brokers/);
    expect(result.stdout).toContain('Audit complete: 8 brokers audited (8 checks left out: ');
  });

  it('stops quietly when the reader of its output has gone (mqops … | head)', () => {
    // `true` exits without reading: the pipe is closed before mqops writes its first line (EPIPE).
    const command = `"${process.execPath}" packages/cli/bin/mqops.mjs run safe-reboot --local --broker orders-prod`;
    const result = spawnSync('bash', ['-o', 'pipefail', '-c', `${command} | true`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('mqops rightsize / maintenance --local', () => {
  it("recommends from 14 days of the demo fleet's metrics, priced live, and says when it cannot judge", async () => {
    const { code, out } = await run('rightsize', '--local');
    expect(code).toBe(0);
    expect(out).toMatch(/^BROKER\s+ENGINE\s+MODE\s+TYPE\s+ACTION\s+TO\s+\$\/MONTH\s+WHY/);
    expect(out).toMatch(
      /payments-prod\s+ACTIVEMQ\s+ACTIVE_STANDBY_MULTI_AZ\s+mq\.m5\.xlarge\s+upsize\s+mq\.m5\.2xlarge\s+\+\$\d+\.\d\d\s+CPU p95 9\d%/,
    );
    expect(out).toMatch(
      /notifications-prod\s+RABBITMQ\s+SINGLE_INSTANCE\s+mq\.m7g\.large\s+upsize\s+mq\.m7g\.xlarge/,
    );
    // billing-prod runs hot but on ActiveMQ 5.17, for which no larger type is offered: blocked (never keep), and why.
    expect(out).toMatch(
      /billing-prod\s+.*blocked\s+-\s+-\s+CPU p95 \d+% is over the 70% threshold, .*, but no larger instance type is offered for ActiveMQ 5\.17/,
    );
    expect(out).not.toMatch(/billing-prod\s+.*keep/);
    expect(out).toMatch(
      /8 brokers: 2 to resize \(\+\$\d+\.\d\d per month if all are applied\), 1 blocked \(over a threshold, and no resize can be recommended: see WHY\)[;.]/,
    );
  });

  it('prints JSON with every recommendation and its reasons', async () => {
    const { code, out } = await run('rightsize', '--local', '--output', 'json', '--broker', 'orders-prod');
    expect(code).toBe(0);
    const report = JSON.parse(out) as {
      recommendations: { brokerName: string; action: string; reasons: string[] }[];
    };
    expect(report.recommendations).toHaveLength(1);
    expect(report.recommendations[0]).toMatchObject({ brokerName: 'orders-prod', action: 'keep' });
    expect(report.recommendations[0]?.reasons[0]).toMatch(
      /every metric is within its threshold over 14 days/,
    );
    const blocked = await run('rightsize', '--local', '--output', 'json', '--broker', 'billing-prod');
    const { recommendations } = JSON.parse(blocked.out) as typeof report;
    expect(recommendations[0]).toMatchObject({ brokerName: 'billing-prod', action: 'blocked' });
    expect(recommendations[0]).not.toHaveProperty('to');
    expect(recommendations[0]?.reasons.at(-1)).toMatch(
      /^CPU p95 \d+% is over the 70% threshold, .*, but no larger instance type is offered for ActiveMQ 5\.17/,
    );
  });

  it('plans an accepted recommendation (--accept), and refuses one that is not a resize', async () => {
    const accepted = await run('rightsize', '--local', '--accept', 'payments-prod');
    expect(accepted.code).toBe(0);
    expect(accepted.out).toMatch(
      /^Planned: broker payments-prod mq\.m5\.xlarge → mq\.m5\.2xlarge \(\+\$\d+\.\d\d per month\)/,
    );
    const keep = await run('rightsize', '--local', '--accept', 'orders-prod');
    expect(keep.code).toBe(3);
    expect(keep.err).toMatch(/"keep", not a resize: nothing to plan/);
    const blocked = await run('rightsize', '--local', '--accept', 'billing-prod');
    expect(blocked.code).toBe(3);
    expect(blocked.err).toMatch(
      /broker billing-prod cannot be resized: CPU p95 \d+% is over the 70% threshold, .*, but no larger instance type is offered for ActiveMQ 5\.17/,
    );
    expect(blocked.out).not.toMatch(/Planned/);
    const noTable = await run('rightsize', '--accept', 'orders-prod');
    expect(noTable.code).toBe(2);
    expect(noTable.err).toMatch(/--accept needs the state table/);
  });

  it('lists pending changes and the next window of every broker', async () => {
    const { code, out } = await run('maintenance', '--local');
    expect(code).toBe(0);
    expect(out).toMatch(/^BROKER\s+STATE\s+NEXT WINDOW \(UTC\)\s+LOCAL\s+PENDING/);
    expect(out).toMatch(
      /legacy-staging\s+RUNNING\s+2025-04-06 03:00\s+.*instance type mq\.m4\.large → mq\.m5\.large/,
    );
    // Wednesday 14:00 in Berlin is 12:00 UTC (CEST from 30 March 2025).
    expect(out).toMatch(/billing-prod\s+RUNNING\s+2025-04-02 12:00\s+2025-04-02 14:00/);
    expect(out).toMatch(/payments-prod\s+\S+\s+unreadable/);
    expect(out).toMatch(/8 brokers; 1 will apply pending changes at their next window\./);
  });
});

describe('mqops run --local', () => {
  it('lists the runbooks with their payloads in --help', async () => {
    const { code, out } = await run('run', '--help');
    expect(code).toBe(0);
    for (const name of ['audit-now', 'rotate-now', 'resize-now'])
      expect(out).toMatch(new RegExp(`^  ${name}\\s+\\S`, 'm'));
    expect(out).toContain('payload {"brokerId": "b-…"}');
  });

  it('dry-runs by default and acts with --execute', async () => {
    const dry = await run('run', 'audit-now', '--local', '--broker', 'billing-prod');
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/^audit-now: dry run\n {2}would audit 1 broker/);
    expect(dry.out).toContain('Run again with --execute to act.');
    const done = await run(
      'run',
      'audit-now',
      '--local',
      '--broker',
      'billing-prod',
      '--execute',
      '--output',
      'json',
    );
    expect(done.code).toBe(0);
    const record = JSON.parse(done.out) as { status: string; dryRun: boolean; details: { findings: number } };
    expect(record).toMatchObject({ status: 'done', dryRun: false });
    expect(record.details.findings).toBeGreaterThan(3);
  });

  it('exits 1 for a refused run and 2 for an unknown runbook, a bad payload or no place to run', async () => {
    const refused = await run('run', 'resize-now', '--local', '--broker', 'orders-prod', '--execute');
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/has no open resize plan/);
    const unknown = await run('run', 'reboot-all', '--local');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown runbook reboot-all; runbooks: audit-now, rotate-now, resize-now/);
    const nowhere = await run('run', 'audit-now');
    expect(nowhere.code).toBe(2);
    expect(nowhere.err).toMatch(/--invoke FUNCTION .* or --local/);
    const badBroker = await run('run', 'audit-now', '--local', '--broker', 'nope');
    expect(badBroker.code).toBe(2);
    expect(badBroker.err).toMatch(/no broker nope/);
    for (const runbook of ['safe-reboot', 'resize-now', 'restore-config']) {
      const noBroker = await run('run', runbook, '--local');
      expect(noBroker.code).toBe(2);
      expect(noBroker.err).toMatch(new RegExp(`^mqops: ${runbook} needs --broker NAME\\|ID`));
    }
    const noSecret = await run('run', 'rotate-now', '--local');
    expect(noSecret.code).toBe(2);
    expect(noSecret.err).toMatch(/^mqops: rotate-now needs --secret ID/);
    // A payload given as JSON counts too.
    const byPayload = await run('run', 'safe-reboot', '--local', '--payload', '{"brokerId": "b-none"}');
    expect(byPayload.err).not.toMatch(/needs --broker/);
  });
});

describe('mqops alarms --local', () => {
  it('shows the recommended alarms per broker as a dry run, and applies them with --apply', async () => {
    const dry = await run('alarms', '--local');
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/^BROKER\s+DESIRED\s+CREATE\s+UPDATE\s+DELETE\s+OK/);
    expect(dry.out).toMatch(/events-prod\s+14\s+14\s+0\s+0\s+0/);
    expect(dry.out).toMatch(
      /8 brokers, 76 alarms recommended: 76 to create, 0 to update, 0 to delete \(dry run; --apply/,
    );
    const applied = await run('alarms', '--local', '--apply', '--output', 'json');
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.out)).toMatchObject({ dryRun: false, created: 76, errors: [] });
    const bad = await run('alarms', '--topic', 'not-an-arn');
    expect(bad.code).toBe(2);
  });

  it('accepts `rotate` as the rotation command group', async () => {
    const { code, out } = await run('rotate', '--help');
    expect(code).toBe(0);
    expect(out).toMatch(/^mqops rotation — credential rotation/);
  });
});

describe('mqops run backup-config / restore-config --local', () => {
  it('backs up a broker of the demo fleet into the embedded S3 (dry run, then --execute)', async () => {
    const dry = await run('run', 'backup-config', '--local', '--broker', 'orders-prod');
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(
      /^backup-config: dry run\n {2}would save 1 backup \([\d.]+ KB\) to s3:\/\/mqops-local-backups\/backups\/: orders-prod/,
    );
    const done = await run('run', 'backup-config', '--local', '--broker', 'orders-prod', '--execute');
    expect(done.code).toBe(0);
    expect(done.out).toMatch(
      /saved 1 backup \([\d.]+ KB\) to s3:\/\/mqops-local-backups: backups\/orders-prod\/2025-04-01T/,
    );
    // --local keeps its cloud between commands: restore-config diffs against the backup just made.
    const restore = await run('run', 'restore-config', '--local', '--broker', 'orders-prod');
    expect(restore.code).toBe(0);
    expect(restore.out).not.toMatch(/no backup/i);
    expect(restore.out).toContain('backups/orders-prod/2025-04-01T');
  });
});

describe('mqops rotation --local', () => {
  it("lists the demo fleet's mqops/ secrets and turns rotation on for a user (login check skipped)", async () => {
    const listed = await run('rotation', 'list', '--local');
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^SECRET\s+ROTATION\s+SCHEDULE\s+LAST\s+NEXT/);
    expect(listed.out).toMatch(/mqops\/payments-prod\/payments-app\s+off/);
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(
      [
        'rotation',
        'enable',
        '--local',
        '--broker',
        'orders-prod',
        '--user',
        'orders-app',
        '--secret-name',
        'mqops/orders-prod/orders-app-rotated',
        '--function',
        'arn:aws:lambda:us-east-1:123456789012:function:mqops-dev-Rotate',
        '--password-stdin',
        '--skip-login-check',
      ],
      { out: (t) => out.push(t), err: (t) => err.push(t), stdin: async () => 'demo-password\n' },
    );
    expect(err.join('\n')).toBe('');
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(
      /^Created secret mqops\/orders-prod\/orders-app-rotated for activemq user orders-app/,
    );
    expect(out.join('\n')).toMatch(/Rotation on: every 30 days, single-user/);
    expect(out.join('\n')).not.toContain('demo-password');
  });
});
