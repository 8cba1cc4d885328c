import { defineCheck, fail, pass } from '../../check';

/** Only a customer-managed key gives you a key policy, CloudTrail records of its use and the power to revoke it. */
export const mqKmsCustomerManagedKey = defineCheck({
  id: 'mq-kms-customer-managed-key',
  title: 'Broker data is encrypted with a customer-managed KMS key',
  severity: 'LOW',
  rationale:
    'Amazon MQ always encrypts data at rest, with one of three keys: an AWS-owned key (invisible to you), the ' +
    'AWS-managed key alias/aws/mq (visible, but its key policy is not yours), or a customer-managed key whose ' +
    'policy, rotation, CloudTrail usage records and revocation you control. The key cannot be changed after the ' +
    'broker is created.',
  remediation:
    'Encryption cannot be changed in place: create a KMS key (`aws kms create-key`) with a key policy that lets ' +
    'Amazon MQ use it, create a new broker with `aws mq create-broker … --encryption-options ' +
    'UseAwsOwnedKey=false,KmsKeyId=KEY_ARN` (CloudFormation `EncryptionOptions: { UseAwsOwnedKey: false, KmsKeyId }`, ' +
    'Terraform `encryption_options { use_aws_owned_key = false, kms_key_id = … }`), migrate clients and messages, ' +
    'then delete the old broker. Never disable or schedule deletion of a key a broker uses.',
  evaluate: ({ broker }) => {
    const { kind, kmsKeyId } = broker.encryption;
    if (kind === 'customer-managed')
      return pass(
        `Broker ${broker.name} is encrypted with the customer-managed KMS key ${kmsKeyId ?? '(id not shown)'}.`,
      );
    if (kind === 'aws-managed')
      return fail(
        `Broker ${broker.name} is encrypted with the AWS-managed key alias/aws/mq, whose key policy you cannot control or restrict.`,
      );
    return fail(
      `Broker ${broker.name} is encrypted with an AWS-owned key, which you cannot see, audit in CloudTrail or revoke.`,
    );
  },
});
