import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoKeyValueStore } from '@mqops/aws/dynamodb-kv';
import { createKeyValueTable } from '@mqops/aws/dynamodb-kv-table';
import { listRuns } from '@mqops/core/runbooks/run';
import { type LocalCloud, startLocalCloud } from '@mqops/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../functions/audit';
import { createRunbook } from '../../functions/runbook';
import { type ProcessRun, runNode } from '../helpers/process';
import { SlackReceiver } from '../helpers/slack-receiver';

const TABLE = `run-invoke-${randomBytes(3).toString('hex')}`;
const FUNCTION = 'mqops-prod-Runbook';

/**
 * `mqops run … --invoke`: a fresh CLI process whose AWS SDK is pointed at the local cloud by AWS_* variables only,
 * invoking the deployed Runbook function (registered in the local Lambda with the real handler, its adapters built
 * from its environment), which records the run under the caller's IAM identity.
 */
describe('mqops run --invoke (CLI process → Lambda Invoke → Runbook function → the demo fleet)', () => {
  let cloud: LocalCloud;
  let store: DynamoKeyValueStore;
  const slack = new SlackReceiver();
  const savedEnv = { ...process.env };

  function mqops(args: string[], extraEnv: Record<string, string> = {}): Promise<ProcessRun> {
    return runNode(cloud, ['packages/cli/bin/mqops.mjs', ...args], { env: extraEnv });
  }

  beforeAll(async () => {
    cloud = await startLocalCloud({ scenario: 'demo' });
    await slack.start();
    const dynamodb = new DynamoDBClient(cloud.clientConfig());
    await createKeyValueTable(dynamodb, TABLE);
    store = new DynamoKeyValueStore(TABLE, dynamodb);
    // The function's environment, as infra/ sets it.
    Object.assign(process.env, cloud.env(), { MQOPS_STATE_TABLE: TABLE, MQOPS_SLACK_WEBHOOK_URL: slack.url });
    delete process.env.AWS_PROFILE;
    delete process.env.MQOPS_ALERT_TOPIC_ARN;
    cloud.world.sts.setCaller('arn:aws:iam::123456789012:user/alice');
    cloud.world.lambda.register(FUNCTION, createRunbook({ now: () => cloud.clock.now() }));
    cloud.world.lambda.register('mqops-prod-Audit', (event: unknown) => audit(event));
    process.env.MQOPS_AUDIT_FUNCTION = 'mqops-prod-Audit';
  });

  afterAll(async () => {
    process.env = savedEnv;
    await cloud?.stop();
    await slack.stop();
  });

  it("a dry run by default, recorded with the caller's ARN; --execute acts", async () => {
    const dry = await mqops(['run', 'audit-now', '--broker', 'billing-prod', '--invoke', FUNCTION]);
    expect(dry.stderr).toBe('');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/^audit-now: dry run\n {2}would audit 1 broker/);
    const done = await mqops([
      'run',
      'audit-now',
      '--broker',
      'billing-prod',
      '--invoke',
      FUNCTION,
      '--execute',
      '--output',
      'json',
    ]);
    expect(done.status).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({
      status: 'done',
      dryRun: false,
      by: 'arn:aws:iam::123456789012:user/alice',
    });
    const trail = await listRuns(store);
    expect(trail.map((r) => [r.runbook, r.status, r.by])).toEqual([
      ['audit-now', 'done', 'arn:aws:iam::123456789012:user/alice'],
      ['audit-now', 'dry-run', 'arn:aws:iam::123456789012:user/alice'],
    ]);
    expect(cloud.world.lambda.invocationsOf(FUNCTION)).toHaveLength(2);
    expect(cloud.world.lambda.invocationsOf('mqops-prod-Audit')).toHaveLength(1);
    expect(
      slack.messages.filter((m) => JSON.stringify(m.body).includes('mqops runbook: audit-now')),
    ).toHaveLength(2);
  });

  it('shows the trail with mqops run history', async () => {
    const table = await mqops(['run', 'history', '--table', TABLE]);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^STARTED\s+RUNBOOK\s+MODE\s+STATUS\s+BY\s+SUMMARY/);
    expect(table.stdout).toMatch(
      /audit-now\s+execute\s+done\s+arn:aws:iam::123456789012:user\/alice\s+audited 1 broker/,
    );
    expect(table.stdout).toMatch(/audit-now\s+dry run\s+dry-run\s+arn:aws:iam::123456789012:user\/alice/);
    const json = await mqops(['run', 'history', '--table', TABLE, '--limit', '1', '--output', 'json']);
    expect(JSON.parse(json.stdout)).toHaveLength(1);
    const noTable = await mqops(['run', 'history'], { MQOPS_STATE_TABLE: '' });
    expect(noTable.status).toBe(2);
    expect(noTable.stderr).toMatch(/history needs the state table/);
  });

  it('a bad payload sent to the function comes back as a clear error and exit code 2', async () => {
    // A secretId (the CLI checks it is there) of the wrong type: only the function's own validation refuses it.
    const bad = await mqops(['run', 'rotate-now', '--payload', '{"secretId": 42}', '--invoke', FUNCTION]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(
      /runbook rotate-now failed: bad payload for runbook rotate-now \(expected \{"secretId".*secretId: Invalid type: Expected string but received a number/,
    );
  });

  it('an unknown function is a clear error (exit 3)', async () => {
    const missing = await mqops(['run', 'audit-now', '--invoke', 'no-such-function']);
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/Function not found/);
  });
});
