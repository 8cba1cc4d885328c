import { InvalidInputError } from '@mqops/core';
import type { LocalCloud, Scenario } from '@mqops/local';
import { startLocalCloud } from '@mqops/local';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler, resetForTests } from '../../functions/audit';
import { deriveActions } from '../../infra/iam';
import { stack } from '../../infra/index';
import { lambdaContext, scheduledEvent } from '../helpers/lambda';
import { SlackReceiver } from '../helpers/slack-receiver';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:mqops-alerts';
const RISKY_PASSWORD = 'risky-Secret-Pass-1';

const risky = {
  BrokerName: 'risky-prod',
  EngineType: 'ACTIVEMQ' as const,
  EngineVersion: '5.18',
  DeploymentMode: 'SINGLE_INSTANCE' as const,
  HostInstanceType: 'mq.m5.large',
  PubliclyAccessible: true,
  Logs: { General: true, Audit: false },
  Tags: { env: 'production' },
  Users: [{ Username: 'risky-admin', Password: RISKY_PASSWORD, ConsoleAccess: true }],
  Backing: 'none' as const,
};

const compliant = {
  BrokerName: 'compliant-prod',
  EngineType: 'RABBITMQ' as const,
  EngineVersion: '3.13',
  DeploymentMode: 'CLUSTER_MULTI_AZ' as const,
  HostInstanceType: 'mq.m5.large',
  PubliclyAccessible: false,
  Logs: { General: true },
  Tags: { env: 'production' },
  Users: [{ Username: 'compliant-admin', Password: 'compliant-Pass-12' }],
  Backing: 'none' as const,
};

function scenarioWith(...brokers: (typeof risky | typeof compliant)[]): Scenario {
  return { accountId: '123456789012', region: 'us-east-1', brokers, topics: [{ Name: 'mqops-alerts' }] };
}

/** The captured SNS publishes of the local cloud. */
function published(cloud: LocalCloud) {
  return cloud.world.sns.published;
}

const slack = new SlackReceiver();
let cloud: LocalCloud;
let savedEnv: NodeJS.ProcessEnv;
let logged: string[];

beforeAll(async () => {
  await slack.start();
});
afterAll(async () => {
  await slack.stop();
});

beforeEach(() => {
  savedEnv = { ...process.env };
  slack.messages.length = 0;
  logged = [];
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    logged.push(String(chunk));
    return write(chunk, ...(rest as []));
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  process.env = savedEnv;
  resetForTests();
  await cloud?.stop();
});

async function startCloud(scenario: Scenario) {
  cloud = await startLocalCloud({ scenario });
  Object.assign(process.env, cloud.env(), {
    MQOPS_ALERT_TOPIC_ARN: TOPIC_ARN,
    MQOPS_SLACK_WEBHOOK_URL: slack.url,
  });
  delete process.env.AWS_PROFILE;
}

describe('Scheduled audit, end to end (EventBridge event → function → MQ API → Slack and SNS)', () => {
  it('sends one Slack message and one SNS publish naming the risky broker', async () => {
    await startCloud(scenarioWith(risky, compliant));
    const result = await handler(scheduledEvent(), lambdaContext());
    expect(result).toEqual({
      trigger: 'schedule',
      brokersAudited: 2,
      findings: 3,
      errors: 0,
      notified: ['slack', 'sns'],
    });

    expect(slack.messages).toHaveLength(1);
    const text = SlackReceiver.text(slack.messages[0]!);
    expect(text).toContain('risky-prod');
    expect(text).toContain('mq-public-access');
    expect(text).toContain('mq-single-instance-production');
    expect(text).toContain('mq-audit-logs');
    expect(text).not.toContain('compliant-prod');

    expect(published(cloud)).toHaveLength(1);
    const message = published(cloud)[0]!;
    expect(message.topicArn).toBe(TOPIC_ARN);
    expect(message.subject).toBe('mqops audit: 1 HIGH, 2 MEDIUM');
    const body = JSON.parse(message.message);
    expect(body.findings.map((f: { brokerName: string }) => f.brokerName)).toEqual([
      'risky-prod',
      'risky-prod',
      'risky-prod',
    ]);
  });

  it('sends nothing when every broker is compliant', async () => {
    await startCloud(scenarioWith(compliant));
    const result = await handler(scheduledEvent(), lambdaContext());
    expect(result).toMatchObject({ brokersAudited: 1, findings: 0, notified: [] });
    expect(slack.messages).toHaveLength(0);
    expect(published(cloud)).toHaveLength(0);
  });

  it('makes only AWS calls its derived IAM policy allows', async () => {
    await startCloud(scenarioWith(risky, compliant));
    await handler(scheduledEvent(), lambdaContext());
    const spec = stack.functions.find((f) => f.name === 'Audit');
    const allowed = new Set(deriveActions(spec?.handler ?? '').actions);
    const made = new Set(cloud.requests.map((r) => `${r.service}:${r.operation}`));
    expect([...made].sort()).toEqual([...allowed].sort());
  });

  it('honours per-service endpoint variables (AWS_ENDPOINT_URL_MQ, AWS_ENDPOINT_URL_SNS)', async () => {
    await startCloud(scenarioWith(risky));
    delete process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL_MQ = cloud.endpoint;
    process.env.AWS_ENDPOINT_URL_SNS = cloud.endpoint;
    const result = await handler(scheduledEvent(), lambdaContext());
    expect((result as { notified: string[] }).notified).toEqual(['slack', 'sns']);
    expect(published(cloud)).toHaveLength(1);
  });

  it('never logs or sends a secret', async () => {
    await startCloud(scenarioWith(risky));
    await handler(scheduledEvent(), lambdaContext());
    const everything = [
      ...logged,
      JSON.stringify(slack.messages.map((m) => m.body)),
      JSON.stringify(published(cloud)),
    ].join('\n');
    expect(everything).not.toContain(RISKY_PASSWORD);
    expect(everything).not.toContain('local-test-webhook');
  });
});

describe('Bad input changes nothing', () => {
  it.each([
    ['a malformed event', { hello: 'world' }],
    ['a scheduled event missing fields', { source: 'aws.events', 'detail-type': 'Scheduled Event' }],
    ['null', null],
  ])('rejects %s with a clear error and no side effect', async (_name, event) => {
    await startCloud(scenarioWith(risky));
    const error = await handler(event as never, lambdaContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(String((error as Error).message)).toMatch(
      /expected an EventBridge scheduled event|not a valid scheduled event/,
    );
    expect(cloud.requests).toHaveLength(0);
    expect(slack.messages).toHaveLength(0);
    expect(published(cloud)).toHaveLength(0);
  });

  it('rejects an unknown broker id with a clear error and sends nothing', async () => {
    await startCloud(scenarioWith(risky));
    const error = await handler(
      { brokerIds: ['risky-prod', 'b-does-not-exist'] } as never,
      lambdaContext(),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'BrokerNotFoundError', brokerId: 'b-does-not-exist' });
    expect(String((error as Error).message)).toContain('unknown broker: b-does-not-exist');
    expect(slack.messages).toHaveLength(0);
    expect(published(cloud)).toHaveLength(0);
    expect(
      cloud.requests.every((r) => r.operation.startsWith('Describe') || r.operation.startsWith('List')),
    ).toBe(true);
  });

  it('audits a named broker on a manual invoke', async () => {
    await startCloud(scenarioWith(risky, compliant));
    const result = await handler({ brokerIds: ['compliant-prod'] } as never, lambdaContext());
    expect(result).toMatchObject({ trigger: 'manual', brokersAudited: 1, findings: 0 });
    expect(cloud.requests.some((r) => r.operation === 'ListBrokers')).toBe(false);
  });

  it('reports a Slack outage without losing the SNS copy', async () => {
    await startCloud(scenarioWith(risky));
    slack.failNext.push({ status: 500 }, { status: 500 }, { status: 500 });
    const error = await handler(scheduledEvent(), lambdaContext()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DeliveryError' });
    expect(String((error as Error).message)).toContain('HTTP 500');
    expect(String((error as Error).message)).not.toContain('local-test-webhook');
    expect(published(cloud)).toHaveLength(1);
    slack.failNext.length = 0;
  });

  it('retries a throttled MQ API through the SDK and still completes', async () => {
    await startCloud(scenarioWith(risky, compliant));
    cloud.faults.add({ service: 'mq', operation: 'DescribeBroker', throttle: { rate: 20, burst: 1 } });
    const result = await handler(scheduledEvent(), lambdaContext());
    expect(result).toMatchObject({ brokersAudited: 2, errors: 0 });
    expect(cloud.requests.some((r) => r.status === 429)).toBe(true);
  });
});
