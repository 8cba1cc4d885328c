import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { BrokerConnectionProbe, rotatedSecretCredentials } from '@mqops/aws/connection-probe';
import { MqBrokerInventory } from '@mqops/aws/mq-inventory';
import { MqopsError } from '@mqops/core';
import { parseCapacityEvent } from '@mqops/core/capacity/events';
import {
  advanceSafeReboots,
  type SafeRebootDeps,
  type SafeRebootTickResult,
} from '@mqops/core/runbooks/safe-reboot';
import { tickOutcome } from '@mqops/core/tick-outcome';
import { capacityBase } from './lib/capacity-runtime';
import { countFailures, endJob, type JobSummary, jobSummary } from './lib/job-outcome';
import { createLogger } from './lib/logger';
import { refuseToDeadLetters } from './lib/refuse';

const logger = createLogger('mqops-runbook-tick');

/**
 * The tick's adapters: it only reads the broker (DescribeBroker) and connects to it, so it is built without the
 * adapter that can update or reboot a broker (its IAM policy gets neither).
 */
export function tickRuntime(env: NodeJS.ProcessEnv = process.env): SafeRebootDeps {
  const base = capacityBase(env);
  const inventory = new MqBrokerInventory(base.mq);
  const readOnly = (what: string) => async () => {
    throw new MqopsError(`the runbook tick does not ${what} brokers`);
  };
  return {
    store: base.store,
    sinks: base.sinks,
    control: {
      describe: (brokerId) => inventory.describe(brokerId),
      updateInstanceType: readOnly('resize'),
      reboot: readOnly('reboot'),
    },
    probe: new BrokerConnectionProbe(rotatedSecretCredentials()),
  };
}

export interface RunbookTickOptions {
  now?: () => Date;
  runtime?: () => SafeRebootDeps;
}

/**
 * Every 2 minutes: moves the runbooks that outlive their invocation (a safe reboot waiting for RUNNING, then its
 * real-connection check) one step on. State is in the table; each step is claimed with a conditional write, so
 * duplicate ticks act once; no Lambda waits. Every tick writes its outcome as a metric (a run that could not be
 * evaluated is a gap); a tick whose every run failed throws JobFailedError after logging, so Lambda counts it.
 */
/** What a tick returns: its outcome, and each safe reboot it moved (or could not). */
export interface RunbookTickResult extends JobSummary {
  reboots: SafeRebootTickResult[];
}

export function createRunbookTick(options: RunbookTickOptions = {}) {
  let runtime: SafeRebootDeps | undefined;
  return async function tick(event: unknown): Promise<RunbookTickResult> {
    parseCapacityEvent(event);
    runtime ??= (options.runtime ?? tickRuntime)();
    const results = await advanceSafeReboots({ ...runtime, ...(options.now ? { now: options.now } : {}) });
    for (const r of results)
      (r.outcome === 'error' ? logger.warn : logger.info).call(logger, 'safe reboot', { ...r });
    const outcome = tickOutcome(
      results.map((r) => ({
        brokerId: r.brokerId,
        ...(r.state ? { brokerName: r.state.brokerName, region: r.state.region } : {}),
        ...(r.outcome === 'error' ? { error: r.error ?? 'failed' } : {}),
      })),
      'safe reboot',
    );
    return endJob('runbook-tick', outcome, { ...jobSummary(outcome), reboots: results });
  };
}

export const handler = middy(createRunbookTick())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(countFailures('runbook-tick'))
  .use(refuseToDeadLetters('runbook-tick'));
