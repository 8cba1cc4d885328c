import { randomBytes } from 'node:crypto';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MqClient } from '@aws-sdk/client-mq';
import { CloudWatchAlarmStates } from '@mqops/aws/alarm-states';
import { MqBrokerControl } from '@mqops/aws/broker-control';
import { DynamoKeyValueStore } from '@mqops/aws/dynamodb-kv';
import { createKeyValueTable } from '@mqops/aws/dynamodb-kv-table';
import {
  acceptPlan,
  type CapacityPlan,
  listPlans,
  type PlanDeps,
  planFromRecommendation,
} from '@mqops/core/capacity/plan';
import type { AlarmStates, BrokerControl } from '@mqops/core/capacity/ports';
import {
  ControllableClock,
  type LocalCloud,
  type Scenario,
  type ScenarioBroker,
  startLocalCloud,
} from '@mqops/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResize } from '../../functions/resize';

/**
 * The resize runner's guards against the local cloud: every alarm that concerns a broker holds its resize (an
 * application alarm tagged `mqops:broker`, a composite alarm over the broker's own alarm), none that does not; and a
 * slow DescribeAlarms at the end of the window's margin sends no UpdateBroker.
 */

const RUN = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
// Monday 2026-11-23; every broker's window is Wednesday 03:00–05:00 UTC.
const START = '2026-11-23T00:00:00.000Z';
const WINDOW_OPENS = Date.parse('2026-11-25T03:00:00.000Z');
const WINDOW_ENDS = Date.parse('2026-11-25T05:00:00.000Z');

const broker = (name: string): ScenarioBroker => ({
  BrokerName: `${name}-${RUN}`,
  EngineType: 'ACTIVEMQ',
  EngineVersion: '5.18',
  DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
  HostInstanceType: 'mq.m5.large',
  StorageType: 'EFS',
  MaintenanceWindowStartTime: { DayOfWeek: 'WEDNESDAY', TimeOfDay: '03:00', TimeZone: 'UTC' },
  Tags: { env: 'staging' },
});

/** An application's metric alarm (not on Amazon MQ metrics). */
const appAlarm = (name: string, state: 'OK' | 'ALARM', tags: Record<string, string> = {}) => ({
  AlarmName: name,
  MetricName: 'CheckoutLatency',
  Namespace: 'Orders/App',
  Dimensions: [{ Name: 'Service', Value: 'checkout' }],
  Statistic: 'Average',
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 2,
  ComparisonOperator: 'GreaterThanThreshold',
  Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  StateValue: state,
});

const scenario: Scenario = {
  accountId: '123456789012',
  region: 'us-east-1',
  now: START,
  brokers: [broker('rg-tagged'), broker('rg-composite'), broker('rg-free'), broker('rg-late')],
  alarms: [
    appAlarm(`rg-checkout-latency-${RUN}`, 'ALARM', { 'mqops:broker': `rg-tagged-${RUN}`, team: 'payments' }),
    // rg-composite's own alarm: OK.
    {
      AlarmName: `mqops-rg-composite-${RUN}-down`,
      MetricName: 'CpuUtilization',
      Namespace: 'AWS/AmazonMQ',
      Dimensions: [{ Name: 'Broker', Value: `rg-composite-${RUN}-1` }],
      Statistic: 'Average',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 95,
      ComparisonOperator: 'GreaterThanThreshold',
      StateValue: 'OK',
    },
    appAlarm(`rg-app-x-${RUN}`, 'OK'),
    {
      AlarmName: `rg-orders-or-app-${RUN}`,
      AlarmRule: `ALARM("mqops-rg-composite-${RUN}-down") OR ALARM(rg-app-x-${RUN})`,
    },
  ],
};

describe('resize guards: every alarm of the broker, the time after the last observation (local cloud)', () => {
  let cloud: LocalCloud;
  let cw: CloudWatchClient;
  let store: DynamoKeyValueStore;
  let planDeps: PlanDeps;
  /** Seconds of the cloud's clock each alarm read takes (a DescribeAlarms slowed by throttling). */
  let alarmSeconds = 0;

  const id = (name: string) =>
    [...cloud.world.mq.brokers.values()].find((b) => b.BrokerName === `${name}-${RUN}`)?.BrokerId as string;
  const now = () => cloud.clock.now();
  const tick = createResize({ now, runtime: () => planDeps });
  const planOf = async (name: string) =>
    (await listPlans(store)).find((p) => p.brokerId === id(name)) as CapacityPlan;
  /** UpdateBroker and RebootBroker calls, as `<operation> <broker id>`. */
  const sent: string[] = [];
  const calls = (name: string) => sent.filter((c) => c.endsWith(` ${id(name)}`)).map((c) => c.split(' ')[0]);

  /** Accepts an upsize plan for the broker, as `mqops rightsize --accept` would. */
  async function plan(name: string) {
    const accepted = await acceptPlan(
      store,
      planFromRecommendation(
        {
          brokerId: id(name),
          brokerName: `${name}-${RUN}`,
          region: 'us-east-1',
          engine: 'ACTIVEMQ',
          deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
          action: 'upsize',
          from: 'mq.m5.large',
          to: 'mq.m5.xlarge',
          reasons: ['CPU p95 84% over 14 days is above 70%'],
          metrics: {},
        },
        { source: 'cli', now: now(), acceptedBy: 'test' },
      ),
    );
    expect(accepted.accepted).toBe(true);
  }

  beforeAll(async () => {
    cloud = await startLocalCloud({ scenario, clock: new ControllableClock(START, { frozen: true }) });
    const config = cloud.clientConfig();
    cw = new CloudWatchClient(config);
    const dynamodb = new DynamoDBClient(config);
    await createKeyValueTable(dynamodb, `resize-guards-${RUN}`);
    store = new DynamoKeyValueStore(`resize-guards-${RUN}`, dynamodb);
    const states = new CloudWatchAlarmStates(config);
    const alarms: AlarmStates = {
      inAlarm: async (b) => {
        const names = await states.inAlarm(b);
        cloud.clock.advance(alarmSeconds * 1_000);
        return names;
      },
    };
    const real = new MqBrokerControl(new MqClient(config));
    const control: BrokerControl = {
      describe: (b) => real.describe(b),
      updateInstanceType: async (b, type) => {
        sent.push(`UpdateBroker ${b}`);
        await real.updateInstanceType(b, type);
      },
      reboot: async (b) => {
        sent.push(`RebootBroker ${b}`);
        await real.reboot(b);
      },
    };
    planDeps = {
      store,
      control,
      alarms,
      probe: { probe: async () => ({ ok: true, detail: 'not probed in this test' }) },
      sinks: [],
    };
    for (const name of ['rg-tagged', 'rg-composite', 'rg-free']) await plan(name);
  });

  afterAll(async () => {
    cw?.destroy();
    await cloud?.stop();
  });

  it('holds the resizes of brokers whose tagged or composite alarm is in ALARM, and only those', async () => {
    // Prepare: app-x goes into ALARM, and with it the composite over rg-composite's own (OK) alarm.
    await cw.send(
      new SetAlarmStateCommand({ AlarmName: `rg-app-x-${RUN}`, StateValue: 'ALARM', StateReason: 'errors' }),
    );
    cloud.clock.set(new Date(WINDOW_OPENS + 60_000));

    // Act
    await tick({});

    // Assess
    expect(calls('rg-tagged')).toEqual([]);
    expect((await planOf('rg-tagged')).waiting).toContain(`alarm in ALARM: rg-checkout-latency-${RUN}`);
    expect(calls('rg-composite')).toEqual([]);
    const composite = (await planOf('rg-composite')).waiting;
    expect(composite).toContain(`alarm in ALARM: rg-orders-or-app-${RUN}`);
    expect(composite).not.toContain(`rg-app-x-${RUN}`);
    // The other alarms in ALARM in the account are none of rg-free's: its resize starts.
    expect(calls('rg-free')).toEqual(['UpdateBroker', 'RebootBroker']);
  });

  it('sends no UpdateBroker when a slow DescribeAlarms leaves less of the window than the update needs', async () => {
    // Prepare: 15 min 10 s left as the tick starts; reading the alarms takes 20 s.
    await plan('rg-late');
    cloud.clock.set(new Date(WINDOW_ENDS - 15 * 60_000 - 10_000));
    alarmSeconds = 20;

    // Act
    await tick({ brokers: [id('rg-late')] });

    // Assess
    expect(calls('rg-late')).toEqual([]);
    const late = await planOf('rg-late');
    expect(late.state).toBe('planned');
    expect(late.waiting).toContain(
      'only 14 min left in the maintenance window; starting a resize (UpdateBroker) needs 15, so it waits for ' +
        'the next window',
    );
  });
});
