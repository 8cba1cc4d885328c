/**
 * Creating the table of the key-value store. A module of its own, which no function imports: infra/iam.ts derives a
 * function's IAM actions from the commands its imports construct, and no function should get `dynamodb:CreateTable`.
 */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

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
