import { CloudWatchAlarmStates } from '@mqops/aws/alarm-states';
import { MqBrokerControl } from '@mqops/aws/broker-control';
import { BrokerConnectionProbe, rotatedSecretCredentials } from '@mqops/aws/connection-probe';
import type { PlanDeps } from '@mqops/core/capacity/plan';
import { capacityBase } from './capacity-runtime';

/** The real adapters, from the environment (see capacityBase). */
export function resizeRuntime(env: NodeJS.ProcessEnv = process.env): PlanDeps {
  const base = capacityBase(env);
  return {
    store: base.store,
    sinks: base.sinks,
    policy: base.policy,
    control: new MqBrokerControl(base.mq),
    alarms: new CloudWatchAlarmStates({ retryMode: 'standard', maxAttempts: 8 }),
    probe: new BrokerConnectionProbe(rotatedSecretCredentials()),
  };
}
