import { readFileSync } from 'node:fs';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { InvalidInputError } from '@mqops/core';
import type { LocalCloud, Scenario, ScenarioBroker } from '@mqops/local';
import { startLocalCloud } from '@mqops/local';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AuditResult, handler } from '../../functions/audit';
import { securityHubExport } from '../../functions/securityhub-export';
import { deriveActions } from '../../infra/iam';
import { stack } from '../../infra/index';
import { jobMetrics, lambdaContext, scheduledEvent, updateBrokerEvent } from '../helpers/lambda';
import { SlackReceiver } from '../helpers/slack-receiver';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:mqops-alerts';
const STATE_BUCKET = 'mqops-state-e2e';
const RISKY_PASSWORD = 'risky-Secret-Pass-1';
const HARDENED_XML = readFileSync('packages/core/test/fixtures/activemq/hardened.xml', 'utf8');
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();

const risky: ScenarioBroker = {
  BrokerName: 'risky-prod',
  EngineType: 'ACTIVEMQ',
  EngineVersion: '5.18',
  DeploymentMode: 'SINGLE_INSTANCE',
  HostInstanceType: 'mq.m5.large',
  PubliclyAccessible: true,
  Logs: { General: true, Audit: false },
  SecurityGroups: ['sg-0a1b2c3d4e5f60001'],
  Tags: { env: 'production', team: 'risk' },
  Users: [{ Username: 'risky-admin', Password: RISKY_PASSWORD, ConsoleAccess: true, Groups: ['admins'] }],
  Backing: 'none',
};

/** Passes every check mqops has (the RabbitMQ data-plane checks do not apply to ActiveMQ). */
const compliant: ScenarioBroker = {
  BrokerName: 'compliant-prod',
  EngineType: 'ACTIVEMQ',
  EngineVersion: '5.18',
  DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
  HostInstanceType: 'mq.m5.large',
  StorageType: 'EFS',
  PubliclyAccessible: false,
  AuthenticationStrategy: 'LDAP',
  LdapServerMetadata: {
    Hosts: ['ldap.example.test:636'],
    RoleBase: 'ou=groups,dc=example,dc=test',
    RoleSearchMatching: '(member={0})',
    ServiceAccountUsername: 'cn=mq,dc=example,dc=test',
    UserBase: 'ou=users,dc=example,dc=test',
    UserSearchMatching: '(uid={0})',
  },
  EncryptionOptions: { UseAwsOwnedKey: false, KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k-1' },
  Logs: { General: true, Audit: true },
  SecurityGroups: ['sg-0a1b2c3d4e5f60001'],
  Tags: { env: 'production', team: 'orders' },
  Configuration: { Id: 'c-0000000a-0000-4000-8000-000000000001', Revision: 1 },
  Users: [
    { Username: 'compliant-admin', Password: 'compliant-Pass-12', ConsoleAccess: true, Groups: ['admins'] },
  ],
  Backing: 'none',
};

function scenarioWith(...brokers: ScenarioBroker[]): Scenario {
  return {
    accountId: '123456789012',
    region: 'us-east-1',
    brokers,
    topics: [{ Name: 'mqops-alerts' }],
    configurations: [
      {
        Id: 'c-0000000a-0000-4000-8000-000000000001',
        Name: 'hardened',
        EngineType: 'ACTIVEMQ',
        EngineVersion: '5.18',
        Revisions: [{ Data: HARDENED_XML }],
      },
    ],
    securityGroups: [
      {
        GroupId: 'sg-0a1b2c3d4e5f60001',
        GroupName: 'mq-private',
        Description: 'apps only',
        VpcId: 'vpc-0123456789abcdef0',
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 61617, ToPort: 61617, IpRanges: [{ CidrIp: '10.0.0.0/16' }] },
        ],
      },
    ],
    secrets: [
      {
        Name: 'mqops/compliant-prod/compliant-admin',
        SecretString: JSON.stringify({ username: 'compliant-admin', password: 'compliant-Pass-12' }),
        Tags: [
          { Key: 'mqops:broker', Value: 'compliant-prod' },
          { Key: 'mqops:username', Value: 'compliant-admin' },
        ],
        RotationEnabled: true,
        LastRotatedDate: daysAgo(10),
        CreatedDate: daysAgo(100),
      },
    ],
  };
}

const published = (cloud: LocalCloud) => cloud.world.sns.published;

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
  await cloud?.stop();
});

async function startCloud(scenario: Scenario, options: { state?: boolean } = {}) {
  cloud = await startLocalCloud({ scenario });
  Object.assign(process.env, cloud.env(), {
    MQOPS_ALERT_TOPIC_ARN: TOPIC_ARN,
    MQOPS_SLACK_WEBHOOK_URL: slack.url,
  });
  delete process.env.AWS_PROFILE;
  if (options.state) {
    const s3 = new S3Client(cloud.clientConfig());
    await s3.send(new CreateBucketCommand({ Bucket: STATE_BUCKET }));
    s3.destroy();
    process.env.MQOPS_STATE_BUCKET = STATE_BUCKET;
  }
}

const invoke = async (event: unknown) => (await handler(event as never, lambdaContext())) as AuditResult;
const slackText = (i: number) => SlackReceiver.text(slack.messages[i] ?? { path: '', body: {} });

describe('Scheduled audit, end to end (EventBridge event → function → AWS APIs → Slack and SNS)', () => {
  it('sends one Slack message and one SNS publish naming the risky broker', async () => {
    await startCloud(scenarioWith(risky, compliant));
    const result = await invoke(scheduledEvent());
    expect(result).toMatchObject({
      trigger: 'schedule',
      brokersAudited: 2,
      errors: 0,
      notified: ['slack', 'sns'],
    });
    expect(result.findings).toBeGreaterThanOrEqual(3);

    expect(slack.messages).toHaveLength(1);
    const text = slackText(0);
    for (const check of ['mq-public-access', 'mq-single-instance-production', 'mq-audit-logs'])
      expect(text).toContain(check);
    expect(text).toContain('risky-prod');
    expect(text).not.toContain('compliant-prod');

    expect(published(cloud)).toHaveLength(1);
    const message = published(cloud)[0];
    expect(message?.topicArn).toBe(TOPIC_ARN);
    expect(message?.subject).toMatch(/^mqops audit: \d+ HIGH/);
    const body = JSON.parse(message?.message ?? '{}');
    expect(new Set(body.findings.map((f: { brokerName: string }) => f.brokerName))).toEqual(
      new Set(['risky-prod']),
    );
  });

  it('sends nothing when every broker is compliant', async () => {
    await startCloud(scenarioWith(compliant));
    const result = await invoke(scheduledEvent());
    expect(result).toMatchObject({ brokersAudited: 1, findings: 0, unknown: 0, notified: [] });
    expect(slack.messages).toHaveLength(0);
    expect(published(cloud)).toHaveLength(0);
  });

  it('makes only AWS calls its derived IAM policy allows', async () => {
    await startCloud(scenarioWith(risky, compliant), { state: true });
    const before = cloud.requests.length;
    await invoke(scheduledEvent());
    const spec = stack.functions.find((f) => f.name === 'Audit');
    const allowed = new Set(deriveActions(spec?.handler ?? '').actions);
    const made = new Set(cloud.requests.slice(before).map((r) => `${r.service}:${r.operation}`));
    expect(made.size).toBeGreaterThan(5);
    for (const call of made) expect(allowed, call).toContain(call);
  });

  it('never logs or sends a secret', async () => {
    await startCloud(scenarioWith(risky, compliant));
    await invoke(scheduledEvent());
    const everything = [
      ...logged,
      JSON.stringify(slack.messages.map((m) => m.body)),
      JSON.stringify(published(cloud)),
    ].join('\n');
    expect(everything).not.toContain(RISKY_PASSWORD);
    expect(everything).not.toContain('compliant-Pass-12');
    expect(everything).not.toContain('local-test-webhook');
  });

  it('honours per-service endpoint variables (AWS_ENDPOINT_URL_MQ, …)', async () => {
    await startCloud(scenarioWith(risky));
    delete process.env.AWS_ENDPOINT_URL;
    for (const service of ['MQ', 'SNS', 'EC2', 'SECRETS_MANAGER'])
      process.env[`AWS_ENDPOINT_URL_${service}`] = cloud.endpoint;
    const result = await invoke(scheduledEvent());
    expect(result.notified).toEqual(['slack', 'sns']);
    expect(result.unknown).toBe(0);
    expect(published(cloud)).toHaveLength(1);
  });
});

describe('Change events, end to end (CloudTrail via EventBridge → one broker audited → what changed)', () => {
  it('reports a broker made public as exactly one new finding, and its fix as one fixed message', async () => {
    await startCloud(scenarioWith(compliant), { state: true });
    expect(await invoke(scheduledEvent())).toMatchObject({ findings: 0, new: 0, notified: [] });
    const broker = cloud.world.mq.broker('compliant-prod');

    broker.PubliclyAccessible = true;
    const opened = await invoke(updateBrokerEvent(broker.BrokerId));
    expect(opened).toMatchObject({ trigger: 'change', brokersAudited: 1, findings: 1, new: 1, fixed: 0 });
    expect(slack.messages).toHaveLength(1);
    expect(slackText(0)).toContain('1 new, 0 fixed');
    expect(slackText(0).match(/`mq-[a-z0-9-]+`/g)).toEqual(['`mq-public-access`']);

    // The same event again (EventBridge delivers at least once): nothing new to say.
    await invoke(updateBrokerEvent(broker.BrokerId));
    expect(slack.messages).toHaveLength(1);

    broker.PubliclyAccessible = false;
    const closed = await invoke(updateBrokerEvent(broker.BrokerId));
    expect(closed).toMatchObject({ findings: 0, new: 0, fixed: 1 });
    expect(slack.messages).toHaveLength(2);
    expect(slackText(1)).toContain('0 new, 1 fixed');
    expect(slackText(1)).toContain('`mq-public-access` on *compliant-prod* (passes now)');
  });

  it('sends every result to Security Hub when configured, and archives a fixed finding as PASSED', async () => {
    await startCloud(scenarioWith(compliant), { state: true });
    process.env.MQOPS_CONFIG = JSON.stringify({ securityHub: true });
    // The Audit function hands its report to the SecurityHub function (an asynchronous invoke the local cloud runs).
    process.env.MQOPS_SECURITYHUB_FUNCTION = 'mqops-test-SecurityHub';
    cloud.world.lambda.register('mqops-test-SecurityHub', (event: unknown) => securityHubExport(event));
    const broker = cloud.world.mq.broker('compliant-prod');
    broker.PubliclyAccessible = true;
    const opened = await invoke(updateBrokerEvent(broker.BrokerId));
    expect(opened.securityHub).toEqual({
      queued: true,
      key: expect.stringMatching(/^mqops\/securityhub\/.+\.json$/),
    });
    await cloud.world.lambda.settled();
    const [exported] = cloud.world.lambda.invocationsOf('mqops-test-SecurityHub');
    expect(exported).toMatchObject({
      invocationType: 'Event',
      event: { bucket: STATE_BUCKET, key: opened.securityHub?.key },
      status: 'succeeded',
      result: { status: 'complete', failed: 0 },
    });
    expect((exported?.result as { imported?: number } | undefined)?.imported).toBeGreaterThan(30);
    // The report is deleted once imported.
    const s3 = new S3Client(cloud.clientConfig());
    await expect(
      s3.send(new GetObjectCommand({ Bucket: STATE_BUCKET, Key: opened.securityHub?.key })),
    ).rejects.toThrow();
    s3.destroy();
    const finding = () =>
      [...cloud.world.securityhub.findings.values()].find((f) =>
        String(f.Id).startsWith('mq-public-access/'),
      ) as { Compliance: { Status: string }; RecordState: string } | undefined;
    expect(finding()).toMatchObject({ Compliance: { Status: 'FAILED' }, RecordState: 'ACTIVE' });
    broker.PubliclyAccessible = false;
    await invoke(updateBrokerEvent(broker.BrokerId));
    await cloud.world.lambda.settled();
    expect(finding()).toMatchObject({ Compliance: { Status: 'PASSED' }, RecordState: 'ARCHIVED' });
  });

  it('counts a Security Hub hand-over that could not be made (SecurityHubNotQueued), without failing the audit', async () => {
    await startCloud(scenarioWith(compliant), { state: true });
    process.env.MQOPS_CONFIG = JSON.stringify({ securityHub: true });
    delete process.env.MQOPS_SECURITYHUB_FUNCTION;
    const result = await invoke(scheduledEvent());
    expect(result).toMatchObject({ status: 'complete', securityHub: { queued: false } });
    const lines = logged
      .flatMap((chunk) => chunk.split('\n'))
      .filter((l) => l.includes('"SecurityHubNotQueued"'));
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        SecurityHubNotQueued: 1,
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            expect.objectContaining({ Metrics: [{ Name: 'SecurityHubNotQueued', Unit: 'Count' }] }),
          ],
        }),
      }),
    ]);
  });

  it('audits only the brokers behind a security group whose rules changed', async () => {
    await startCloud(scenarioWith(risky, compliant), { state: true });
    const result = await invoke({
      ...updateBrokerEvent('x'),
      source: 'aws.ec2',
      detail: {
        eventSource: 'ec2.amazonaws.com',
        eventName: 'AuthorizeSecurityGroupIngress',
        requestParameters: { groupId: 'sg-0a1b2c3d4e5f60001' },
      },
    });
    expect(result).toMatchObject({ trigger: 'change', brokersAudited: 2 });
    const none = await invoke({
      ...updateBrokerEvent('x'),
      source: 'aws.ec2',
      detail: {
        eventSource: 'ec2.amazonaws.com',
        eventName: 'AuthorizeSecurityGroupIngress',
        requestParameters: { groupId: 'sg-0ffffffffffffffff' },
      },
    });
    expect(none).toMatchObject({ brokersAudited: 0, notified: [] });
  });

  it('skips a failed API call without auditing anything', async () => {
    await startCloud(scenarioWith(risky));
    const event = updateBrokerEvent('b-1');
    const result = await handler(
      { ...event, detail: { ...event.detail, errorCode: 'AccessDenied' } } as never,
      lambdaContext(),
    );
    expect(result).toEqual({ skipped: expect.stringContaining('needs no audit') });
    expect(cloud.requests).toHaveLength(0);
  });
});

describe('Bad input changes nothing', () => {
  it.each([
    ['a malformed event', { hello: 'world' }],
    ['a scheduled event missing fields', { source: 'aws.events', 'detail-type': 'Scheduled Event' }],
    [
      'a change event without a broker id',
      {
        ...updateBrokerEvent('x'),
        detail: { eventSource: 'amazonmq.amazonaws.com', eventName: 'UpdateBroker' },
      },
    ],
    ['null', null],
  ])('rejects %s with a clear error and no side effect', async (_name, event) => {
    await startCloud(scenarioWith(risky));
    const error = await handler(event as never, lambdaContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(String((error as Error).message)).toMatch(
      /expected an EventBridge scheduled event|not a valid scheduled event|without a brokerId/,
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
    expect(cloud.requests.every((r) => /^(Describe|List|Get)/.test(r.operation))).toBe(true);
  });

  it('rejects a broken MQOPS_CONFIG before calling AWS', async () => {
    await startCloud(scenarioWith(risky));
    process.env.MQOPS_CONFIG = '{"policy": {"maxAdminUsers": -1}}';
    const error = await handler(scheduledEvent() as never, lambdaContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(String((error as Error).message)).toContain('policy.maxAdminUsers');
    expect(cloud.requests).toHaveLength(0);
  });

  it('audits a named broker on a manual invoke', async () => {
    await startCloud(scenarioWith(risky, compliant));
    const result = await invoke({ brokerIds: ['compliant-prod'] });
    expect(result).toMatchObject({ trigger: 'manual', brokersAudited: 1, findings: 0 });
    expect(cloud.requests.some((r) => r.operation === 'ListBrokers')).toBe(false);
  });

  it('reports a Slack outage without losing the SNS copy', async () => {
    await startCloud(scenarioWith(risky));
    slack.failNext.push({ status: 500 }, { status: 500 }, { status: 500 });
    const error = await handler(scheduledEvent() as never, lambdaContext()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DeliveryError' });
    expect(String((error as Error).message)).toContain('HTTP 500');
    expect(String((error as Error).message)).not.toContain('local-test-webhook');
    expect(published(cloud)).toHaveLength(1);
    slack.failNext.length = 0;
  });

  it('retries a throttled MQ API through the SDK and still completes', async () => {
    await startCloud(scenarioWith(risky, compliant));
    cloud.faults.add({ service: 'mq', operation: 'DescribeBroker', throttle: { rate: 20, burst: 1 } });
    const result = await invoke(scheduledEvent());
    expect(result).toMatchObject({ brokersAudited: 2, errors: 0 });
    expect(cloud.requests.some((r) => r.status === 429)).toBe(true);
  });
});

describe('An audit that cannot cover everything says so (outcome, digest, metric, invocation)', () => {
  const metricLines = () => jobMetrics(logged);

  it('sends a PARTIAL digest naming the broker it could not describe, and counts it as a partial job', async () => {
    await startCloud(scenarioWith(risky, compliant));
    const { MqClient, ListBrokersCommand } = await import('@aws-sdk/client-mq');
    const mq = new MqClient(cloud.clientConfig());
    const listed = await mq.send(new ListBrokersCommand({}));
    mq.destroy();
    const compliantId =
      listed.BrokerSummaries?.find((b) => b.BrokerName === 'compliant-prod')?.BrokerId ?? '';
    cloud.faults.add({ service: 'mq', operation: 'DescribeBroker', pathIncludes: compliantId, deny: true });

    const result = await invoke(scheduledEvent());

    expect(result).toMatchObject({ status: 'partial', brokersAudited: 1, errors: 1, gaps: 1 });
    expect(result.notCovered).toEqual([
      expect.objectContaining({ broker: compliantId, reason: expect.stringContaining('not audited') }),
    ]);
    // The digest (Slack and SNS) names the broker it skipped and says the audit is partial.
    expect(slack.messages).toHaveLength(1);
    expect(slackText(0)).toContain('mqops audit PARTIAL');
    expect(slackText(0)).toContain(`broker ${compliantId}: not audited`);
    const message = published(cloud)[0];
    expect(message?.subject).toMatch(/^mqops audit PARTIAL/);
    expect(JSON.parse(message?.message ?? '{}').notAudited).toEqual([
      expect.objectContaining({ broker: compliantId }),
    ]);
    expect(metricLines()).toEqual([
      expect.objectContaining({ Job: 'audit', JobComplete: 0, JobPartial: 1, JobFailed: 0, Gaps: 1 }),
    ]);
  });

  it('notifies, then fails the invocation (so Lambda retries and counts it) when no broker could be listed', async () => {
    await startCloud(scenarioWith(risky, compliant));
    cloud.faults.add({ service: 'mq', operation: 'ListBrokers', deny: true });

    const error = await handler(scheduledEvent() as never, lambdaContext()).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'JobFailedError' });
    expect((error as Error).message).toMatch(/^audit failed: /);
    expect(slack.messages).toHaveLength(1);
    expect(slackText(0)).toContain('mqops audit FAILED');
    expect(published(cloud)[0]?.subject).toMatch(/^mqops audit FAILED/);
    expect(metricLines()).toEqual([expect.objectContaining({ Job: 'audit', JobFailed: 1 })]);
  });

  it('sends the FAILED digest once when Lambda retries the same failed invocation', async () => {
    await startCloud(scenarioWith(risky, compliant), { state: true });
    cloud.faults.add({ service: 'mq', operation: 'ListBrokers', deny: true });
    const context = lambdaContext();
    // Lambda retries an asynchronous invoke with the same request id, up to twice.
    for (let attempt = 0; attempt < 3; attempt++) {
      const error = await handler(scheduledEvent() as never, context).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'JobFailedError' });
    }
    expect(slack.messages).toHaveLength(1);
    expect(published(cloud)).toHaveLength(1);
    expect(metricLines().map((m) => m.JobFailed)).toEqual([1, 1, 1]);
    // Another invocation (the next day's schedule) says it again.
    await handler(scheduledEvent() as never, lambdaContext()).catch(() => undefined);
    expect(slack.messages).toHaveLength(2);
  });

  it('counts a run that stops on an error before its outcome (a channel refused) as failed', async () => {
    await startCloud(scenarioWith(risky));
    slack.failNext.push({ status: 500 }, { status: 500 }, { status: 500 });
    const error = await handler(scheduledEvent() as never, lambdaContext()).catch((e: unknown) => e);
    slack.failNext.length = 0;
    expect(error).toMatchObject({ name: 'DeliveryError' });
    expect(metricLines()).toEqual([expect.objectContaining({ Job: 'audit', JobFailed: 1, Gaps: 1 })]);
  });

  it('counts a complete audit as complete', async () => {
    await startCloud(scenarioWith(compliant));
    const result = await invoke(scheduledEvent());
    expect(result).toMatchObject({ status: 'complete', gaps: 0, notCovered: [] });
    expect(metricLines()).toEqual([expect.objectContaining({ Job: 'audit', JobComplete: 1, JobPartial: 0 })]);
  });
});
