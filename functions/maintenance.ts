import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { MqBrokerInventory } from '@mqops/aws/mq-inventory';
import type { BrokerInventory, KeyValueStore, NoticeSink } from '@mqops/core';
import { parseCapacityEvent } from '@mqops/core/capacity/events';
import { announceUpcomingMaintenance } from '@mqops/core/capacity/maintenance';
import { capacityBase } from './lib/capacity-runtime';
import { optionalEnv } from './lib/config';
import { countFailures, endJob, type JobSummary, jobSummary, selfTarget } from './lib/job-outcome';
import { createLogger } from './lib/logger';
import { refuseToDeadLetters } from './lib/refuse';

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

/** What the function returns. */
export interface MaintenanceResult extends JobSummary {
  brokers: number;
  notices: string[];
}

export interface MaintenanceOptions {
  now?: () => Date;
  runtime?: () => MaintenanceRuntime;
}

/**
 * Hourly: an "upcoming maintenance" notice for each broker whose maintenance window opens within the lead time
 * (`MQOPS_MAINTENANCE_LEAD_HOURS`, default 24) and will apply something (pending engine version, instance type,
 * security groups, configuration, logs, user changes) — once per broker and window. Every run writes its outcome
 * as a metric; a broker that cannot be described, or a notice a channel did not take, makes it partial; a run that
 * could not list the brokers throws JobFailedError after logging, so Lambda retries and counts it.
 */
export function createMaintenance(options: MaintenanceOptions = {}) {
  let runtime: MaintenanceRuntime | undefined;
  return async function maintenance(event: unknown): Promise<MaintenanceResult> {
    parseCapacityEvent(event);
    runtime ??= (options.runtime ?? maintenanceRuntime)();
    const lead = Number(optionalEnv('MQOPS_MAINTENANCE_LEAD_HOURS') ?? 24);
    const now = (options.now ?? (() => new Date()))();
    const run = await announceUpcomingMaintenance({
      target: selfTarget(),
      ...runtime,
      now,
      leadHours: Number.isFinite(lead) && lead > 0 ? lead : 24,
    });
    for (const f of run.failed) logger.warn('maintenance notice not delivered', { ...f });
    for (const gap of run.outcome.gaps.filter((g) => !g.check)) logger.warn('broker not read', { ...gap });
    const result: MaintenanceResult = {
      ...jobSummary(run.outcome),
      brokers: run.brokers,
      notices: run.sent,
    };
    logger.info('maintenance notices', { ...result });
    return endJob('maintenance', run.outcome, result);
  };
}

export const handler = middy(createMaintenance())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(countFailures('maintenance'))
  .use(refuseToDeadLetters('maintenance'));
