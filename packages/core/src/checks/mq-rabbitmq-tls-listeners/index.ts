import { defineCheck, fail, pass } from '../../check';
import type { RabbitListenerFacts } from '../../facts';

/**
 * True for a client listener without TLS (`amqp`, `http`, `mqtt`, `stomp`, `stream`, `http/web-mqtt`, …). TLS
 * listeners are `…/ssl` or `https…`; `clustering` is inter-node traffic, not a client listener.
 */
export function isPlainListener(l: RabbitListenerFacts): boolean {
  const protocol = l.protocol.toLowerCase();
  return protocol !== 'clustering' && !protocol.includes('ssl') && !protocol.startsWith('https');
}

/** Credentials and messages on a plain listener cross the network readable by anyone on the path. */
export const mqRabbitmqTlsListeners = defineCheck({
  id: 'mq-rabbitmq-tls-listeners',
  title: 'RabbitMQ accepts clients over TLS only',
  severity: 'MEDIUM',
  rationale:
    'On a listener without TLS, usernames, passwords (AMQP PLAIN and HTTP basic authentication send them as they ' +
    'are) and message bodies cross the network unencrypted. Amazon MQ exposes RabbitMQ over TLS only — AMQPS on ' +
    '5671 and the web console and management API over HTTPS on 443 — so a plain listener means the broker does not ' +
    'run the configuration Amazon MQ gives it, or is not an Amazon MQ broker at all.',
  remediation:
    'Connect clients with `amqps://…:5671` and the console with `https://`. Amazon MQ brokers cannot open plain ' +
    'listeners through their configuration; a plain listener there is a case for AWS Support. On self-managed ' +
    'RabbitMQ set `listeners.tcp = none` and `listeners.ssl.default = 5671` (and `management.ssl.port`) in ' +
    'rabbitmq.conf.',
  needs: ['rabbit'],
  appliesTo: { engines: ['RABBITMQ'] },
  evaluate: ({ broker, rabbit }) => {
    const listeners = rabbit?.listeners ?? [];
    const plain = listeners.filter(isPlainListener);
    if (plain.length > 0) {
      const named = [...new Set(plain.map((l) => `${l.protocol} ${l.port}`))].sort();
      return fail(`Broker ${broker.name} has listeners without TLS: ${named.join(', ')}.`);
    }
    const tls = [
      ...new Set(listeners.filter((l) => l.protocol !== 'clustering').map((l) => `${l.protocol} ${l.port}`)),
    ];
    return pass(
      `Broker ${broker.name} listens over TLS only${tls.length ? ` (${tls.sort().join(', ')})` : ''}.`,
    );
  },
});
