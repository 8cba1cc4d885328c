import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../src/server';

const clouds: LocalCloud[] = [];
const clients: { destroy(): void }[] = [];

async function cloud(): Promise<LocalCloud> {
  const started = await startLocalCloud({ scenario: { brokers: [] } });
  clouds.push(started);
  return started;
}

function dynamodb(on: LocalCloud, extra: { maxAttempts?: number } = {}): DynamoDBClient {
  const client = new DynamoDBClient({ ...on.clientConfig(), ...extra });
  clients.push(client);
  return client;
}

function s3(on: LocalCloud, extra: { maxAttempts?: number } = {}): S3Client {
  const client = new S3Client({ ...on.clientConfig(), ...extra });
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(clouds.splice(0).map((c) => c.stop()));
});

async function createOrdersTable(client: DynamoDBClient, name = 'orders'): Promise<void> {
  const created = await client.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [
        { AttributeName: 'customer', AttributeType: 'S' },
        { AttributeName: 'orderId', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'customer', KeyType: 'HASH' },
        { AttributeName: 'orderId', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  expect(created.TableDescription?.TableName).toBe(name);
}

describe('DynamoDB (dynalite) through the local cloud', () => {
  it('creates a table, puts, gets, rejects a conditional put with the typed error, and queries', async () => {
    const c = await cloud();
    const client = dynamodb(c);
    await createOrdersTable(client);
    expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual(['orders']);

    for (const [orderId, total] of [
      [1, '10.5'],
      [2, '20'],
      [3, '7.25'],
    ] as const)
      await client.send(
        new PutItemCommand({
          TableName: 'orders',
          Item: { customer: { S: 'ada' }, orderId: { N: String(orderId) }, total: { N: total } },
        }),
      );
    await client.send(
      new PutItemCommand({
        TableName: 'orders',
        Item: { customer: { S: 'bob' }, orderId: { N: '1' }, total: { N: '99' } },
      }),
    );

    const got = await client.send(
      new GetItemCommand({ TableName: 'orders', Key: { customer: { S: 'ada' }, orderId: { N: '2' } } }),
    );
    expect(got.Item).toEqual({ customer: { S: 'ada' }, orderId: { N: '2' }, total: { N: '20' } });

    const conditional = client.send(
      new PutItemCommand({
        TableName: 'orders',
        Item: { customer: { S: 'ada' }, orderId: { N: '2' }, total: { N: '0' } },
        ConditionExpression: 'attribute_not_exists(customer)',
      }),
    );
    await expect(conditional).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await expect(conditional).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
      $metadata: { httpStatusCode: 400 },
    });
    const unchanged = await client.send(
      new GetItemCommand({ TableName: 'orders', Key: { customer: { S: 'ada' }, orderId: { N: '2' } } }),
    );
    expect(unchanged.Item?.['total']).toEqual({ N: '20' });

    const queried = await client.send(
      new QueryCommand({
        TableName: 'orders',
        KeyConditionExpression: 'customer = :c AND orderId >= :from',
        ExpressionAttributeValues: { ':c': { S: 'ada' }, ':from': { N: '2' } },
        ScanIndexForward: false,
      }),
    );
    expect(queried.Count).toBe(2);
    expect(queried.Items?.map((item) => item['orderId']?.N)).toEqual(['3', '2']);

    expect(c.requests.map((r) => `${r.service} ${r.operation} ${r.status}`)).toEqual([
      'dynamodb CreateTable 200',
      'dynamodb ListTables 200',
      'dynamodb PutItem 200',
      'dynamodb PutItem 200',
      'dynamodb PutItem 200',
      'dynamodb PutItem 200',
      'dynamodb GetItem 200',
      'dynamodb PutItem 400',
      'dynamodb GetItem 200',
      'dynamodb Query 200',
    ]);
  });

  it('answers an injected throttle with the real DynamoDB error, which the SDK retries', async () => {
    const c = await cloud();
    const client = dynamodb(c, { maxAttempts: 6 });
    await createOrdersTable(client);
    await client.send(
      new PutItemCommand({ TableName: 'orders', Item: { customer: { S: 'ada' }, orderId: { N: '1' } } }),
    );
    c.faults.add({ service: 'dynamodb', operation: 'GetItem', throttle: { rate: 20, burst: 1 } });

    const get = () =>
      client.send(
        new GetItemCommand({ TableName: 'orders', Key: { customer: { S: 'ada' }, orderId: { N: '1' } } }),
      );
    // Sent together: one takes the only token, the other is throttled, backs off and gets through on a retry.
    const results = await Promise.all([get(), get()]);
    for (const result of results) expect(result.Item?.['customer']).toEqual({ S: 'ada' });
    const attempts = results.map((r) => r.$metadata.attempts ?? 0).sort();
    expect(attempts[0]).toBe(1);
    expect(attempts[1]).toBeGreaterThan(1);
    expect(results.some((r) => (r.$metadata.totalRetryDelay ?? 0) > 0)).toBe(true);
    const getItems = c.requests.filter((r) => r.operation === 'GetItem');
    expect(getItems.filter((r) => r.status === 400).length).toBe((attempts[1] ?? 0) - 1);
    expect(getItems.filter((r) => r.status === 200).length).toBe(2);

    // Without retries the throttle surfaces as the typed exception.
    const noRetry = dynamodb(c, { maxAttempts: 1 });
    c.faults.clear();
    c.faults.add({ service: 'dynamodb', operation: 'GetItem', throttle: { rate: 0.001, burst: 0 } });
    const throttled = noRetry.send(
      new GetItemCommand({ TableName: 'orders', Key: { customer: { S: 'ada' }, orderId: { N: '1' } } }),
    );
    await expect(throttled).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
    await expect(throttled).rejects.toMatchObject({ $metadata: { httpStatusCode: 400, attempts: 1 } });
  });
});

describe('S3 (s3rver) through the local cloud', () => {
  it('creates a bucket, round-trips an object, lists, and answers NoSuchKey with the typed error', async () => {
    const c = await cloud();
    const client = s3(c);
    await client.send(new CreateBucketCommand({ Bucket: 'reports' }));
    await client.send(new CreateBucketCommand({ Bucket: 'streamed' }));
    const body = `{"broker":"orders","note":"ünïcødé and spaces"}`;
    const put = await client.send(
      new PutObjectCommand({
        Bucket: 'reports',
        Key: 'audits/2026 11/orders+eu.json',
        Body: body,
        ContentType: 'application/json',
        Metadata: { owner: 'ops' },
      }),
    );
    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    await client.send(new PutObjectCommand({ Bucket: 'reports', Key: 'audits/other.json', Body: '{}' }));
    await client.send(new PutObjectCommand({ Bucket: 'reports', Key: 'top.txt', Body: 'top' }));

    const got = await client.send(
      new GetObjectCommand({ Bucket: 'reports', Key: 'audits/2026 11/orders+eu.json' }),
    );
    expect(await got.Body?.transformToString()).toBe(body);
    expect(got.ContentType).toBe('application/json');
    expect(got.ContentLength).toBe(Buffer.byteLength(body));
    expect(got.Metadata).toEqual({ owner: 'ops' });
    expect(got.ETag).toBe(put.ETag);

    // A stream body goes out aws-chunked, with a trailing checksum: the stored object is the payload alone.
    await client.send(
      new PutObjectCommand({
        Bucket: 'streamed',
        Key: 'parts.txt',
        Body: Readable.from([Buffer.from('first part, '), Buffer.from('second part')]),
        ContentLength: 23,
      }),
    );
    const streamed = await client.send(new GetObjectCommand({ Bucket: 'streamed', Key: 'parts.txt' }));
    expect(await streamed.Body?.transformToString()).toBe('first part, second part');

    const head = await client.send(new HeadObjectCommand({ Bucket: 'reports', Key: 'top.txt' }));
    expect(head.ContentLength).toBe(3);

    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'reports', Prefix: 'audits/' }));
    expect(listed.KeyCount).toBe(2);
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([
      ['audits/2026 11/orders+eu.json', Buffer.byteLength(body)],
      ['audits/other.json', 2],
    ]);
    const delimited = await client.send(new ListObjectsV2Command({ Bucket: 'reports', Delimiter: '/' }));
    expect(delimited.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['audits/']);
    expect(delimited.Contents?.map((o) => o.Key)).toEqual(['top.txt']);

    const missing = client.send(new GetObjectCommand({ Bucket: 'reports', Key: 'audits/missing.json' }));
    await expect(missing).rejects.toBeInstanceOf(NoSuchKey);
    await expect(missing).rejects.toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    await expect(
      client.send(new HeadObjectCommand({ Bucket: 'reports', Key: 'nope' })),
    ).rejects.toBeInstanceOf(NotFound);

    expect(c.requests.map((r) => `${r.service} ${r.operation} ${r.status}`)).toEqual([
      's3 CreateBucket 200',
      's3 CreateBucket 200',
      's3 PutObject 200',
      's3 PutObject 200',
      's3 PutObject 200',
      's3 GetObject 200',
      's3 PutObject 200',
      's3 GetObject 200',
      's3 HeadObject 200',
      's3 ListObjectsV2 200',
      's3 ListObjectsV2 200',
      's3 GetObject 404',
      's3 HeadObject 404',
    ]);
  });

  it('answers an injected throttle with SlowDown (503), which the SDK retries', async () => {
    const c = await cloud();
    const client = s3(c, { maxAttempts: 1 });
    await client.send(new CreateBucketCommand({ Bucket: 'slow' }));
    c.faults.add({ service: 's3', operation: 'ListObjectsV2', throttle: { rate: 0.001, burst: 0 } });
    const slowed = client.send(new ListObjectsV2Command({ Bucket: 'slow' }));
    await expect(slowed).rejects.toBeInstanceOf(S3ServiceException);
    await expect(slowed).rejects.toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });

    c.faults.clear();
    c.faults.add({ service: 's3', operation: 'ListObjectsV2', throttle: { rate: 20, burst: 1 } });
    const retrying = s3(c, { maxAttempts: 6 });
    const results = await Promise.all(
      [1, 2].map(() => retrying.send(new ListObjectsV2Command({ Bucket: 'slow' }))),
    );
    for (const result of results) expect(result.KeyCount).toBe(0);
    expect(Math.max(...results.map((r) => r.$metadata.attempts ?? 0))).toBeGreaterThan(1);
    expect(
      c.requests.filter((r) => r.operation === 'ListObjectsV2' && r.status === 503).length,
    ).toBeGreaterThan(1);
  });
});

describe('local cloud lifecycle with DynamoDB and S3', () => {
  it('gives each cloud its own DynamoDB and S3 data', async () => {
    const [a, b] = [await cloud(), await cloud()];
    await createOrdersTable(dynamodb(a));
    await dynamodb(a).send(
      new PutItemCommand({ TableName: 'orders', Item: { customer: { S: 'a' }, orderId: { N: '1' } } }),
    );
    await s3(a).send(new CreateBucketCommand({ Bucket: 'only-in-a' }));
    await s3(a).send(new PutObjectCommand({ Bucket: 'only-in-a', Key: 'k', Body: 'from a' }));

    expect((await dynamodb(b).send(new ListTablesCommand({}))).TableNames).toEqual([]);
    expect((await s3(b).send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
    // The same names are free in the other cloud, and hold that cloud's data.
    await createOrdersTable(dynamodb(b));
    const inB = await dynamodb(b).send(
      new GetItemCommand({ TableName: 'orders', Key: { customer: { S: 'a' }, orderId: { N: '1' } } }),
    );
    expect(inB.Item).toBeUndefined();
    await s3(b).send(new CreateBucketCommand({ Bucket: 'only-in-a' }));
    await expect(s3(b).send(new GetObjectCommand({ Bucket: 'only-in-a', Key: 'k' }))).rejects.toBeInstanceOf(
      NoSuchKey,
    );
    const inA = await s3(a).send(new GetObjectCommand({ Bucket: 'only-in-a', Key: 'k' }));
    expect(await inA.Body?.transformToString()).toBe('from a');
  });

  it('stop() closes the backing servers and removes the S3 directory', async () => {
    const servers = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    const s3rverDirs = async () =>
      new Set((await readdir(tmpdir())).filter((name) => name.startsWith('mqops-s3rver-')));
    const baselineServers = servers();
    const dirsBefore = await s3rverDirs();

    const c = await startLocalCloud({ scenario: { brokers: [] } });
    expect(servers()).toBe(baselineServers + 1);
    const ddb = new DynamoDBClient(c.clientConfig());
    const bucket = new S3Client(c.clientConfig());
    await ddb.send(new ListTablesCommand({}));
    await bucket.send(new CreateBucketCommand({ Bucket: 'lifecycle' }));
    await bucket.send(new PutObjectCommand({ Bucket: 'lifecycle', Key: 'k', Body: 'v' }));
    expect(servers()).toBe(baselineServers + 3);
    const ours = [...(await s3rverDirs())].filter((name) => !dirsBefore.has(name));
    expect(ours.length).toBeGreaterThanOrEqual(1);

    await c.stop();
    ddb.destroy();
    bucket.destroy();
    expect(servers()).toBe(baselineServers);
    const after = await s3rverDirs();
    for (const name of ours) expect(after.has(name), join(tmpdir(), name)).toBe(false);
    const late = new DynamoDBClient({ ...c.clientConfig(), maxAttempts: 1 });
    await expect(late.send(new ListTablesCommand({}))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    late.destroy();
    // No sockets are left open to keep the process alive.
    await vi.waitFor(() =>
      expect(process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap')).toEqual([]),
    );
  });
});
