import { describe, expect, it } from 'vitest';
import { applies } from '../../../src/check';
import { mqStorageType } from '../../../src/checks/mq-storage-type';
import { makeBroker, makeContext, makeFacts } from '../../helpers/broker';

describe('Check: mq-storage-type', () => {
  it('returns FAIL for a single-instance broker on EBS, saying what EBS trades away', () => {
    const facts = makeFacts({ deploymentMode: 'SINGLE_INSTANCE', storageType: 'EBS' });
    expect(mqStorageType.evaluate(facts, makeContext())).toEqual({
      status: 'FAIL',
      message:
        'Broker orders stores messages on EBS, which is faster but a single-Availability-Zone volume that does ' +
        'not survive the loss of its zone.',
    });
  });

  it('returns FAIL for active/standby without EFS, an invalid combination', () => {
    const facts = makeFacts({ deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ', storageType: 'EBS' });
    const outcome = mqStorageType.evaluate(facts, makeContext());
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain('active/standby on EBS storage, an invalid combination');
  });

  it.each([
    ['SINGLE_INSTANCE', 'EFS', 'PASS'],
    ['ACTIVE_STANDBY_MULTI_AZ', 'EFS', 'PASS'],
    ['SINGLE_INSTANCE', 'efs', 'PASS'],
    ['SINGLE_INSTANCE', 'ebs', 'FAIL'],
    ['SINGLE_INSTANCE', 'INSTANCE_STORE', 'FAIL'],
    ['SINGLE_INSTANCE', undefined, 'PASS'],
  ] as const)('%s on %s gives %s', (deploymentMode, storageType, status) => {
    const outcome = mqStorageType.evaluate(makeFacts({ deploymentMode, storageType }), makeContext());
    expect(outcome.status).toBe(status);
  });

  it('says a broker without a storage type gets the EFS default', () => {
    const outcome = mqStorageType.evaluate(makeFacts({ storageType: undefined }), makeContext());
    expect(outcome.message).toBe("Broker orders reports no storage type, so it has ActiveMQ's default, EFS.");
  });

  it('applies to ActiveMQ only (RabbitMQ always uses EBS)', () => {
    expect(applies(mqStorageType, makeBroker())).toBe(true);
    expect(applies(mqStorageType, makeBroker({ engine: 'RABBITMQ', storageType: 'EBS' }))).toBe(false);
  });
});
