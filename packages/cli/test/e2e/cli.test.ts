import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELP, main, VERSION } from '../../src/main';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('mqops CLI', () => {
  it('audits the demo fleet with --local and prints a table of findings', async () => {
    const { code, out } = await run('audit', '--local');
    expect(code).toBe(0);
    expect(out).toMatch(/^SEVERITY\s+BROKER\s+CHECK\s+FINDING/);
    expect(out).toMatch(/HIGH\s+billing-prod\s+mq-public-access/);
    expect(out).toMatch(/\d+ findings \(\d+ HIGH, \d+ MEDIUM\) on \d+ of 6 brokers/);
  });

  it('prints the full report as JSON', async () => {
    const { code, out } = await run('audit', '--local', '--output', 'json');
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.brokersAudited).toBe(6);
    expect(report.results.some((r: { status: string }) => r.status === 'PASS')).toBe(true);
  });

  it('exits 1 when a finding reaches --fail-on, 0 when none does', async () => {
    expect((await run('audit', '--local', '--fail-on', 'high')).code).toBe(1);
    expect((await run('audit', '--local', '--fail-on', 'CRITICAL')).code).toBe(0);
  });

  it('filters the table with --severity', async () => {
    const { out } = await run('audit', '--local', '--severity', 'HIGH');
    expect(out).toContain('mq-public-access');
    expect(out).not.toContain('mq-audit-logs');
  });

  it('audits a scenario file and named brokers', async () => {
    const file = join(tmpdir(), `mqops-cli-${process.pid}.json`);
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
    [['audit', '--output', 'xml'], /--output must be table or json/],
    [['audit', '--severity', 'urgent'], /--severity must be one of/],
    [['audit', '--scenario', 'demo'], /--scenario needs --local/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['audit', '--nope'], /Unknown option '--nope'/],
  ])('rejects %j with exit code 2', async (argv, message) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
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
    expect((await run()).code).toBe(2);
  });
});

describe('mqops binary', () => {
  it('runs the README demo command in a fresh process with no AWS settings', () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    const result = spawnSync(process.execPath, ['packages/cli/bin/mqops.mjs', 'audit', '--local'], {
      encoding: 'utf8',
      env: { ...env, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' },
      timeout: 60_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/findings \(.*\) on \d+ of 6 brokers/);
  });
});
