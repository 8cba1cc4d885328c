import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ProcessRun, runNode } from '../helpers/process';

/**
 * The local demo as a story told by separate `mqops … --local` processes, the way a person runs it: each command
 * finds the local cloud where the one before left it (MQOPS_LOCAL_DIR), so a plan accepted by one is applied by the
 * next, a backup made by one is diffed by the next, a secret stored by one is rotated by the next, and the clock goes
 * on. No AWS settings at all: only the local cloud.
 */
const DIR = join(mkdtempSync(join(tmpdir(), 'mqops-story-')), 'local');
const CONFIG = 'packages/local/scenarios/demo.config.json';
const ROTATE = 'arn:aws:lambda:us-east-1:123456789012:function:mqops-demo-Rotate';
const noCloud = { env: () => ({ MQOPS_LOCAL_DIR: DIR }) };

const mqops = (args: string[], stdin = ''): Promise<ProcessRun> =>
  runNode(noCloud, ['packages/cli/bin/mqops.mjs', ...args], { stdin });

/** The kept cloud's clock after each command, to see time go on. */
const clocks: number[] = [];
function kept(): { generation: number; clock: string; scenario: { label: string } } {
  const state = JSON.parse(readFileSync(join(DIR, 'state.json'), 'utf8'));
  clocks.push(Date.parse(state.clock));
  return state;
}

const ok = (run: ProcessRun) => {
  expect(run.stderr).not.toMatch(/ENOTFOUND|Error:/);
  expect(run.status, run.stdout + run.stderr).toBe(0);
  return run.stdout;
};

describe('the local demo, step by step (one kept local cloud, one process per command)', () => {
  it('audits the demo fleet and keeps it in MQOPS_LOCAL_DIR', async () => {
    const out = ok(await mqops(['audit', '--local', '--config', CONFIG]));
    expect(out).toMatch(/findings .* on \d+ of 8 brokers/);
    const state = kept();
    expect(state).toMatchObject({ generation: 1, scenario: { label: 'demo' } });
    expect(Date.parse(state.clock)).toBeGreaterThanOrEqual(Date.parse('2025-04-01T09:00:00.000Z'));
    expect(existsSync(join(DIR, 'lock'))).toBe(false);
  });

  it('accepts a resize in one command and applies it in the next (rightsize --accept, run resize-now)', async () => {
    const accepted = ok(
      await mqops(['rightsize', '--local', '--accept', 'notifications-prod', '--config', CONFIG]),
    );
    expect(accepted).toMatch(/^Planned: broker notifications-prod mq\.m7g\.large → mq\.m7g\.xlarge/);
    kept();
    const dry = ok(await mqops(['run', 'resize-now', '--local', '--broker', 'notifications-prod']));
    expect(dry).toMatch(
      /would resize notifications-prod mq\.m7g\.large → mq\.m7g\.xlarge now \(state planned\)/,
    );
    const applied = ok(
      await mqops([
        'run',
        'resize-now',
        '--local',
        '--broker',
        'notifications-prod',
        '--config',
        CONFIG,
        '--execute',
      ]),
    );
    expect(applied).toMatch(
      /^resize-now: started\n {2}resize of notifications-prod mq\.m7g\.large → mq\.m7g\.xlarge/,
    );
    kept();
    // The next command sees the broker rebooting onto the new type…
    const during = JSON.parse(ok(await mqops(['maintenance', '--local', '--output', 'json']))) as {
      brokerName: string;
      state: string;
      pending: { text: string }[];
    }[];
    const rebooting = during.find((b) => b.brokerName === 'notifications-prod');
    expect(rebooting?.state).toBe('REBOOT_IN_PROGRESS');
    expect(rebooting?.pending.map((p) => p.text).join()).toMatch(/mq\.m7g\.large → mq\.m7g\.xlarge/);
    // …and, a minute later on the kept clock, running on it.
    const advanced = await runNode(noCloud, [
      '--import',
      'tsx',
      'packages/local/src/cli.ts',
      'advance',
      '1m',
    ]);
    expect(advanced.status, advanced.stderr).toBe(0);
    expect(advanced.stdout).toMatch(
      /^local cloud clock: 2025-04-01T09:0\d:[\d.]+Z → 2025-04-01T09:0\d:[\d.]+Z/,
    );
    const after = JSON.parse(
      ok(await mqops(['rightsize', '--local', '--broker', 'notifications-prod', '--output', 'json'])),
    ) as { recommendations: { brokerName: string; from: string }[] };
    expect(after.recommendations[0]).toMatchObject({
      brokerName: 'notifications-prod',
      from: 'mq.m7g.xlarge',
    });
    kept();
  });

  it('backs a broker up in one command and diffs against that backup in the next (backup-config, restore-config)', async () => {
    const saved = ok(
      await mqops(['run', 'backup-config', '--local', '--broker', 'orders-prod', '--execute']),
    );
    const key = /backups\/orders-prod\/2025-04-01T[\d:.]+Z\.json/.exec(saved)?.[0];
    expect(key).toBeDefined();
    kept();
    const restore = ok(await mqops(['run', 'restore-config', '--local', '--broker', 'orders-prod']));
    expect(restore).toMatch(/^restore-config: dry run\n/);
    expect(restore).toContain(`broker orders-prod matches backup ${key}`);
    expect(restore).toMatch(/^ {2}configuration: /m);
    expect(restore).toMatch(/^ {2}users: /m);
    kept();
  });

  it('rotate-now on a demo secret with rotation on would rotate it (not "has no rotation configured")', async () => {
    const dry = ok(await mqops(['run', 'rotate-now', '--local', '--secret', 'mqops/orders-prod/orders-app']));
    expect(dry).not.toMatch(/no rotation configured/);
    expect(dry).toMatch(
      /would rotate mqops\/orders-prod\/orders-app now with arn:aws:lambda:us-east-1:\d{12}:function:/,
    );
    expect(dry).toMatch(/rotationEnabled: true/);
    kept();
  });

  it('rotation enable needs --real-brokers; with them it stores the secret, and the next command rotates it', async () => {
    const enable = (extra: string[]) =>
      mqops(
        [
          'rotation',
          'enable',
          '--local',
          ...extra,
          '--broker',
          'billing-prod',
          '--user',
          'billing-app',
          '--function',
          ROTATE,
          '--password-stdin',
        ],
        'demo-Billing-App-2026',
      );
    const refused = await enable([]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(
      'mqops: rotation enable --local needs --real-brokers (it logs in to the broker before storing anything); ' +
        'start them with `npx tsx packages/local/src/brokers/cli.ts up`',
    );
    expect(refused.stderr).not.toMatch(/ENOTFOUND/);

    const enabled = await enable(['--real-brokers']);
    expect(enabled.stderr).toContain('mqops: billing-app logs in to billing-prod with the password given');
    expect(enabled.status, enabled.stderr).toBe(0);
    expect(enabled.stdout).toMatch(
      /^Created secret mqops\/billing-prod\/billing-app for activemq user billing-app/,
    );
    expect(enabled.stdout).not.toContain('demo-Billing-App-2026');
    kept();

    const rotated = ok(
      await mqops([
        'run',
        'rotate-now',
        '--local',
        '--secret',
        'mqops/billing-prod/billing-app',
        '--execute',
      ]),
    );
    expect(rotated).toMatch(
      /^rotate-now: started\n {2}rotation of mqops\/billing-prod\/billing-app started \(version [\w-]+\)/,
    );
    kept();
    // The rotation is still under way in the next command (as on AWS, until the rotation function finishes it).
    const again = await mqops(['run', 'rotate-now', '--local', '--secret', 'mqops/billing-prod/billing-app']);
    expect(again.status).toBe(1);
    expect(again.stdout).toMatch(/a rotation of mqops\/billing-prod\/billing-app is already under way/);
    kept();
  });

  it('keeps the trail of the runs (run history --local)', async () => {
    const out = ok(await mqops(['run', 'history', '--local']));
    for (const line of [
      /rotate-now\s+execute\s+started/,
      /restore-config\s+dry run\s+dry-run/,
      /backup-config\s+execute\s+done/,
      /resize-now\s+execute\s+started/,
    ])
      expect(out).toMatch(line);
    kept();
  });

  it('alarms and run take --scenario; another scenario than the kept one needs --reset', async () => {
    expect(ok(await mqops(['alarms', '--local', '--scenario', 'demo']))).toMatch(/^BROKER\s+DESIRED/);
    expect(ok(await mqops(['run', 'audit-now', '--local', '--scenario', 'demo']))).toMatch(
      /^audit-now: dry run\n {2}would audit 8 brokers/,
    );
    const other = await mqops(['alarms', '--local', '--scenario', 'empty']);
    expect(other.status).toBe(2);
    expect(other.stderr).toContain(
      `mqops: the local cloud in ${DIR} was made from scenario demo, not empty: pass --reset to start over from empty`,
    );
    const fresh = ok(await mqops(['run', 'audit-now', '--local', '--scenario', 'empty', '--reset']));
    expect(fresh).toMatch(/would audit 0 brokers/);
    expect(kept()).toMatchObject({ generation: 1, scenario: { label: 'empty' } });
    const unused = await mqops(['alarms', '--scenario', 'demo']);
    expect(unused.status).toBe(2);
    expect(unused.stderr).toMatch(/--scenario needs --local/);
  });

  it('moved the kept clock forward with every command (it never went back to the scenario’s instant)', () => {
    // The last one is the --reset.
    const story = clocks.slice(0, -1);
    expect(story.length).toBeGreaterThan(8);
    for (let i = 1; i < story.length; i++) expect(story[i]).toBeGreaterThan(story[i - 1] as number);
    expect((story.at(-1) as number) - (story[0] as number)).toBeGreaterThan(60_000);
    // The --reset started over from the empty scenario, which sets no instant: the wall clock.
    expect(Math.abs((clocks.at(-1) as number) - Date.now())).toBeLessThan(60_000);
  });
});
