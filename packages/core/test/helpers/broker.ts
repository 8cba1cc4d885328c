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
    tags: { env: 'production' },
    users: [{ username: 'admin' }],
    pending: {},
    ...overrides,
  };
}
