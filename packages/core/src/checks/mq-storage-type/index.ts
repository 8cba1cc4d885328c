import { defineCheck, fail, pass } from '../../check';

/** EFS keeps ActiveMQ's message store across Availability Zones; an EBS volume lives and dies in one. */
export const mqStorageType = defineCheck({
  id: 'mq-storage-type',
  title: 'ActiveMQ broker stores messages on durable multi-AZ storage (EFS)',
  severity: 'MEDIUM',
  rationale:
    'Amazon EFS stores ActiveMQ messages redundantly across Availability Zones and is required for active/standby. ' +
    'EBS gives lower latency and higher throughput, but the volume lives in a single Availability Zone: if that ' +
    'zone or volume is lost, the persistent messages on it are unavailable or lost.',
  remediation:
    'The storage type cannot be changed in place: create a broker with `--storage-type EFS` (CloudFormation ' +
    '`StorageType: EFS`, Terraform `storage_type = "efs"`), ideally `ACTIVE_STANDBY_MULTI_AZ`, drain or migrate ' +
    'messages, move clients, then delete the EBS broker. If EBS throughput is a deliberate choice, record it as a ' +
    'suppression (tag `mqops:suppress:mq-storage-type` = `YYYY-MM-DD reason`).',
  appliesTo: { engines: ['ACTIVEMQ'] },
  controls: { awsConfig: 'mq-active-single-instance-broker-storage-type-efs' },
  evaluate: ({ broker }) => {
    const storage = broker.storageType?.toUpperCase();
    if (storage === undefined || storage === '')
      return pass(`Broker ${broker.name} reports no storage type, so it has ActiveMQ's default, EFS.`);
    if (storage === 'EFS')
      return pass(`Broker ${broker.name} stores messages on EFS, durable across Availability Zones.`);
    if (broker.deploymentMode === 'ACTIVE_STANDBY_MULTI_AZ')
      return fail(
        `Broker ${broker.name} is active/standby on ${storage} storage, an invalid combination: the standby cannot reach the active broker's store without EFS.`,
      );
    if (storage === 'EBS')
      return fail(
        `Broker ${broker.name} stores messages on EBS, which is faster but a single-Availability-Zone volume that does not survive the loss of its zone.`,
      );
    return fail(`Broker ${broker.name} stores messages on ${storage}, not EFS.`);
  },
});
