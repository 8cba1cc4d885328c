import { MqBrokerInventory } from '@mqops/aws/mq-inventory';
import { SlackNoticeSink } from '@mqops/aws/notice-sinks';
import { InvalidInputError, MemoryKeyValueStore } from '@mqops/core';
import { type LocalCloud, startLocalCloud } from '@mqops/local';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMaintenance } from '../../functions/maintenance';
import { SlackReceiver } from '../helpers/slack-receiver';

const scheduled = (time: string) => ({
  version: '0',
  id: 'e1',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time,
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/MaintenanceSchedule'],
  detail: {},
});

describe('upcoming maintenance notices (demo fleet on the local cloud and its clock)', () => {
  let cloud: LocalCloud;
  const slack = new SlackReceiver();
  const store = new MemoryKeyValueStore();
  let maintenance: ReturnType<typeof createMaintenance>;

  beforeAll(async () => {
    // The demo fleet at 2025-04-01 09:00 UTC: legacy-staging has mq.m5.large pending; its window is Sunday 03:00 UTC.
    cloud = await startLocalCloud({ scenario: 'demo' });
    await slack.start();
    maintenance = createMaintenance({
      now: () => cloud.clock.now(),
      runtime: () => ({
        inventory: new MqBrokerInventory(cloud.clientConfig()),
        store,
        sinks: [new SlackNoticeSink({ webhookUrl: slack.url, minIntervalMs: 0 })],
      }),
    });
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  afterAll(async () => {
    await cloud?.stop();
    await slack.stop();
  });

  it('says nothing while the window that applies a change is more than a day away', async () => {
    const result = await maintenance(scheduled(cloud.clock.now().toISOString()));
    expect(result.brokers).toBe(8);
    expect(result).toMatchObject({ status: 'complete', gaps: 0, notCovered: [] });
    expect(result.notices).toEqual([]);
    expect(slack.messages).toHaveLength(0);
  });

  it('announces the window once, a day ahead, with what it will apply; every broker without changes stays quiet', async () => {
    cloud.clock.set('2025-04-05T06:00:00.000Z');
    const first = await maintenance(scheduled(cloud.clock.now().toISOString()));
    expect(first.notices).toHaveLength(1);
    expect(first.notices[0]).toMatch(/legacy-staging/);
    expect(slack.messages).toHaveLength(1);
    const text = SlackReceiver.text(slack.messages[0] as (typeof slack.messages)[number]);
    expect(text).toContain('mq.m4.large → mq.m5.large');
    expect(text).toContain('2025-04-06T03:00');
    // The next hourly runs: nothing new.
    cloud.clock.advance(3_600_000);
    expect((await maintenance(scheduled(cloud.clock.now().toISOString()))).notices).toEqual([]);
    expect(slack.messages).toHaveLength(1);
  });

  it('returns partial, naming a broker it could not describe', async () => {
    // Lambda sets AWS_REGION: the function names its account and region after it.
    vi.stubEnv('AWS_REGION', 'us-east-1');
    const id =
      [...cloud.world.mq.brokers.values()].find((b) => b.BrokerName === 'orders-prod')?.BrokerId ?? '';
    const undo = cloud.faults.add({
      service: 'mq',
      operation: 'DescribeBroker',
      pathIncludes: id,
      deny: true,
    });
    const result = await maintenance(scheduled(cloud.clock.now().toISOString())).finally(undo);
    expect(result).toMatchObject({ status: 'partial', brokers: 7, gaps: 1 });
    expect(result.notCovered).toEqual([
      {
        target: 'self/us-east-1',
        broker: 'orders-prod',
        reason: expect.stringMatching(/^not described: .*not authorized/),
      },
    ]);
  });

  it('fails the invocation when the brokers cannot be listed', async () => {
    vi.stubEnv('AWS_REGION', 'us-east-1');
    const undo = cloud.faults.add({ service: 'mq', operation: 'ListBrokers', deny: true });
    const error = await maintenance(scheduled(cloud.clock.now().toISOString()))
      .catch((e: unknown) => e)
      .finally(undo);
    expect(error).toMatchObject({
      name: 'JobFailedError',
      job: 'maintenance',
      outcome: { status: 'failed', covered: 0 },
      result: expect.objectContaining({ brokers: 0, notices: [] }),
    });
    expect((error as Error).message).toMatch(
      /^maintenance failed: .*self\/us-east-1: not listed: .*not authorized/,
    );
  });

  it('refuses an event it does not know before any call', async () => {
    await expect(maintenance({ source: 'aws.events', 'detail-type': 'Scheduled Event' })).rejects.toThrow(
      InvalidInputError,
    );
  });
});
