import type { BrokerFacts, CredentialFacts, RabbitFacts, RabbitQueueFacts } from '../../src/facts';
import type { Broker } from '../../src/model';
import { makeFacts } from './broker';

/** A compliant RabbitMQ 3.13 cluster broker. */
export const RABBIT_BROKER: Partial<Broker> = {
  name: 'payments',
  engine: 'RABBITMQ',
  engineVersion: '3.13',
  deploymentMode: 'CLUSTER_MULTI_AZ',
  logs: { general: true },
  storageType: 'EBS',
  users: [],
  configuration: undefined,
  instances: [{ consoleUrl: 'https://b-1234.mq.us-east-1.amazonaws.com', endpoints: [] }],
};

/** A durable classic queue with a dead-letter exchange and no backlog; override what a test is about. */
export function makeQueue(overrides: Partial<RabbitQueueFacts> = {}): RabbitQueueFacts {
  return {
    vhost: '/',
    name: 'orders.in',
    type: 'classic',
    durable: true,
    messages: 0,
    messagesReady: 0,
    arguments: { 'x-dead-letter-exchange': 'dlx' },
    effectivePolicy: {},
    ...overrides,
  };
}

/** What a compliant Amazon MQ broker's management API shows: one admin, one scoped app user, TLS listeners. */
export function makeRabbit(overrides: Partial<RabbitFacts> = {}): RabbitFacts {
  return {
    version: '3.13.7',
    users: [
      { name: 'admin', tags: ['administrator'] },
      { name: 'orders-app', tags: [] },
    ],
    vhosts: ['/'],
    permissions: [
      { user: 'admin', vhost: '/', configure: '.*', write: '.*', read: '.*' },
      { user: 'orders-app', vhost: '/', configure: '^orders\\.', write: '^orders\\.', read: '^orders\\.' },
    ],
    policies: [
      {
        vhost: '/',
        name: 'AWS-DEFAULT-POLICY-CLUSTER-MULTI-AZ',
        pattern: '.*',
        applyTo: 'all',
        priority: 1,
        definition: { 'ha-mode': 'all', 'ha-sync-mode': 'automatic', 'queue-mode': 'default' },
      },
    ],
    queues: [makeQueue()],
    nodes: ['rabbit@ip-10-0-0-1', 'rabbit@ip-10-0-1-1', 'rabbit@ip-10-0-2-1'].map((name) => ({
      name,
      memUsed: 400 * 1024 ** 2,
      memLimit: 3.2 * 1024 ** 3,
      memAlarm: false,
      diskFree: 180 * 1024 ** 3,
      diskFreeLimit: 1024 ** 3,
      diskFreeAlarm: false,
    })),
    listeners: [
      { protocol: 'amqp/ssl', port: 5671, node: 'rabbit@ip-10-0-0-1' },
      { protocol: 'https', port: 443, node: 'rabbit@ip-10-0-0-1' },
      { protocol: 'clustering', port: 25672, node: 'rabbit@ip-10-0-0-1' },
    ],
    ...overrides,
  };
}

/** The audit secret of the broker, naming the user mqops reads with. */
export function auditSecret(username: string): CredentialFacts {
  return {
    secretArn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:mqops/payments/${username}-AbCdEf`,
    name: `mqops/payments/${username}`,
    username,
    role: 'audit',
    rotationEnabled: true,
  };
}

/** Facts of the RabbitMQ broker with the given management API view (and credentials when a test needs them). */
export function rabbitFacts(rabbit: Partial<RabbitFacts> = {}, credentials?: CredentialFacts[]): BrokerFacts {
  return makeFacts(RABBIT_BROKER, { rabbit: makeRabbit(rabbit), ...(credentials ? { credentials } : {}) });
}
