import type { Clock } from './clock';
import type { Scenario } from './scenario';
import { CloudWatchState } from './services/cloudwatch';
import { Ec2State } from './services/ec2';
import { MqState } from './services/mq';
import { SecretsState } from './services/secretsmanager';
import { SnsState } from './services/sns';
import type { BrokerBacking } from './types';

export interface WorldOptions {
  accountId: string;
  region: string;
  clock: Clock;
  /** Real brokers behind emulated ones, by engine. */
  backings?: Partial<Record<'ACTIVEMQ' | 'RABBITMQ', BrokerBacking>>;
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

  constructor(scenario: Scenario, options: WorldOptions) {
    this.accountId = options.accountId;
    this.region = options.region;
    this.mq = new MqState(scenario, options);
    this.ec2 = new Ec2State(scenario, options);
    this.cloudwatch = new CloudWatchState(scenario, options);
    this.secrets = new SecretsState(scenario, options);
    this.sns = new SnsState(scenario, options);
    // Alarm actions publish to local SNS topics from the first state change on.
    this.cloudwatch.attachSns(this.sns);
    // Every broker's subnets resolve through EC2, and brokers made through CreateBroker get metrics too.
    for (const broker of this.mq.brokers.values()) this.ec2.ensureSubnets(broker.SubnetIds);
    this.mq.onCreate((broker, declared) => {
      this.ec2.ensureSubnets(broker.SubnetIds);
      this.cloudwatch.addBrokerMetrics(declared);
    });
  }
}
