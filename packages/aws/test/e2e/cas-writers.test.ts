import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type Alert,
  AlertEngine,
  type AlertNotification,
  activeRunbook,
  parseAlertConfig,
} from '@mqops/core';
import {
  acceptPlan,
  advancePlan,
  type CapacityPlan,
  type PlanDeps,
  planFromRecommendation,
  planKey,
} from '@mqops/core/capacity/plan';
import type { AlarmStates, BrokerControl, ConnectionProbe } from '@mqops/core/capacity/ports';
import { BrokerNotFoundError } from '@mqops/core/errors';
import type { Broker } from '@mqops/core/model';
import { runRunbook } from '@mqops/core/runbooks/run';
import { SAFE_REBOOT_RUNBOOK, safeReboot } from '@mqops/core/runbooks/safe-reboot';
import { type LocalCloud, startLocalCloud } from '@mqops/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBroker } from '../../../core/test/helpers/broker';
import { DynamoKeyValueStore } from '../../src/dynamodb-kv';
import { createKeyValueTable } from '../../src/dynamodb-kv-table';

/**
 * The compare-and-swap writers (alert groups, plans, safe-reboot claims, runbook markers) under real concurrency
 * against DynamoDB (the local cloud's, through the real SDK): Promise.all of writers whose reads and conditional
 * writes interleave over the network.
 */

let cloud: LocalCloud;
let store: DynamoKeyValueStore;

beforeAll(async () => {
  cloud = await startLocalCloud({ scenario: { brokers: [] } });
  const client = new DynamoDBClient(cloud.clientConfig());
  await createKeyValueTable(client, 'mqops-cas');
  store = new DynamoKeyValueStore('mqops-cas', client);
});

afterAll(async () => {
  await cloud.stop();
});

const T0 = Date.parse('2026-11-25T12:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
/** Inside the brokers' window (Sunday 03:00 UTC). */
const IN_WINDOW = new Date('2026-11-29T03:05:00Z');

function alarm(name: string, broker: string): Alert {
  return {
    alarmName: name,
    alarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`,
    accountId: '123456789012',
    region: 'us-east-1',
    state: 'ALARM',
    previousState: 'OK',
    reason: `Threshold Crossed (${name})`,
    timestamp: at(0).toISOString(),
    metric: { namespace: 'AWS/AmazonMQ', name: 'HeapUsage', dimensions: { Broker: `${broker}-1` } },
    broker,
    engine: 'ACTIVEMQ',
    severity: 'WARNING',
    tags: {},
    source: 'eventbridge',
  };
}

function engineWith(sent: AlertNotification[]): AlertEngine {
  return new AlertEngine({
    store,
    deliver: async (n, skip) => {
      sent.push(n);
      return { delivered: ['slack:default'].filter((t) => !skip.includes(t)), failed: [] };
    },
    config: parseAlertConfig({}),
  });
}

/** An active/standby ActiveMQ broker with its standby, RUNNING, window Sunday 03:00 UTC (core's test broker). */
function broker(id: string): Broker {
  return makeBroker({
    id,
    arn: `arn:aws:mq:us-east-1:123456789012:broker:${id}:${id}`,
    name: id,
    tags: {},
    instances: [1, 2].map((n) => ({
      consoleUrl: `https://${id}-${n}.mq.us-east-1.amazonaws.com:8162`,
      endpoints: [`ssl://${id}-${n}:61617`],
    })),
  });
}

/** DescribeBroker, UpdateBroker and RebootBroker over one broker in memory; every change is listed. */
class FakeMq implements BrokerControl {
  readonly calls: string[] = [];
  constructor(public broker: Broker) {}
  async describe(id: string): Promise<Broker> {
    if (id !== this.broker.id) throw new BrokerNotFoundError(id);
    return structuredClone(this.broker);
  }
  async updateInstanceType(_id: string, instanceType: string): Promise<void> {
    this.calls.push(`update ${instanceType}`);
    this.broker.pending = { ...this.broker.pending, instanceType };
  }
  async reboot(): Promise<void> {
    this.calls.push('reboot');
    this.broker.state = 'REBOOT_IN_PROGRESS';
  }
}

/** No alarm in ALARM; the first two reads wait for each other (both runbooks read their guards before acting). */
function barrierAlarms(): AlarmStates {
  let parties = 2;
  const waiting: (() => void)[] = [];
  return {
    inAlarm: async () => {
      if (parties > 0 && --parties === 0) for (const release of waiting.splice(0)) release();
      else if (parties > 0) await new Promise<void>((resolve) => waiting.push(resolve));
      return [];
    },
  };
}

const probe: ConnectionProbe = { probe: async () => ({ ok: true, detail: 'STOMP handshake answered' }) };

const resizePlan = (brokerId: string): CapacityPlan =>
  planFromRecommendation(
    {
      brokerId,
      brokerName: brokerId,
      region: 'us-east-1',
      engine: 'ACTIVEMQ',
      deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
      action: 'upsize',
      from: 'mq.m5.large',
      to: 'mq.m5.xlarge',
      reasons: ['CPU p95 82% over 14 days is above 70%'],
      metrics: {},
    },
    { source: 'cli', now: new Date('2026-11-25T12:00:00Z'), acceptedBy: 'alice' },
  );

const planDeps = (mq: FakeMq, alarms: AlarmStates): PlanDeps => ({
  store,
  control: mq,
  alarms,
  probe,
  sinks: [],
  now: () => IN_WINDOW,
});

describe('Compare-and-swap writers on DynamoDB (real SDK, local DynamoDB)', () => {
  it('sends an alert group once when two flushes of it run at once', async () => {
    // Prepare
    const sent: AlertNotification[] = [];
    const engine = engineWith(sent);
    await engine.receive(alarm('flush-heap', 'flush'), at(0));

    // Act
    const [a, b] = await Promise.all([engine.flush(at(30)), engine.flush(at(30))]);

    // Assess
    expect(a.sent.length + b.sent.length).toBe(1);
    expect(sent.map((n) => n.firing.map((f) => f.alert.alarmName))).toEqual([['flush-heap']]);
  });

  it('loses none of forty alarms received into one group at once (an alarm storm)', async () => {
    // Prepare
    const sent: AlertNotification[] = [];
    const engine = engineWith(sent);
    const names = Array.from({ length: 40 }, (_, i) => `storm-${i}`);

    // Act
    await Promise.all(names.map((name) => engine.receive(alarm(name, 'storm'), at(0))));
    const flushed = await engine.flush(at(30));

    // Assess
    expect(flushed.sent).toHaveLength(1);
    expect(flushed.sent[0]?.firing.map((f) => f.alert.alarmName).sort()).toEqual([...names].sort());
  });

  it('sends UpdateBroker once when three ticks of one plan run at once', async () => {
    // Prepare
    const mq = new FakeMq(broker('b-cas-ticks'));
    await acceptPlan(store, resizePlan('b-cas-ticks'));
    const deps = planDeps(mq, { inAlarm: async () => [] });

    // Act
    const results = await Promise.all([1, 2, 3].map(() => advancePlan(deps, 'b-cas-ticks', { maxSteps: 1 })));

    // Assess
    expect(mq.calls).toEqual(['update mq.m5.xlarge']);
    expect(results.filter((r) => r.outcome === 'advanced')).toHaveLength(1);
    expect((await store.get<CapacityPlan>(planKey('b-cas-ticks')))?.value.state).toBe('applying');
  });

  it('lets only one of a safe-reboot and a resize started at once act on the broker', async () => {
    for (let round = 1; round <= 4; round++) {
      // Prepare: both read their guards (no runbook on the broker) before either writes.
      const id = `b-cas-both-${round}`;
      const mq = new FakeMq(broker(id));
      const alarms = barrierAlarms();
      await acceptPlan(store, resizePlan(id));

      // Act
      const [run, tick] = await Promise.all([
        runRunbook(
          { runbook: SAFE_REBOOT_RUNBOOK, payload: { brokerId: id }, execute: true, by: 'alice' },
          {
            runbooks: [safeReboot],
            ports: { control: mq, alarms, probe },
            store,
            sinks: [],
            now: () => IN_WINDOW,
            newId: () => `run-${round}`,
          },
        ),
        advancePlan(planDeps(mq, alarms), id, { maxSteps: 1 }),
      ]);

      // Assess: one call, from the runbook that holds the broker's marker.
      const marker = await activeRunbook(store, id, IN_WINDOW);
      const seen = `round ${round}: ${mq.calls.join(', ')}; run ${run.status}; tick ${tick.outcome}`;
      expect(mq.calls, seen).toHaveLength(1);
      expect(marker?.name, seen).toBe(mq.calls[0] === 'reboot' ? SAFE_REBOOT_RUNBOOK : 'resize');
      expect(run.status, seen).toBe(mq.calls[0] === 'reboot' ? 'started' : 'refused');
    }
  });
});
