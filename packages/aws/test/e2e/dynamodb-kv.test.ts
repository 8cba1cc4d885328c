import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { update } from '@mqops/core';
import { type LocalCloud, startLocalCloud } from '@mqops/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoKeyValueStore } from '../../src/dynamodb-kv';
import { createKeyValueTable } from '../../src/dynamodb-kv-table';

let cloud: LocalCloud;
let store: DynamoKeyValueStore;

beforeAll(async () => {
  cloud = await startLocalCloud({ scenario: { brokers: [] } });
  const client = new DynamoDBClient(cloud.clientConfig());
  await createKeyValueTable(client, 'mqops-state');
  store = new DynamoKeyValueStore('mqops-state', client);
});

afterAll(async () => {
  await cloud.stop();
});

describe('Class: DynamoKeyValueStore (real SDK, local DynamoDB)', () => {
  it('writes conditionally on the version and reads back', async () => {
    expect(await store.put('alert#b-1#cpu', { state: 'ALARM' }, { expiresAt: 2_000_000_000 })).toBe(true);
    expect(await store.put('alert#b-1#cpu', { state: 'OK' })).toBe(false);
    expect(await store.get('alert#b-1#cpu')).toEqual({
      value: { state: 'ALARM' },
      version: 1,
      expiresAt: 2_000_000_000,
    });
    expect(await store.put('alert#b-1#cpu', { state: 'OK' }, { expectedVersion: 1 })).toBe(true);
    expect(await store.put('alert#b-1#cpu', { state: 'X' }, { expectedVersion: 1 })).toBe(false);
    expect((await store.get('alert#b-1#cpu'))?.value).toEqual({ state: 'OK' });
  });

  it('lists a prefix with one query and deletes', async () => {
    await store.put('group#b-1', 1);
    await store.put('group#b-2', 2);
    await store.put('groupie#x', 3);
    const listed = await store.list<number>('group#');
    expect(listed.map((e) => [e.key, e.item.value])).toEqual([
      ['group#b-1', 1],
      ['group#b-2', 2],
    ]);
    await store.delete('group#b-1');
    expect(await store.get('group#b-1')).toBeUndefined();
  });

  it('serialises concurrent updates through conditional writes', async () => {
    await Promise.all(Array.from({ length: 8 }, () => update<number>(store, 'counter', (v) => (v ?? 0) + 1)));
    expect((await store.get('counter'))?.value).toBe(8);
  });
});
