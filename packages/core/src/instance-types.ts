/**
 * Amazon MQ broker instance types and the per-instance caps Amazon MQ documents for them: ActiveMQ wire-level
 * connections per protocol and storage, RabbitMQ connections, channels and queues per node. Used by the alarm
 * reconciler (cap-based thresholds) and meant for rightsizing.
 *
 * Sources: the Amazon MQ developer guide ("Quotas in Amazon MQ", "Amazon MQ for RabbitMQ sizing guidelines" and the
 * RabbitMQ resource hard-limit tables) and, for vCPUs and memory, the EC2 instance type each broker type runs on.
 * Entries whose figures were not confirmed carry an `unsure` note; the authoritative runtime answers for what a
 * broker may run are DescribeBrokerInstanceOptions, and for RabbitMQ 4.x the configured `connection_max` /
 * `channel_max_per_node` / `cluster_queue_limit` (defaults below the maxima listed here).
 */
import type { DeploymentMode, Engine } from './model';

/** Instance families Amazon MQ offers (or offered). */
export type InstanceFamily = 't2' | 't3' | 'm4' | 'm5' | 'm7g';

interface CommonLimits {
  /** The full Amazon MQ name, e.g. `mq.m5.large`. */
  instanceType: string;
  family: InstanceFamily;
  /** The size part, e.g. `large`, `2xlarge`. */
  size: string;
  /** No longer offered for new brokers (mq.t2.micro, mq.m4.large). */
  legacy: boolean;
  /** A burstable micro type: for evaluation, not production. */
  micro: boolean;
  /** vCPUs of the underlying EC2 instance type. */
  vcpus: number;
  /** Memory (GiB) of the underlying EC2 instance type. */
  memoryGiB: number;
  /** Figures on this entry that were not confirmed, and why. */
  unsure?: string;
}

/** Caps of one ActiveMQ broker instance (each instance of an active/standby pair has its own). */
export interface ActiveMqLimits extends CommonLimits {
  engine: 'ACTIVEMQ';
  /**
   * Wire-level connections per protocol (OpenWire, AMQP, STOMP, MQTT, WebSocket each have this many). Amazon MQ
   * publishes it as the `{Openwire,Amqp,Stomp,Mqtt,Ws}MaximumConnections` metrics.
   */
  connectionsPerProtocol: number;
  /** Message storage per broker, GB. */
  storageGb: number;
}

/** Caps of one RabbitMQ node (a cluster has three nodes, each with these caps). */
export interface RabbitMqLimits extends CommonLimits {
  engine: 'RABBITMQ';
  /** Connections per node (not overridable by customers on RabbitMQ 3; `connection_max` ≤ this on 4.x). */
  connectionsPerNode: number;
  /** Channels per node. */
  channelsPerNode: number;
  /** Queues per broker, when documented. */
  queues?: number;
}

export type InstanceLimits = ActiveMqLimits | RabbitMqLimits;

/** EC2 sizes: vCPUs and GiB of memory of the general-purpose types the broker types run on. */
const M_SIZES: Record<string, { vcpus: number; memoryGiB: number }> = {
  medium: { vcpus: 1, memoryGiB: 4 },
  large: { vcpus: 2, memoryGiB: 8 },
  xlarge: { vcpus: 4, memoryGiB: 16 },
  '2xlarge': { vcpus: 8, memoryGiB: 32 },
  '4xlarge': { vcpus: 16, memoryGiB: 64 },
  '8xlarge': { vcpus: 32, memoryGiB: 128 },
  '12xlarge': { vcpus: 48, memoryGiB: 192 },
  '16xlarge': { vcpus: 64, memoryGiB: 256 },
};

function common(
  instanceType: string,
  extra: { legacy?: boolean; unsure?: string; vcpus?: number; memoryGiB?: number } = {},
): CommonLimits {
  const [, family = '', size = ''] = instanceType.split('.');
  const spec = M_SIZES[size] ?? { vcpus: 0, memoryGiB: 0 };
  return {
    instanceType,
    family: family as InstanceFamily,
    size,
    legacy: extra.legacy ?? false,
    micro: size === 'micro',
    vcpus: extra.vcpus ?? spec.vcpus,
    memoryGiB: extra.memoryGiB ?? spec.memoryGiB,
    ...(extra.unsure ? { unsure: extra.unsure } : {}),
  };
}

const activemq = (
  instanceType: string,
  caps: { connectionsPerProtocol: number; storageGb: number },
  extra?: Parameters<typeof common>[1],
): ActiveMqLimits => ({ engine: 'ACTIVEMQ', ...common(instanceType, extra), ...caps });

const rabbitmq = (
  instanceType: string,
  caps: { connectionsPerNode: number; channelsPerNode: number; queues?: number },
  extra?: Parameters<typeof common>[1],
): RabbitMqLimits => ({ engine: 'RABBITMQ', ...common(instanceType, extra), ...caps });

/**
 * Every instance type with its caps, ordered by engine, then family, then size (smallest first).
 *
 * ActiveMQ ("Quotas in Amazon MQ"): 300 wire-level connections per protocol on `mq.*.micro`, 2,000 on `mq.*.*large`;
 * storage 20 GB on micro, 200 GB on large types. The quota says "*large", so every m5 size gets 2,000: larger sizes
 * do not raise it.
 *
 * RabbitMQ (sizing guidelines, single-instance table, and the m7g hard-limit table): per-node connections and
 * channels; queues per broker. The same per-node caps are taken for cluster nodes.
 */
export const INSTANCE_TYPES: readonly InstanceLimits[] = [
  activemq(
    'mq.t2.micro',
    { connectionsPerProtocol: 300, storageGb: 20 },
    { legacy: true, vcpus: 1, memoryGiB: 1 },
  ),
  activemq('mq.t3.micro', { connectionsPerProtocol: 300, storageGb: 20 }, { vcpus: 2, memoryGiB: 1 }),
  activemq('mq.m4.large', { connectionsPerProtocol: 2_000, storageGb: 200 }, { legacy: true }),
  activemq('mq.m5.large', { connectionsPerProtocol: 2_000, storageGb: 200 }),
  activemq('mq.m5.xlarge', { connectionsPerProtocol: 2_000, storageGb: 200 }),
  activemq('mq.m5.2xlarge', { connectionsPerProtocol: 2_000, storageGb: 200 }),
  activemq('mq.m5.4xlarge', { connectionsPerProtocol: 2_000, storageGb: 200 }),

  rabbitmq(
    'mq.t3.micro',
    { connectionsPerNode: 500, channelsPerNode: 1_500, queues: 2_500 },
    { vcpus: 2, memoryGiB: 1 },
  ),
  rabbitmq('mq.m5.large', { connectionsPerNode: 5_000, channelsPerNode: 15_000, queues: 30_000 }),
  rabbitmq('mq.m5.xlarge', { connectionsPerNode: 10_000, channelsPerNode: 30_000, queues: 60_000 }),
  rabbitmq('mq.m5.2xlarge', { connectionsPerNode: 20_000, channelsPerNode: 60_000, queues: 120_000 }),
  rabbitmq('mq.m5.4xlarge', { connectionsPerNode: 40_000, channelsPerNode: 120_000, queues: 240_000 }),
  // m7g: the RabbitMQ hard-limit table (maxima); RabbitMQ 4.2 brokers start with lower configurable defaults.
  rabbitmq(
    'mq.m7g.medium',
    { connectionsPerNode: 300, channelsPerNode: 900, queues: 2_500 },
    { unsure: 'older documentation gives 100 connections; 300 is the hard-limit table' },
  ),
  rabbitmq('mq.m7g.large', { connectionsPerNode: 5_000, channelsPerNode: 15_000, queues: 20_000 }),
  rabbitmq('mq.m7g.xlarge', { connectionsPerNode: 10_000, channelsPerNode: 30_000, queues: 30_000 }),
  rabbitmq('mq.m7g.2xlarge', { connectionsPerNode: 20_000, channelsPerNode: 60_000, queues: 40_000 }),
  rabbitmq('mq.m7g.4xlarge', { connectionsPerNode: 40_000, channelsPerNode: 120_000, queues: 60_000 }),
  rabbitmq('mq.m7g.8xlarge', { connectionsPerNode: 80_000, channelsPerNode: 240_000, queues: 80_000 }),
  rabbitmq(
    'mq.m7g.12xlarge',
    { connectionsPerNode: 120_000, channelsPerNode: 360_000 },
    { unsure: 'queue cap not confirmed' },
  ),
  rabbitmq(
    'mq.m7g.16xlarge',
    { connectionsPerNode: 160_000, channelsPerNode: 480_000 },
    { unsure: 'connections and channels extrapolated from the smaller sizes; queue cap not confirmed' },
  ),
];

/** `m5.large` and `mq.m5.large` are the same type; instance type names are compared in lower case. */
export function normalizeInstanceType(instanceType: string): string {
  const lower = instanceType.trim().toLowerCase();
  return lower.startsWith('mq.') ? lower : `mq.${lower}`;
}

/**
 * The documented caps of an engine's instance type, or undefined for a type Amazon MQ does not offer for that
 * engine (e.g. `mq.m7g.large` for ActiveMQ).
 *
 * @example
 * instanceLimits('RABBITMQ', 'mq.m5.large')?.connectionsPerNode; // 5000
 */
export function instanceLimits(engine: 'ACTIVEMQ', instanceType: string): ActiveMqLimits | undefined;
export function instanceLimits(engine: 'RABBITMQ', instanceType: string): RabbitMqLimits | undefined;
export function instanceLimits(engine: Engine, instanceType: string): InstanceLimits | undefined;
export function instanceLimits(engine: Engine, instanceType: string): InstanceLimits | undefined {
  const name = normalizeInstanceType(instanceType);
  return INSTANCE_TYPES.find((t) => t.engine === engine && t.instanceType === name);
}

/** Instance types of an engine, smallest first within each family; `current` leaves legacy types out. */
export function instanceTypesOf(engine: Engine, options: { current?: boolean } = {}): InstanceLimits[] {
  return INSTANCE_TYPES.filter((t) => t.engine === engine && !(options.current && t.legacy));
}

/**
 * The next size up (`1`) or down (`-1`) in the same engine and family, or undefined at either end. Amazon MQ does
 * not downgrade from m5/m7g to a micro type, and micro types are in their own family, so this never crosses to one.
 */
export function adjacentSize(engine: Engine, instanceType: string, step: 1 | -1): InstanceLimits | undefined {
  const current = instanceLimits(engine, instanceType);
  if (!current) return undefined;
  const family = INSTANCE_TYPES.filter(
    (t) => t.engine === engine && t.family === current.family && !t.legacy,
  );
  const index = family.findIndex((t) => t.instanceType === current.instanceType);
  return index < 0 ? undefined : family[index + step];
}

/**
 * How many broker instances serve (and are billed for) a deployment: 1 single instance, 2 for an active/standby
 * pair (one active at a time), 3 cluster nodes.
 */
export function instanceCount(mode: DeploymentMode): number {
  return mode === 'CLUSTER_MULTI_AZ' ? 3 : mode === 'ACTIVE_STANDBY_MULTI_AZ' ? 2 : 1;
}
