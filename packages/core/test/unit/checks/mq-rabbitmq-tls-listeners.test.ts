import { describe, expect, it } from 'vitest';
import { applies } from '../../../src/check';
import { mqRabbitmqTlsListeners } from '../../../src/checks/mq-rabbitmq-tls-listeners';
import { makeBroker, makeContext } from '../../helpers/broker';
import { makeRabbit, rabbitFacts } from '../../helpers/rabbit';

const listener = (protocol: string, port: number) => ({ protocol, port, node: 'rabbit@ip-10-0-0-1' });

describe('Check: mq-rabbitmq-tls-listeners', () => {
  it('applies to RabbitMQ only', () => {
    expect(applies(mqRabbitmqTlsListeners, makeBroker({ engine: 'RABBITMQ' }))).toBe(true);
    expect(applies(mqRabbitmqTlsListeners, makeBroker())).toBe(false);
  });

  it("returns PASS for Amazon MQ's listeners (AMQPS 5671, HTTPS 443; clustering is not a client listener)", () => {
    expect(mqRabbitmqTlsListeners.evaluate(rabbitFacts(), makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker payments listens over TLS only (amqp/ssl 5671, https 443).',
    });
  });

  it('returns FAIL naming each plain protocol and port once across nodes', () => {
    const listeners = [
      ...makeRabbit().listeners,
      listener('amqp', 5672),
      { ...listener('amqp', 5672), node: 'rabbit@ip-10-0-1-1' },
      listener('http', 15672),
    ];
    expect(mqRabbitmqTlsListeners.evaluate(rabbitFacts({ listeners }), makeContext())).toEqual({
      status: 'FAIL',
      message: 'Broker payments has listeners without TLS: amqp 5672, http 15672.',
    });
  });

  it.each([
    ['mqtt', 1883, 'FAIL'],
    ['stomp', 61613, 'FAIL'],
    ['http/web-stomp', 15674, 'FAIL'],
    ['stream', 5552, 'FAIL'],
    ['mqtt/ssl', 8883, 'PASS'],
    ['stomp/ssl', 61614, 'PASS'],
    ['https/web-mqtt', 15676, 'PASS'],
    ['stream/ssl', 5551, 'PASS'],
    ['clustering', 25672, 'PASS'],
  ])('%s on %i → %s', (protocol, port, status) => {
    const outcome = mqRabbitmqTlsListeners.evaluate(
      rabbitFacts({ listeners: [listener(protocol, port)] }),
      makeContext(),
    );
    expect(outcome.status).toBe(status);
  });
});
