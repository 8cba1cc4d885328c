import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalCloud, startLocalCloud } from '@mqops/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../helpers/process';

// `mqops audit` as a CI gate, against targets that cannot be read: it must never pass quietly (exit 3, naming the
// target and what to do), and a target that works still gets its findings printed.
const BIN = 'packages/cli/bin/mqops.mjs';

describe('mqops audit: targets that cannot be audited', () => {
  let cloud: LocalCloud;
  let dir: string;

  beforeAll(async () => {
    cloud = await startLocalCloud({ scenario: 'demo' });
    dir = mkdtempSync(join(tmpdir(), 'mqops-outcome-'));
  });
  afterAll(async () => {
    await cloud.stop();
  });

  it('exits 3 with a hint when no credentials can be found, even with --fail-on', async () => {
    const run = await runNode(
      cloud,
      [BIN, 'audit', '--region', 'eu-west-1', '--fail-on', 'HIGH', '--config', config({})],
      {
        drop: ['AWS_'],
        env: {
          HOME: dir,
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_ACCESS_KEY_ID: '',
          AWS_SECRET_ACCESS_KEY: '',
        },
      },
    );
    expect(run.status).toBe(3);
    expect(run.stderr).toMatch(/could not audit self\/eu-west-1: .*credentials/i);
    expect(run.stderr).toMatch(/hint: .*(--profile|AWS_PROFILE)/);
    expect(run.stdout).toContain('NOT AUDITED (failed)');
    // Never the line a clean audit prints ("no findings on 0 brokers"): it says what could be audited.
    expect(run.stdout).toContain('no findings on the 0 brokers that could be audited (failed)');
    expect(run.stdout).not.toMatch(/^no findings on 0 brokers/m);
    expect(run.stdout).toContain('Audit FAILED');
  });

  it('exits 3 with a hint when the endpoint is unreachable', async () => {
    const run = await runNode(cloud, [BIN, 'audit', '--config', config({})], {
      env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' },
    });
    expect(run.status).toBe(3);
    expect(run.stderr).toMatch(/could not audit self\/us-east-1: /);
    expect(run.stderr).toMatch(/hint: /);
  });

  it('prints the findings of the target that works and exits 3 for the one that does not', async () => {
    const undo = cloud.faults.add({ service: 'sts', operation: 'AssumeRole', deny: true });
    const file = config({
      accounts: [{ accountId: '210987654321', roleArn: 'arn:aws:iam::210987654321:role/mqops-audit' }],
    });
    const run = await runNode(cloud, [BIN, 'audit', '--config', file, '--output', 'json']);
    undo();
    expect(run.status).toBe(3);
    const report = JSON.parse(run.stdout);
    expect(report.outcome.status).toBe('partial');
    expect(report.brokersAudited).toBe(8);
    expect(report.results.some((r: { status: string }) => r.status === 'FAIL')).toBe(true);
    expect(report.outcome.gaps.filter((g: { check?: string }) => !g.check)).toEqual([
      expect.objectContaining({
        target: '210987654321/us-east-1',
        reason: expect.stringMatching(/not listed/),
      }),
    ]);
    expect(run.stderr).toMatch(/could not audit 210987654321\/us-east-1: /);
    expect(run.stderr).toContain('Audit PARTIAL');
  });

  it('exits 1 (not 3) for a complete audit with findings at --fail-on, and 0 without', async () => {
    // An ActiveMQ broker: every check it needs reads the MQ and EC2 APIs, so the audit is complete.
    const args = [BIN, 'audit', '--config', config({}), '--broker', 'billing-prod'];
    const failing = await runNode(cloud, [...args, '--fail-on', 'LOW']);
    expect(failing.stderr).not.toContain('could not audit');
    expect(failing.stdout).toContain('Audit complete: 1 brokers audited.');
    expect(failing.status).toBe(1);
    const passing = await runNode(cloud, args);
    expect(passing.status).toBe(0);
  });

  it('exits 3 when checks could not be evaluated (RabbitMQ data plane unreachable), even with findings elsewhere', async () => {
    const run = await runNode(cloud, [BIN, 'audit', '--config', config({}), '--fail-on', 'LOW']);
    expect(run.status).toBe(3);
    expect(run.stdout).toMatch(/NOT AUDITED \(partial\)/);
    expect(run.stdout).toMatch(/broker \S+ \d+ checks \(/);
    expect(run.stderr).toMatch(/checks could not be evaluated/);
  });

  it('writes no SARIF for an audit that covered nothing (an empty upload would close every alert)', async () => {
    const out = join(dir, 'failed.sarif');
    const run = await runNode(
      cloud,
      [BIN, 'audit', '--config', config({}), '--output', 'sarif', '--out', out],
      {
        env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' },
      },
    );
    expect(run.status).toBe(3);
    expect(existsSync(out)).toBe(false);
    expect(run.stderr).toContain('no SARIF written');
  });

  it('writes SARIF of a partial audit only with --state (the alerts of an unread target would close otherwise)', async () => {
    const undo = cloud.faults.add({ service: 'sts', operation: 'AssumeRole', deny: true });
    const file = config({
      accounts: [{ accountId: '210987654321', roleArn: 'arn:aws:iam::210987654321:role/mqops-audit' }],
    });
    const sarifTo = (out: string, ...more: string[]) =>
      runNode(cloud, [BIN, 'audit', '--config', file, '--output', 'sarif', '--out', out, ...more]);
    const without = join(dir, 'partial.sarif');
    const refused = await sarifTo(without);
    const kept = join(dir, 'partial-state.sarif');
    const written = await sarifTo(kept, '--state', join(dir, 'state.json'));
    undo();
    expect(refused.status).toBe(3);
    expect(existsSync(without)).toBe(false);
    expect(refused.stderr).toContain('add --state FILE');
    expect(written.status).toBe(3);
    const sarif = JSON.parse(readFileSync(kept, 'utf8'));
    expect(sarif.runs[0].invocations[0].executionSuccessful).toBe(false);
    expect(sarif.runs[0].results.length).toBeGreaterThan(0);
  });

  it('writes the report of a partial audit to --out and still exits 3, naming the gap on standard error', async () => {
    const undo = cloud.faults.add({ service: 'sts', operation: 'AssumeRole', deny: true });
    const out = join(dir, 'partial.md');
    const file = config({
      accounts: [{ accountId: '210987654321', roleArn: 'arn:aws:iam::210987654321:role/mqops-audit' }],
    });
    const run = await runNode(cloud, [BIN, 'audit', '--config', file, '--output', 'md', '--out', out]);
    undo();
    expect(run.status).toBe(3);
    const md = readFileSync(out, 'utf8');
    expect(md).toContain('## Not audited');
    expect(md).toContain('210987654321/us-east-1: not listed: ');
    expect(run.stderr).toMatch(/could not audit 210987654321\/us-east-1: /);
  });

  function config(body: Record<string, unknown>): string {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(body));
    return file;
  }
});
