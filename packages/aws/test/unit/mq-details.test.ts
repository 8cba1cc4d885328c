import {
  DescribeConfigurationRevisionCommand,
  DescribeUserCommand,
  type DescribeUserResponse,
  MqClient,
  NotFoundException,
} from '@aws-sdk/client-mq';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MqConfigurationSource, MqUserSource, USER_CONCURRENCY } from '../../src/mq-details';

const mq = mockClient(MqClient);
const XML = '<broker xmlns="http://activemq.apache.org/schema/core"><plugins/></broker>';

describe('Class: MqConfigurationSource', () => {
  beforeEach(() => mq.reset());

  it('decodes the revision data from base64', async () => {
    mq.on(DescribeConfigurationRevisionCommand, {
      ConfigurationId: 'c-1',
      ConfigurationRevision: '3',
    }).resolves({
      ConfigurationId: 'c-1',
      Data: Buffer.from(XML, 'utf8').toString('base64'),
    });
    const facts = await new MqConfigurationSource(new MqClient({ region: 'us-east-1' })).revision('c-1', 3);
    expect(facts).toEqual({ id: 'c-1', revision: 3, data: XML });
  });

  it('answers empty data when the revision has none', async () => {
    mq.on(DescribeConfigurationRevisionCommand).resolves({});
    expect(await new MqConfigurationSource({ region: 'us-east-1' }).revision('c-2', 1)).toEqual({
      id: 'c-2',
      revision: 1,
      data: '',
    });
  });
});

describe('Class: MqUserSource', () => {
  beforeEach(() => mq.reset());

  it('maps DescribeUser answers, keeping the order asked', async () => {
    mq.on(DescribeUserCommand, { Username: 'admin' })
      .resolves({ Username: 'admin', ConsoleAccess: true, Groups: ['admins'], ReplicationUser: false })
      .on(DescribeUserCommand, { Username: 'app' })
      .resolves({ Username: 'app', Pending: { PendingChange: 'UPDATE', ConsoleAccess: true } });
    const users = await new MqUserSource(new MqClient({ region: 'us-east-1' })).users('b-1', [
      'admin',
      'app',
    ]);
    expect(users).toEqual([
      { username: 'admin', consoleAccess: true, groups: ['admins'], replicationUser: false },
      { username: 'app', consoleAccess: false, groups: [], replicationUser: false, pendingChange: 'UPDATE' },
    ]);
    expect(mq.commandCalls(DescribeUserCommand).map((c) => c.args[0].input.BrokerId)).toEqual(['b-1', 'b-1']);
  });

  it('skips a user that vanished', async () => {
    mq.on(DescribeUserCommand, { Username: 'gone' })
      .rejects(new NotFoundException({ message: 'not found', $metadata: {} }))
      .on(DescribeUserCommand, { Username: 'app' })
      .resolves({ Username: 'app' });
    const users = await new MqUserSource({ region: 'us-east-1' }).users('b-1', ['gone', 'app']);
    expect(users.map((u) => u.username)).toEqual(['app']);
  });

  it('lets other errors through', async () => {
    mq.on(DescribeUserCommand).rejects(Object.assign(new Error('denied'), { name: 'ForbiddenException' }));
    await expect(new MqUserSource({ region: 'us-east-1' }).users('b-1', ['a'])).rejects.toThrow('denied');
  });

  it(`runs at most ${USER_CONCURRENCY} DescribeUser calls at once`, async () => {
    let inFlight = 0;
    let peak = 0;
    mq.on(DescribeUserCommand).callsFake(
      async (input: { Username: string }): Promise<DescribeUserResponse> => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return { Username: input.Username };
      },
    );
    const names = Array.from({ length: 10 }, (_, i) => `user-${i}`);
    const users = await new MqUserSource({ region: 'us-east-1' }).users('b-1', names);
    expect(users.map((u) => u.username)).toEqual(names);
    expect(peak).toBe(USER_CONCURRENCY);
  });

  it('makes no call for no users', async () => {
    expect(await new MqUserSource({ region: 'us-east-1' }).users('b-1', [])).toEqual([]);
    expect(mq.calls()).toHaveLength(0);
  });
});
