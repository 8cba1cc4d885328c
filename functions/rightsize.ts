import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import middy from '@middy/core';
import { CloudWatchMetricReader } from '@mqops/aws/cloudwatch-metrics';
import { MqInstanceOptions } from '@mqops/aws/mq-instance-options';
import { MqBrokerInventory } from '@mqops/aws/mq-inventory';
import { PriceListPrices } from '@mqops/aws/pricing';
import { CloudWatchRabbitNodes } from '@mqops/aws/rabbit-nodes';
import type { KeyValueStore, NoticeSink } from '@mqops/core';
import { parseCapacityEvent } from '@mqops/core/capacity/events';
import { tablePrices, withFallback } from '@mqops/core/capacity/prices';
import { type RightsizeDeps, runRightsize } from '@mqops/core/capacity/rightsize';
import { capacityBase } from './lib/capacity-runtime';
import { countFailures, endJob, type JobSummary, jobSummary, selfTarget } from './lib/job-outcome';
import { createLogger } from './lib/logger';
import { refuseToDeadLetters } from './lib/refuse';

const logger = createLogger('mqops-rightsize');

/** What the function returns: one line per broker, no metric series. */
export interface RightsizeSummary extends JobSummary {
  brokers: number;
  recommendations: { broker: string; action: string; from: string; to?: string; monthlyUsd?: number }[];
  planned: string[];
  errors: { broker: string; error: string }[];
}

export type RightsizeRuntime = RightsizeDeps & { store: KeyValueStore; sinks: readonly NoticeSink[] };

/** The real adapters, from the environment (see capacityBase). */
export function rightsizeRuntime(env: NodeJS.ProcessEnv = process.env): RightsizeRuntime {
  const base = capacityBase(env);
  const cloudwatch = new CloudWatchClient({ retryMode: 'standard', maxAttempts: 8 });
  return {
    store: base.store,
    sinks: base.sinks,
    policy: base.policy,
    inventory: new MqBrokerInventory(base.mq),
    metrics: new CloudWatchMetricReader(cloudwatch),
    nodes: new CloudWatchRabbitNodes(cloudwatch),
    options: new MqInstanceOptions(base.mq),
    prices: withFallback(new PriceListPrices(), tablePrices(), (error, query) =>
      logger.warn('live price unavailable: using the shipped table', {
        query,
        error: (error as Error).message,
      }),
    ),
  };
}

export interface RightsizeOptions {
  now?: () => Date;
  /** Adapters (tests); default from the environment, once per container. */
  runtime?: () => RightsizeRuntime;
}

/**
 * Rightsizing, daily or on a manual invoke (`{}` or `{"brokers": ["orders-prod"]}`): measures every broker over the
 * policy's lookback, recommends (with the monthly cost delta), announces each resize recommendation once, and plans
 * those the broker's auto-apply tag allows. Plans are applied by the Resize function, inside maintenance windows.
 * Every run writes its outcome as a metric; a run that assessed nothing (the brokers or the metrics unreadable)
 * throws JobFailedError after logging, so Lambda retries and counts it.
 */
export function createRightsize(options: RightsizeOptions = {}) {
  let runtime: RightsizeRuntime | undefined;
  return async function rightsize(event: unknown): Promise<RightsizeSummary> {
    const request = parseCapacityEvent(event);
    runtime ??= (options.runtime ?? rightsizeRuntime)();
    const result = await runRightsize(
      { target: selfTarget(), ...runtime, ...(options.now ? { now: options.now } : {}) },
      request.trigger === 'manual' && request.brokers ? { brokers: request.brokers } : {},
    );
    const summary: RightsizeSummary = {
      ...jobSummary(result.outcome),
      brokers: result.brokers.length,
      recommendations: result.recommendations.map((r) => ({
        broker: r.brokerName,
        action: r.action,
        from: r.from,
        ...(r.to ? { to: r.to } : {}),
        ...(r.monthlyCostDelta ? { monthlyUsd: r.monthlyCostDelta.usd } : {}),
      })),
      planned: result.planned.map((p) => `${p.brokerName}: ${p.from} → ${p.to}`),
      errors: result.errors,
    };
    for (const error of result.errors) logger.warn('broker not assessed', { ...error });
    for (const gap of result.outcome.gaps.filter((g) => !g.broker))
      logger.error('fleet not assessed', { ...gap });
    logger.info('rightsize finished', { trigger: request.trigger, ...summary });
    return endJob('rightsize', result.outcome, summary);
  };
}

export const handler = middy(createRightsize())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(countFailures('rightsize'))
  .use(refuseToDeadLetters('rightsize'));
