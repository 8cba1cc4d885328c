import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  ListMetricsCommand,
  type MetricAlarm,
  MissingRequiredParameterException,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  PutMetricDataCommand,
  ValidationException,
} from '@aws-sdk/client-cloudwatch';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ControllableClock } from '../../src/clock';
import type { Scenario } from '../../src/scenario';
import { type LocalCloud, startLocalCloud } from '../../src/server';
import type { AlarmTransition, MetricAlarmRecord } from '../../src/services/cloudwatch';

const NOW = '2026-08-12T04:10:00.000Z';
const ACCOUNT = '123456789012';
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:mqops-alarms`;
const at = (iso: string) => new Date(iso);
const minutesAfter = (n: number) => new Date(Date.parse(NOW) + n * 60_000);

const scenario: Scenario = {
  now: NOW,
  topics: [{ Name: 'mqops-alarms' }],
  queues: [{ QueueName: 'DeadLetters' }],
  brokers: [
    {
      BrokerName: 'orders',
      EngineType: 'ACTIVEMQ',
      EngineVersion: '5.18',
      DeploymentMode: 'SINGLE_INSTANCE',
      HostInstanceType: 'mq.m5.large',
      Metrics: { CpuUtilization: 95 },
    },
  ],
};

/** An EMF line as functions/lib/job-metric.ts writes it (at the local cloud's time). */
const jobOutcomeLine = (job: string, failed: number, timestamp: number) =>
  JSON.stringify({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: 'mqops',
          Dimensions: [['Job']],
          Metrics: ['JobComplete', 'JobPartial', 'JobFailed', 'Gaps'].map((Name) => ({
            Name,
            Unit: 'Count',
          })),
        },
      ],
    },
    Job: job,
    JobComplete: 1 - failed,
    JobPartial: 0,
    JobFailed: failed,
    Gaps: 0,
  });

describe('local CloudWatch: stored metrics, Embedded Metric Format and metric alarm evaluation', () => {
  let cloud: LocalCloud;
  let cw: CloudWatchClient;
  let sqs: SQSClient;
  const transitions: AlarmTransition[] = [];
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (e: unknown) => e,
    );
  const alarm = async (name: string): Promise<MetricAlarm | undefined> =>
    (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms?.[0];
  const sum = async (
    namespace: string,
    metricName: string,
    dims: { Name: string; Value: string }[],
    stat = 'Sum',
  ) =>
    (
      await cw.send(
        new GetMetricDataCommand({
          StartTime: new Date(cloud.clock.now().getTime() - 300_000),
          EndTime: new Date(cloud.clock.now().getTime() + 60_000),
          ScanBy: 'TimestampAscending',
          MetricDataQueries: [
            {
              Id: 'm',
              MetricStat: {
                Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dims },
                Period: 60,
                Stat: stat,
              },
            },
          ],
        }),
      )
    ).MetricDataResults?.[0];

  beforeAll(async () => {
    cloud = await startLocalCloud({ scenario, clock: new ControllableClock(NOW, { frozen: true }) });
    cw = new CloudWatchClient({ ...cloud.clientConfig(), maxAttempts: 1 });
    sqs = new SQSClient({ ...cloud.clientConfig(), maxAttempts: 1 });
    cloud.world.cloudwatch.onStateChange((t: AlarmTransition, _alarm: MetricAlarmRecord) => {
      transitions.push(t);
    });
  });
  afterAll(async () => {
    cw.destroy();
    sqs.destroy();
    await cloud.stop();
  });
  beforeEach(() => cloud.faults.clear());

  describe('PutMetricData', () => {
    it('stores values, value sets and statistic sets that GetMetricData and GetMetricStatistics answer', async () => {
      // prepare
      const dims = [{ Name: 'Job', Value: 'put-1' }];
      // act
      await cw.send(
        new PutMetricDataCommand({
          Namespace: 'mqops-test',
          MetricData: [
            { MetricName: 'Latency', Dimensions: dims, Value: 10, Unit: 'Milliseconds', Timestamp: at(NOW) },
            {
              MetricName: 'Latency',
              Dimensions: dims,
              Values: [20, 30],
              Counts: [1, 2],
              Unit: 'Milliseconds',
              Timestamp: minutesAfter(0.5),
            },
            {
              MetricName: 'Latency',
              Dimensions: dims,
              StatisticValues: { SampleCount: 2, Sum: 10, Minimum: 4, Maximum: 6 },
              Unit: 'Milliseconds',
              Timestamp: minutesAfter(1),
            },
          ],
        }),
      );
      const data = await cw.send(
        new GetMetricDataCommand({
          StartTime: at(NOW),
          EndTime: minutesAfter(2),
          ScanBy: 'TimestampAscending',
          MetricDataQueries: ['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount', 'p50'].map((Stat) => ({
            Id: Stat.toLowerCase(),
            MetricStat: {
              Metric: { Namespace: 'mqops-test', MetricName: 'Latency', Dimensions: dims },
              Period: 60,
              Stat,
            },
          })),
        }),
      );
      const statistics = await cw.send(
        new GetMetricStatisticsCommand({
          Namespace: 'mqops-test',
          MetricName: 'Latency',
          Dimensions: dims,
          StartTime: at(NOW),
          EndTime: minutesAfter(2),
          Period: 120,
          Statistics: ['Sum', 'SampleCount', 'Maximum'],
        }),
      );
      const listed = await cw.send(new ListMetricsCommand({ Namespace: 'mqops-test' }));
      // assess
      const values = Object.fromEntries((data.MetricDataResults ?? []).map((r) => [r.Id, r.Values]));
      expect(data.MetricDataResults?.[0]?.Timestamps).toEqual([at(NOW), minutesAfter(1)]);
      expect(values).toEqual({
        sum: [90, 10],
        average: [22.5, 5],
        maximum: [30, 6],
        minimum: [10, 4],
        samplecount: [4, 2],
        p50: [20], // a statistic set has no distribution: no percentile for the second minute
      });
      expect(statistics.Datapoints).toEqual([
        { Timestamp: at(NOW), Sum: 100, SampleCount: 6, Maximum: 30, Unit: 'Milliseconds' },
      ]);
      expect(listed.Metrics).toEqual([{ Namespace: 'mqops-test', MetricName: 'Latency', Dimensions: dims }]);
    });

    it('accepts the gzip body the SDK sends for a large request', async () => {
      // prepare: well over the SDK's 10 KiB compression threshold
      const MetricData = Array.from({ length: 300 }, (_, i) => ({
        MetricName: 'Bulk',
        Dimensions: [{ Name: 'Item', Value: `item-${i % 3}-${'x'.repeat(40)}` }],
        Value: 1,
        Timestamp: at(NOW),
      }));
      // act
      await cw.send(new PutMetricDataCommand({ Namespace: 'mqops-bulk', MetricData }));
      // assess
      const stored = cloud.world.cloudwatch.storedDatapoints('mqops-bulk', 'Bulk', [
        { Name: 'Item', Value: `item-0-${'x'.repeat(40)}` },
      ]);
      expect(stored).toHaveLength(100);
      expect(cloud.requests.at(-1)).toMatchObject({ operation: 'PutMetricData', status: 200 });
    });

    it('validates as CloudWatch does, storing nothing of a refused request', async () => {
      // act
      const reserved = await failure(
        cw.send(
          new PutMetricDataCommand({ Namespace: 'AWS/SQS', MetricData: [{ MetricName: 'x', Value: 1 }] }),
        ),
      );
      const both = await failure(
        cw.send(
          new PutMetricDataCommand({
            Namespace: 'mqops-bad',
            MetricData: [
              { MetricName: 'ok', Value: 1 },
              {
                MetricName: 'x',
                Value: 1,
                StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 },
              },
            ],
          }),
        ),
      );
      const old = await failure(
        cw.send(
          new PutMetricDataCommand({
            Namespace: 'mqops-bad',
            MetricData: [
              { MetricName: 'x', Value: 1, Timestamp: new Date(Date.parse(NOW) - 15 * 86_400_000) },
            ],
          }),
        ),
      );
      const future = await failure(
        cw.send(
          new PutMetricDataCommand({
            Namespace: 'mqops-bad',
            MetricData: [{ MetricName: 'x', Value: 1, Timestamp: new Date(Date.parse(NOW) + 3 * 3_600_000) }],
          }),
        ),
      );
      const nan = await failure(
        cw.send(
          new PutMetricDataCommand({
            Namespace: 'mqops-bad',
            MetricData: [{ MetricName: 'x', Value: Number.NaN }],
          }),
        ),
      );
      const noValue = await failure(
        cw.send(new PutMetricDataCommand({ Namespace: 'mqops-bad', MetricData: [{ MetricName: 'x' }] })),
      );
      const badUnit = await failure(
        cw.send(
          new PutMetricDataCommand({
            Namespace: 'mqops-bad',
            MetricData: [{ MetricName: 'x', Value: 1, Unit: 'Parsecs' as never }],
          }),
        ),
      );
      // assess
      expect(reserved).toBeInstanceOf(InvalidParameterValueException);
      expect(both).toBeInstanceOf(InvalidParameterCombinationException);
      expect(old).toBeInstanceOf(InvalidParameterValueException);
      expect(future).toBeInstanceOf(InvalidParameterValueException);
      expect(nan).toBeInstanceOf(InvalidParameterValueException);
      expect(noValue).toBeInstanceOf(MissingRequiredParameterException);
      expect(badUnit).toBeInstanceOf(ValidationException);
      expect(cloud.world.cloudwatch.storedDatapoints('mqops-bad', 'ok', [])).toEqual([]);
    });
  });

  describe('Embedded Metric Format', () => {
    it('stores every metric of every directive with each dimension set; ignores other and malformed lines', async () => {
      // prepare
      const now = cloud.clock.now().getTime();
      const output = [
        'START RequestId: 6f8c Version: $LATEST',
        JSON.stringify({
          _aws: {
            Timestamp: now,
            CloudWatchMetrics: [
              {
                Namespace: 'mqops',
                Dimensions: [['Job'], ['Service']],
                Metrics: [
                  { Name: 'AlertsDelivered', Unit: 'Count' },
                  { Name: 'AlertsAbandoned', Unit: 'Count' },
                ],
              },
            ],
          },
          Job: 'emf-flush',
          Service: 'mqops-emf',
          AlertsDelivered: 3,
          AlertsAbandoned: 2,
        }),
        '{"level":"INFO","message":"flushed"}',
        '{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"mqops","Dimensions":[["Job"]],"Metrics":[{"Name":"X"}]}]},"Job":"x","X":1}',
        '{"_aws": broken',
      ].join('\n');
      // act
      const stored = cloud.world.cloudwatch.ingestEmf(output);
      // assess
      expect(stored).toBe(4);
      expect((await sum('mqops', 'AlertsAbandoned', [{ Name: 'Job', Value: 'emf-flush' }]))?.Values).toEqual([
        2,
      ]);
      expect(
        (await sum('mqops', 'AlertsAbandoned', [{ Name: 'Service', Value: 'mqops-emf' }]))?.Values,
      ).toEqual([2]);
      expect((await sum('mqops', 'AlertsDelivered', [{ Name: 'Job', Value: 'emf-flush' }]))?.Values).toEqual([
        3,
      ]);
      expect(cloud.world.cloudwatch.ingestEmf('{"_aws":{"Timestamp":"soon"}}')).toBe(0);
    });
  });

  describe('metric alarm evaluation', () => {
    const jobFailedAlarm: PutMetricAlarmCommandInput = {
      AlarmName: 'mqops-audit-failed',
      Namespace: 'mqops',
      MetricName: 'JobFailed',
      Dimensions: [{ Name: 'Job', Value: 'audit' }],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [TOPIC],
      OKActions: [TOPIC],
    };

    it('an mqops JobFailed alarm goes ALARM on one EMF line, notifies SNS and listeners, and OK after a period with no data', async () => {
      // prepare
      await cw.send(new PutMetricAlarmCommand(jobFailedAlarm));
      const published = cloud.world.sns.published.length;
      const heard = transitions.length;
      // act
      cloud.world.cloudwatch.ingestEmf(jobOutcomeLine('audit', 1, cloud.clock.now().getTime()));
      const raised = await alarm('mqops-audit-failed');
      cloud.clock.advance(60_000); // 04:11:00: the minute of the datapoint is over, the next one not yet
      const stillRaised = await alarm('mqops-audit-failed');
      cloud.clock.advance(60_000); // 04:12:00: the minute 04:11 passed without data
      const cleared = await alarm('mqops-audit-failed');
      // assess
      expect(raised?.StateValue).toBe('ALARM');
      expect(raised?.StateReason).toBe(
        'Threshold Crossed: 1 out of the last 1 datapoints [1.0 (12/08/26 04:10:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for INSUFFICIENT_DATA -> ALARM transition).',
      );
      expect(JSON.parse(raised?.StateReasonData ?? '{}')).toMatchObject({
        version: '1.0',
        statistic: 'Sum',
        period: 60,
        recentDatapoints: [1],
        threshold: 1,
        evaluatedDatapoints: [{ timestamp: '2026-08-12T04:10:00.000+0000', sampleCount: 1, value: 1 }],
      });
      expect(stillRaised?.StateValue).toBe('ALARM');
      expect(cleared?.StateValue).toBe('OK');
      expect(cleared?.StateReason).toBe(
        'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].',
      );
      const sent = cloud.world.sns.published.slice(published);
      expect(sent.map((m) => [m.topicArn, m.subject])).toEqual([
        [TOPIC, 'ALARM: "mqops-audit-failed" in US East (N. Virginia)'],
        [TOPIC, 'OK: "mqops-audit-failed" in US East (N. Virginia)'],
      ]);
      expect(JSON.parse(sent[0]?.message ?? '{}')).toMatchObject({
        AlarmName: 'mqops-audit-failed',
        NewStateValue: 'ALARM',
        Trigger: { MetricName: 'JobFailed', Namespace: 'mqops', Statistic: 'SUM', Period: 60 },
      });
      expect(transitions.slice(heard).map((t) => [t.alarmName, t.oldState, t.newState])).toEqual([
        ['mqops-audit-failed', 'INSUFFICIENT_DATA', 'ALARM'],
        ['mqops-audit-failed', 'ALARM', 'OK'],
      ]);
    });

    it('a job that did not fail (JobFailed 0) keeps the alarm OK; a datapoint of another job is not its metric', async () => {
      // prepare
      await cw.send(
        new PutMetricAlarmCommand({
          ...jobFailedAlarm,
          AlarmName: 'mqops-rotate-failed',
          Dimensions: [{ Name: 'Job', Value: 'rotate' }],
        }),
      );
      const now = cloud.clock.now().getTime();
      // act
      cloud.world.cloudwatch.ingestEmf(jobOutcomeLine('rotate', 0, now));
      const afterSuccess = await alarm('mqops-rotate-failed');
      cloud.world.cloudwatch.ingestEmf(jobOutcomeLine('someone-else', 1, now));
      const afterOther = await alarm('mqops-rotate-failed');
      // assess
      expect(afterSuccess?.StateValue).toBe('OK');
      expect(afterOther?.StateValue).toBe('OK');
    });

    it('a PutMetricData datapoint alarms too, with DatapointsToAlarm 2 of 3 and missing data treated as breaching', async () => {
      // prepare
      await cw.send(
        new PutMetricAlarmCommand({
          AlarmName: 'mqops-gaps',
          Namespace: 'mqops-m-of-n',
          MetricName: 'Gaps',
          Statistic: 'Maximum',
          Period: 60,
          EvaluationPeriods: 3,
          DatapointsToAlarm: 2,
          Threshold: 5,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'breaching',
        }),
      );
      const put = (value: number) =>
        cw.send(
          new PutMetricDataCommand({
            Namespace: 'mqops-m-of-n',
            MetricData: [{ MetricName: 'Gaps', Value: value }],
          }),
        );
      // act
      await put(1);
      const oneGood = await alarm('mqops-gaps'); // the 2 periods before, without data, count as breaching
      await put(2);
      cloud.clock.advance(60_000);
      await put(1);
      const twoGood = await alarm('mqops-gaps');
      cloud.clock.advance(60_000);
      await put(1);
      cloud.clock.advance(60_000);
      await put(9);
      const oneBad = await alarm('mqops-gaps');
      cloud.clock.advance(60_000);
      const notYet = await alarm('mqops-gaps'); // a period without data yet is not missing before it is over
      await put(7);
      const twoBad = await alarm('mqops-gaps');
      // assess
      expect(oneGood?.StateValue).toBe('ALARM');
      expect(twoGood?.StateValue).toBe('OK');
      expect(oneBad?.StateValue).toBe('OK');
      expect(notYet?.StateValue).toBe('OK');
      expect(twoBad?.StateValue).toBe('ALARM');
      expect(twoBad?.StateReason).toMatch(
        /^Threshold Crossed: 2 out of the last 3 datapoints \[7\.0 \(12\/08\/26 04:\d\d:00\), 9\.0 \(12\/08\/26 04:\d\d:00\)\] were greater than the threshold \(5\.0\) \(minimum 2 datapoints for OK -> ALARM transition\)\.$/,
      );
    });

    it('an SQS queue-depth alarm goes ALARM on one SendMessage and OK once the message is no longer visible', async () => {
      // prepare
      await cw.send(
        new PutMetricAlarmCommand({
          AlarmName: 'mqops-dead-letters',
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: 'DeadLetters' }],
          Statistic: 'Maximum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: [TOPIC],
        }),
      );
      const initially = await alarm('mqops-dead-letters');
      const QueueUrl = cloud.world.sqs.queueUrl('DeadLetters');
      // act
      await sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: '{"refused":true}',
          MessageAttributes: { ErrorCode: { DataType: 'String', StringValue: 'InvalidInputError' } },
        }),
      );
      const raised = await alarm('mqops-dead-letters');
      const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 30 }));
      const inFlight = await alarm('mqops-dead-letters');
      cloud.clock.advance(30_000); // the visibility timeout runs out: visible again
      const visibleAgain = await alarm('mqops-dead-letters');
      const second = await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 30 }));
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl, ReceiptHandle: second.Messages?.[0]?.ReceiptHandle }),
      );
      cloud.clock.advance(30_000);
      const deleted = await alarm('mqops-dead-letters');
      const sent = await sum('AWS/SQS', 'NumberOfMessagesSent', [
        { Name: 'QueueName', Value: 'DeadLetters' },
      ]);
      const visible = await sum(
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        [{ Name: 'QueueName', Value: 'DeadLetters' }],
        'Maximum',
      );
      // assess
      expect(initially?.StateValue).toBe('OK'); // an empty queue reports 0
      expect(raised?.StateValue).toBe('ALARM');
      expect(raised?.StateReason).toMatch(
        /^Threshold Crossed: 1 out of the last 1 datapoints \[1\.0 \(12\/08\/26 04:\d\d:00\)\]/,
      );
      expect(first.Messages).toHaveLength(1);
      expect(inFlight?.StateValue).toBe('OK'); // in flight is not visible
      expect(visibleAgain?.StateValue).toBe('ALARM');
      expect(deleted?.StateValue).toBe('OK');
      expect(sent?.Values?.reduce((a, b) => a + b, 0)).toBe(1);
      expect(visible?.Values?.slice(-2)).toEqual([0, 0]);
    });

    it('an AWS/Lambda Errors alarm goes ALARM when an invocation fails', async () => {
      // prepare
      const lambda = new LambdaClient({ ...cloud.clientConfig(), maxAttempts: 1 });
      cloud.world.lambda.register('mqops-alerts', async (event: { fail?: boolean }) => {
        if (event.fail) throw new Error('refused');
        return 'ok';
      });
      await cw.send(
        new PutMetricAlarmCommand({
          AlarmName: 'mqops-alerts-errors',
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: 'mqops-alerts' }],
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
        }),
      );
      const invoke = (fail: boolean) =>
        lambda.send(new InvokeCommand({ FunctionName: 'mqops-alerts', Payload: JSON.stringify({ fail }) }));
      try {
        // act
        await invoke(false);
        const afterSuccess = await alarm('mqops-alerts-errors');
        await invoke(true);
        const afterFailure = await alarm('mqops-alerts-errors');
        const invocations = await sum('AWS/Lambda', 'Invocations', [
          { Name: 'FunctionName', Value: 'mqops-alerts' },
        ]);
        // assess
        expect(afterSuccess?.StateValue).toBe('OK');
        expect(afterFailure?.StateValue).toBe('ALARM');
        expect(invocations?.Values?.reduce((a, b) => a + b, 0)).toBe(2);
      } finally {
        lambda.destroy();
      }
    });

    it('keeps alarms on synthesized Amazon MQ series in the state they were given', async () => {
      // prepare / act: CPU is 95 in the scenario, over the threshold
      await cw.send(
        new PutMetricAlarmCommand({
          AlarmName: 'orders-cpu',
          Namespace: 'AWS/AmazonMQ',
          MetricName: 'CpuUtilization',
          Dimensions: [{ Name: 'Broker', Value: 'orders-1' }],
          Statistic: 'Average',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 80,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      );
      cloud.clock.advance(120_000);
      // assess
      expect((await alarm('orders-cpu'))?.StateValue).toBe('INSUFFICIENT_DATA');
    });
  });
});

describe('local CloudWatch on a running clock', () => {
  it('evaluates alarms every second as time passes: a message visible again raises the alarm with no request', async () => {
    // prepare
    const cloud = await startLocalCloud({ scenario: { queues: [{ QueueName: 'DeadLetters' }] } });
    const cw = new CloudWatchClient({ ...cloud.clientConfig(), maxAttempts: 1 });
    const sqs = new SQSClient({ ...cloud.clientConfig(), maxAttempts: 1 });
    const state = () => cloud.world.cloudwatch.alarms.get('dlq')?.StateValue;
    try {
      await cw.send(
        new PutMetricAlarmCommand({
          AlarmName: 'dlq',
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: 'DeadLetters' }],
          Statistic: 'Maximum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        }),
      );
      const QueueUrl = cloud.world.sqs.queueUrl('DeadLetters');
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
      await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 1 }));
      const whileInFlight = state();
      // act: nothing but time
      const deadline = Date.now() + 5_000;
      while (state() !== 'ALARM' && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      // assess
      expect(whileInFlight).toBe('OK');
      expect(state()).toBe('ALARM');
    } finally {
      cw.destroy();
      sqs.destroy();
      await cloud.stop();
    }
  });
});
