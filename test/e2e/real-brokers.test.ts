import {
  CreateBrokerCommand,
  CreateUserCommand,
  DescribeBrokerCommand,
  MqClient,
  RebootBrokerCommand,
  UpdateUserCommand,
} from '@aws-sdk/client-mq';
import {
  ActiveMqBacking,
  activeMqInfo,
  amqpLogin,
  type LocalCloud,
  RabbitMqBacking,
  startLocalCloud,
  stompLogin,
} from '@mqops/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The e2e global setup (test/setup/brokers.ts) has started the real brokers.
const run = Date.now().toString(36);
const rabbitName = `e2e-rabbit-${run}`;
const activeName = `e2e-active-${run}`;
const rabbit = new RabbitMqBacking();
const active = new ActiveMqBacking(activeMqInfo());
let cloud: LocalCloud;
let mq: MqClient;

async function eventually(probe: () => Promise<boolean>, want: boolean, timeoutMs = 8000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  let last = await probe();
  while (last !== want && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 200));
    last = await probe();
  }
  return last;
}

const stomp = (login: string, passcode: string) => () =>
  stompLogin({ port: activeMqInfo().stompPort, login, passcode });

beforeAll(async () => {
  cloud = await startLocalCloud({
    scenario: {
      brokers: [
        {
          BrokerName: rabbitName,
          EngineType: 'RABBITMQ',
          EngineVersion: '3.13',
          DeploymentMode: 'SINGLE_INSTANCE',
          HostInstanceType: 'mq.m5.large',
          Users: [{ Username: `${rabbitName}-admin`, Password: 'rabbit-Admin-Pass-1' }],
        },
        {
          BrokerName: activeName,
          EngineType: 'ACTIVEMQ',
          EngineVersion: '5.18',
          DeploymentMode: 'SINGLE_INSTANCE',
          HostInstanceType: 'mq.m5.large',
          Users: [{ Username: `${activeName}-app`, Password: 'active-App-Pass-12' }],
        },
      ],
    },
    backings: [rabbit, active],
  });
  mq = new MqClient(cloud.clientConfig());
});

afterAll(async () => {
  for (const b of cloud.world.mq.brokers.values()) {
    if (b.EngineType === 'RABBITMQ') await rabbit.remove(b.BrokerId, b.BrokerName);
    else await active.remove(b.BrokerId, b.BrokerName);
  }
  mq.destroy();
  await cloud.stop();
});

describe('Emulated RabbitMQ brokers on a real RabbitMQ', () => {
  it('reports the real endpoints and lets the provisioned admin log in over AMQP to its vhost', async () => {
    const broker = await mq.send(new DescribeBrokerCommand({ BrokerId: rabbitName }));
    expect(broker.BrokerInstances?.[0]).toEqual({
      ConsoleURL: rabbit.viewUrl(rabbitName),
      Endpoints: ['amqp://127.0.0.1:5672'],
      IpAddress: '127.0.0.1',
    });
    expect(await rabbit.vhostExists(rabbitName)).toBe(true);
    expect(
      await amqpLogin({
        username: `${rabbitName}-admin`,
        password: 'rabbit-Admin-Pass-1',
        vhost: rabbitName,
      }),
    ).toBe(true);
    expect(
      await amqpLogin({ username: `${rabbitName}-admin`, password: 'wrong-Password-99', vhost: rabbitName }),
    ).toBe(false);
  });

  it('provisions a broker created through CreateBroker once creation completes', async () => {
    const name = `${rabbitName}-new`;
    await mq.send(
      new CreateBrokerCommand({
        BrokerName: name,
        EngineType: 'RABBITMQ',
        EngineVersion: '3.13',
        DeploymentMode: 'SINGLE_INSTANCE',
        HostInstanceType: 'mq.m5.large',
        PubliclyAccessible: false,
        Users: [{ Username: `${name}-admin`, Password: 'created-Admin-Pass-1' }],
      }),
    );
    expect(await rabbit.vhostExists(name)).toBe(false);
    cloud.clock.advance(120_000);
    expect((await mq.send(new DescribeBrokerCommand({ BrokerId: name }))).BrokerState).toBe('RUNNING');
    expect(await rabbit.vhostExists(name)).toBe(true);
    expect(
      await amqpLogin({ username: `${name}-admin`, password: 'created-Admin-Pass-1', vhost: name }),
    ).toBe(true);
  });
});

describe('Emulated ActiveMQ brokers on a real ActiveMQ', () => {
  it('lets scenario users log in over STOMP', async () => {
    expect(await eventually(stomp(`${activeName}-app`, 'active-App-Pass-12'), true)).toBe(true);
    expect(await stomp(`${activeName}-app`, 'not-the-Password-1')()).toBe(false);
  });

  it('applies user changes made through the MQ API only when the broker reboots', async () => {
    const user = `${activeName}-late`;
    await mq.send(
      new CreateUserCommand({ BrokerId: activeName, Username: user, Password: 'late-User-Pass-123' }),
    );
    await mq.send(
      new UpdateUserCommand({
        BrokerId: activeName,
        Username: `${activeName}-app`,
        Password: 'rotated-App-Pass-1',
      }),
    );
    // Pending: the broker still runs with the old users.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await stomp(user, 'late-User-Pass-123')()).toBe(false);
    expect(await stomp(`${activeName}-app`, 'active-App-Pass-12')()).toBe(true);

    await mq.send(new RebootBrokerCommand({ BrokerId: activeName }));
    cloud.clock.advance(60_000);
    expect((await mq.send(new DescribeBrokerCommand({ BrokerId: activeName }))).BrokerState).toBe('RUNNING');
    expect(await eventually(stomp(user, 'late-User-Pass-123'), true)).toBe(true);
    expect(await eventually(stomp(`${activeName}-app`, 'rotated-App-Pass-1'), true)).toBe(true);
    expect(await eventually(stomp(`${activeName}-app`, 'active-App-Pass-12'), false)).toBe(false);
  });
});
