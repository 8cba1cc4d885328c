import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
  PutItemCommand,
  paginateQuery,
} from '@aws-sdk/client-dynamodb';
import type { KeyValueStore, Versioned } from '@mqops/core';

/**
 * The key-value store on one DynamoDB table with a partition key `pk` and a sort key `sk` (both strings). A key
 * `a#b#c` is stored as pk `a`, sk `b#c`, so `list('a#')` is one Query. Values are JSON in attribute `v`, the
 * version in `ver` (conditional writes), the expiry in `ttl` (the table's TTL attribute).
 */
export class DynamoKeyValueStore implements KeyValueStore {
  private readonly client: DynamoDBClient;

  constructor(
    private readonly table: string,
    client: DynamoDBClient | DynamoDBClientConfig = {},
  ) {
    this.client = client instanceof DynamoDBClient ? client : new DynamoDBClient(client);
  }

  private split(key: string): { pk: string; sk: string } {
    const at = key.indexOf('#');
    return at < 0 ? { pk: key, sk: '-' } : { pk: key.slice(0, at), sk: key.slice(at + 1) || '-' };
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const { pk, sk } = this.split(key);
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: { pk: { S: pk }, sk: { S: sk } },
        ConsistentRead: true,
      }),
    );
    if (!Item?.v?.S) return undefined;
    return {
      value: JSON.parse(Item.v.S) as T,
      version: Number(Item.ver?.N ?? 1),
      ...(Item.ttl?.N ? { expiresAt: Number(Item.ttl.N) } : {}),
    };
  }

  async put<T>(
    key: string,
    value: T,
    options: { expectedVersion?: number; expiresAt?: number } = {},
  ): Promise<boolean> {
    const { pk, sk } = this.split(key);
    const expected = options.expectedVersion ?? 0;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            pk: { S: pk },
            sk: { S: sk },
            v: { S: JSON.stringify(value) },
            ver: { N: String(expected + 1) },
            ...(options.expiresAt !== undefined ? { ttl: { N: String(Math.floor(options.expiresAt)) } } : {}),
          },
          ...(expected === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'ver = :expected',
                ExpressionAttributeValues: { ':expected': { N: String(expected) } },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const { pk, sk } = this.split(key);
    await this.client.send(
      new DeleteItemCommand({ TableName: this.table, Key: { pk: { S: pk }, sk: { S: sk } } }),
    );
  }

  async list<T>(prefix: string): Promise<{ key: string; item: Versioned<T> }[]> {
    const { pk, sk } = this.split(prefix);
    const out: { key: string; item: Versioned<T> }[] = [];
    const skPrefix = sk === '-' ? '' : sk;
    for await (const page of paginateQuery(
      { client: this.client },
      {
        TableName: this.table,
        ConsistentRead: true,
        KeyConditionExpression: skPrefix ? 'pk = :pk AND begins_with(sk, :sk)' : 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk }, ...(skPrefix ? { ':sk': { S: skPrefix } } : {}) },
      },
    )) {
      for (const item of page.Items ?? []) {
        if (!item.v?.S || !item.sk?.S) continue;
        out.push({
          key: item.sk.S === '-' ? pk : `${pk}#${item.sk.S}`,
          item: {
            value: JSON.parse(item.v.S) as T,
            version: Number(item.ver?.N ?? 1),
            ...(item.ttl?.N ? { expiresAt: Number(item.ttl.N) } : {}),
          },
        });
      }
    }
    return out;
  }
}
