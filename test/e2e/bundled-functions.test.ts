import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createKeyValueTable } from '@mqops/aws/dynamodb-kv-table';
import { type LocalCloud, startLocalCloud } from '@mqops/local';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sstBuildOptions } from '../../infra/bundle';
import { runNode } from '../helpers/process';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, '.mqops', 'bundled-functions');
const TABLE = `bundled-${randomBytes(3).toString('hex')}`;

/**
 * The functions as `sst deploy` bundles them (minified, tree-shaken, core and aws side-effect free, valibot, the
 * Runbook function split into chunks), run in a fresh Node process against the local cloud: what the unit and e2e
 * tests prove on the sources must hold for the artifact too (no side effect lost, core's validation messages, which
 * never repeat a received string, and its object schemas that refuse arrays).
 */
describe('bundled functions (SST build options) run in a fresh process', () => {
  let cloud: LocalCloud;

  async function bundle(name: string, splitting = false): Promise<string> {
    const outdir = join(OUT, name);
    mkdirSync(outdir, { recursive: true });
    await build({
      ...sstBuildOptions(ROOT),
      entryPoints: [join(ROOT, 'functions', `${name}.ts`)],
      ...(splitting
        ? { splitting: true, outdir, entryNames: name, outExtension: { '.js': '.mjs' } }
        : { outfile: join(outdir, `${name}.mjs`) }),
    });
    return join(outdir, `${name}.mjs`);
  }

  /** Imports the bundle in a new Node process and calls its handler with `event`; the outcome as JSON. */
  async function invoke(file: string, event: unknown, env: Record<string, string> = {}) {
    const probe = join(OUT, `probe-${randomBytes(3).toString('hex')}.mjs`);
    writeFileSync(
      probe,
      [
        `const { handler } = await import(${JSON.stringify(file)});`,
        `const context = { functionName: 'bundled', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bundled', memoryLimitInMB: '512', awsRequestId: 'req-1', logGroupName: 'g', logStreamName: 's', getRemainingTimeInMillis: () => 60000 };`,
        'try {',
        `  const result = await handler(${JSON.stringify(event)}, context);`,
        `  process.stdout.write('\\n@@' + JSON.stringify({ ok: true, result }));`,
        '} catch (error) {',
        `  process.stdout.write('\\n@@' + JSON.stringify({ ok: false, name: error.name, message: error.message }));`,
        '}',
      ].join('\n'),
    );
    const run = await runNode(cloud, [probe], { env, drop: ['AWS_', 'MQOPS_'] });
    const line = run.stdout.split('\n').find((l) => l.startsWith('@@'));
    if (!line) throw new Error(`no outcome (exit ${run.status}): ${run.stderr.slice(0, 2000)}`);
    return JSON.parse(line.slice(2)) as {
      ok: boolean;
      result?: Record<string, unknown>;
      name?: string;
      message?: string;
    };
  }

  beforeAll(async () => {
    cloud = await startLocalCloud({ scenario: 'demo' });
    await createKeyValueTable(new DynamoDBClient(cloud.clientConfig()), TABLE);
  });

  afterAll(async () => {
    await cloud?.stop();
  });

  it('Audit: audits a broker of the demo fleet, and refuses a malformed event and an array', async () => {
    const file = await bundle('audit');
    const done = await invoke(file, { brokerIds: ['billing-prod'] });
    expect(done.ok, JSON.stringify(done)).toBe(true);
    expect(done.result).toMatchObject({ trigger: 'manual', brokersAudited: 1 });
    expect(done.result?.findings as number).toBeGreaterThan(3);
    const bad = await invoke(file, { brokerIds: 'billing-prod' });
    expect(bad).toMatchObject({ ok: false, name: 'InvalidInputError' });
    expect(bad.message).toMatch(/brokerIds: Invalid type: Expected Array but received a string$/);
    const array = await invoke(file, []);
    expect(array).toMatchObject({ ok: false, name: 'InvalidInputError' });
    expect(array.message).toMatch(/\(event\): Invalid type: Expected Object but received Array/);
  });

  it('Runbook (split into chunks): a dry run through the lazily loaded adapters, and the list of runbooks on a bad request', async () => {
    const file = await bundle('runbook', true);
    const env = { MQOPS_STATE_TABLE: TABLE, MQOPS_AUDIT_FUNCTION: 'unused-in-a-dry-run' };
    const dry = await invoke(
      file,
      { runbook: 'safe-reboot', payload: { brokerId: cloudBrokerId('orders-prod') } },
      env,
    );
    expect(dry.ok, JSON.stringify(dry)).toBe(true);
    expect(dry.result).toMatchObject({ runbook: 'safe-reboot', status: 'dry-run', dryRun: true });
    const bad = await invoke(file, { runbook: 'nope' }, env);
    expect(bad).toMatchObject({ ok: false, name: 'InvalidInputError' });
    expect(bad.message).toMatch(
      /unknown runbook nope; runbooks: audit-now .* backup-config .* restore-config/,
    );
  });

  it('Rotate: refuses an event that is not a rotation step, never repeating what it was sent', async () => {
    const file = await bundle('rotate');
    const bad = await invoke(file, { Step: 'rotateEverything', SecretId: 'x', ClientRequestToken: 'short' });
    expect(bad).toMatchObject({ ok: false, name: 'InvalidInputError' });
    expect(bad.message).toContain('Step: not one of createSecret, setSecret, testSecret, finishSecret');
    expect(bad.message).toContain('ClientRequestToken: not 32 to 64 characters');
    expect(bad.message).not.toContain('rotateEverything');
  });

  function cloudBrokerId(name: string): string {
    return [...cloud.world.mq.brokers.values()].find((b) => b.BrokerName === name)?.BrokerId as string;
  }
});
