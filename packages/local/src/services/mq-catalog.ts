import type { DeploymentModeName, EngineTypeName } from '../scenario';

/** One row of DescribeBrokerInstanceOptions. */
export interface InstanceOption {
  engineType: EngineTypeName;
  hostInstanceType: string;
  storageType: 'EBS' | 'EFS';
  supportedDeploymentModes: DeploymentModeName[];
  supportedEngineVersions: string[];
}

const ACTIVEMQ_VERSIONS = ['5.18', '5.19'];
const RABBITMQ_VERSIONS = ['3.13'];

function rows(
  engineType: EngineTypeName,
  types: string[],
  storage: ('EBS' | 'EFS')[],
  modes: (storage: 'EBS' | 'EFS') => DeploymentModeName[],
  versions: string[],
): InstanceOption[] {
  return types.flatMap((hostInstanceType) =>
    storage.map((storageType) => ({
      engineType,
      hostInstanceType,
      storageType,
      supportedDeploymentModes: modes(storageType),
      supportedEngineVersions: versions,
    })),
  );
}

/**
 * What Amazon MQ offers for new brokers (supported versions only; legacy types such as mq.t2.micro and
 * mq.m4.large and end-of-support versions are not offered). ActiveMQ: EBS only on m5 types, active/standby
 * needs EFS. RabbitMQ: EBS; mq.t3.micro single-instance only; 4.2 only on m7g.
 */
export const MQ_CATALOG: readonly InstanceOption[] = [
  ...rows('ACTIVEMQ', ['mq.t3.micro'], ['EFS'], () => ['SINGLE_INSTANCE'], ACTIVEMQ_VERSIONS),
  ...rows(
    'ACTIVEMQ',
    ['mq.m5.large', 'mq.m5.xlarge', 'mq.m5.2xlarge', 'mq.m5.4xlarge'],
    ['EBS', 'EFS'],
    (s) => (s === 'EFS' ? ['SINGLE_INSTANCE', 'ACTIVE_STANDBY_MULTI_AZ'] : ['SINGLE_INSTANCE']),
    ACTIVEMQ_VERSIONS,
  ),
  ...rows('RABBITMQ', ['mq.t3.micro'], ['EBS'], () => ['SINGLE_INSTANCE'], RABBITMQ_VERSIONS),
  ...rows(
    'RABBITMQ',
    ['mq.m5.large', 'mq.m5.xlarge', 'mq.m5.2xlarge', 'mq.m5.4xlarge'],
    ['EBS'],
    () => ['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ'],
    RABBITMQ_VERSIONS,
  ),
  ...rows('RABBITMQ', ['mq.m7g.medium'], ['EBS'], () => ['SINGLE_INSTANCE'], [...RABBITMQ_VERSIONS, '4.2']),
  ...rows(
    'RABBITMQ',
    [
      'mq.m7g.large',
      'mq.m7g.xlarge',
      'mq.m7g.2xlarge',
      'mq.m7g.4xlarge',
      'mq.m7g.8xlarge',
      'mq.m7g.12xlarge',
      'mq.m7g.16xlarge',
    ],
    ['EBS'],
    () => ['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ'],
    [...RABBITMQ_VERSIONS, '4.2'],
  ),
];

/** Engine versions a new broker of this engine and type may run. */
export function supportedEngineVersions(engine: EngineTypeName, hostInstanceType: string): string[] {
  const found = MQ_CATALOG.find((o) => o.engineType === engine && o.hostInstanceType === hostInstanceType);
  return found ? found.supportedEngineVersions : [];
}
