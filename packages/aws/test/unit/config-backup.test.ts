import {
  DescribeConfigurationRevisionCommand,
  DescribeUserCommand,
  ListConfigurationRevisionsCommand,
  ListUsersCommand,
  MqClient,
  NotFoundException,
} from '@aws-sdk/client-mq';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import {
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type Broker, type CredentialFacts, MqopsError } from '@mqops/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CONFIG_BACKUP_ACTIONS,
  type CredentialLookup,
  MqBackupSource,
  S3BackupStore,
} from '../../src/config-backup';
import { RabbitManagementError } from '../../src/rabbitmq-management';

const mq = mockClient(MqClient);
const s3 = mockClient(S3Client);
const secrets = mockClient(SecretsManagerClient);

const REGION = { region: 'eu-west-1' };
const CONSOLE = 'https://b-2f3a1c9e-7d41-4f8a-9b2e-0c1d2e3f4a5b.mq.eu-west-1.amazonaws.com';
const PASSWORD = 'Audit-Secret-Pw-77';
const AUDIT_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mqops/events/audit-AbCdEf';
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const xml = (n: number) =>
  `<broker xmlns="http://activemq.apache.org/schema/core"><!-- revision ${n} --></broker>`;

function broker(overrides: Partial<Broker> = {}): Broker {
  return {
    id: 'b-1',
    arn: 'arn:aws:mq:eu-west-1:123456789012:broker:orders:b-1',
    name: 'orders',
    region: 'eu-west-1',
    accountId: '123456789012',
    state: 'RUNNING',
    engine: 'ACTIVEMQ',
    engineVersion: '5.18',
    deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
    instanceType: 'mq.m5.large',
    publiclyAccessible: false,
    autoMinorVersionUpgrade: true,
    authenticationStrategy: 'SIMPLE',
    encryption: { kind: 'aws-owned' },
    logs: { general: true, audit: true },
    securityGroups: [],
    subnetIds: [],
    tags: {},
    users: [],
    configuration: { id: 'c-1', revision: 7 },
    instances: [],
    actionsRequired: [],
    pending: {},
    ...overrides,
  };
}

const rabbitBroker = (overrides: Partial<Broker> = {}) =>
  broker({
    id: 'b-2f3a1c9e-7d41-4f8a-9b2e-0c1d2e3f4a5b',
    name: 'events',
    engine: 'RABBITMQ',
    engineVersion: '3.13',
    deploymentMode: 'SINGLE_INSTANCE',
    configuration: undefined,
    instances: [{ consoleUrl: CONSOLE, endpoints: [] }],
    ...overrides,
  });

/** A credential lookup holding one audit secret. */
function lookup(
  role = 'audit',
): CredentialLookup & { read: (arn: string) => Promise<{ username: string; password: string }> } {
  return {
    forBroker: async (): Promise<CredentialFacts[]> => [
      { secretArn: AUDIT_ARN, name: 'mqops/events/audit', role, rotationEnabled: false },
    ],
    read: async (arn: string) => {
      if (arn !== AUDIT_ARN) throw new Error(`unexpected secret ${arn}`);
      return { username: 'mqops-audit', password: PASSWORD };
    },
  };
}

/** A management API answering fixed paths; records each request's path and Authorization header. */
function fakeApi(answers: Record<string, { status?: number; body: unknown }>) {
  const calls: { path: string; authorization: string | null }[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const path = url.pathname + url.search;
    calls.push({ path, authorization: new Headers(init?.headers).get('authorization') });
    const answer = answers[path];
    if (!answer) return new Response(JSON.stringify({ error: 'Object Not Found' }), { status: 404 });
    return new Response(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body), {
      status: answer.status ?? 200,
    });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

/** A full export, as RabbitMQ 3.13 on Amazon MQ answers `GET /api/definitions` (trimmed). */
const FULL = {
  rabbit_version: '3.13.7',
  rabbitmq_version: '3.13.7',
  product_name: 'RabbitMQ',
  product_version: '3.13.7',
  users: [
    {
      name: 'mqops-audit',
      password_hash: 'kI8yZ2eVn5m7hQ0bJ8Jp6xJdY0RkWcM1cFh2mJwUq3xUoPq9',
      hashing_algorithm: 'rabbit_password_hashing_sha256',
      tags: ['administrator'],
      limits: {},
    },
  ],
  vhosts: [
    { name: '/', description: 'Default virtual host', tags: [], metadata: { description: '', tags: [] } },
  ],
  permissions: [{ user: 'mqops-audit', vhost: '/', configure: '.*', write: '.*', read: '.*' }],
  topic_permissions: [],
  parameters: [],
  global_parameters: [{ name: 'cluster_name', value: 'rabbit@ip-10-0-1-23.eu-west-1.compute.internal' }],
  policies: [],
  queues: [
    {
      name: 'events.in',
      vhost: '/',
      durable: true,
      auto_delete: false,
      arguments: { 'x-queue-type': 'quorum' },
    },
  ],
  exchanges: [],
  bindings: [],
};

describe('Class: MqBackupSource', () => {
  beforeEach(() => {
    mq.reset();
    secrets.reset();
  });

  describe('configuration', () => {
    it('answers undefined for a broker without a configuration, calling nothing', async () => {
      const source = new MqBackupSource({ mq: new MqClient(REGION), credentials: lookup() });
      expect(await source.configuration(broker({ configuration: undefined }), 5)).toBeUndefined();
      expect(mq.calls()).toHaveLength(0);
    });

    it('lists every revision across pages and keeps the text of the newest, the current and the pending one', async () => {
      mq.on(ListConfigurationRevisionsCommand, { ConfigurationId: 'c-1', NextToken: undefined })
        .resolves({
          ConfigurationId: 'c-1',
          Revisions: [1, 2, 3, 4, 5].map((r) => ({
            Revision: r,
            Created: new Date(`2026-0${r}-01T00:00:00Z`),
            ...(r === 1 ? { Description: 'Auto-generated default for orders' } : {}),
          })),
          NextToken: 'page-2',
        })
        .on(ListConfigurationRevisionsCommand, { ConfigurationId: 'c-1', NextToken: 'page-2' })
        .resolves({
          ConfigurationId: 'c-1',
          Revisions: [6, 7, 8, 9].map((r) => ({ Revision: r, Created: new Date('2026-07-01T00:00:00Z') })),
        });
      mq.on(DescribeConfigurationRevisionCommand).callsFake(
        async (input: { ConfigurationId: string; ConfigurationRevision: string }) => ({
          ConfigurationId: input.ConfigurationId,
          Data: b64(`${input.ConfigurationId}:${xml(Number(input.ConfigurationRevision))}`),
        }),
      );
      const source = new MqBackupSource({ mq: new MqClient(REGION), credentials: lookup() });

      const c = await source.configuration(
        broker({
          configuration: { id: 'c-1', revision: 3 },
          pending: { configuration: { id: 'c-1', revision: 5 } },
        }),
        2,
      );

      expect(c?.id).toBe('c-1');
      expect(c?.revision).toBe(3);
      expect(c?.data).toBe(`c-1:${xml(3)}`);
      expect(c?.pending).toEqual({ id: 'c-1', revision: 5, data: `c-1:${xml(5)}` });
      expect(c?.latest).toBe(9);
      expect(c?.revisions.map((r) => r.revision)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
      expect(c?.revisions.filter((r) => r.data !== undefined).map((r) => r.revision)).toEqual([9, 8, 5, 3]);
      expect(c?.revisions.at(-1)).toEqual({
        revision: 1,
        created: '2026-01-01T00:00:00.000Z',
        description: 'Auto-generated default for orders',
      });
      const asked = mq
        .commandCalls(DescribeConfigurationRevisionCommand)
        .map((call) => call.args[0].input.ConfigurationRevision)
        .sort();
      expect(asked).toEqual(['3', '5', '8', '9']);
      expect(
        mq.commandCalls(ListConfigurationRevisionsCommand).map((call) => call.args[0].input.MaxResults),
      ).toEqual([100, 100]);
    });

    it('reads a pending revision of another configuration from that configuration', async () => {
      mq.on(ListConfigurationRevisionsCommand).resolves({
        Revisions: [
          { Revision: 1, Created: new Date('2026-01-01T00:00:00Z') },
          { Revision: 2, Created: new Date('2026-02-01T00:00:00Z') },
        ],
      });
      mq.on(DescribeConfigurationRevisionCommand).callsFake(
        async (input: { ConfigurationId: string; ConfigurationRevision: string }) => ({
          Data: b64(`${input.ConfigurationId}/${input.ConfigurationRevision}`),
        }),
      );
      const c = await new MqBackupSource({ mq: new MqClient(REGION), credentials: lookup() }).configuration(
        broker({
          configuration: { id: 'c-1', revision: 2 },
          pending: { configuration: { id: 'c-9', revision: 4 } },
        }),
        0,
      );
      expect(c?.data).toBe('c-1/2');
      expect(c?.pending).toEqual({ id: 'c-9', revision: 4, data: 'c-9/4' });
      expect(c?.revisions).toEqual([
        { revision: 2, created: '2026-02-01T00:00:00.000Z', data: 'c-1/2' },
        { revision: 1, created: '2026-01-01T00:00:00.000Z' },
      ]);
    });

    it('fails naming the call and the configuration when the MQ API refuses', async () => {
      mq.on(ListConfigurationRevisionsCommand).rejects(
        new NotFoundException({ message: 'Configuration c-1 not found', $metadata: {} }),
      );
      const failed = new MqBackupSource({ mq: new MqClient(REGION), credentials: lookup() }).configuration(
        broker(),
        5,
      );
      await expect(failed).rejects.toThrow(MqopsError);
      await expect(failed).rejects.toThrow(
        'MQ ListConfigurationRevisions of c-1 failed: NotFoundException: Configuration c-1 not found',
      );
    });
  });

  describe('activeMqUsers', () => {
    it('lists users across pages and describes each, with pending changes and never a password', async () => {
      mq.on(ListUsersCommand, { BrokerId: 'b-1', NextToken: undefined })
        .resolves({
          Users: [{ Username: 'admin' }, { Username: 'app', PendingChange: 'UPDATE' }],
          NextToken: 't2',
        })
        .on(ListUsersCommand, { BrokerId: 'b-1', NextToken: 't2' })
        .resolves({ Users: [{ Username: 'gone' }, { Username: 'late', PendingChange: 'CREATE' }] });
      mq.on(DescribeUserCommand, { Username: 'admin' })
        .resolves({ Username: 'admin', ConsoleAccess: true, Groups: ['admins'], ReplicationUser: false })
        .on(DescribeUserCommand, { Username: 'app' })
        .resolves({
          Username: 'app',
          ConsoleAccess: false,
          Groups: ['apps'],
          Pending: { PendingChange: 'UPDATE', Groups: ['apps', 'readers'], ConsoleAccess: false },
        })
        .on(DescribeUserCommand, { Username: 'gone' })
        .rejects(new NotFoundException({ message: 'User gone not found', $metadata: {} }))
        .on(DescribeUserCommand, { Username: 'late' })
        .resolves({ Username: 'late', Pending: { PendingChange: 'CREATE', ConsoleAccess: true } });

      const users = await new MqBackupSource({
        mq: new MqClient(REGION),
        credentials: lookup(),
      }).activeMqUsers(broker());

      expect(users).toEqual([
        { username: 'admin', consoleAccess: true, groups: ['admins'], replicationUser: false },
        {
          username: 'app',
          consoleAccess: false,
          groups: ['apps'],
          replicationUser: false,
          pending: { change: 'UPDATE', consoleAccess: false, groups: ['apps', 'readers'] },
        },
        {
          username: 'late',
          consoleAccess: false,
          groups: [],
          replicationUser: false,
          pending: { change: 'CREATE', consoleAccess: true },
        },
      ]);
      expect(JSON.stringify(users)).not.toMatch(/password/i);
      expect(mq.commandCalls(ListUsersCommand).map((c) => c.args[0].input)).toEqual([
        { BrokerId: 'b-1', MaxResults: 100 },
        { BrokerId: 'b-1', MaxResults: 100, NextToken: 't2' },
      ]);
    });

    it('fails naming the user when DescribeUser fails otherwise', async () => {
      mq.on(ListUsersCommand).resolves({ Users: [{ Username: 'admin' }] });
      mq.on(DescribeUserCommand).rejects(new Error('Rate exceeded'));
      await expect(
        new MqBackupSource({ mq: new MqClient(REGION), credentials: lookup() }).activeMqUsers(broker()),
      ).rejects.toThrow('MQ DescribeUser admin of broker orders failed: Error: Rate exceeded');
    });
  });

  describe('rabbitDefinitions', () => {
    it('reads a full export with the audit credential, in one request', async () => {
      const api = fakeApi({ '/api/definitions': { body: FULL } });
      const source = new MqBackupSource({
        mq: new MqClient(REGION),
        credentials: lookup(),
        fetch: api.fetch,
      });

      const definitions = await source.rabbitDefinitions(rabbitBroker());

      expect(definitions).toEqual(FULL);
      expect(api.calls).toEqual([
        { path: '/api/definitions', authorization: `Basic ${b64(`mqops-audit:${PASSWORD}`)}` },
      ]);
    });

    it('completes an export of one vhost from the users, vhosts and permissions endpoints', async () => {
      // The local cloud's per-broker view: /api/definitions answers /api/definitions/<vhost>.
      const api = fakeApi({
        '/events/api/definitions': {
          body: {
            rabbit_version: '3.10.8',
            parameters: [],
            policies: [
              {
                vhost: 'events',
                name: 'p1',
                pattern: '^q',
                'apply-to': 'queues',
                definition: {},
                priority: 0,
              },
            ],
            queues: [{ name: 'q1', durable: true, auto_delete: false, arguments: {} }],
            exchanges: [
              {
                name: 'ex1',
                type: 'topic',
                durable: true,
                auto_delete: false,
                internal: false,
                arguments: {},
              },
            ],
            bindings: [
              {
                source: 'ex1',
                destination: 'q1',
                destination_type: 'queue',
                routing_key: 'a.#',
                arguments: {},
              },
            ],
          },
        },
        '/events/api/vhosts': {
          body: [
            {
              name: 'events',
              description: '',
              tags: [],
              default_queue_type: 'undefined',
              metadata: { description: '', tags: [] },
              tracing: false,
              messages: 12,
              cluster_state: { 'rabbit@vm': 'running' },
            },
          ],
        },
        '/events/api/users': {
          body: [
            {
              name: 'events-admin',
              password_hash: 'aGFzaA==',
              hashing_algorithm: 'rabbit_password_hashing_sha256',
              tags: ['administrator'],
              limits: {},
            },
          ],
        },
        '/events/api/permissions': {
          body: [{ user: 'events-admin', vhost: 'events', configure: '.*', write: '.*', read: '.*' }],
        },
        '/events/api/topic-permissions': { body: [] },
      });
      const source = new MqBackupSource({
        mq: new MqClient(REGION),
        credentials: lookup(),
        fetch: api.fetch,
      });

      const definitions = await source.rabbitDefinitions(
        rabbitBroker({ instances: [{ consoleUrl: 'http://127.0.0.1:40000/events/', endpoints: [] }] }),
      );

      expect(definitions).toEqual({
        rabbit_version: '3.10.8',
        users: [
          {
            name: 'events-admin',
            password_hash: 'aGFzaA==',
            hashing_algorithm: 'rabbit_password_hashing_sha256',
            tags: ['administrator'],
            limits: {},
          },
        ],
        vhosts: [
          {
            name: 'events',
            description: '',
            tags: [],
            default_queue_type: 'undefined',
            metadata: { description: '', tags: [] },
          },
        ],
        permissions: [{ user: 'events-admin', vhost: 'events', configure: '.*', write: '.*', read: '.*' }],
        topic_permissions: [],
        parameters: [],
        policies: [
          { vhost: 'events', name: 'p1', pattern: '^q', 'apply-to': 'queues', definition: {}, priority: 0 },
        ],
        queues: [{ vhost: 'events', name: 'q1', durable: true, auto_delete: false, arguments: {} }],
        exchanges: [
          {
            vhost: 'events',
            name: 'ex1',
            type: 'topic',
            durable: true,
            auto_delete: false,
            internal: false,
            arguments: {},
          },
        ],
        bindings: [
          {
            vhost: 'events',
            source: 'ex1',
            destination: 'q1',
            destination_type: 'queue',
            routing_key: 'a.#',
            arguments: {},
          },
        ],
      });
      expect(api.calls.map((c) => c.path).sort()).toEqual([
        '/events/api/definitions',
        '/events/api/permissions',
        '/events/api/topic-permissions',
        '/events/api/users',
        '/events/api/vhosts',
      ]);
    });

    it('finds the audit secret through Secrets Manager by default', async () => {
      secrets
        .on(ListSecretsCommand)
        .resolves({
          SecretList: [
            {
              ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mqops/events/app-XyZ',
              Name: 'mqops/events/app',
              Tags: [
                { Key: 'mqops:broker', Value: 'events' },
                { Key: 'mqops:username', Value: 'app' },
              ],
            },
            {
              ARN: AUDIT_ARN,
              Name: 'mqops/events/audit',
              Tags: [
                { Key: 'mqops:broker', Value: 'events' },
                { Key: 'mqops:role', Value: 'audit' },
              ],
            },
          ],
        })
        .on(GetSecretValueCommand, { SecretId: AUDIT_ARN })
        .resolves({ SecretString: JSON.stringify({ username: 'mqops-audit', password: PASSWORD }) });
      const api = fakeApi({ '/api/definitions': { body: FULL } });
      const source = new MqBackupSource({
        mq: new MqClient(REGION),
        credentials: new SecretsManagerClient(REGION),
        fetch: api.fetch,
      });

      await source.rabbitDefinitions(rabbitBroker());

      expect(api.calls[0]?.authorization).toBe(`Basic ${b64(`mqops-audit:${PASSWORD}`)}`);
      expect(secrets.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId)).toEqual([
        AUDIT_ARN,
      ]);
    });

    it('fails clearly when the broker has no audit secret, without calling the broker', async () => {
      const api = fakeApi({});
      const source = new MqBackupSource({
        mq: new MqClient(REGION),
        credentials: lookup('rotation'),
        fetch: api.fetch,
      });
      await expect(source.rabbitDefinitions(rabbitBroker())).rejects.toThrow(
        'no secret tagged mqops:broker=events and mqops:role=audit for broker events',
      );
      expect(api.calls).toEqual([]);
    });

    it('uses the secret of the role it is given', async () => {
      const api = fakeApi({ '/api/definitions': { body: FULL } });
      const source = new MqBackupSource({
        credentials: lookup('backup'),
        role: 'backup',
        fetch: api.fetch,
        mq: REGION,
      });
      await expect(source.rabbitDefinitions(rabbitBroker())).resolves.toEqual(FULL);
    });

    it.each([
      [
        'a user without the administrator tag',
        401,
        { error: 'not_authorised', reason: 'Not administrator user' },
        /answered HTTP 401: Not administrator user \(user mqops-audit needs the administrator tag/,
      ],
      [
        'a server error that quotes the password',
        500,
        { error: 'internal', reason: `crashed near ${PASSWORD}` },
        /answered HTTP 500: crashed near \*\*\*$/,
      ],
      ['an answer that is not JSON', 200, '<html>login</html>', /answered something other than JSON/],
    ])('fails on %s, never showing the password', async (_name, status, body, message) => {
      const api = fakeApi({ '/api/definitions': { status, body } });
      const failed = new MqBackupSource({
        credentials: lookup(),
        fetch: api.fetch,
        mq: REGION,
        retryDelayMs: 1,
      }).rabbitDefinitions(rabbitBroker());
      await expect(failed).rejects.toThrow(RabbitManagementError);
      await expect(failed).rejects.toThrow(message);
      await failed.catch((error: Error) => expect(error.message).not.toContain(PASSWORD));
    });

    it('asks again after a transient HTTP 503, and exports the definitions', async () => {
      const api = fakeApi({ '/api/definitions': { body: FULL } });
      let failures = 1;
      const fetch = ((input: string | URL | Request, init?: RequestInit) =>
        String(input).endsWith('/api/definitions') && failures-- > 0
          ? Promise.resolve(new Response('', { status: 503 }))
          : api.fetch(input, init)) as typeof globalThis.fetch;
      const definitions = await new MqBackupSource({
        credentials: lookup(),
        fetch,
        mq: REGION,
        retryDelayMs: 1,
      }).rabbitDefinitions(rabbitBroker());
      expect(definitions.vhosts?.length).toBeGreaterThan(0);
      expect(failures).toBe(-1);
    });

    it('fails when the request cannot be made, naming the reason', async () => {
      const fetch = (async () => {
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
      }) as unknown as typeof globalThis.fetch;
      await expect(
        new MqBackupSource({ credentials: lookup(), fetch, mq: REGION }).rabbitDefinitions(rabbitBroker()),
      ).rejects.toThrow('RabbitMQ management API GET /api/definitions of broker events failed: ECONNREFUSED');
    });

    it('fails when the broker has no console URL', async () => {
      await expect(
        new MqBackupSource({ credentials: lookup(), mq: REGION }).rabbitDefinitions(
          rabbitBroker({ instances: [] }),
        ),
      ).rejects.toThrow('broker events has no console URL to reach its management API');
    });
  });
});

describe('Class: S3BackupStore', () => {
  beforeEach(() => s3.reset());

  it('writes JSON with SSE-S3 encryption', async () => {
    s3.on(PutObjectCommand).resolves({});
    const store = new S3BackupStore('mqops-backups', new S3Client(REGION));
    await store.put('backups/orders/2026-11-25T12:00:00.000Z.json', '{"a":1}');
    expect(store.location).toBe('s3://mqops-backups');
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input)).toEqual([
      {
        Bucket: 'mqops-backups',
        Key: 'backups/orders/2026-11-25T12:00:00.000Z.json',
        Body: '{"a":1}',
        ContentType: 'application/json',
        ServerSideEncryption: 'AES256',
      },
    ]);
  });

  it('reads an object back, and answers undefined for a missing one', async () => {
    s3.on(GetObjectCommand, { Key: 'backups/orders/a.json' })
      .resolves({ Body: { transformToString: async () => '{"a":1}' } as never })
      .on(GetObjectCommand, { Key: 'backups/orders/missing.json' })
      .rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
    const store = new S3BackupStore('mqops-backups', REGION);
    expect(await store.get('backups/orders/a.json')).toBe('{"a":1}');
    expect(await store.get('backups/orders/missing.json')).toBeUndefined();
  });

  it('fails naming the bucket and key on other errors', async () => {
    s3.on(GetObjectCommand).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        message: 'Access Denied',
        $metadata: {},
      }),
    );
    s3.on(PutObjectCommand).rejects(
      new S3ServiceException({ name: 'NoSuchBucket', $fault: 'client', message: 'no bucket', $metadata: {} }),
    );
    const store = new S3BackupStore('mqops-backups', REGION);
    await expect(store.get('backups/x/1.json')).rejects.toThrow(
      'S3 GetObject s3://mqops-backups/backups/x/1.json failed: AccessDenied: Access Denied',
    );
    await expect(store.put('backups/x/1.json', '{}')).rejects.toThrow(
      'S3 PutObject s3://mqops-backups/backups/x/1.json failed: NoSuchBucket: no bucket',
    );
  });

  it('lists every page of a prefix', async () => {
    s3.on(ListObjectsV2Command, { Prefix: 'backups/orders/', ContinuationToken: undefined })
      .resolves({
        Contents: [
          { Key: 'backups/orders/1.json', Size: 10, LastModified: new Date('2026-11-25T12:00:00Z') },
        ],
        IsTruncated: true,
        NextContinuationToken: 'next',
      })
      .on(ListObjectsV2Command, { Prefix: 'backups/orders/', ContinuationToken: 'next' })
      .resolves({ Contents: [{ Key: 'backups/orders/2.json', Size: 20 }], IsTruncated: false });
    const objects = await new S3BackupStore('mqops-backups', REGION).list('backups/orders/');
    expect(objects).toEqual([
      { key: 'backups/orders/1.json', size: 10, lastModified: new Date('2026-11-25T12:00:00Z') },
      { key: 'backups/orders/2.json', size: 20 },
    ]);
    expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Bucket)).toEqual([
      'mqops-backups',
      'mqops-backups',
    ]);
  });
});

describe('Constant: CONFIG_BACKUP_ACTIONS', () => {
  it('names the IAM actions of every call the adapters make', () => {
    expect([...CONFIG_BACKUP_ACTIONS.source, ...CONFIG_BACKUP_ACTIONS.store].sort()).toEqual([
      'mq:DescribeConfigurationRevision',
      'mq:DescribeUser',
      'mq:ListConfigurationRevisions',
      'mq:ListUsers',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
      'secretsmanager:GetSecretValue',
      'secretsmanager:ListSecrets',
    ]);
  });
});
