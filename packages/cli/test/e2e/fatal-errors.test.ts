import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProcessRun, runNode } from '../../../../test/helpers/process';
import { main } from '../../src/main';

const BIN = new URL('../../bin/mqops.mjs', import.meta.url).pathname;
const ROOT = new URL('../../../../', import.meta.url).pathname;
const tmp = () => mkdtempSync(join(tmpdir(), 'mqops-errors-'));

/**
 * Runs the mqops binary in a fresh process with no AWS settings at all: no AWS_* variables, a HOME without ~/.aws,
 * no instance metadata; then `env`. Asynchronous: the stand-in endpoints below answer from this process.
 */
function mqops(args: string[], env: Record<string, string> = {}, cwd = ROOT): Promise<ProcessRun> {
  return runNode({ env: () => ({}) }, [BIN, ...args], {
    cwd,
    env: { HOME: tmp(), AWS_EC2_METADATA_DISABLED: 'true', NODE_NO_WARNINGS: '1', ...env },
  });
}

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

// In-process --local commands keep their cloud in a temporary directory, not in the repository's .mqops/local.
const localDir = process.env.MQOPS_LOCAL_DIR;
beforeAll(() => {
  process.env.MQOPS_LOCAL_DIR = join(tmp(), 'local');
});
afterAll(() => {
  if (localDir === undefined) delete process.env.MQOPS_LOCAL_DIR;
  else process.env.MQOPS_LOCAL_DIR = localDir;
});

/** A stand-in AWS endpoint that refuses every call, as IAM does for a role without the action. */
let denying: Server;
let denyingUrl: string;
beforeAll(async () => {
  denying = createServer((_req, res) => {
    res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' });
    res.end(
      JSON.stringify({
        message:
          'User: arn:aws:sts::123456789012:assumed-role/ops/me is not authorized to perform: mq:ListBrokers ' +
          'because no identity-based policy allows the mq:ListBrokers action',
      }),
    );
  });
  await new Promise<void>((resolve) => denying.listen(0, '127.0.0.1', resolve));
  denyingUrl = `http://127.0.0.1:${(denying.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => denying.close(() => resolve())));

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const KEYS = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example' };

describe('a fatal AWS error says what to do next', () => {
  it('no credentials anywhere: exit 3, the SDK message, then a hint about profiles, SSO and --local', async () => {
    const { status, stdout, stderr } = await mqops(['maintenance', '--region', 'eu-west-1']);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^mqops: .*Could not load credentials from any providers\n {2}hint: .*$/m);
    expect(stderr).toMatch(/^ {2}hint: set AWS_PROFILE or pass --profile NAME.*aws sso login.*--local$/m);
    expect(status).toBe(3);
  });

  it('no region: exit 3 and a hint to pass --region', async () => {
    const { status, stderr } = await mqops(['rotation', 'list'], KEYS);
    expect(stderr).toMatch(/^mqops: .*Region is missing\n {2}hint: pass --region REGION or set AWS_REGION/m);
    expect(status).toBe(3);
  });

  it('an endpoint nothing answers on: exit 3 and a hint to check AWS_ENDPOINT_URL and the network', async () => {
    const port = await closedPort();
    const { status, stderr } = await mqops(['rotation', 'list', '--region', 'eu-west-1'], {
      ...KEYS,
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_MAX_ATTEMPTS: '1',
    });
    expect(stderr).toMatch(
      new RegExp(`^mqops: .*ECONNREFUSED 127\\.0\\.0\\.1:${port}\\n {2}hint: .*AWS_ENDPOINT_URL`, 'm'),
    );
    expect(status).toBe(3);
  });

  it('access denied: exit 3 and a hint to the IAM actions `npm run iam` lists', async () => {
    const { status, stderr } = await mqops(['maintenance', '--region', 'eu-west-1'], {
      ...KEYS,
      AWS_ENDPOINT_URL: denyingUrl,
    });
    expect(stderr).toMatch(
      /^mqops: .*not authorized to perform: mq:ListBrokers.*\n {2}hint: .*`npm run iam`/m,
    );
    expect(status).toBe(3);
  });

  it('an error mqops has nothing to add to gets no hint', async () => {
    const { code, err } = await run('rightsize', '--local', '--scenario', '/nonexistent/fleet.json');
    expect(code).toBe(3);
    expect(err).toContain('/nonexistent/fleet.json');
    expect(err).not.toContain('hint:');
  });
});

describe('a config file that cannot be read exits 3, naming the file and the reason', () => {
  it.each([
    [['audit', '--local', '--config', '/nonexistent/mqops.json']],
    [['audit', '--config', '/nonexistent/mqops.json']],
    [['rightsize', '--config', '/nonexistent/mqops.json']],
    [['rightsize', '--local', '--config', '/nonexistent/mqops.json']],
  ])('%j', async (argv) => {
    const { code, out, err } = await run(...argv);
    expect(err).toMatch(
      /^mqops: cannot read the config file \/nonexistent\/mqops\.json: no such file or directory \(ENOENT\)$/m,
    );
    expect(err).not.toContain('for usage');
    expect(out).toBe('');
    expect(code).toBe(3);
  });

  it('a directory given as the config file', async () => {
    const dir = tmp();
    const { code, err } = await run('audit', '--local', '--config', dir);
    expect(err).toContain(`cannot read the config file ${dir}: illegal operation on a directory (EISDIR)`);
    expect(code).toBe(3);
  });

  it.each(['audit', 'rightsize'])(
    '%s: an unreadable ./mqops.config.json (the default) is not silently skipped',
    async (command) => {
      const cwd = tmp();
      mkdirSync(join(cwd, 'mqops.config.json'));
      const { status, stderr } = await mqops(
        [command, '--local'],
        { MQOPS_LOCAL_DIR: join(tmp(), 'local') },
        cwd,
      );
      expect(stderr).toContain(
        'cannot read the config file mqops.config.json: illegal operation on a directory',
      );
      expect(status).toBe(3);
    },
  );
});
