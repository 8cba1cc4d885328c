import { describe, expect, it } from 'vitest';
import { mqKmsCustomerManagedKey } from '../../../src/checks/mq-kms-customer-managed-key';
import { makeContext, makeFacts } from '../../helpers/broker';

describe('Check: mq-kms-customer-managed-key', () => {
  it('returns PASS naming the key when the broker uses a customer-managed key', () => {
    const keyId = 'arn:aws:kms:us-east-1:123456789012:key/0d3f6a52';
    const outcome = mqKmsCustomerManagedKey.evaluate(
      makeFacts({ encryption: { kind: 'customer-managed', kmsKeyId: keyId } }),
      makeContext(),
    );
    expect(outcome).toEqual({
      status: 'PASS',
      message: `Broker orders is encrypted with the customer-managed KMS key ${keyId}.`,
    });
  });

  it.each([
    ['aws-owned', 'an AWS-owned key'],
    ['aws-managed', 'the AWS-managed key alias/aws/mq'],
  ] as const)('returns FAIL for an %s key and says which tier', (kind, words) => {
    const outcome = mqKmsCustomerManagedKey.evaluate(makeFacts({ encryption: { kind } }), makeContext());
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain('Broker orders');
    expect(outcome.message).toContain(words);
  });

  it('applies to both engines and says a new broker is needed', () => {
    expect(mqKmsCustomerManagedKey.appliesTo).toBeUndefined();
    expect(mqKmsCustomerManagedKey.remediation).toMatch(/cannot be changed/);
  });
});
