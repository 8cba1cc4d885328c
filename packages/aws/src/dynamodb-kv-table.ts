/**
 * Creating the table of the key-value store. A module of its own, which no function imports: infra/iam.ts derives a
 * function's IAM actions from the commands its imports construct, and no function should get `dynamodb:CreateTable`.
 */
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Creates the table `DynamoKeyValueStore` (./dynamodb-kv.ts) expects: partition key `pk` and sort key `sk`,
 * both strings, billed per request. What SST creates (infra/sst.ts), for tests, benchmarks and anyone running
 * the store outside SST.
 *
 * TTL is left out: the local DynamoDB (dynalite) answers `UpdateTimeToLive` with UnknownOperationException. On AWS,
 * turn it on once so expired items (attribute `ttl`, epoch seconds) are deleted:
 * `aws dynamodb update-time-to-live --table-name <name> --time-to-live-specification Enabled=true,AttributeName=ttl`.
 *
 * Returns once DynamoDB accepted the request; on AWS the table is CREATING for a few seconds
 * (`waitUntilTableExists` waits for it).
 * @throws ResourceInUseException when the table exists.
 * @example
 * await createKeyValueTable(new DynamoDBClient({}), 'mqops-state');
 */
export async function createKeyValueTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

/**
 * Waits until the table is ACTIVE (a table just created is CREATING, and DynamoDB answers its reads and writes with
 * ResourceNotFoundException until then; the local DynamoDB too, for an instant). Polls DescribeTable every
 * `intervalMs` (the SDK's waitUntilTableExists waits at least 20 s between polls).
 * @throws Error when the table is not ACTIVE within `timeoutMs`.
 */
export async function waitForActiveTable(
  client: DynamoDBClient,
  tableName: string,
  options: { intervalMs?: number; timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline)
      throw new Error(`table ${tableName} is ${Table?.TableStatus ?? 'missing'}, not ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}
