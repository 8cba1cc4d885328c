import { defineCheck, fail, pass } from '../../check';
import type { RabbitNodeFacts } from '../../facts';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** Bytes for people: `512 MiB`, `1.5 GiB`. */
export function humanBytes(bytes: number): string {
  if (bytes >= GIB) return `${(bytes / GIB).toFixed(1)} GiB`;
  return `${Math.round(bytes / MIB)} MiB`;
}

/** What is wrong with one node's memory and disk, or nothing. `ratio` is the policy's resourceAlarmRatio. */
export function nodeProblems(node: RabbitNodeFacts, ratio: number): string[] {
  const problems: string[] = [];
  const memory = `memory ${humanBytes(node.memUsed)} of its ${humanBytes(node.memLimit)} limit`;
  if (node.memAlarm) problems.push(`${memory} (memory alarm raised)`);
  else if (node.memLimit > 0 && node.memUsed >= ratio * node.memLimit)
    problems.push(`${memory} (${Math.round((node.memUsed / node.memLimit) * 100)}%)`);
  const disk = `free disk ${humanBytes(node.diskFree)} against its ${humanBytes(node.diskFreeLimit)} limit`;
  if (node.diskFreeAlarm) problems.push(`${disk} (disk alarm raised)`);
  else if (ratio > 0 && node.diskFree <= node.diskFreeLimit / ratio) problems.push(disk);
  return problems;
}

/** A resource alarm blocks every publishing connection of the whole broker until it clears. */
export const mqRabbitmqResourceAlarm = defineCheck({
  id: 'mq-rabbitmq-resource-alarm',
  title: 'RabbitMQ nodes are clear of memory and disk alarms, with headroom',
  severity: 'HIGH',
  rationale:
    'When a node uses more memory than its high watermark, or its free disk falls below the free-disk limit, ' +
    'RabbitMQ raises a resource alarm and blocks every connection that publishes, on all nodes of the cluster, ' +
    'until it clears: producers hang. Amazon MQ then shows RABBITMQ_MEMORY_ALARM as a required action. The ' +
    "policy's resourceAlarmRatio gives warning before the limit is reached.",
  remediation:
    'Drain the queues that hold the messages (see mq-rabbitmq-queue-backlog), cap queues with `max-length` policies, ' +
    'close idle connections and channels, or move to a larger host instance type ' +
    '(`aws mq update-broker --broker-id ID --host-instance-type mq.m7g.large`, applied at the next reboot). Watch ' +
    'the RabbitMQMemUsed/RabbitMQMemLimit and RabbitMQDiskFree/RabbitMQDiskFreeLimit CloudWatch metrics per node.',
  needs: ['rabbit'],
  appliesTo: { engines: ['RABBITMQ'] },
  evaluate: ({ broker, rabbit }, { policy }) => {
    const nodes = rabbit?.nodes ?? [];
    const problems = nodes.flatMap((n) => {
      const found = nodeProblems(n, policy.resourceAlarmRatio);
      return found.length ? [`${n.name}: ${found.join(', ')}`] : [];
    });
    if (problems.length > 0) {
      return fail(
        `Broker ${broker.name} is at or near a resource alarm (policy ratio ${policy.resourceAlarmRatio}): ` +
          `${problems.join('; ')}.`,
      );
    }
    return pass(
      `Broker ${broker.name} has ${nodes.length} ${nodes.length === 1 ? 'node' : 'nodes'} clear of memory and disk alarms.`,
    );
  },
});
