/**
 * What AWS says about every IAM action mqops' code derives (infra/iam.ts): its access level and the resource types it
 * supports, from the AWS Service Authorization Reference ("Actions, resources, and condition keys for …"). The
 * stack's IAM follows from it (infra/iam.ts `planPermissions`):
 * - a Write, Permissions management or Tagging action is granted only on the resources a function's `scopes` name;
 * - a read of a secret's value or of the stack's data (S3 objects, DynamoDB items) likewise;
 * - a metadata read the stack does not narrow is granted on its whole resource type (`anyResource`), not on `*`;
 * - only an action AWS lets be granted on `*` alone (`wildcard`: AWS's reason) is granted on `*`.
 * An action missing here fails the infra test and `sst deploy`: a new SDK call forces a decision.
 *
 * Sources (Service Authorization Reference, https://docs.aws.amazon.com/service-authorization/latest/reference/):
 * - Amazon MQ: list_amazonmq.html
 * - Amazon CloudWatch: list_amazoncloudwatch.html (and the DescribeAlarms API reference for composite alarms)
 * - AWS Secrets Manager: list_awssecretsmanager.html
 * - AWS Security Hub: list_awssecurityhub.html
 * - Amazon SNS: list_amazonsns.html
 * - Amazon SQS: list_amazonsqs.html
 * - Amazon S3: list_amazons3.html
 * - Amazon DynamoDB: list_amazondynamodb.html
 * - Amazon EC2: list_amazonec2.html
 * - AWS Security Token Service: list_awssecuritytokenservice.html
 * - AWS Lambda: list_awslambda.html
 * - AWS Price List: list_awspricelist.html
 */

/** The reference's access levels ("Tagging, Write" is recorded as Tagging). */
export type AccessLevel = 'List' | 'Read' | 'Write' | 'Permissions management' | 'Tagging';

/** What the reference says about one action, and where mqops may grant it when no function narrows it. */
export interface ActionAccess {
  level: AccessLevel;
  /** Resource types the action supports, as the reference names them (`*`: required); empty when it supports none. */
  resourceTypes: readonly string[];
  /**
   * ARN patterns of the action's whole resource type: where a metadata read that no function narrows is granted
   * instead of `*`. Absent for writes and for reads of values (secrets, objects, items): those need a scope.
   */
  anyResource?: readonly string[];
  /** Why the action can only be granted on `*` (AWS's reason). */
  wildcard?: string;
}

/** Access levels that change something: never granted on `*`. */
export const WRITE_LEVELS: readonly AccessLevel[] = ['Write', 'Permissions management', 'Tagging'];

const NO_RESOURCE_TYPE = 'supports no resource type: only *';
const CLASSIC_METRICS =
  'supports no resource type for classic metrics (its optional dataset type is for OTLP datasets only): only *';

const ARN = {
  broker: 'arn:aws:mq:*:*:broker:*',
  configuration: 'arn:aws:mq:*:*:configuration:*',
  alarm: 'arn:aws:cloudwatch:*:*:alarm:*',
} as const;

/** Every IAM action the code derives (and a few it is about to), by `service:Action`. */
export const ACTION_ACCESS: Readonly<Record<string, ActionAccess>> = {
  // Amazon MQ — brokers: arn:${Partition}:mq:${Region}:${Account}:broker:${BrokerName}:${BrokerId};
  // configurations: arn:${Partition}:mq:${Region}:${Account}:configuration:${ConfigurationId}.
  'mq:ListBrokers': { level: 'List', resourceTypes: [], wildcard: NO_RESOURCE_TYPE },
  'mq:DescribeBroker': { level: 'Read', resourceTypes: ['brokers*'], anyResource: [ARN.broker] },
  'mq:DescribeBrokerInstanceOptions': { level: 'Read', resourceTypes: [], wildcard: NO_RESOURCE_TYPE },
  'mq:DescribeUser': { level: 'Read', resourceTypes: ['brokers*'], anyResource: [ARN.broker] },
  'mq:ListUsers': { level: 'List', resourceTypes: ['brokers*'], anyResource: [ARN.broker] },
  'mq:DescribeConfigurationRevision': {
    level: 'Read',
    resourceTypes: ['configurations*'],
    anyResource: [ARN.configuration],
  },
  'mq:ListConfigurationRevisions': {
    level: 'List',
    resourceTypes: ['configurations*'],
    anyResource: [ARN.configuration],
  },
  'mq:UpdateBroker': { level: 'Write', resourceTypes: ['brokers*'] },
  'mq:RebootBroker': { level: 'Write', resourceTypes: ['brokers*'] },
  'mq:CreateUser': { level: 'Write', resourceTypes: ['brokers*'] },
  'mq:UpdateUser': { level: 'Write', resourceTypes: ['brokers*'] },
  'mq:DeleteUser': { level: 'Write', resourceTypes: ['brokers*'] },
  'mq:CreateConfiguration': {
    level: 'Write',
    resourceTypes: [],
    wildcard: `${NO_RESOURCE_TYPE} (a configuration has no ARN before it exists; narrow with aws:RequestTag)`,
  },
  'mq:UpdateConfiguration': { level: 'Write', resourceTypes: ['configurations*'] },

  // Amazon CloudWatch — alarm: arn:${Partition}:cloudwatch:${Region}:${Account}:alarm:${AlarmName}.
  'cloudwatch:DescribeAlarms': {
    level: 'Read',
    resourceTypes: ['alarm*'],
    wildcard:
      'the calls filter by state or name prefix and name no alarm; AWS returns composite alarms to DescribeAlarms only when it is granted on * (DescribeAlarms API reference)',
  },
  'cloudwatch:GetMetricData': {
    level: 'Read',
    resourceTypes: ['dataset'],
    wildcard: CLASSIC_METRICS,
  },
  'cloudwatch:ListMetrics': {
    level: 'List',
    resourceTypes: ['dataset'],
    wildcard: CLASSIC_METRICS,
  },
  'cloudwatch:ListTagsForResource': {
    level: 'List',
    resourceTypes: ['alarm', 'dashboard', 'insight-rule', 'metric-stream', 'slo'],
    anyResource: [ARN.alarm],
  },
  'cloudwatch:PutMetricAlarm': { level: 'Write', resourceTypes: ['alarm*'] },
  'cloudwatch:DeleteAlarms': { level: 'Write', resourceTypes: ['alarm*'] },
  'cloudwatch:TagResource': {
    level: 'Tagging',
    resourceTypes: ['alarm', 'dashboard', 'insight-rule', 'metric-stream', 'slo'],
  },
  'cloudwatch:UntagResource': {
    level: 'Tagging',
    resourceTypes: ['alarm', 'dashboard', 'insight-rule', 'metric-stream', 'slo'],
  },

  // AWS Secrets Manager — Secret: arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${SecretId}; condition
  // keys include aws:ResourceTag/${TagKey} and secretsmanager:ResourceTag/tag-key.
  'secretsmanager:ListSecrets': { level: 'List', resourceTypes: [], wildcard: NO_RESOURCE_TYPE },
  'secretsmanager:GetRandomPassword': { level: 'Read', resourceTypes: [], wildcard: NO_RESOURCE_TYPE },
  'secretsmanager:GetSecretValue': { level: 'Read', resourceTypes: ['Secret*'] },
  'secretsmanager:DescribeSecret': { level: 'Read', resourceTypes: ['Secret*'] },
  'secretsmanager:PutSecretValue': { level: 'Write', resourceTypes: ['Secret*'] },
  'secretsmanager:UpdateSecretVersionStage': { level: 'Write', resourceTypes: ['Secret*'] },
  'secretsmanager:RotateSecret': { level: 'Write', resourceTypes: ['Secret*'] },
  'secretsmanager:CreateSecret': { level: 'Write', resourceTypes: ['Secret*'] },

  // AWS Security Hub — product: arn:${Partition}:securityhub:${Region}:${Account}:product/${Company}/${ProductId};
  // an account's own findings use its default product, product/<account id>/default.
  'securityhub:BatchImportFindings': { level: 'Write', resourceTypes: ['product*'] },

  // Amazon SNS, Amazon SQS.
  'sns:Publish': { level: 'Write', resourceTypes: ['topic*'] },
  'sqs:SendMessage': { level: 'Write', resourceTypes: ['queue*'] },

  // Amazon S3 (object: arn:${Partition}:s3:::${BucketName}/${ObjectName}).
  's3:GetObject': { level: 'Read', resourceTypes: ['object*'] },
  's3:PutObject': { level: 'Write', resourceTypes: ['object*'] },
  's3:DeleteObject': { level: 'Write', resourceTypes: ['object*'] },
  's3:ListBucket': { level: 'List', resourceTypes: ['bucket*'] },
  's3:CreateBucket': { level: 'Write', resourceTypes: ['bucket*'] },

  // Amazon DynamoDB (table: arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}).
  'dynamodb:GetItem': { level: 'Read', resourceTypes: ['table*'] },
  'dynamodb:Query': { level: 'Read', resourceTypes: ['table*', 'index'] },
  'dynamodb:PutItem': { level: 'Write', resourceTypes: ['table*'] },
  'dynamodb:DeleteItem': { level: 'Write', resourceTypes: ['table*'] },
  'dynamodb:CreateTable': { level: 'Write', resourceTypes: ['table*'] },

  // Amazon EC2: its Describe actions support no resource type.
  'ec2:DescribeRegions': { level: 'List', resourceTypes: [], wildcard: NO_RESOURCE_TYPE },
  'ec2:DescribeSecurityGroups': { level: 'List', resourceTypes: [], wildcard: NO_RESOURCE_TYPE },
  'ec2:DescribeSubnets': { level: 'List', resourceTypes: [], wildcard: NO_RESOURCE_TYPE },

  // AWS STS (role: arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}), AWS Lambda (function), AWS Price List.
  'sts:AssumeRole': { level: 'Write', resourceTypes: ['role*'] },
  'lambda:InvokeFunction': { level: 'Write', resourceTypes: ['function*'] },
  'pricing:GetProducts': { level: 'Read', resourceTypes: [], wildcard: NO_RESOURCE_TYPE },
};

/** True for an action that changes something (Write, Permissions management, Tagging). */
export function isWriteAction(action: string): boolean {
  const access = ACTION_ACCESS[action];
  return access !== undefined && WRITE_LEVELS.includes(access.level);
}
