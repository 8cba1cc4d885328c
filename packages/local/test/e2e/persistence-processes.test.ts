import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalCloud } from '../../src/server';

/**
 * The state directory shared by real processes: the lock keeps them one at a time even when they all take over a
 * stale lock at once, and a process stopped by a signal or that exits without stopping keeps (or reports) its state.
 */

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const tmp = () => join(mkdtempSync(join(tmpdir(), 'mqops-persist-proc-')), 'local');

/** A process id no process has (beyond Linux's pid_max, or just unused): its lock is stale. */
function unusedPid(): number {
  for (let pid = 4_194_400; ; pid++) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
}

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Runs a fixture (`node --import tsx fixtures/NAME.ts …args`); `ended` settles when it has exited. */
function fixture(
  name: string,
  args: string[],
): { child: ChildProcess; out: () => string; ended: Promise<Ran> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, `${name}.ts`), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const ended = new Promise<Ran>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, out: () => stdout + stderr, ended };
}

async function until(condition: () => boolean, what: () => string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a state directory shared by processes', () => {
  it('lets one process at a time in when several take over the same stale lock at once', async () => {
    const contenders = 4;
    const holdMs = 200;
    for (let round = 0; round < 3; round++) {
      const dir = tmp();
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'lock'),
        JSON.stringify({ pid: unusedPid(), host: hostname(), since: 'a while ago' }),
      );
      const log = join(dir, '..', 'holders.log');
      writeFileSync(log, '');
      // Far enough ahead for every contender to have loaded (tsx) and be spinning, waiting for it.
      const startAt = String(Date.now() + 2_500);
      const runs = Array.from(
        { length: contenders },
        () => fixture('lock-contender', [dir, log, startAt, String(holdMs)]).ended,
      );
      for (const run of await Promise.all(runs)) expect(run.code, run.stderr).toBe(0);
      const held = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { pid: number; enter: number; exit: number; owned: boolean })
        .sort((a, b) => a.enter - b.enter);
      expect(held).toHaveLength(contenders);
      for (let i = 1; i < held.length; i++) {
        const [before, after] = [held[i - 1], held[i]] as [(typeof held)[0], (typeof held)[0]];
        expect(after.enter, `round ${round}: ${JSON.stringify(held)}`).toBeGreaterThanOrEqual(before.exit);
      }
      for (const h of held)
        expect(h, 'the lock file named its holder all along').toMatchObject({ owned: true });
      expect(existsSync(join(dir, 'lock'))).toBe(false);
    }
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('keeps what a process did when it is stopped by %s, and exits %i', async (signal, code) => {
    const dir = tmp();
    const run = fixture('persisted-cloud', [dir]);
    await until(
      () => run.out().includes('ready'),
      () => run.out(),
    );
    run.child.kill(signal);
    const ended = await run.ended;
    expect({ code: ended.code, signal: ended.signal }, ended.stderr).toEqual({ code, signal: null });
    expect(existsSync(join(dir, 'lock'))).toBe(false);

    // The next process finds the broker change (the world) and the DynamoDB item: one consistent state.
    const cloud = await startLocalCloud({ persist: { dir } });
    const ddb = new DynamoDBClient(cloud.clientConfig());
    try {
      expect(cloud.persisted?.resumed).toBe(true);
      expect(cloud.world.mq.broker('kept').pending.HostInstanceType).toBe('mq.m5.xlarge');
      const item = await ddb.send(new GetItemCommand({ TableName: 'kept', Key: { pk: { S: 'plan' } } }));
      expect(item.Item?.v?.S).toBe('accepted');
    } finally {
      ddb.destroy();
      await cloud.stop();
    }
  });

  it('says on stderr, naming the directory and --reset, that a save on exit was refused (a conflict)', async () => {
    const dir = tmp();
    const ended = await fixture('exit-conflict', [dir]).ended;
    expect(ended.stderr).toContain(`the local cloud state in ${dir} was changed by another process`);
    expect(ended.stderr).toMatch(/generation 7, expected 1/);
    expect(ended.stderr).toContain('--reset');
    expect(ended.code).toBe(1);
    // The other process's state stays.
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).generation).toBe(7);
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });
});
