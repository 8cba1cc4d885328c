import { createServer, type Server } from 'node:net';
import {
  GetSecretValueCommand,
  ListSecretsCommand,
  type SecretListEntry,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { Broker } from '@mqops/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BrokerConnectionProbe,
  type ProbeCredentials,
  rotatedSecretCredentials,
} from '../../src/connection-probe';
import { toBroker } from '../../src/mq-inventory';

const sm = mockClient(SecretsManagerClient);
const PASSWORD = 'Sup3r-Secret-Passw0rd';

/** A broker as DescribeBroker answers it, with these wire endpoints on its one instance. */
const brokerOf = (engine: 'ACTIVEMQ' | 'RABBITMQ', endpoints: string[], name = 'orders'): Broker =>
  toBroker(
    {
      BrokerId: 'b-1234',
      BrokerArn: `arn:aws:mq:eu-west-1:210987654321:broker:${name}:b-1234`,
      BrokerName: name,
      BrokerState: 'RUNNING',
      EngineType: engine,
      DeploymentMode: 'SINGLE_INSTANCE',
      HostInstanceType: 'mq.m5.large',
      BrokerInstances: [{ ConsoleURL: 'https://b-1234.mq.eu-west-1.amazonaws.com', Endpoints: endpoints }],
    },
    'eu-west-1',
  );

const secretValue = (fields: Record<string, unknown>) =>
  JSON.stringify({ engine: 'activemq', brokerId: 'b-1234', username: 'app', password: PASSWORD, ...fields });

const entry = (name: string): SecretListEntry => ({
  Name: name,
  ARN: `arn:aws:secretsmanager:eu-west-1:210987654321:secret:${name}-AbCdEf`,
});

describe('Function: rotatedSecretCredentials', () => {
  const find = () => rotatedSecretCredentials(new SecretsManagerClient({ region: 'eu-west-1' }));
  const orders = brokerOf('ACTIVEMQ', []);

  beforeEach(() => sm.reset());

  it("lists the secrets named after the broker (prefix mqops/<broker name>/) and reads one's value by ARN", async () => {
    // Prepare
    const secret = entry('mqops/orders/app');
    sm.on(ListSecretsCommand).resolves({ SecretList: [secret] });
    sm.on(GetSecretValueCommand).resolves({ SecretString: secretValue({}) });

    // Act
    const credential = await find()(orders);

    // Assess
    expect(sm.commandCalls(ListSecretsCommand)[0]?.args[0].input).toMatchObject({
      Filters: [{ Key: 'name', Values: ['mqops/orders/'] }],
    });
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: secret.ARN },
    ]);
    expect(credential).toStrictEqual({ username: 'app', password: PASSWORD });
  });

  it('skips the secrets of another broker id and answers the first of this broker', async () => {
    const other = entry('mqops/orders/old');
    const mine = entry('mqops/orders/app');
    const later = entry('mqops/orders/zzz');
    sm.on(ListSecretsCommand).resolves({ SecretList: [other, mine, later] });
    sm.on(GetSecretValueCommand, { SecretId: other.ARN })
      .resolves({ SecretString: secretValue({ brokerId: 'b-9999', username: 'old' }) })
      .on(GetSecretValueCommand, { SecretId: mine.ARN })
      .resolves({ SecretString: secretValue({ username: 'app' }) })
      .on(GetSecretValueCommand, { SecretId: later.ARN })
      .resolves({ SecretString: secretValue({ username: 'zzz' }) });

    expect(await find()(orders)).toMatchObject({ username: 'app' });
    // The first match ends the search.
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId)).toEqual([
      other.ARN,
      mine.ARN,
    ]);
  });

  it('never reads a secret of a broker whose name shares the prefix (orders vs orders-eu)', async () => {
    const eu = entry('mqops/orders-eu/app');
    sm.on(ListSecretsCommand).resolves({ SecretList: [eu, { Name: 'mqops/orders/no-arn' }] });
    sm.on(GetSecretValueCommand).resolves({ SecretString: secretValue({}) });

    expect(await find()(orders)).toBeUndefined();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it.each([
    ['not JSON', { SecretString: `{"password":"${PASSWORD}"` }],
    [
      'JSON but not a rotation secret',
      { SecretString: JSON.stringify({ username: 'app', password: PASSWORD }) },
    ],
    ['a rotation secret without a password', { SecretString: secretValue({ password: '' }) }],
    ['a binary secret', { SecretBinary: new Uint8Array([1, 2, 3]) }],
  ])('skips a secret that is %s and tries the next', async (_what, bad) => {
    const first = entry('mqops/orders/bad');
    const second = entry('mqops/orders/good');
    sm.on(ListSecretsCommand).resolves({ SecretList: [first, second] });
    sm.on(GetSecretValueCommand, { SecretId: first.ARN })
      .resolves(bad)
      .on(GetSecretValueCommand, { SecretId: second.ARN })
      .resolves({ SecretString: secretValue({ username: 'good' }) });

    expect(await find()(orders)).toMatchObject({ username: 'good' });
  });

  it('skips a secret whose value cannot be read', async () => {
    const denied = entry('mqops/orders/denied');
    const good = entry('mqops/orders/good');
    sm.on(ListSecretsCommand).resolves({ SecretList: [denied, good] });
    sm.on(GetSecretValueCommand, { SecretId: denied.ARN })
      .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }))
      .on(GetSecretValueCommand, { SecretId: good.ARN })
      .resolves({ SecretString: secretValue({ username: 'good' }) });

    expect(await find()(orders)).toMatchObject({ username: 'good' });
  });

  it('answers the vhost and endpoints the secret holds', async () => {
    sm.on(ListSecretsCommand).resolves({ SecretList: [entry('mqops/events/app')] });
    sm.on(GetSecretValueCommand).resolves({
      SecretString: secretValue({
        engine: 'rabbitmq',
        vhost: 'orders',
        endpoints: ['amqps://b-1234.mq.eu-west-1.amazonaws.com:5671'],
        host: 'https://b-1234.mq.eu-west-1.amazonaws.com',
        extra: 'kept in the secret, not in the credential',
      }),
    });

    expect(await find()(brokerOf('RABBITMQ', [], 'events'))).toStrictEqual({
      username: 'app',
      password: PASSWORD,
      vhost: 'orders',
      endpoints: ['amqps://b-1234.mq.eu-west-1.amazonaws.com:5671'],
    });
  });

  it('looks through every page', async () => {
    sm.on(ListSecretsCommand, { NextToken: undefined })
      .resolves({ SecretList: [entry('mqops/orders/other')], NextToken: 'p2' })
      .on(ListSecretsCommand, { NextToken: 'p2' })
      .resolves({ SecretList: [entry('mqops/orders/app')] });
    sm.on(GetSecretValueCommand, { SecretId: entry('mqops/orders/other').ARN })
      .resolves({ SecretString: secretValue({ brokerId: 'b-other' }) })
      .on(GetSecretValueCommand, { SecretId: entry('mqops/orders/app').ARN })
      .resolves({ SecretString: secretValue({ username: 'app' }) });

    expect(await find()(orders)).toMatchObject({ username: 'app' });
    expect(sm.commandCalls(ListSecretsCommand)).toHaveLength(2);
  });

  it.each([
    ['no secret at all', []],
    ['only secrets of other brokers', [entry('mqops/orders/old')]],
  ])('is undefined with %s', async (_what, list) => {
    sm.on(ListSecretsCommand).resolves({ SecretList: list });
    sm.on(GetSecretValueCommand).resolves({ SecretString: secretValue({ brokerId: 'b-elsewhere' }) });

    expect(await find()(orders)).toBeUndefined();
  });
});

describe('Class: BrokerConnectionProbe', () => {
  /** In-process STOMP servers on loopback: CONNECTED for `app` / PASSWORD, ERROR (then close) for anything else. */
  const servers: Server[] = [];
  const logins: string[] = [];

  async function listen(server: Server): Promise<number> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  }

  async function fakeStompBroker(): Promise<string> {
    const server = createServer((socket) => {
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString('utf8');
        if (!text.includes('\0')) return;
        const headers = Object.fromEntries(
          text
            .split('\n')
            .slice(1)
            .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
        );
        logins.push(headers.login ?? '');
        if (text.startsWith('CONNECT\n') && headers.login === 'app' && headers.passcode === PASSWORD)
          socket.write('CONNECTED\nversion:1.2\n\n\0');
        else socket.end('ERROR\nmessage:User name or password is invalid.\n\n\0');
      });
      socket.on('error', () => undefined);
    });
    return `stomp://127.0.0.1:${await listen(server)}`;
  }

  /** A loopback port nobody listens on (a server was there and closed). */
  async function closedPort(): Promise<number> {
    const server = createServer();
    const port = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    servers.splice(servers.indexOf(server), 1);
    return port;
  }

  afterEach(async () => {
    logins.length = 0;
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  const app: ProbeCredentials = async () => ({ username: 'app', password: PASSWORD });
  const probe = (credentials?: ProbeCredentials) =>
    new BrokerConnectionProbe(credentials, { timeoutMs: 2_000 });

  it.each([
    [
      'a RabbitMQ broker without an amqp(s) endpoint',
      brokerOf('RABBITMQ', ['https://b-1234.mq.eu-west-1.amazonaws.com'], 'events'),
      'broker events has no AMQP endpoint to connect to',
    ],
    [
      'an ActiveMQ broker without a STOMP endpoint',
      brokerOf('ACTIVEMQ', [
        'ssl://b-1234-1.mq.eu-west-1.amazonaws.com:61617',
        'amqp+ssl://b-1234-1.mq.eu-west-1.amazonaws.com:5671',
        'mqtt+ssl://b-1234-1.mq.eu-west-1.amazonaws.com:8883',
      ]),
      'broker orders has no STOMP endpoint to connect to',
    ],
    [
      'an ActiveMQ broker with no endpoint at all',
      brokerOf('ACTIVEMQ', []),
      'broker orders has no STOMP endpoint to connect to',
    ],
  ])('fails for %s', async (_what, broker, detail) => {
    expect(await probe(app).probe(broker)).toEqual({ ok: false, detail });
  });

  it.each([
    ['ACTIVEMQ', 'stomp', 'STOMP'],
    ['RABBITMQ', 'amqp', 'AMQP'],
  ] as const)('fails naming the endpoint when the %s port is closed', async (engine, scheme, protocol) => {
    // Prepare
    const endpoint = `${scheme}://127.0.0.1:${await closedPort()}`;

    // Act
    const result = await probe(app).probe(brokerOf(engine, [endpoint]));

    // Assess
    expect(result.ok).toBe(false);
    expect(result.detail).toContain(`no ${protocol} endpoint of broker orders answered`);
    expect(result.detail).toContain(`${endpoint} unreachable: ECONNREFUSED`);
    expect(result.detail).not.toContain(PASSWORD);
  });

  it('names every endpoint that failed', async () => {
    const first = `stomp://127.0.0.1:${await closedPort()}`;
    const second = `stomp://127.0.0.1:${await closedPort()}`;

    const result = await probe(app).probe(brokerOf('ACTIVEMQ', [first, second]));

    expect(result.ok).toBe(false);
    expect(result.detail).toContain(first);
    expect(result.detail).toContain(second);
  });

  it('succeeds when the credential logs in over STOMP', async () => {
    const endpoint = await fakeStompBroker();

    const result = await probe(app).probe(brokerOf('ACTIVEMQ', [endpoint]));

    expect(result).toEqual({ ok: true, detail: `STOMP login of app to ${endpoint} succeeded` });
    expect(logins).toEqual(['app']);
  });

  it('fails when the broker refuses the credential, without the password in the detail', async () => {
    const endpoint = await fakeStompBroker();
    const wrong: ProbeCredentials = async () => ({ username: 'app', password: `${PASSWORD}-old` });

    const result = await probe(wrong).probe(brokerOf('ACTIVEMQ', [endpoint]));

    expect(result).toEqual({ ok: false, detail: `STOMP login of app to ${endpoint} was refused` });
    expect(result.detail).not.toContain(PASSWORD);
  });

  it('succeeds without a credential when the broker answers the STOMP handshake (a refused login)', async () => {
    const endpoint = await fakeStompBroker();

    const result = await probe().probe(brokerOf('ACTIVEMQ', [endpoint]));

    expect(result).toEqual({
      ok: true,
      detail: `${endpoint} answered the STOMP handshake (no credential to log in with)`,
    });
    expect(logins).toEqual(['mqops-probe']);
  });

  it('treats a credential lookup that throws as no credential', async () => {
    const endpoint = await fakeStompBroker();
    const broken: ProbeCredentials = async () => {
      throw new Error(`Secrets Manager is down (would have read ${PASSWORD})`);
    };

    const result = await probe(broken).probe(brokerOf('ACTIVEMQ', [endpoint]));

    expect(result).toEqual({
      ok: true,
      detail: `${endpoint} answered the STOMP handshake (no credential to log in with)`,
    });
    expect(logins).toEqual(['mqops-probe']);
  });

  it('treats a credential lookup that answers undefined as no credential', async () => {
    const endpoint = await fakeStompBroker();

    const result = await probe(async () => undefined).probe(brokerOf('ACTIVEMQ', [endpoint]));

    expect(result.ok).toBe(true);
    expect(result.detail).toContain('answered the STOMP handshake');
  });

  it('tries the next endpoint when one is unreachable', async () => {
    const closed = `stomp://127.0.0.1:${await closedPort()}`;
    const live = await fakeStompBroker();

    const result = await probe(app).probe(brokerOf('ACTIVEMQ', [closed, live]));

    expect(result).toEqual({ ok: true, detail: `STOMP login of app to ${live} succeeded` });
  });

  it("connects to the credential's endpoints instead of the broker's, and asks for the broker's credential", async () => {
    const live = await fakeStompBroker();
    const closed = `stomp://127.0.0.1:${await closedPort()}`;
    const asked: string[] = [];
    const withEndpoints: ProbeCredentials = async (broker) => {
      asked.push(broker.id);
      return { username: 'app', password: PASSWORD, endpoints: [live] };
    };

    const result = await probe(withEndpoints).probe(brokerOf('ACTIVEMQ', [closed]));

    expect(result).toEqual({ ok: true, detail: `STOMP login of app to ${live} succeeded` });
    expect(asked).toEqual(['b-1234']);
  });
});
