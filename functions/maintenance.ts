import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { MqBrokerInventory } from '@mqops/aws/mq-inventory';
import {
  type BrokerInventory,
  type KeyValueStore,
  mapBounded,
  type NoticeSink,
  postNotice,
} from '@mqops/core';
import { parseCapacityEvent } from '@mqops/core/capacity/events';
import { upcomingNotices } from '@mqops/core/capacity/maintenance';
import { capacityBase } from './lib/capacity-runtime';
import { optionalEnv } from './lib/config';
import { createLogger } from './lib/logger';

const logger = createLogger('mqops-maintenance');

export interface MaintenanceRuntime {
  inventory: BrokerInventory;
  store: KeyValueStore;
  sinks: readonly NoticeSink[];
}

/** The real adapters, from the environment (see capacityBase). */
export function maintenanceRuntime(env: NodeJS.ProcessEnv = process.env): MaintenanceRuntime {
  const base = capacityBase(env);
  return { inventory: new MqBrokerInventory(base.mq), store: base.store, sinks: base.sinks };
}

export interface MaintenanceOptions {
  now?: () => Date;
  runtime?: () => MaintenanceRuntime;
}

/**
 * Hourly: an "upcoming maintenance" notice for each broker whose maintenance window opens within the lead time
 * (`MQOPS_MAINTENANCE_LEAD_HOURS`, default 24) and will apply something (pending engine version, instance type,
 * security groups, configuration, logs, user changes) — once per broker and window.
 */
export function createMaintenance(options: MaintenanceOptions = {}) {
  let runtime: MaintenanceRuntime | undefined;
  return async function maintenance(event: unknown): Promise<{ brokers: number; notices: string[] }> {
    parseCapacityEvent(event);
    runtime ??= (options.runtime ?? maintenanceRuntime)();
    const lead = Number(optionalEnv('MQOPS_MAINTENANCE_LEAD_HOURS') ?? 24);
    const now = (options.now ?? (() => new Date()))();
    const { inventory } = runtime;
    const refs = await inventory.list();
    const brokers = await mapBounded(refs, 8, (r) => inventory.describe(r.id));
    const sent: string[] = [];
    for (const notice of upcomingNotices(brokers, now, Number.isFinite(lead) && lead > 0 ? lead : 24)) {
      const outcome = await postNotice(runtime.sinks, notice, { store: runtime.store, now: () => now });
      if (outcome.sent.length) sent.push(notice.title);
      for (const f of outcome.failed)
        logger.warn('maintenance notice not delivered', { ...f, notice: notice.title });
    }
    logger.info('maintenance notices', { brokers: brokers.length, sent });
    return { brokers: brokers.length, notices: sent };
  };
}

export const handler = middy(createMaintenance()).use(injectLambdaContext(logger, { resetKeys: true }));
