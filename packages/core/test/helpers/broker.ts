import { type AuditPolicy, type CheckContext, DEFAULT_POLICY } from '../../src/check';
import type { BrokerFacts } from '../../src/facts';
import type { Broker } from '../../src/model';

/** A compliant ActiveMQ broker; override what a test is about. */
export function makeBroker(overrides: Partial<Broker> = {}): Broker {
  return {
    id: 'b-1234',
    arn: 'arn:aws:mq:us-east-1:123456789012:broker:orders:b-1234',
    name: 'orders',
    region: 'us-east-1',
    accountId: '123456789012',
    state: 'RUNNING',
    engine: 'ACTIVEMQ',
    engineVersion: '5.18',
    deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
    instanceType: 'mq.m5.large',
    publiclyAccessible: false,
    autoMinorVersionUpgrade: true,
    authenticationStrategy: 'SIMPLE',
    encryption: { kind: 'customer-managed', kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k' },
    logs: { general: true, audit: true },
    maintenanceWindow: { dayOfWeek: 'SUNDAY', timeOfDay: '03:00', timeZone: 'UTC' },
    securityGroups: ['sg-1'],
    subnetIds: ['subnet-a', 'subnet-b'],
    storageType: 'EFS',
    tags: { env: 'production', team: 'orders' },
    users: [{ username: 'admin' }],
    configuration: { id: 'c-1', revision: 1 },
    instances: [{ consoleUrl: 'https://b-1234-1.mq.us-east-1.amazonaws.com:8162', endpoints: [] }],
    actionsRequired: [],
    pending: {},
    ...overrides,
  };
}

/** Facts of a broker: the broker (with overrides) plus whatever other facts a test gives. */
export function makeFacts(
  broker: Partial<Broker> = {},
  facts: Partial<Omit<BrokerFacts, 'broker'>> = {},
): BrokerFacts {
  return { broker: makeBroker(broker), gaps: {}, ...facts };
}

/** A check context at a fixed instant with the default policy (overridable). */
export function makeContext(
  overrides: Partial<Omit<CheckContext, 'policy'>> & { policy?: Partial<AuditPolicy> } = {},
): CheckContext {
  return {
    now: new Date('2026-11-25T12:00:00Z'),
    ...overrides,
    policy: { ...DEFAULT_POLICY, ...overrides.policy },
  };
}
