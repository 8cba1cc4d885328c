/**
 * bench/alert-storm, run with `npm run bench:alerts`: 1,000 CloudWatch alarm state changes across 100 brokers in
 * one burst, through the real handler path (functions/alerts.ts → AlertEngine → DynamoDB through the real SDK),
 * then the scheduled flusher (functions/alert-flush.ts → GetMetricData, DescribeBroker, Slack, SNS) once group_wait
 * has passed.
 *
 * The "outside world" (the local cloud: DynamoDB, Amazon MQ, CloudWatch, SNS; and the real local Slack receiver) runs
 * in a child process, so its work does not count as mqops's and the receiver's timestamps are taken away from the
 * sender's event loop. Half of the events arrive as SNS alarm notifications (what CloudWatch published to the
 * alarm's topic), half as EventBridge "CloudWatch Alarm State Change" events, interleaved across brokers (a seeded
 * shuffle); the burst is sent with CONCURRENCY invocations at a time (Lambda runs concurrent invocations of one
 * function, and they race on the same alert groups).
 *
 * Checks (the script exits 1 when one fails):
 * - grouped: one Slack message and one SNS publish per broker (group_by broker), none before group_wait;
 * - none lost: every alarm is in exactly one Slack message and in exactly one SNS JSON message;
 * - rate: no more than one message per second per Slack channel (routes by the broker's `team` tag → 4 channels),
 *   measured from the receiver's arrival times, with 429s + Retry-After injected on the way;
 * - dedup: 100 re-delivered events record nothing and send nothing.
 * Results: bench/results/alert-storm.json; see bench/ALERT-STORM.md.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createKeyValueTable } from '@mqops/aws/dynamodb-kv-table';
import { envNumber } from './common';

const BROKERS = envNumber('BENCH_BROKERS', 100);
const ALARMS_PER_BROKER = 10;
/** Invocations of the alert function running at once during the burst. */
const CONCURRENCY = envNumber('BENCH_CONCURRENCY', 25);
/** Re-delivered events (EventBridge and SNS are at-least-once). */
const REDELIVERIES = envNumber('BENCH_REDELIVERIES', 100);
/** HTTP 429 answers (Retry-After 1 s) the Slack receiver gives during the flush. */
const RATE_LIMITS = envNumber('BENCH_429', 3);
const TEAMS = ['team-a', 'team-b', 'team-c', 'team-d'];
const START = '2026-11-25T12:00:00.000Z';
const ACCOUNT = '123456789012';
const ALERT_TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:mqops-alerts`;
const ALARM_TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:alarm-actions`;
const TABLE = 'mqops-state';

const ACTIVEMQ_METRICS = [
  ['cpu', 'CpuUtilization', 85],
  ['heap', 'HeapUsage', 80],
  ['store', 'StorePercentUsage', 90],
  ['temp', 'TempPercentUsage', 90],
  ['scheduler', 'JobSchedulerStorePercentUsage', 90],
  ['connections', 'CurrentConnectionsCount', 800],
  ['messages', 'TotalMessageCount', 100_000],
  ['consumers', 'TotalConsumerCount', 1000],
  ['producers', 'TotalProducerCount', 1000],
  ['journal', 'JournalFilesForFullRecovery', 50],
] as const;
const RABBITMQ_METRICS = [
  ['cpu', 'SystemCpuUtilization', 85],
  ['memory', 'RabbitMQMemUsed', 3e9],
  ['disk', 'RabbitMQDiskFree', 5e9],
  ['fd', 'RabbitMQFdUsed', 50_000],
  ['connections', 'ConnectionCount', 800],
  ['channels', 'ChannelCount', 4000],
  ['queues', 'QueueCount', 5000],
  ['messages', 'MessageCount', 100_000],
  ['ready', 'MessageReadyCount', 100_000],
  ['unacked', 'MessageUnacknowledgedCount', 10_000],
] as const;

// -----------------------------------------------------------------------------------------------------------------
// The child: local cloud + Slack receiver
// -----------------------------------------------------------------------------------------------------------------

type ToChild = { type: 'fire' } | { type: 'fail429'; count: number } | { type: 'report' } | { type: 'stop' };
interface SlackArrival {
  path: string;
  at: number;
  body: unknown;
}
type FromChild =
  | {
      type: 'ready';
      endpoint: string;
      region: string;
      credentials: { accessKeyId: string; secretAccessKey: string };
      slackUrl: string;
    }
  | { type: 'fired'; events: unknown[]; alarms: string[] }
  | { type: 'ok' }
  | {
      type: 'report';
      slack: SlackArrival[];
      sns: { message: string; subject?: string; attributes: Record<string, string | undefined> }[];
      requests: Record<string, number>;
      /** 429 answers the receiver actually gave (of those injected). */
      rateLimitedAnswers: number;
    };

async function child(): Promise<void> {
  const { ControllableClock, startLocalCloud } = await import('@mqops/local');
  const { SlackReceiver } = await import('../test/helpers/slack-receiver');
  const brokers = Array.from({ length: BROKERS }, (_, i) => {
    const rabbit = i % 2 === 1;
    const metrics = rabbit ? RABBITMQ_METRICS : ACTIVEMQ_METRICS;
    return {
      BrokerName: `storm-${String(i).padStart(3, '0')}`,
      EngineType: rabbit ? ('RABBITMQ' as const) : ('ACTIVEMQ' as const),
      EngineVersion: rabbit ? '3.13' : '5.18',
      DeploymentMode: 'SINGLE_INSTANCE' as const,
      HostInstanceType: 'mq.m5.large',
      MaintenanceWindowStartTime: { DayOfWeek: 'SUNDAY', TimeOfDay: '03:00', TimeZone: 'UTC' },
      Tags: { team: TEAMS[i % TEAMS.length] as string },
      Metrics: Object.fromEntries(
        metrics.map(([, metric, threshold]) => [
          metric,
          { base: threshold * 0.8, amplitude: threshold * 0.25, periodMinutes: 90 },
        ]),
      ),
      Backing: 'none' as const,
    };
  });
  const alarms = brokers.flatMap((b) =>
    (b.EngineType === 'RABBITMQ' ? RABBITMQ_METRICS : ACTIVEMQ_METRICS).map(([key, metric, threshold]) => ({
      AlarmName: `mqops-${b.BrokerName}-${key}`,
      AlarmDescription: `mqops: ${metric} of broker ${b.BrokerName}`,
      Namespace: 'AWS/AmazonMQ',
      MetricName: metric,
      Dimensions: [
        { Name: 'Broker', Value: b.EngineType === 'ACTIVEMQ' ? `${b.BrokerName}-1` : b.BrokerName },
      ],
      Statistic: 'Average',
      Period: 60,
      EvaluationPeriods: 3,
      Threshold: threshold,
      ComparisonOperator:
        metric === 'RabbitMQDiskFree' ? 'LessThanThreshold' : 'GreaterThanOrEqualToThreshold',
      AlarmActions: [ALARM_TOPIC],
      OKActions: [ALARM_TOPIC],
      StateValue: 'OK' as const,
    })),
  );
  const cloud = await startLocalCloud({
    scenario: {
      accountId: ACCOUNT,
      region: 'us-east-1',
      now: START,
      brokers,
      alarms,
      topics: [{ Name: 'mqops-alerts' }, { Name: 'alarm-actions' }],
    },
    clock: new ControllableClock(START, { frozen: true }),
  });
  const receiver = await new SlackReceiver().start();
  const arrivals: SlackArrival[] = [];
  // The receiver records bodies; the benchmark also needs each arrival's time.
  receiver.messages.push = (...items) => {
    for (const item of items) arrivals.push({ path: item.path, at: Date.now(), body: item.body });
    return Array.prototype.push.apply(receiver.messages, items);
  };
  const send = (m: FromChild) => process.send?.(m);
  let injected = 0;

  process.on('message', async (m: ToChild) => {
    if (m.type === 'fire') {
      const events: unknown[] = [];
      const cw = cloud.world.cloudwatch;
      for (const [i, alarm] of alarms.entries()) {
        const t = cw.setAlarmState(
          alarm.AlarmName,
          'ALARM',
          'Threshold Crossed: 3 out of the last 3 datapoints',
        );
        if (!t) throw new Error(`no transition for ${alarm.AlarmName}`);
        const record = cw.alarms.get(alarm.AlarmName);
        if (i % 2 === 0) {
          const published = cloud.world.sns.published.at(-1);
          events.push({
            Records: [
              {
                EventSource: 'aws:sns',
                EventVersion: '1.0',
                EventSubscriptionArn: `${ALARM_TOPIC}:bench`,
                Sns: {
                  Type: 'Notification',
                  MessageId: published?.messageId,
                  TopicArn: ALARM_TOPIC,
                  Subject: published?.subject,
                  Message: published?.message,
                  Timestamp: published?.at,
                },
              },
            ],
          });
        } else {
          const stamp = t.at.toISOString().replace('Z', '+0000');
          events.push({
            version: '0',
            id: crypto.randomUUID(),
            'detail-type': 'CloudWatch Alarm State Change',
            source: 'aws.cloudwatch',
            account: ACCOUNT,
            time: t.at.toISOString(),
            region: 'us-east-1',
            resources: [t.alarmArn],
            detail: {
              alarmName: t.alarmName,
              state: { value: t.newState, reason: t.reason, timestamp: stamp },
              previousState: { value: t.oldState, reason: '', timestamp: stamp },
              configuration: {
                description: record?.AlarmDescription,
                metrics: [
                  {
                    id: 'm1',
                    metricStat: {
                      metric: {
                        namespace: record?.Namespace,
                        name: record?.MetricName,
                        dimensions: Object.fromEntries(
                          (record?.Dimensions ?? []).map((d) => [d.Name, d.Value]),
                        ),
                      },
                      period: record?.Period,
                      stat: record?.Statistic,
                    },
                    returnData: true,
                  },
                ],
              },
            },
          });
        }
      }
      send({ type: 'fired', events, alarms: alarms.map((a) => a.AlarmName) });
    } else if (m.type === 'fail429') {
      injected += m.count;
      for (let i = 0; i < m.count; i++) receiver.failNext.push({ status: 429, retryAfter: 1 });
      send({ type: 'ok' });
    } else if (m.type === 'report') {
      const requests: Record<string, number> = {};
      for (const r of cloud.requests) {
        const key = `${r.service}:${r.operation}`;
        requests[key] = (requests[key] ?? 0) + 1;
      }
      send({
        type: 'report',
        slack: arrivals,
        sns: cloud.world.sns.published
          .filter((p) => p.topicArn === ALERT_TOPIC)
          .map((p) => ({
            message: p.message,
            subject: p.subject,
            attributes: Object.fromEntries(
              Object.entries(p.messageAttributes).map(([k, v]) => [k, v.StringValue]),
            ),
          })),
        requests,
        rateLimitedAnswers: injected - receiver.failNext.length,
      });
    } else {
      await receiver.stop();
      await cloud.stop();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({
    type: 'ready',
    endpoint: cloud.endpoint,
    region: cloud.region,
    credentials: cloud.credentials,
    slackUrl: receiver.url,
  });
}

// -----------------------------------------------------------------------------------------------------------------
// The parent: mqops
// -----------------------------------------------------------------------------------------------------------------

function startChild(): {
  proc: ChildProcess;
  next: <K extends FromChild['type']>(type: K) => Promise<Extract<FromChild, { type: K }>>;
} {
  // tsx's loader comes along in execArgv.
  const proc = fork(import.meta.filename, ['--world'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <K extends FromChild['type']>(type: K) =>
    new Promise<Extract<FromChild, { type: K }>>((resolve, reject) => {
      const onMessage = (m: FromChild) => {
        if (m.type !== type) return;
        proc.off('message', onMessage);
        proc.off('exit', onExit);
        resolve(m as Extract<FromChild, { type: K }>);
      };
      const onExit = (code: number | null) => reject(new Error(`the local cloud exited (${code})`));
      proc.on('message', onMessage);
      proc.on('exit', onExit);
    });
  return { proc, next };
}

/** Fisher–Yates with a small seeded generator (mulberry32), so every run sends the same order. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

async function parent(): Promise<void> {
  const world = startChild();
  const ready = await world.next('ready');
  const webhook = (team: string) => ready.slackUrl.replace(/local-test-webhook$/, team);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: ready.endpoint,
    AWS_REGION: ready.region,
    AWS_ACCESS_KEY_ID: ready.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ready.credentials.secretAccessKey,
    MQOPS_STATE_TABLE: TABLE,
    MQOPS_SLACK_WEBHOOK_URL: webhook('default'),
    MQOPS_SLACK_WEBHOOKS: JSON.stringify(Object.fromEntries(TEAMS.map((t) => [t, webhook(t)]))),
    MQOPS_ALERT_TOPIC_ARN: ALERT_TOPIC,
    MQOPS_ALERTS_CONFIG: JSON.stringify({
      routes: TEAMS.map((team) => ({ match: { tags: { team } }, slack: team, sns: 'default' })),
    }),
    // The functions' logs would drown the benchmark's output.
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  delete process.env.AWS_PROFILE;
  const dynamodb = new DynamoDBClient({});
  await createKeyValueTable(dynamodb, TABLE);
  dynamodb.destroy();

  // Imported after the environment is set (the logger reads its level when created).
  const { makeAlertsHandler } = await import('../functions/alerts');
  const { makeAlertFlushHandler } = await import('../functions/alert-flush');
  const { lambdaContext, scheduledEvent } = await import('../test/helpers/lambda');
  let now = new Date(START);
  const alerts = makeAlertsHandler({ now: () => now });
  const flush = makeAlertFlushHandler({ now: () => now });

  world.proc.send({ type: 'fire' } satisfies ToChild);
  const fired = await world.next('fired');
  const alarms = fired.alarms;
  // A storm arrives interleaved across brokers, not broker by broker: a seeded shuffle, the same every run.
  const events = shuffle(fired.events, 42);

  // Warm-up: the first invocation builds the clients (a cold start); not counted.
  await alerts(events[0] as never, lambdaContext('mqops-alerts'));

  // The burst.
  const latencies: number[] = [];
  const outcomes = { recorded: 0, duplicates: 0, ignored: 0, sentAtOnce: 0 };
  let nextEvent = 1;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (nextEvent < events.length) {
        const event = events[nextEvent++];
        const started = performance.now();
        const r = (await alerts(event as never, lambdaContext('mqops-alerts'))) as {
          recorded: number;
          duplicates: number;
          ignored: number;
          sent: number;
        };
        latencies.push(performance.now() - started);
        outcomes.recorded += r.recorded;
        outcomes.duplicates += r.duplicates;
        outcomes.ignored += r.ignored;
        outcomes.sentAtOnce += r.sent;
      }
    }),
  );
  const burstMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  outcomes.recorded += 1; // the warm-up event
  latencies.sort((a, b) => a - b);

  // Re-deliveries of events already recorded.
  const redelivered = { events: 0, recorded: 0, duplicates: 0, sent: 0 };
  for (let i = 0; i < REDELIVERIES; i++) {
    const event = events[(i * 37) % events.length];
    const r = (await alerts(event as never, lambdaContext('mqops-alerts'))) as {
      recorded: number;
      duplicates: number;
      sent: number;
    };
    redelivered.events++;
    redelivered.recorded += r.recorded;
    redelivered.duplicates += r.duplicates;
    redelivered.sent += r.sent;
  }

  // Before group_wait: nothing goes out.
  now = new Date(Date.parse(START) + 29_000);
  const early = (await flush(
    scheduledEvent(now.toISOString()) as never,
    lambdaContext('mqops-alert-flush'),
  )) as {
    sent: number;
  };

  // After group_wait: the flusher sends every group (Slack paced per channel, with 429s injected).
  world.proc.send({ type: 'fail429', count: RATE_LIMITS } satisfies ToChild);
  await world.next('ok');
  now = new Date(Date.parse(START) + 35_000);
  const f0 = performance.now();
  const flushed = (await flush(
    scheduledEvent(now.toISOString()) as never,
    lambdaContext('mqops-alert-flush'),
  )) as {
    groups: number;
    sent: number;
    failed: number;
    abandoned: number;
    deferred: number;
  };
  const flushMs = performance.now() - f0;
  // A second run a minute later must find nothing left (nothing deferred or failed).
  now = new Date(Date.parse(START) + 95_000);
  const second = (await flush(
    scheduledEvent(now.toISOString()) as never,
    lambdaContext('mqops-alert-flush'),
  )) as {
    sent: number;
  };

  world.proc.send({ type: 'report' } satisfies ToChild);
  const report = await world.next('report');
  world.proc.send({ type: 'stop' } satisfies ToChild);

  // Accounting: every alarm in exactly one Slack message and one SNS JSON message.
  const inSlack = new Map<string, number>();
  for (const m of report.slack) {
    const text = JSON.stringify(m.body);
    for (const name of alarms)
      if (text.includes(`\`${name}\``)) inSlack.set(name, (inSlack.get(name) ?? 0) + 1);
  }
  const inSns = new Map<string, number>();
  for (const p of report.sns) {
    const json = JSON.parse(JSON.parse(p.message).sqs) as { firing: { alarmName: string }[] };
    for (const a of json.firing) inSns.set(a.alarmName, (inSns.get(a.alarmName) ?? 0) + 1);
  }
  const missingSlack = alarms.filter((a) => !inSlack.has(a));
  const missingSns = alarms.filter((a) => !inSns.has(a));
  const twiceSlack = [...inSlack.values()].filter((n) => n > 1).length;
  const twiceSns = [...inSns.values()].filter((n) => n > 1).length;

  // Rate per channel, from the receiver's arrival times.
  const channels: Record<
    string,
    { messages: number; minGapMs: number; maxInAnySecond: number; spanS: number }
  > = {};
  for (const path of new Set(report.slack.map((m) => m.path))) {
    const times = report.slack
      .filter((m) => m.path === path)
      .map((m) => m.at)
      .sort((a, b) => a - b);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    let maxInAnySecond = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while ((times[i] ?? 0) - (times[j] ?? 0) >= 1000) j++;
      maxInAnySecond = Math.max(maxInAnySecond, i - j + 1);
    }
    const name = path.split('/').pop() ?? path;
    channels[name] = {
      messages: times.length,
      minGapMs: gaps.length ? Math.min(...gaps) : 0,
      maxInAnySecond,
      spanS: round(((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000, 1),
    };
  }

  const dynamoWrites =
    (report.requests['dynamodb:PutItem'] ?? 0) + (report.requests['dynamodb:DeleteItem'] ?? 0);
  const dynamoReads = (report.requests['dynamodb:GetItem'] ?? 0) + (report.requests['dynamodb:Query'] ?? 0);
  const events1000 = events.length;
  const checks = {
    oneMessagePerBroker: report.slack.length === BROKERS && report.sns.length === BROKERS,
    nothingBeforeGroupWait: early.sent === 0 && outcomes.sentAtOnce === 0,
    noneLost: missingSlack.length === 0 && missingSns.length === 0 && outcomes.recorded === events1000,
    noneTwice: twiceSlack === 0 && twiceSns === 0,
    atMostOnePerSecondPerChannel: Object.values(channels).every((c) => c.maxInAnySecond <= 1),
    rateLimitsHonoured: report.rateLimitedAnswers === RATE_LIMITS,
    duplicatesDropped:
      redelivered.duplicates === REDELIVERIES && redelivered.recorded === 0 && redelivered.sent === 0,
    nothingLeftForNextRun:
      flushed.failed === 0 && flushed.abandoned === 0 && flushed.deferred === 0 && second.sent === 0,
  };
  const result = {
    name: 'alert-storm',
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? '',
      memoryGiB: round(totalmem() / 2 ** 30, 1),
      node: process.version,
    },
    setup: {
      brokers: BROKERS,
      alarmsPerBroker: ALARMS_PER_BROKER,
      events: events1000,
      forms: { sns: Math.ceil(events1000 / 2), eventBridge: Math.floor(events1000 / 2) },
      concurrency: CONCURRENCY,
      groupBy: ['broker'],
      groupWaitSeconds: 30,
      slackChannels: TEAMS.length,
      injected429: RATE_LIMITS,
      store: 'DynamoDB (local cloud, real SDK, conditional writes)',
    },
    burst: {
      wallMs: Math.round(burstMs),
      msPerEvent: round(burstMs / (events1000 - 1)),
      eventsPerSecond: Math.round(((events1000 - 1) / burstMs) * 1000),
      cpuMsPerEvent: round((cpu.user + cpu.system) / 1000 / (events1000 - 1)),
      latencyMs: {
        p50: round(percentile(latencies, 50), 1),
        p95: round(percentile(latencies, 95), 1),
        p99: round(percentile(latencies, 99), 1),
        max: round(latencies.at(-1) ?? 0, 1),
      },
      outcomes,
      dynamodb: {
        writes: dynamoWrites,
        reads: dynamoReads,
        writesPerEvent: round(dynamoWrites / events1000),
      },
    },
    redelivered,
    flush: {
      wallMs: Math.round(flushMs),
      groups: flushed.groups,
      notifications: flushed.sent,
      failed: flushed.failed,
      deferred: flushed.deferred,
      secondRunSent: second.sent,
      getMetricDataCalls: report.requests['monitoring:GetMetricData'] ?? 0,
      describeBrokerCalls: report.requests['mq:DescribeBroker'] ?? 0,
      listBrokersCalls: report.requests['mq:ListBrokers'] ?? 0,
    },
    slack: {
      messages: report.slack.length,
      answered429: report.rateLimitedAnswers,
      channels,
      alarmsInMessages: inSlack.size,
      missing: missingSlack.length,
      inTwoMessages: twiceSlack,
    },
    sns: {
      published: report.sns.length,
      alarmsInMessages: inSns.size,
      missing: missingSns.length,
      inTwoMessages: twiceSns,
    },
    checks,
  };
  writeFileSync(
    join(import.meta.dirname, 'results', 'alert-storm.json'),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  const failed = Object.entries(checks).filter(([, ok]) => !ok);
  if (failed.length) {
    process.stderr.write(`alert-storm: FAILED ${failed.map(([k]) => k).join(', ')}\n`);
    process.exit(1);
  }
  process.stderr.write('alert-storm: all checks passed\n');
  process.exit(0);
}

if (process.argv[2] === '--world') await child();
else await parent();
