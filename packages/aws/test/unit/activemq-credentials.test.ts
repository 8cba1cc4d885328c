import { createServer, type Server, type Socket } from 'node:net';
import {
  type BrokerState,
  type ChangeType,
  CreateUserCommand,
  type DeploymentMode,
  DescribeBrokerCommand,
  DescribeUserCommand,
  MqClient,
  NotFoundException,
  RebootBrokerCommand,
  UpdateUserCommand,
} from '@aws-sdk/client-mq';
import type { RotationSecret } from '@mqops/core/rotation/index';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActiveMqCredentialTarget, PENDING_UNTIL_REBOOT } from '../../src/activemq-credentials';
import { parseStompEndpoint, StompUnreachableError, stompLogin } from '../../src/stomp-login';

const mq = mockClient(MqClient);
const SECRET: RotationSecret = {
  engine: 'activemq',
  brokerId: 'b-1',
  username: 'app',
  password: 'old-secret-pass',
  strategy: 'alternating-users',
  cloneSuffix: '_clone',
};
const ADMIN = { username: 'unused', password: 'unused-pass' };
const NEW = 'new-secret-pass-123';
const notFound = () => new NotFoundException({ message: 'user not found', $metadata: {} });

interface LoginCall {
  endpoint: string;
  username: string;
  password: string;
}

function target(answers: Record<string, boolean | Error> = {}) {
  const logins: LoginCall[] = [];
  const login = (async (o: LoginCall) => {
    logins.push({ endpoint: o.endpoint, username: o.username, password: o.password });
    const answer = answers[o.endpoint] ?? true;
    if (answer instanceof Error) throw answer;
    return answer;
  }) as never;
  return { target: new ActiveMqCredentialTarget({ mq: new MqClient({}), login }), logins };
}

const broker = (mode: DeploymentMode, state: BrokerState = 'RUNNING') => ({
  DeploymentMode: mode,
  BrokerState: state,
  BrokerInstances: [
    { Endpoints: ['ssl://b-1-1.mq:61617', 'stomp+ssl://b-1-1.mq:61614'] },
    { Endpoints: ['ssl://b-1-2.mq:61617', 'stomp+ssl://b-1-2.mq:61614'] },
  ],
});

beforeEach(() => mq.reset());

describe('ActiveMqCredentialTarget', () => {
  describe('apply', () => {
    it('updates the password of an existing user, and nothing else', async () => {
      mq.on(DescribeUserCommand, { Username: 'app' }).resolves({ Username: 'app', Groups: ['g'] });
      const { target: t } = target();
      await t.apply(SECRET, { username: 'app', password: NEW }, ADMIN);
      expect(mq.commandCalls(UpdateUserCommand).map((c) => c.args[0].input)).toEqual([
        { BrokerId: 'b-1', Username: 'app', Password: NEW },
      ]);
      expect(mq.commandCalls(CreateUserCommand)).toHaveLength(0);
      expect(mq.commandCalls(RebootBrokerCommand)).toHaveLength(0);
    });

    it('creates a missing clone with the Groups and ConsoleAccess of the user it copies', async () => {
      mq.on(DescribeUserCommand, { Username: 'app_clone' }).rejects(notFound());
      mq.on(DescribeUserCommand, { Username: 'app' }).resolves({
        Username: 'app',
        Groups: ['apps', 'orders'],
        ConsoleAccess: true,
      });
      const { target: t } = target();
      await t.apply(SECRET, { username: 'app_clone', password: NEW, copyFrom: 'app' }, ADMIN);
      expect(mq.commandCalls(CreateUserCommand).map((c) => c.args[0].input)).toEqual([
        {
          BrokerId: 'b-1',
          Username: 'app_clone',
          Password: NEW,
          Groups: ['apps', 'orders'],
          ConsoleAccess: true,
        },
      ]);
      expect(mq.commandCalls(UpdateUserCommand)).toHaveLength(0);
    });

    it('updates a clone that is still pending creation (a re-run of setSecret)', async () => {
      mq.on(DescribeUserCommand, { Username: 'app_clone' }).resolves({
        Username: 'app_clone',
        Pending: { PendingChange: 'CREATE' },
      });
      const { target: t } = target();
      await t.apply(SECRET, { username: 'app_clone', password: NEW, copyFrom: 'app' }, ADMIN);
      expect(mq.commandCalls(UpdateUserCommand)).toHaveLength(1);
      expect(mq.commandCalls(CreateUserCommand)).toHaveLength(0);
    });

    it('fails clearly when the user (or the one to copy) does not exist', async () => {
      mq.on(DescribeUserCommand).rejects(notFound());
      const { target: t } = target();
      await expect(t.apply(SECRET, { username: 'app', password: NEW }, ADMIN)).rejects.toThrow(
        'ActiveMQ user app does not exist on broker b-1',
      );
      await expect(
        t.apply(SECRET, { username: 'app_clone', password: NEW, copyFrom: 'app' }, ADMIN),
      ).rejects.toThrow('ActiveMQ user app (to copy for app_clone) does not exist on broker b-1');
    });

    it('names the operation, user and broker of an MQ API failure, never the password', async () => {
      mq.on(DescribeUserCommand).resolves({ Username: 'app' });
      mq.on(UpdateUserCommand).rejects(
        Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }),
      );
      const { target: t } = target();
      const error = await t.apply(SECRET, { username: 'app', password: NEW }, ADMIN).catch((e: Error) => e);
      expect((error as Error).message).toBe(
        'MQ UpdateUser of user app on broker b-1 failed: TooManyRequestsException: Rate exceeded',
      );
      expect((error as Error).message).not.toContain(NEW);
    });

    describe('applyNow: reboot', () => {
      const now: RotationSecret = { ...SECRET, applyNow: 'reboot' };
      beforeEach(() => mq.on(DescribeUserCommand).resolves({ Username: 'app' }));

      it('reboots an active/standby broker after the change', async () => {
        mq.on(DescribeBrokerCommand).resolves(broker('ACTIVE_STANDBY_MULTI_AZ'));
        await target().target.apply(now, { username: 'app', password: NEW }, ADMIN);
        expect(mq.commandCalls(UpdateUserCommand)).toHaveLength(1);
        expect(mq.commandCalls(RebootBrokerCommand).map((c) => c.args[0].input)).toEqual([
          { BrokerId: 'b-1' },
        ]);
      });

      it('does not reboot again while a reboot is in progress', async () => {
        mq.on(DescribeBrokerCommand).resolves(broker('ACTIVE_STANDBY_MULTI_AZ', 'REBOOT_IN_PROGRESS'));
        await target().target.apply(now, { username: 'app', password: NEW }, ADMIN);
        expect(mq.commandCalls(RebootBrokerCommand)).toHaveLength(0);
      });

      it.each(['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ'] as DeploymentMode[])(
        'refuses for a %s broker, leaving the change pending',
        async (mode) => {
          mq.on(DescribeBrokerCommand).resolves(broker(mode));
          await expect(target().target.apply(now, { username: 'app', password: NEW }, ADMIN)).rejects.toThrow(
            `applyNow "reboot" refused: broker b-1 is ${mode} and a reboot would disconnect every client; ` +
              `the change to user app stays ${PENDING_UNTIL_REBOOT}`,
          );
          expect(mq.commandCalls(UpdateUserCommand)).toHaveLength(1);
          expect(mq.commandCalls(RebootBrokerCommand)).toHaveLength(0);
        },
      );
    });
  });

  describe('pendingChange', () => {
    it.each([
      ['UPDATE', { Pending: { PendingChange: 'UPDATE' as ChangeType } }],
      ['CREATE', { Pending: { PendingChange: 'CREATE' as ChangeType, Groups: ['g'] } }],
    ])('reports a %s waiting for the reboot', async (change, out) => {
      mq.on(DescribeUserCommand).resolves({ Username: 'app', ...out });
      expect(await target().target.pendingChange(SECRET, 'app')).toBe(
        `user app of broker b-1: ${PENDING_UNTIL_REBOOT} (DescribeUser shows PendingChange ${change}); ` +
          'Secrets Manager retries the rotation later',
      );
    });

    it('is undefined when nothing waits or the user does not exist', async () => {
      mq.on(DescribeUserCommand, { Username: 'app' }).resolves({ Username: 'app' });
      mq.on(DescribeUserCommand, { Username: 'ghost' }).rejects(notFound());
      expect(await target().target.pendingChange(SECRET, 'app')).toBeUndefined();
      expect(await target().target.pendingChange(SECRET, 'ghost')).toBeUndefined();
    });
  });

  describe('verify', () => {
    it("logs in on the broker's STOMP endpoints (DescribeBroker), first that answers decides", async () => {
      mq.on(DescribeBrokerCommand).resolves(broker('ACTIVE_STANDBY_MULTI_AZ'));
      const { target: t, logins } = target({
        'stomp+ssl://b-1-1.mq:61614': new StompUnreachableError(
          'STOMP stomp+ssl://b-1-1.mq:61614 unreachable',
        ),
        'stomp+ssl://b-1-2.mq:61614': false,
      });
      expect(await t.verify(SECRET, { username: 'app', password: NEW })).toBe(false);
      expect(logins.map((l) => l.endpoint)).toEqual([
        'stomp+ssl://b-1-1.mq:61614',
        'stomp+ssl://b-1-2.mq:61614',
      ]);
      expect(logins[1]).toMatchObject({ username: 'app', password: NEW });
    });

    it("uses the secret's endpoints without calling DescribeBroker", async () => {
      const { target: t, logins } = target();
      const secret = { ...SECRET, endpoints: ['ssl://x:61617', 'stomp://127.0.0.1:61613'] };
      expect(await t.verify(secret, { username: 'app', password: NEW })).toBe(true);
      expect(logins.map((l) => l.endpoint)).toEqual(['stomp://127.0.0.1:61613']);
      expect(mq.commandCalls(DescribeBrokerCommand)).toHaveLength(0);
    });

    it('throws naming every endpoint when none answers; without a STOMP endpoint says so', async () => {
      mq.on(DescribeBrokerCommand).resolves(broker('ACTIVE_STANDBY_MULTI_AZ'));
      const down = target({
        'stomp+ssl://b-1-1.mq:61614': new StompUnreachableError(
          'STOMP stomp+ssl://b-1-1.mq:61614 unreachable',
        ),
        'stomp+ssl://b-1-2.mq:61614': new StompUnreachableError(
          'STOMP stomp+ssl://b-1-2.mq:61614 unreachable',
        ),
      });
      await expect(down.target.verify(SECRET, { username: 'app', password: NEW })).rejects.toThrow(
        'STOMP stomp+ssl://b-1-1.mq:61614 unreachable; STOMP stomp+ssl://b-1-2.mq:61614 unreachable',
      );
      await expect(
        target().target.verify({ ...SECRET, endpoints: ['ssl://x:61617'] }, { username: 'a', password: NEW }),
      ).rejects.toThrow('broker b-1 has no STOMP endpoint');
    });
  });
});

describe('stompLogin', () => {
  it.each([
    [
      'stomp+ssl://b-1-1.mq.us-east-1.amazonaws.com:61614',
      { host: 'b-1-1.mq.us-east-1.amazonaws.com', port: 61614, tls: true },
    ],
    ['stomp+ssl://b-1', { host: 'b-1', port: 61614, tls: true }],
    ['stomp://127.0.0.1', { host: '127.0.0.1', port: 61613, tls: false }],
  ])('reads %s', (endpoint, expected) => {
    expect(parseStompEndpoint(endpoint)).toEqual(expected);
  });

  it.each(['ssl://x:61617', 'not a url'])('refuses %s', (endpoint) => {
    expect(() => parseStompEndpoint(endpoint)).toThrow(StompUnreachableError);
  });

  /** An in-process STOMP server on loopback that answers CONNECT as told, and records the frame. */
  let server: Server | undefined;
  const frames: string[] = [];
  async function fakeBroker(answer: (frame: string, socket: Socket) => void): Promise<string> {
    server = createServer((socket) => {
      socket.on('data', (chunk) => {
        frames.push(chunk.toString('utf8'));
        answer(chunk.toString('utf8'), socket);
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    return `stomp://127.0.0.1:${(server.address() as { port: number }).port}`;
  }
  afterEach(async () => {
    frames.length = 0;
    await new Promise((r) => server?.close(r) ?? r(undefined));
    server = undefined;
  });

  it('is true on CONNECTED, having sent a STOMP 1.2 CONNECT with the credential', async () => {
    const endpoint = await fakeBroker((_f, s) => s.write('CONNECTED\nversion:1.2\n\n\0'));
    expect(await stompLogin({ endpoint, username: 'app', password: NEW })).toBe(true);
    expect(frames[0]).toMatch(/^CONNECT\naccept-version:1\.2\nhost:127\.0\.0\.1\n/);
    expect(frames[0]).toContain(`login:app\npasscode:${NEW}\n\n\0`);
  });

  it('is false when the broker closes the connection without a frame', async () => {
    const closing = await fakeBroker((_f, s) => s.end());
    expect(await stompLogin({ endpoint: closing, username: 'app', password: NEW })).toBe(false);
  });

  it('is false on ERROR (bad credentials)', async () => {
    const refusing = await fakeBroker((_f, s) =>
      s.end('ERROR\nmessage:User name [app] or password is invalid.\n\n\0'),
    );
    expect(await stompLogin({ endpoint: refusing, username: 'app', password: NEW })).toBe(false);
  });

  it('throws naming host:port, never the password, when unreachable, silent or not STOMP', async () => {
    const unreachable = await stompLogin({
      endpoint: 'stomp://127.0.0.1:1',
      username: 'u',
      password: NEW,
    }).catch((e: Error) => e);
    expect(unreachable).toBeInstanceOf(StompUnreachableError);
    expect((unreachable as Error).message).toBe('STOMP stomp://127.0.0.1:1 unreachable: ECONNREFUSED');
    const silent = await fakeBroker(() => undefined);
    const timedOut = await stompLogin({
      endpoint: silent,
      username: 'u',
      password: NEW,
      timeoutMs: 200,
    }).catch((e: Error) => e);
    expect((timedOut as Error).message).toMatch(
      /^STOMP stomp:\/\/127\.0\.0\.1:\d+ did not answer CONNECT within 200 ms$/,
    );
    for (const e of [unreachable, timedOut]) expect((e as Error).message).not.toContain(NEW);
  });

  it('refuses a password with a line break before connecting', async () => {
    await expect(
      stompLogin({ endpoint: 'stomp://127.0.0.1:1', username: 'u', password: 'a\nb' }),
    ).rejects.toThrow('STOMP passcode contains a CR, LF or NUL character');
  });
});
