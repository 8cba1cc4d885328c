import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeBrokerCommand, MqClient, UpdateBrokerCommand } from '@aws-sdk/client-mq';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStateError } from '../../src/persistence';
import type { Scenario } from '../../src/scenario';
import { type LocalCloud, startLocalCloud } from '../../src/server';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'mqops-persist-e2e-')), 'local');

const fleet = (instanceType = 'mq.m5.large'): Scenario => ({
  now: '2025-04-01T09:00:00.000Z',
  brokers: [
    {
      BrokerName: 'kept',
      EngineType: 'ACTIVEMQ',
      EngineVersion: '5.18',
      DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
      HostInstanceType: instanceType,
      Users: [{ Username: 'admin', Password: 'admin-Pass-1234' }],
    },
  ],
});

const running: LocalCloud[] = [];
const clients: { destroy(): void }[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

async function start(options: Parameters<typeof startLocalCloud>[0]): Promise<LocalCloud> {
  const cloud = await startLocalCloud(options);
  running.push(cloud);
  return cloud;
}

async function stop(cloud: LocalCloud): Promise<void> {
  running.splice(running.indexOf(cloud), 1);
  await cloud.stop();
}

function client<T extends { destroy(): void }>(made: T): T {
  clients.push(made);
  return made;
}

describe('startLocalCloud({ persist }): a local cloud kept across processes', () => {
  it('brings back brokers, secrets (same ARN and version ids), DynamoDB items, S3 objects and the clock', async () => {
    const dir = tmp();
    const first = await start({ scenario: fleet(), persist: { dir } });
    expect(first.persisted).toEqual({ dir, resumed: false, scenario: 'the scenario given' });
    const mq = client(new MqClient(first.clientConfig()));
    const sm = client(new SecretsManagerClient(first.clientConfig()));
    const ddb = client(new DynamoDBClient(first.clientConfig()));
    const s3 = client(new S3Client({ ...first.clientConfig(), forcePathStyle: true }));
    await mq.send(new UpdateBrokerCommand({ BrokerId: 'kept', HostInstanceType: 'mq.m5.xlarge' }));
    const secret = await sm.send(
      new CreateSecretCommand({ Name: 'mqops/kept/admin', SecretString: '{"a":1}' }),
    );
    const rotation = await sm.send(
      new RotateSecretCommand({
        SecretId: 'mqops/kept/admin',
        RotationLambdaARN: 'arn:aws:lambda:us-east-1:123456789012:function:rotate',
      }),
    );
    await ddb.send(
      new CreateTableCommand({
        TableName: 'kept',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await ddb.send(
      new PutItemCommand({ TableName: 'kept', Item: { pk: { S: 'plan' }, v: { S: 'accepted' } } }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'kept' }));
    await s3.send(new PutObjectCommand({ Bucket: 'kept', Key: 'backups/kept.json', Body: '{"backup":1}' }));
    first.clock.advance(3_600_000);
    const stoppedAt = first.clock.now().getTime();
    await stop(first);

    // Another cloud on the same directory (as the next command would start), asking for no scenario.
    const second = await start({ persist: { dir } });
    expect(second.persisted).toEqual({ dir, resumed: true, scenario: 'the scenario given' });
    // The clock goes on where the first one stopped (not back at the scenario's 09:00).
    expect(second.clock.now().getTime() - stoppedAt).toBeGreaterThanOrEqual(0);
    expect(second.clock.now().getTime() - stoppedAt).toBeLessThan(5_000);
    const mq2 = client(new MqClient(second.clientConfig()));
    const broker = await mq2.send(new DescribeBrokerCommand({ BrokerId: 'kept' }));
    expect(broker.PendingHostInstanceType).toBe('mq.m5.xlarge');
    const sm2 = client(new SecretsManagerClient(second.clientConfig()));
    const described = await sm2.send(new DescribeSecretCommand({ SecretId: 'mqops/kept/admin' }));
    expect(described.ARN).toBe(secret.ARN);
    expect(described.RotationEnabled).toBe(true);
    expect(described.VersionIdsToStages?.[rotation.VersionId as string]).toEqual(['AWSPENDING']);
    const ddb2 = client(new DynamoDBClient(second.clientConfig()));
    expect((await ddb2.send(new ListTablesCommand({}))).TableNames).toEqual(['kept']);
    const item = await ddb2.send(new GetItemCommand({ TableName: 'kept', Key: { pk: { S: 'plan' } } }));
    expect(item.Item?.v?.S).toBe('accepted');
    const s32 = client(new S3Client({ ...second.clientConfig(), forcePathStyle: true }));
    const object = await s32.send(new GetObjectCommand({ Bucket: 'kept', Key: 'backups/kept.json' }));
    expect(await object.Body?.transformToString()).toBe('{"backup":1}');
  });

  it('starts over from the scenario with reset', async () => {
    const dir = tmp();
    const first = await start({ scenario: fleet(), persist: { dir } });
    const s3 = client(new S3Client({ ...first.clientConfig(), forcePathStyle: true }));
    await s3.send(new CreateBucketCommand({ Bucket: 'gone' }));
    await client(new MqClient(first.clientConfig())).send(
      new UpdateBrokerCommand({ BrokerId: 'kept', HostInstanceType: 'mq.m5.xlarge' }),
    );
    first.clock.advance(86_400_000);
    await stop(first);

    const reset = await start({ scenario: fleet(), persist: { dir, reset: true } });
    expect(reset.persisted?.resumed).toBe(false);
    expect(reset.clock.now().getTime() - Date.parse('2025-04-01T09:00:00.000Z')).toBeLessThan(5_000);
    const broker = await client(new MqClient(reset.clientConfig())).send(
      new DescribeBrokerCommand({ BrokerId: 'kept' }),
    );
    expect(broker.PendingHostInstanceType).toBeUndefined();
    const buckets = await client(new S3Client({ ...reset.clientConfig(), forcePathStyle: true })).send(
      new ListBucketsCommand({}),
    );
    expect(buckets.Buckets ?? []).toEqual([]);
  });

  it('refuses another scenario, or the same file changed since, and says to pass --reset', async () => {
    const dir = tmp();
    await stop(await start({ scenario: 'demo', persist: { dir } }));
    const other = await startLocalCloud({ scenario: 'empty', persist: { dir } }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(LocalStateError);
    expect(other).toMatchObject({ kind: 'scenario-mismatch', dir });
    expect((other as Error).message).toBe(
      `the local cloud in ${dir} was made from scenario demo, not empty: pass --reset to start over from empty, ` +
        'or keep one directory per scenario (MQOPS_LOCAL_DIR)',
    );
    // The same scenario again is fine; so is none (the one it was made from).
    await stop(await start({ scenario: 'demo', persist: { dir } }));
    await stop(await start({ persist: { dir } }));
    // With reset, the other scenario is loaded.
    const empty = await start({ scenario: 'empty', persist: { dir, reset: true } });
    expect(empty.world.mq.brokers.size).toBe(0);
    await stop(empty);

    // A scenario file edited after the state was made from it.
    const file = join(mkdtempSync(join(tmpdir(), 'mqops-scenario-')), 'fleet.json');
    writeFileSync(file, JSON.stringify(fleet()));
    const fileDir = tmp();
    await stop(await start({ scenario: file, persist: { dir: fileDir } }));
    writeFileSync(file, JSON.stringify(fleet('mq.m5.xlarge')));
    for (const asked of [file, undefined]) {
      const changed = await startLocalCloud({ scenario: asked, persist: { dir: fileDir } }).catch(
        (e: unknown) => e,
      );
      expect(changed).toMatchObject({ kind: 'scenario-mismatch' });
      expect((changed as Error).message).toMatch(
        new RegExp(`was made from scenario ${file}, which has changed since: pass --reset`),
      );
    }
  });

  it('names the directory and --reset when the state is unreadable, and lets --reset through', async () => {
    const dir = tmp();
    await stop(await start({ scenario: fleet(), persist: { dir } }));
    const text = readFileSync(join(dir, 'state.json'), 'utf8');
    writeFileSync(join(dir, 'state.json'), text.slice(0, text.length / 2));
    await expect(startLocalCloud({ persist: { dir } })).rejects.toThrow(
      new RegExp(
        `^the local cloud state in ${dir} is unreadable \\(state\\.json is not JSON: .*\\): pass --reset`,
      ),
    );
    // A world that does not fit (a broker without its users) is unreadable too, not a crash later.
    const saved = JSON.parse(text);
    saved.world.mq = { brokers: 'none' };
    writeFileSync(join(dir, 'state.json'), JSON.stringify(saved));
    await expect(startLocalCloud({ persist: { dir } })).rejects.toMatchObject({ kind: 'corrupt', dir });
    const reset = await start({ scenario: fleet(), persist: { dir, reset: true } });
    expect(reset.world.mq.brokers.size).toBe(1);
  });

  it('refuses a second cloud on the directory while one runs; a waiting one gets the first one’s changes', async () => {
    const dir = tmp();
    const first = await start({ scenario: fleet(), persist: { dir } });
    await expect(startLocalCloud({ persist: { dir, lockWaitMs: 0 } })).rejects.toMatchObject({
      kind: 'busy',
      message: expect.stringMatching(/is in use by another command .*run one --local command at a time/),
    });
    const waiting = startLocalCloud({ persist: { dir, lockWaitMs: 10_000 } });
    await client(new MqClient(first.clientConfig())).send(
      new UpdateBrokerCommand({ BrokerId: 'kept', HostInstanceType: 'mq.m5.xlarge' }),
    );
    await stop(first);
    const second = await waiting;
    running.push(second);
    expect(second.world.mq.broker('kept').pending.HostInstanceType).toBe('mq.m5.xlarge');
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).generation).toBe(1);
  });

  it('keeps nothing without persist (as before): a cloud lives as long as its process', async () => {
    const cloud = await start({ scenario: fleet() });
    expect(cloud.persisted).toBeUndefined();
  });
});
