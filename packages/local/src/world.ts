import type { Clock } from './clock';
import type { Scenario, ScenarioBroker } from './scenario';
import { type CloudWatchSnapshot, CloudWatchState } from './services/cloudwatch';
import { datapointOf } from './services/cloudwatch-data';
import { type Ec2Snapshot, Ec2State } from './services/ec2';
import { LambdaState } from './services/lambda';
import { DEFAULT_SECURITY_GROUP, type MqSnapshot, MqState } from './services/mq';
import { type SecretsSnapshot, SecretsState } from './services/secretsmanager';
import { type SecurityHubSnapshot, SecurityHubState } from './services/securityhub';
import { type SnsSnapshot, SnsState } from './services/sns';
import { type SqsSnapshot, SqsState } from './services/sqs';
import { type StsSnapshot, StsState } from './services/sts';
import type { BrokerBacking } from './types';

export interface WorldOptions {
  accountId: string;
  region: string;
  clock: Clock;
  /** Real brokers behind emulated ones, by engine. */
  backings?: Partial<Record<'ACTIVEMQ' | 'RABBITMQ', BrokerBacking>>;
}

/**
 * What of the world outlives the process (see ./persistence.ts): each service's state as it is, and the brokers
 * created through CreateBroker as declared (their metric series are made again from it). Lambda's functions are
 * in-process handlers and are not kept.
 */
export interface WorldSnapshot {
  mq: MqSnapshot;
  ec2: Ec2Snapshot;
  cloudwatch: CloudWatchSnapshot;
  secrets: SecretsSnapshot;
  sns: SnsSnapshot;
  securityhub: SecurityHubSnapshot;
  sts: StsSnapshot;
  /** Absent in snapshots kept before SQS was emulated. */
  sqs?: SqsSnapshot;
  createdBrokers: ScenarioBroker[];
}

/** The state of the whole local cloud, one part per service. */
export class World {
  readonly accountId: string;
  readonly region: string;
  readonly mq: MqState;
  readonly ec2: Ec2State;
  readonly cloudwatch: CloudWatchState;
  readonly secrets: SecretsState;
  readonly sns: SnsState;
  readonly securityhub: SecurityHubState;
  /** In-process functions that Lambda Invoke runs, and every invocation. */
  readonly lambda: LambdaState;
  /** The caller GetCallerIdentity answers, and the sessions AssumeRole started. */
  readonly sts: StsState;
  /** Queues and their messages (their depths and counts are CloudWatch metrics in `AWS/SQS`). */
  readonly sqs: SqsState;
  /** Brokers made through CreateBroker, as declared to CloudWatch (kept so their metrics come back). */
  private readonly createdBrokers: ScenarioBroker[] = [];

  constructor(scenario: Scenario, options: WorldOptions) {
    this.accountId = options.accountId;
    this.region = options.region;
    this.mq = new MqState(scenario, options);
    this.ec2 = new Ec2State(scenario, options);
    this.cloudwatch = new CloudWatchState(scenario, options);
    this.secrets = new SecretsState(scenario, options);
    this.sns = new SnsState(scenario, options);
    this.securityhub = new SecurityHubState(scenario, options);
    this.lambda = new LambdaState(options);
    this.sts = new StsState(options);
    this.sqs = new SqsState(scenario, options);
    // Alarm actions publish to local SNS topics from the first state change on.
    this.cloudwatch.attachSns(this.sns);
    // Queue depths and message counts are CloudWatch metrics (alarms on them are evaluated).
    this.sqs.attachCloudWatch(this.cloudwatch);
    // Lambda's own metrics (`AWS/Lambda` by FunctionName), at the time the invocation started.
    this.lambda.onFinish((invocation, durationMs) => {
      const dims = [{ Name: 'FunctionName', Value: invocation.functionName }];
      const at = Date.parse(invocation.at);
      const put = (metric: string, value: number, unit: string, evaluate: boolean) =>
        this.cloudwatch.putDatapoints('AWS/Lambda', metric, dims, [datapointOf(at, [value], { unit })], {
          evaluate,
        });
      put('Invocations', 1, 'Count', false);
      put('Duration', durationMs, 'Milliseconds', false);
      put('Errors', invocation.status === 'failed' ? 1 : 0, 'Count', true);
    });
    // Every broker's subnets resolve through EC2, and brokers made through CreateBroker get metrics too.
    for (const broker of this.mq.brokers.values()) this.ec2.ensureSubnets(broker.SubnetIds);
    // Brokers created without security groups use the VPC's default group, as on AWS.
    const ensureDefaultGroup = (groups: readonly string[]) => {
      if (!groups.includes(DEFAULT_SECURITY_GROUP) || this.ec2.securityGroups.has(DEFAULT_SECURITY_GROUP))
        return;
      this.ec2.addSecurityGroup({
        GroupId: DEFAULT_SECURITY_GROUP,
        GroupName: 'default',
        Description: 'default VPC security group',
        VpcId: this.ec2.defaultVpcId,
        IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: DEFAULT_SECURITY_GROUP }] }],
      });
    };
    for (const broker of this.mq.brokers.values()) ensureDefaultGroup(broker.SecurityGroups);
    this.mq.onCreate((broker, declared) => {
      this.ec2.ensureSubnets(broker.SubnetIds);
      ensureDefaultGroup(broker.SecurityGroups);
      this.cloudwatch.addBrokerMetrics(declared);
      this.createdBrokers.push(declared);
    });
  }

  /** Every service's state, to keep (./persistence.ts encodes it). */
  snapshot(): WorldSnapshot {
    return {
      mq: this.mq.snapshot(),
      ec2: this.ec2.snapshot(),
      cloudwatch: this.cloudwatch.snapshot(),
      secrets: this.secrets.snapshot(),
      sns: this.sns.snapshot(),
      securityhub: this.securityhub.snapshot(),
      sts: this.sts.snapshot(),
      sqs: this.sqs.snapshot(),
      createdBrokers: [...this.createdBrokers],
    };
  }

  /** Puts back a {@link snapshot} in place of the scenario's state (on a world made from the same scenario). */
  restore(saved: WorldSnapshot): void {
    this.mq.restore(saved.mq);
    this.ec2.restore(saved.ec2);
    this.cloudwatch.restore(saved.cloudwatch);
    this.secrets.restore(saved.secrets);
    this.sns.restore(saved.sns);
    this.securityhub.restore(saved.securityhub);
    this.sts.restore(saved.sts);
    if (saved.sqs) this.sqs.restore(saved.sqs);
    this.createdBrokers.splice(0, this.createdBrokers.length, ...saved.createdBrokers);
    for (const declared of this.createdBrokers) this.cloudwatch.addBrokerMetrics(declared);
  }
}
