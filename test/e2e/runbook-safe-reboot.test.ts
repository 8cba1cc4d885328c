import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeBrokerCommand, MqClient } from '@aws-sdk/client-mq';
import { CloudWatchAlarmStates } from '@mqops/aws/alarm-states';
import { MqBrokerControl } from '@mqops/aws/broker-control';
import { BrokerConnectionProbe } from '@mqops/aws/connection-probe';
import { DynamoKeyValueStore } from '@mqops/aws/dynamodb-kv';
import { createKeyValueTable } from '@mqops/aws/dynamodb-kv-table';
import { SlackNoticeSink } from '@mqops/aws/notice-sinks';
import { activeRunbook } from '@mqops/core/runbook-marker';
import type { RunbookPorts } from '@mqops/core/runbooks/ports';
import { listRuns, type RunRecord, runRunbook } from '@mqops/core/runbooks/run';
import {
  advanceSafeReboots,
  type SafeReboot,
  type SafeRebootDeps,
  safeReboot,
  safeRebootKey,
} from '@mqops/core/runbooks/safe-reboot';
import {
  ActiveMqBacking,
  activeMqInfo,
  ControllableClock,
  type LocalCloud,
  type Scenario,
  type ScenarioBroker,
  startLocalCloud,
} from '@mqops/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackReceiver } from '../helpers/slack-receiver';

const RUN = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const START = '2026-11-23T10:00:00.000Z';

const activemq = (name: string, mode: ScenarioBroker['DeploymentMode']): ScenarioBroker => ({
  BrokerName: `${name}-${RUN}`,
  EngineType: 'ACTIVEMQ',
  EngineVersion: '5.18',
  DeploymentMode: mode,
  HostInstanceType: 'mq.m5.large',
  StorageType: mode === 'SINGLE_INSTANCE' ? 'EBS' : 'EFS',
  MaintenanceWindowStartTime: { DayOfWeek: 'WEDNESDAY', TimeOfDay: '03:00', TimeZone: 'UTC' },
  Tags: { env: 'staging' },
});

const scenario: Scenario = {
  accountId: '123456789012',
  region: 'us-east-1',
  now: START,
  brokers: [
    activemq('sr-pair', 'ACTIVE_STANDBY_MULTI_AZ'),
    activemq('sr-single', 'SINGLE_INSTANCE'),
    activemq('sr-alarm', 'ACTIVE_STANDBY_MULTI_AZ'),
    activemq('sr-app', 'ACTIVE_STANDBY_MULTI_AZ'),
    activemq('sr-composite', 'ACTIVE_STANDBY_MULTI_AZ'),
  ],
  // sr-alarm's active instance has its CPU alarm in ALARM: no safe reboot then.
  alarms: [
    {
      AlarmName: `sr-cpu-${RUN}`,
      MetricName: 'CpuUtilization',
      Namespace: 'AWS/AmazonMQ',
      Dimensions: [{ Name: 'Broker', Value: `sr-alarm-${RUN}-1` }],
      Statistic: 'Average',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 80,
      ComparisonOperator: 'GreaterThanThreshold',
      StateValue: 'ALARM',
      StateReason: 'CPU above 80%',
    },
    // An application's alarm, on no Amazon MQ metric, tagged for sr-app: in ALARM.
    {
      AlarmName: `sr-checkout-latency-${RUN}`,
      MetricName: 'CheckoutLatency',
      Namespace: 'Orders/App',
      Dimensions: [{ Name: 'Service', Value: 'checkout' }],
      Statistic: 'Average',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 2,
      ComparisonOperator: 'GreaterThanThreshold',
      Tags: [{ Key: 'mqops:broker', Value: `sr-app-${RUN}` }],
      StateValue: 'ALARM',
    },
    // sr-composite's own alarm is OK, but a composite over it and an application alarm in ALARM is in ALARM.
    {
      AlarmName: `sr-composite-down-${RUN}`,
      MetricName: 'CpuUtilization',
      Namespace: 'AWS/AmazonMQ',
      Dimensions: [{ Name: 'Broker', Value: `sr-composite-${RUN}-1` }],
      Statistic: 'Average',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 95,
      ComparisonOperator: 'GreaterThanThreshold',
      StateValue: 'OK',
    },
    {
      AlarmName: `sr-app-x-${RUN}`,
      MetricName: 'Errors',
      Namespace: 'Orders/App',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 10,
      ComparisonOperator: 'GreaterThanThreshold',
      StateValue: 'ALARM',
    },
    {
      AlarmName: `sr-orders-or-app-${RUN}`,
      AlarmRule: `ALARM("sr-composite-down-${RUN}") OR ALARM(sr-app-x-${RUN})`,
    },
  ],
};

describe('safe-reboot runbook (local cloud and its clock, real ActiveMQ over STOMP)', () => {
  let cloud: LocalCloud;
  let backing: ActiveMqBacking;
  let mq: MqClient;
  let store: DynamoKeyValueStore;
  let ports: RunbookPorts;
  let tickDeps: SafeRebootDeps;
  const slack = new SlackReceiver();

  const id = (name: string) =>
    [...cloud.world.mq.brokers.values()].find((b) => b.BrokerName === `${name}-${RUN}`)?.BrokerId as string;
  const now = () => cloud.clock.now();
  const describeBroker = (name: string) => mq.send(new DescribeBrokerCommand({ BrokerId: id(name) }));
  const reboots = () => cloud.requests.filter((r) => r.operation === 'RebootBroker');
  const run = (payload: Record<string, unknown>, execute = false) =>
    runRunbook(
      { runbook: 'safe-reboot', payload, execute, by: 'arn:aws:iam::123456789012:user/alice' },
      { runbooks: [safeReboot], ports, store, sinks: tickDeps.sinks, now },
    );
  const slackTexts = () => slack.messages.map((m) => JSON.stringify(m.body));

  beforeAll(async () => {
    backing = new ActiveMqBacking(activeMqInfo());
    cloud = await startLocalCloud({
      scenario,
      backings: [backing],
      clock: new ControllableClock(START, { frozen: true }),
    });
    await slack.start();
    const config = cloud.clientConfig();
    mq = new MqClient(config);
    const dynamodb = new DynamoDBClient(config);
    await createKeyValueTable(dynamodb, `safe-reboot-${RUN}`);
    store = new DynamoKeyValueStore(`safe-reboot-${RUN}`, dynamodb);
    const control = new MqBrokerControl(mq);
    const probe = new BrokerConnectionProbe();
    ports = { control, alarms: new CloudWatchAlarmStates(config), probe };
    tickDeps = {
      store,
      control,
      probe,
      sinks: [new SlackNoticeSink({ webhookUrl: slack.url, minIntervalMs: 0 })],
      now,
    };
  });

  afterAll(async () => {
    await cloud?.stop();
    await slack.stop();
    for (const b of cloud?.world.mq.brokers.values() ?? [])
      await backing?.remove(b.BrokerId, '').catch(() => undefined);
    mq?.destroy();
  });

  it('a dry run describes the active/standby broker and every guard, and changes nothing', async () => {
    const record = await run({ brokerId: id('sr-pair') });
    expect(record.status).toBe('dry-run');
    expect(record.summary).toMatch(
      new RegExp(`^would reboot broker sr-pair-${RUN} \\(active/standby: the standby takes over`),
    );
    const guards = record.details.guards as { guard: string; ok: boolean; detail: string }[];
    expect(guards.map((g) => [g.guard, g.ok])).toEqual([
      ['exists', true],
      ['running', true],
      ['no-runbook', true],
      ['no-alarm', true],
      ['deployment-mode', true],
    ]);
    expect(guards.at(-1)?.detail).toMatch(/standby present \(2 instances with endpoints\)/);
    expect(reboots()).toEqual([]);
    expect((await describeBroker('sr-pair')).BrokerState).toBe('RUNNING');
    expect(await activeRunbook(store, id('sr-pair'), now())).toBeUndefined();
    expect(await store.get(safeRebootKey(id('sr-pair')))).toBeUndefined();
    // The trail has the run, and chat its message.
    expect((await listRuns(store))[0]).toMatchObject({ id: record.id, status: 'dry-run', dryRun: true });
    expect(slackTexts().filter((t) => t.includes('safe-reboot: dry run'))).toHaveLength(1);
  });

  it('refuses a single-instance broker without allowDowntime; with it, the dry run passes', async () => {
    const refused = await run({ brokerId: id('sr-single') }, true);
    expect(refused.status).toBe('refused');
    expect(refused.summary).toMatch(/single-instance broker: it is offline while it reboots/);
    const allowed = await run({ brokerId: id('sr-single'), allowDowntime: true });
    expect(allowed.status).toBe('dry-run');
    expect(allowed.summary).toContain('single instance: offline until it runs again');
    expect(reboots()).toEqual([]);
    expect((await describeBroker('sr-single')).BrokerState).toBe('RUNNING');
  });

  it('refuses a broker whose alarm is in ALARM, naming the alarm', async () => {
    const refused = await run({ brokerId: id('sr-alarm') }, true);
    expect(refused.status).toBe('refused');
    expect(refused.summary).toContain(`alarm in ALARM: sr-cpu-${RUN}`);
    expect(reboots()).toEqual([]);
    expect(await activeRunbook(store, id('sr-alarm'), now())).toBeUndefined();
  });

  it('refuses a broker whose application alarm, tagged mqops:broker with it, is in ALARM', async () => {
    const refused = await run({ brokerId: id('sr-app') }, true);
    expect(refused.status).toBe('refused');
    expect(refused.summary).toContain(`alarm in ALARM: sr-checkout-latency-${RUN}`);
    expect(reboots()).toEqual([]);
  });

  it('refuses a broker under a composite alarm in ALARM that references its alarm (which is OK)', async () => {
    const refused = await run({ brokerId: id('sr-composite') }, true);
    expect(refused.status).toBe('refused');
    // The composite is the broker's; the application alarm it also watches is not.
    expect(refused.summary).toContain(`alarm in ALARM: sr-orders-or-app-${RUN} (reboot it after`);
    expect(reboots()).toEqual([]);
    expect(await activeRunbook(store, id('sr-composite'), now())).toBeUndefined();
  });

  it('reboots, waits, verifies with a real STOMP connection and records the end once', async () => {
    const pair = id('sr-pair');
    const record = await run({ brokerId: pair }, true);
    expect(record.status).toBe('started');
    expect(record.continues).toEqual({ kind: 'safe-reboot', key: `safereboot#${pair}` });
    expect(reboots()).toHaveLength(1);
    expect((await describeBroker('sr-pair')).BrokerState).toBe('REBOOT_IN_PROGRESS');
    expect((await activeRunbook(store, pair, now()))?.name).toBe('safe-reboot');

    // Before the reboot finishes: the tick waits.
    const waiting = await advanceSafeReboots(tickDeps);
    expect(waiting.map((r) => [r.brokerId, r.state?.state, r.action?.kind])).toEqual([
      [pair, 'rebooting', 'wait'],
    ]);
    expect((await activeRunbook(store, pair, now()))?.name).toBe('safe-reboot');

    // The local reboot takes seconds of the cloud's clock; the next MQ call settles it.
    cloud.clock.advance(5 * 60_000);
    // Two ticks at once (a re-delivered schedule): one ends the run, the notice goes out once.
    const ticks = await Promise.all([advanceSafeReboots(tickDeps), advanceSafeReboots(tickDeps)]);
    expect(ticks.flat().filter((r) => r.outcome === 'advanced' && r.action?.kind === 'finish')).toHaveLength(
      1,
    );
    const state = (await store.get<SafeReboot>(safeRebootKey(pair)))?.value;
    expect(state?.state).toBe('done');
    expect(state?.outcome).toMatch(
      /is RUNNING again and serves clients: stomp:\/\/\S+ answered the STOMP handshake/,
    );
    expect(state?.reportedAt).toBeDefined();
    expect((await describeBroker('sr-pair')).BrokerState).toBe('RUNNING');
    expect(await activeRunbook(store, pair, now())).toBeUndefined();
    expect(reboots()).toHaveLength(1);

    const trail = (await listRuns(store)).find((r) => r.id === record.id) as RunRecord;
    expect(trail).toMatchObject({ status: 'done', summary: state?.outcome, continues: record.continues });
    expect(trail.details.completion).toMatchObject({ status: 'done' });

    // Later ticks have nothing left to do; chat got one start and one end message.
    cloud.clock.advance(5 * 60_000);
    expect(await advanceSafeReboots(tickDeps)).toEqual([]);
    const ofPair = slackTexts().filter((t) => t.includes(pair) || t.includes(`sr-pair-${RUN}`));
    expect(ofPair.filter((t) => t.includes('mqops runbook: safe-reboot: started'))).toHaveLength(1);
    expect(
      ofPair.filter((t) => t.includes(`mqops runbook: safe-reboot of broker sr-pair-${RUN}: done`)),
    ).toHaveLength(1);
  });
});
