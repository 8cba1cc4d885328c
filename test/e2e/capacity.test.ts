import { randomBytes } from 'node:crypto';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeBrokerCommand, MqClient } from '@aws-sdk/client-mq';
import { CloudWatchAlarmStates } from '@mqops/aws/alarm-states';
import { MqBrokerControl } from '@mqops/aws/broker-control';
import { CloudWatchMetricReader } from '@mqops/aws/cloudwatch-metrics';
import { BrokerConnectionProbe } from '@mqops/aws/connection-probe';
import { DynamoKeyValueStore } from '@mqops/aws/dynamodb-kv';
import { createKeyValueTable } from '@mqops/aws/dynamodb-kv-table';
import { MqInstanceOptions } from '@mqops/aws/mq-instance-options';
import { MqBrokerInventory } from '@mqops/aws/mq-inventory';
import { SlackNoticeSink, SnsNoticeSink } from '@mqops/aws/notice-sinks';
import { PriceListPrices } from '@mqops/aws/pricing';
import {
  acceptPlan,
  type CapacityPlan,
  listPlans,
  type PlanDeps,
  planFromRecommendation,
} from '@mqops/core/capacity/plan';
import type { BrokerControl, ConnectionProbe } from '@mqops/core/capacity/ports';
import { tablePrices, withFallback } from '@mqops/core/capacity/prices';
import { rightsizeFleet } from '@mqops/core/capacity/rightsize';
import {
  ActiveMqBacking,
  activeMqInfo,
  type LocalCloud,
  type Scenario,
  type ScenarioBroker,
  startLocalCloud,
} from '@mqops/local';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createResize } from '../../functions/resize';
import { createRightsize, type RightsizeRuntime } from '../../functions/rightsize';
import { jobMetrics } from '../helpers/lambda';
import { capturingOutput } from '../helpers/process';
import { SlackReceiver } from '../helpers/slack-receiver';

const RUN = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:mqops-alerts';
// Monday 2026-11-23 00:00 UTC; every broker's window opens on Wednesday at 03:00 UTC (51 hours later).
const START = '2026-11-23T00:00:00.000Z';
const WINDOW_OPENS = Date.parse('2026-11-25T03:00:00.000Z');

/** An active/standby ActiveMQ broker on mq.m5.large whose active instance runs hot (CPU p95 ≈ 85 %). */
const hot = (name: string, tags: Record<string, string> = {}): ScenarioBroker => ({
  BrokerName: `${name}-${RUN}`,
  EngineType: 'ACTIVEMQ',
  EngineVersion: '5.18',
  DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
  HostInstanceType: 'mq.m5.large',
  StorageType: 'EFS',
  MaintenanceWindowStartTime: { DayOfWeek: 'WEDNESDAY', TimeOfDay: '03:00', TimeZone: 'UTC' },
  Tags: { env: 'staging', ...tags },
  Metrics: {
    CpuUtilization: { base: 84, amplitude: 4, noise: 2 },
    HeapUsage: { base: 35, amplitude: 5 },
    StorePercentUsage: 4,
    CurrentConnectionsCount: 120,
  },
});

const scenario: Scenario = {
  accountId: '123456789012',
  region: 'us-east-1',
  now: START,
  topics: [{ Name: 'mqops-alerts' }],
  brokers: [
    hot('cap-auto', { 'mqops:rightsize': 'auto' }),
    hot('cap-manual'),
    hot('cap-alarm', { 'mqops:rightsize': 'auto' }),
    // Created two days ago: two days of a 14-day lookback is not enough to judge.
    { ...hot('cap-new'), Created: '2026-11-21T00:00:00.000Z' },
  ],
  // cap-alarm's CPU alarm is in ALARM: a resize must never start then.
  alarms: [
    {
      AlarmName: `cpu-${RUN}`,
      MetricName: 'CpuUtilization',
      Namespace: 'AWS/AmazonMQ',
      Dimensions: [{ Name: 'Broker', Value: `cap-alarm-${RUN}-1` }],
      Statistic: 'Average',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 80,
      ComparisonOperator: 'GreaterThanThreshold',
      StateValue: 'ALARM',
      StateReason: 'CPU above 80%',
    },
  ],
};

describe('rightsizing and resizes in the maintenance window (local cloud and its clock, real ActiveMQ)', () => {
  let cloud: LocalCloud;
  let activemq: ActiveMqBacking;
  let mq: MqClient;
  let store: DynamoKeyValueStore;
  const slack = new SlackReceiver();
  const calls: string[] = [];
  let probeFails = new Set<string>();
  let rightsizeRuntime: RightsizeRuntime;
  let planDeps: PlanDeps;

  const id = (name: string) =>
    [...cloud.world.mq.brokers.values()].find((b) => b.BrokerName === `${name}-${RUN}`)?.BrokerId as string;
  const describeBroker = (name: string) => mq.send(new DescribeBrokerCommand({ BrokerId: id(name) }));
  const now = () => cloud.clock.now();
  const tick = createResize({ now, runtime: () => planDeps });
  const scheduled = () => ({
    version: '0',
    id: randomBytes(8).toString('hex'),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: now().toISOString(),
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:123456789012:rule/ResizeTick'],
    detail: {},
  });
  const planOf = async (name: string) =>
    (await listPlans(store)).find((p) => p.brokerId === id(name)) as CapacityPlan;
  /** Recommends for cap-manual now and accepts that plan from the CLI, as a person would. */
  async function acceptManualPlan() {
    const report = await rightsizeFleet({ ...rightsizeRuntime, now }, { brokers: [`cap-manual-${RUN}`] });
    const rec = report.recommendations[0];
    if (!rec) throw new Error('no recommendation');
    const accepted = await acceptPlan(
      store,
      planFromRecommendation(rec, { source: 'cli', now: now(), acceptedBy: 'test' }),
    );
    expect(accepted.accepted).toBe(true);
  }
  /** Ticks every `minutes` on the cloud's clock until the plan of `name` is in one of `states` (at most `max`). */
  async function tickUntil(name: string, states: string[], minutes = 5, max = 40) {
    for (let i = 0; i < max; i++) {
      await tick(scheduled());
      const plan = await planOf(name);
      if (states.includes(plan.state)) return plan;
      cloud.clock.advance(minutes * 60_000);
    }
    throw new Error(
      `plan of ${name} never reached ${states.join('/')}: ${JSON.stringify(await planOf(name))}`,
    );
  }

  beforeAll(async () => {
    activemq = new ActiveMqBacking(activeMqInfo());
    cloud = await startLocalCloud({ scenario, backings: [activemq] });
    await slack.start();
    const config = cloud.clientConfig();
    mq = new MqClient(config);
    const dynamodb = new DynamoDBClient(config);
    await createKeyValueTable(dynamodb, `capacity-${RUN}`);
    store = new DynamoKeyValueStore(`capacity-${RUN}`, dynamodb);
    const sinks = [
      new SlackNoticeSink({ webhookUrl: slack.url, minIntervalMs: 0 }),
      new SnsNoticeSink(TOPIC_ARN, config),
    ];
    rightsizeRuntime = {
      store,
      sinks,
      inventory: new MqBrokerInventory(mq),
      metrics: new CloudWatchMetricReader(new CloudWatchClient(config)),
      options: new MqInstanceOptions(mq),
      prices: withFallback(new PriceListPrices({ ...config, region: 'us-east-1' }), tablePrices()),
    };
    // The real adapters, counted: a duplicate tick must not send a second UpdateBroker or RebootBroker.
    const real = new MqBrokerControl(mq);
    const control: BrokerControl = {
      describe: (b) => real.describe(b),
      updateInstanceType: async (b, type) => {
        calls.push(`UpdateBroker ${b} ${type}`);
        await real.updateInstanceType(b, type);
      },
      reboot: async (b) => {
        calls.push(`RebootBroker ${b}`);
        await real.reboot(b);
      },
    };
    const realProbe = new BrokerConnectionProbe();
    const probe: ConnectionProbe = {
      probe: async (broker) =>
        probeFails.has(broker.id)
          ? { ok: false, detail: `forced: no client could connect to ${broker.name}` }
          : realProbe.probe(broker),
    };
    planDeps = { store, control, alarms: new CloudWatchAlarmStates(config), probe, sinks };
  });

  afterAll(async () => {
    await cloud?.stop();
    await slack.stop();
    for (const b of cloud?.world.mq.brokers.values() ?? [])
      await activemq?.remove(b.BrokerId, '').catch(() => undefined);
    mq?.destroy();
  });

  it('recommends an upsize with its monthly cost for a hot broker, "not enough data" for a new one', async () => {
    const report = await rightsizeFleet({ ...rightsizeRuntime, now });
    const byName = new Map(report.recommendations.map((r) => [r.brokerName, r]));
    const auto = byName.get(`cap-auto-${RUN}`);
    expect(auto).toMatchObject({ action: 'upsize', from: 'mq.m5.large', to: 'mq.m5.xlarge' });
    expect(auto?.reasons.join(' ')).toMatch(/CPU p95 8\d(\.\d)?% over 14 days is above 70%/);
    // Two instances of mq.m5.xlarge instead of mq.m5.large, priced live by the local Price List API.
    expect(auto?.monthlyCostDelta?.source).toBe('live');
    expect(auto?.monthlyCostDelta?.usd).toBeGreaterThan(0);
    expect(auto?.monthlyCostDelta?.to).toBeCloseTo((auto?.monthlyCostDelta?.from ?? 0) * 2, 0);
    expect(byName.get(`cap-new-${RUN}`)?.action).toBe('not-enough-data');
    expect(byName.get(`cap-new-${RUN}`)?.to).toBeUndefined();
  });

  it('the scheduled run announces each recommendation once and plans only the auto-tagged brokers', async () => {
    const rightsize = createRightsize({ now, runtime: () => rightsizeRuntime });
    const first = await rightsize(scheduled());
    expect(first).toMatchObject({ status: 'complete', gaps: 0, notCovered: [] });
    expect(first.planned.sort()).toEqual(
      [`cap-alarm-${RUN}: mq.m5.large → mq.m5.xlarge`, `cap-auto-${RUN}: mq.m5.large → mq.m5.xlarge`].sort(),
    );
    const announced = slack.messages.filter((m) => JSON.stringify(m.body).includes('upsize recommended'));
    expect(announced).toHaveLength(3);
    await rightsize(scheduled());
    expect(slack.messages.filter((m) => JSON.stringify(m.body).includes('upsize recommended'))).toHaveLength(
      3,
    );
    expect((await listPlans(store)).map((p) => p.brokerName).sort()).toEqual(
      [`cap-alarm-${RUN}`, `cap-auto-${RUN}`].sort(),
    );
  });

  it('waits for the window; inside it applies once however many ticks run; the broker reboots onto the new type', async () => {
    // Ticks before Wednesday 03:00 change nothing.
    for (let i = 0; i < 3; i++) {
      await Promise.all([tick(scheduled()), tick(scheduled())]);
      cloud.clock.advance(6 * 3_600_000);
    }
    expect(calls).toEqual([]);
    expect((await planOf('cap-auto')).state).toBe('planned');
    expect((await planOf('cap-auto')).waiting).toMatch(/window/);
    expect((await describeBroker('cap-auto')).HostInstanceType).toBe('mq.m5.large');

    cloud.clock.set(new Date(WINDOW_OPENS + 60_000));
    // Three ticks at once (re-delivered schedule events): one UpdateBroker and one RebootBroker in all.
    await Promise.all([tick(scheduled()), tick(scheduled()), tick(scheduled())]);
    const autoId = id('cap-auto');
    expect(calls.filter((c) => c.includes(autoId))).toEqual([
      `UpdateBroker ${autoId} mq.m5.xlarge`,
      `RebootBroker ${autoId}`,
    ]);
    expect(calls.filter((c) => c.includes(id('cap-alarm')))).toEqual([]);
    expect((await planOf('cap-alarm')).waiting).toMatch(/ALARM/);
    expect((await describeBroker('cap-auto')).BrokerState).toBe('REBOOT_IN_PROGRESS');

    const done = await tickUntil('cap-auto', ['done', 'rolled-back', 'failed']);
    expect(done.state).toBe('done');
    // The post-check's real client connection: the local ActiveMQ answered over STOMP.
    expect(done.history.at(-1)?.note).toMatch(
      /no alarm in ALARM; stomp:\/\/\S+ answered the STOMP handshake/,
    );
    const after = await describeBroker('cap-auto');
    expect(after.HostInstanceType).toBe('mq.m5.xlarge');
    expect(after.BrokerState).toBe('RUNNING');
    expect(calls.filter((c) => c.includes(autoId))).toHaveLength(2);
    const text = slack.messages.map((m) => JSON.stringify(m.body)).join('\n');
    expect(text).toContain(`cap-auto-${RUN}`);
  });

  it('a post-check that fails rolls the broker back to its previous type', async () => {
    await acceptManualPlan();
    probeFails = new Set([id('cap-manual')]);
    // Next window: Wednesday a week later.
    cloud.clock.set(new Date(WINDOW_OPENS + 7 * 86_400_000 + 60_000));
    const end = await tickUntil('cap-manual', ['done', 'rolled-back', 'failed']);
    expect(end.state).toBe('rolled-back');
    const manualId = id('cap-manual');
    expect(calls.filter((c) => c.includes(manualId))).toEqual([
      `UpdateBroker ${manualId} mq.m5.xlarge`,
      `RebootBroker ${manualId}`,
      `UpdateBroker ${manualId} mq.m5.large`,
      `RebootBroker ${manualId}`,
    ]);
    const after = await describeBroker('cap-manual');
    expect(after.HostInstanceType).toBe('mq.m5.large');
    expect(after.BrokerState).toBe('RUNNING');
    expect(slack.messages.map((m) => JSON.stringify(m.body)).join('\n')).toMatch(/roll/i);
  });

  describe('a run that cannot assess every broker says so (result, metric, invocation)', () => {
    // Lambda sets AWS_REGION: the functions name their account and region after it.
    beforeEach(() => {
      vi.stubEnv('AWS_REGION', 'us-east-1');
    });
    afterEach(() => {
      vi.unstubAllEnvs();
    });
    /** One scheduled run through the function, keeping its stdout (logs and the EMF metric line). */
    const runCapturing = async () => {
      const rightsize = createRightsize({ now, runtime: () => rightsizeRuntime });
      const lines: string[] = [];
      const outcome = await capturingOutput(lines, () =>
        rightsize(scheduled()).then(
          (summary) => ({ summary, error: undefined }),
          (error: unknown) => ({ summary: undefined, error }),
        ),
      );
      const metrics = jobMetrics(lines);
      return { ...outcome, metrics };
    };

    it('returns partial, naming the broker it could not describe, and counts it', async () => {
      const undo = cloud.faults.add({
        service: 'mq',
        operation: 'DescribeBroker',
        pathIncludes: id('cap-new'),
        deny: true,
      });
      const { summary, error, metrics } = await runCapturing().finally(undo);
      expect(error).toBeUndefined();
      expect(summary).toMatchObject({ status: 'partial', gaps: 1, brokers: 3 });
      expect(summary?.notCovered).toEqual([
        {
          target: 'self/us-east-1',
          broker: `cap-new-${RUN}`,
          reason: expect.stringMatching(/^not assessed: .*not authorized/),
        },
      ]);
      expect(metrics).toEqual([
        expect.objectContaining({ Job: 'rightsize', JobComplete: 0, JobPartial: 1, JobFailed: 0, Gaps: 1 }),
      ]);
    });

    it('fails the invocation (after counting it) when the metrics cannot be read', async () => {
      const undo = cloud.faults.add({ service: 'monitoring', operation: 'GetMetricData', deny: true });
      const { error, metrics } = await runCapturing().finally(undo);
      expect(error).toMatchObject({
        name: 'JobFailedError',
        job: 'rightsize',
        outcome: { status: 'failed', covered: 0 },
        result: expect.objectContaining({ status: 'failed', recommendations: [], gaps: 4 }),
      });
      expect((error as Error).message).toMatch(
        /^rightsize failed: 0 brokers covered, 4 gaps: self\/us-east-1 broker cap-/,
      );
      expect(metrics).toEqual([expect.objectContaining({ Job: 'rightsize', JobFailed: 1, Gaps: 4 })]);
    });

    it('a resize tick that cannot evaluate its plans fails the invocation, naming each plan', async () => {
      // Prepare: an open plan (cap-manual's earlier one was rolled back)
      await acceptManualPlan();
      const lines: string[] = [];
      const metricsOf = () => jobMetrics(lines);

      // Act: every DescribeBroker denied, so no plan can be observed
      const undo = cloud.faults.add({ service: 'mq', operation: 'DescribeBroker', deny: true });
      const error = await capturingOutput(lines, () => tick(scheduled()).catch((e: unknown) => e)).finally(
        undo,
      );

      // Assess
      expect(error).toMatchObject({ name: 'JobFailedError', job: 'resize', outcome: { status: 'failed' } });
      expect((error as { outcome: { gaps: unknown[] } }).outcome.gaps).toContainEqual({
        target: 'self/us-east-1',
        broker: `cap-manual-${RUN}`,
        check: 'resize plan',
        reason: expect.stringMatching(/^not evaluated this tick: observing broker .*not authorized/),
      });
      expect(metricsOf()).toEqual([expect.objectContaining({ Job: 'resize', JobFailed: 1 })]);
      expect((await planOf('cap-manual')).state).toBe('planned');

      // And the next tick, with the broker readable again, is complete.
      lines.length = 0;
      await capturingOutput(lines, () => tick(scheduled()));
      expect(metricsOf()).toEqual([expect.objectContaining({ Job: 'resize', JobComplete: 1, JobFailed: 0 })]);
    });
  });
});
