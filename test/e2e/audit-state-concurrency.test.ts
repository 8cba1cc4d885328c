import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3StateStore } from '@mqops/aws/s3-state';
import { type AuditState, emptyState } from '@mqops/core';
import type { LocalCloud, Scenario, ScenarioBroker } from '@mqops/local';
import { startLocalCloud } from '@mqops/local';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AuditResult, handler } from '../../functions/audit';
import { lambdaContext, updateBrokerEvent } from '../helpers/lambda';
import { runNode } from '../helpers/process';
import { SlackReceiver } from '../helpers/slack-receiver';

/**
 * Issue 12, defect 1: the audit state in S3 was read, changed and written back with a plain PutObject, so two
 * overlapping change-triggered audits lost each other's findings and pending changes. The real Audit handler runs
 * here twice at once (in this process, and as two processes) against the local cloud's S3.
 */

const BUCKET = 'mqops-state-concurrency';
const KEY = 'mqops/audit-state.json';

const broker = (name: string): ScenarioBroker => ({
  BrokerName: name,
  EngineType: 'ACTIVEMQ',
  EngineVersion: '5.18',
  DeploymentMode: 'SINGLE_INSTANCE',
  HostInstanceType: 'mq.m5.large',
  PubliclyAccessible: true,
  Logs: { General: true, Audit: false },
  Tags: { env: 'production' },
  Users: [{ Username: `${name}-admin`, Password: 'Passw0rd-Passw0rd', ConsoleAccess: true }],
  Pending: { HostInstanceType: 'mq.m5.xlarge' },
  Backing: 'none',
});

const scenario: Scenario = {
  accountId: '123456789012',
  region: 'us-east-1',
  brokers: [broker('orders-a'), broker('orders-b')],
};

const slack = new SlackReceiver();
let cloud: LocalCloud;
let s3: S3Client;
let savedEnv: NodeJS.ProcessEnv;

beforeAll(() => slack.start());
afterAll(() => slack.stop());

beforeEach(async () => {
  savedEnv = { ...process.env };
  slack.messages.length = 0;
  cloud = await startLocalCloud({ scenario });
  Object.assign(process.env, cloud.env(), { MQOPS_SLACK_WEBHOOK_URL: slack.url, MQOPS_STATE_BUCKET: BUCKET });
  delete process.env.AWS_PROFILE;
  delete process.env.MQOPS_ALERT_TOPIC_ARN;
  s3 = new S3Client(cloud.clientConfig());
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterEach(async () => {
  vi.restoreAllMocks();
  process.env = savedEnv;
  s3.destroy();
  await cloud.stop();
});

async function savedState(): Promise<AuditState> {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }));
  return JSON.parse((await object.Body?.transformToString()) ?? '') as AuditState;
}

const ids = () =>
  [...cloud.world.mq.brokers.values()].map((b) => ({ id: b.BrokerId, arn: b.BrokerArn, name: b.BrokerName }));

function expectBothKept(state: AuditState) {
  for (const { arn } of ids()) {
    expect(
      Object.values(state.open).filter((f) => f.brokerArn === arn).length,
      `open findings of ${arn}`,
    ).toBeGreaterThan(0);
    expect(state.pendingSince[arn], `pendingSince of ${arn}`).toBeDefined();
  }
}

describe('Audit state under concurrent audits (S3 conditional writes)', () => {
  it('two change-triggered audits at once (Promise.all) keep both brokers’ findings and pending changes', async () => {
    // Each audit reads the state, then spends a while describing its broker: both read before either writes.
    cloud.faults.add({ service: 'mq', operation: 'DescribeBroker', latencyMs: 150 });
    const [a, b] = ids();
    const results = (await Promise.all(
      [a, b].map((x) => handler(updateBrokerEvent(x?.id ?? '') as never, lambdaContext())),
    )) as AuditResult[];

    expect(results.map((r) => r.brokersAudited)).toEqual([1, 1]);
    const state = await savedState();
    expectBothKept(state);
    // Each broker's findings were new to exactly one audit: the sum of "new" is the number of open findings.
    expect(results.reduce((n, r) => n + (r.new ?? 0), 0)).toBe(Object.keys(state.open).length);
    // The loser of the race wrote over the winner's version, not over nothing: one conditional write failed.
    const puts = cloud.requests.filter((r) => r.service === 's3' && r.operation === 'PutObject');
    expect(puts.length).toBeGreaterThanOrEqual(3);
    expect(slack.messages).toHaveLength(2);
  });

  it('two audits in separate processes at once keep both brokers’ findings', async () => {
    cloud.faults.add({ service: 'mq', operation: 'DescribeBroker', latencyMs: 1500 });
    const [a, b] = ids();
    const runs = await Promise.all(
      [a, b].map((x) =>
        runNode(cloud, ['--import', 'tsx', 'test/helpers/invoke-handler.ts', 'functions/audit.ts'], {
          stdin: JSON.stringify(updateBrokerEvent(x?.id ?? '')),
          env: { MQOPS_SLACK_WEBHOOK_URL: slack.url, MQOPS_STATE_BUCKET: BUCKET },
        }),
      ),
    );
    for (const run of runs) expect(run.stdout, run.stderr).toContain('RESULT ');
    const results = runs.map(
      (run) => JSON.parse(run.stdout.split('\nRESULT ')[1]?.split('\n')[0] ?? '{}') as AuditResult,
    );
    const state = await savedState();
    expectBothKept(state);
    expect(results.reduce((n, r) => n + (r.new ?? 0), 0)).toBe(Object.keys(state.open).length);
    // Each audit spoke once, for its own broker's new findings.
    expect(slack.messages).toHaveLength(2);
  });

  it('a stale write is refused and a retry builds on what the other audit saved (S3StateStore)', async () => {
    const store = new S3StateStore(BUCKET, KEY, s3);
    const now = new Date('2026-12-08T00:00:00Z');
    expect(await store.write(emptyState(now), undefined)).toBe(true);
    expect(await store.write(emptyState(now), undefined)).toBe(false); // If-None-Match: * on an existing key
    const first = await store.read();
    expect(await store.write({ ...emptyState(now), pendingSince: { x: 'a' } }, first?.version)).toBe(true);
    // Someone else's version is gone: the write over `first` fails, nothing changes.
    expect(await store.write({ ...emptyState(now), pendingSince: { x: 'b' } }, first?.version)).toBe(false);
    expect((await store.read())?.value.pendingSince).toEqual({ x: 'a' });
    // An unconditional write by something else changes the ETag too.
    const other = { ...emptyState(now), pendingSince: { x: 'c' } };
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: JSON.stringify(other) }));
    const latest = await store.read();
    expect(latest?.value.pendingSince).toEqual({ x: 'c' });
    expect(await store.write(emptyState(now), first?.version)).toBe(false);
    expect(await store.write(emptyState(now), latest?.version)).toBe(true);
  });
});
