/**
 * bench/cost, run with `npm run bench:cost`: an estimated monthly AWS bill of the mqops stack for a fleet of 100
 * brokers, priced from call counts MEASURED against the local cloud, not guessed.
 *
 * What runs: the local cloud (in this process) with a generated 100-broker fleet (bench/fleet.ts: ActiveMQ and
 * RabbitMQ, single-instance, active/standby and cluster brokers, users, configurations, credential secrets) to which
 * this script adds CloudWatch metric specs (busy, idle and steady load profiles, the series rightsizing and the
 * alarms read). Each scheduled function is invoked through its real Lambda handler (middy, the Powertools logger
 * with the Lambda context, the adapters it builds from its environment), with the environment infra/ gives it
 * (`stack.functions[].environment`, resources resolved to local ones: the state table, the state bucket, the alert
 * topic, a local Slack webhook receiver) and the AWS SDK pointed at the local cloud (`cloud.env()`):
 *
 * - Alarms (rate(1 hour)): the first run creates every alarm (one-off); steady runs reconcile an unchanged fleet
 *   (DescribeAlarms pages; the alarms are recognised by the marker in their description, so no ListTagsForResource
 *   unless an `mqops-` alarm lacks it). The adoption of alarms made by an mqops version before the marker (one
 *   ListTagsForResource and one PutMetricAlarm per alarm, once) is measured too, as a one-off.
 * - Watch (rate(2 minutes)): the first poll records the baseline; steady polls see no change.
 * - AlertFlush (rate(1 minute)): idle flushes; plus the extra work alarm events cause (below).
 * - Audit (cron(0 6 * * ? *)): the first run has no state (every finding new); steady runs diff against the state in
 *   S3 (nothing new; the scheduled digest still goes out while findings fail). Plus change-triggered audits of one
 *   broker (assumed rate; measured as a manual invoke naming the broker, the same audit path).
 * - Rightsize (cron(30 5 * * ? *)): the first run announces its recommendations; steady runs announce nothing new.
 * - Resize (rate(10 minutes)): idle, no plan (no broker carries the `mqops:rightsize=auto` tag).
 * - Maintenance (cron(15 * * * ? *)): the fleet has no pending change, so no notice.
 * - Alerts (EventBridge alarm state changes): a burst of alarm transitions (ALARM, then OK) made with SetAlarmState
 *   on alarms the Alarms function created; the EventBridge "CloudWatch Alarm State Change" event of each transition
 *   (built from the alarm, the local cloud has no EventBridge) goes to the Alerts handler, and the flusher runs every
 *   (emulated) minute until everything is sent. Measured per event; priced at an assumed rate of events.
 *
 * Counting: the local cloud's request log (every HTTP call it answered, retries included) gives the calls by service
 * and operation; a wrapper around the AWS SDK's `Client.prototype.send` (from @smithy/core/client, which every v3
 * client extends) adds what the log cannot: DynamoDB request units (it sets `ReturnConsumedCapacity: TOTAL` and
 * reads the answer; a failed conditional write is 1 WRU), GetMetricData metrics requested (MetricStat queries), SNS
 * payload sizes (billed per 64 KB), and cross-checks the SDK-level call count against the log. Log bytes are what
 * the handlers write to stdout/stderr during the run (captured), plus an assumed size for Lambda's platform records.
 * Duration is the wall time of the handler call here, with BENCH_LATENCY_MS (default 20 ms) of latency added to every
 * AWS call by the local cloud; it is an ESTIMATE of the Lambda duration (this machine's CPU, not a 256–1024 MB arm64
 * Lambda; the emulator shares the process). Cold starts add the measured cold import+init of the function's bundle
 * (bench/results/bundles.json, when present). Memory comes from infra (`stack.functions[].memory`).
 *
 * Pricing: the PRICES table below (us-east-1 list prices, source and date next to each); free tiers are ignored
 * (conservative). A month is 730 hours. Results: a table per function, per service and per API operation (every
 * call the stack makes in a month) on stdout, and bench/results/cost-100.json (machine, Node, date, parameters,
 * every count, every price, the assumptions).
 *
 * Target (issue 12): the stack's monthly cost for 100 brokers OUTSIDE the CloudWatch alarms themselves is at most
 * $1 (the alarms are reported separately, per broker: they are what the user asked for, priced per alarm metric).
 * The script exits 1 when the target is missed.
 *
 * Environment overrides: BENCH_BROKERS (100), BENCH_LATENCY_MS (20), BENCH_STEADY_RUNS (3),
 * BENCH_ALARM_EVENTS_PER_BROKER_MONTH (10), BENCH_CHANGE_EVENTS_PER_MONTH (20), BENCH_OUT.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { createKeyValueTable } from '@mqops/aws/dynamodb-kv-table';
import { DEFAULT_RATE_LIMITS } from '@mqops/aws/pacing';
import { isOwned } from '@mqops/core/alarms/reconcile';
import {
  ControllableClock,
  type LocalCloud,
  type Scenario,
  type ScenarioBroker,
  startLocalCloud,
} from '@mqops/local';
import type { Context } from 'aws-lambda';
import { handler as alarmsHandler } from '../functions/alarms';
import { makeAlertFlushHandler } from '../functions/alert-flush';
import { makeAlertsHandler } from '../functions/alerts';
import { handler as auditHandler } from '../functions/audit';
import { handler as maintenanceHandler } from '../functions/maintenance';
import { handler as resizeHandler } from '../functions/resize';
import { handler as rightsizeHandler } from '../functions/rightsize';
import { createWatchHandler } from '../functions/watch';
import { type EnvValue, type FunctionSpec, stack } from '../infra/index';
import { envNumber, machineInfo, reproduceWith } from './common';
import { fleet } from './fleet';

/** Brokers in the fleet. */
const BROKERS = envNumber('BENCH_BROKERS', 100);
/** Latency the local cloud adds to every AWS call (an in-region AWS API round trip is typically 10–50 ms). */
const LATENCY_MS = envNumber('BENCH_LATENCY_MS', 20);
/** Steady-state runs measured per function (averaged). */
const STEADY_RUNS = Math.max(1, envNumber('BENCH_STEADY_RUNS', 3));
/** Assumed CloudWatch alarm state changes per broker and month (ALARM and OK transitions together). */
const ALARM_EVENTS_PER_BROKER_MONTH = envNumber('BENCH_ALARM_EVENTS_PER_BROKER_MONTH', 10);
/** Assumed Amazon MQ change events (CloudTrail) per month, each triggering Alarms (whole fleet) and Audit (1 broker). */
const CHANGE_EVENTS_PER_MONTH = envNumber('BENCH_CHANGE_EVENTS_PER_MONTH', 20);
/** Brokers whose alarms fire in the alert simulation, and alarms per broker. */
const ALERT_BROKERS = Math.min(10, BROKERS);
const ALARMS_PER_ALERT_BROKER = 2;
const OUT = process.env.BENCH_OUT || join(import.meta.dirname, 'results', `cost-${BROKERS}.json`);
/** Target: the stack's monthly cost outside the CloudWatch alarms themselves, in USD (for 100 brokers). */
const TARGET_USD_OUTSIDE_ALARMS = 1;
const ROOT = join(import.meta.dirname, '..');

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const TABLE = 'mqops-state';
const STATE_BUCKET = 'mqops-audit-state';
const BACKUP_BUCKET = 'mqops-backups';
const TOPIC_NAME = 'mqops-alerts';
const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:${TOPIC_NAME}`;
const HOURS_PER_MONTH = 730;
const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;

// ---- prices ------------------------------------------------------------------------------------------------------

/**
 * us-east-1 list prices, on-demand, free tiers ignored. Looked up 2026-11-26: the AWS pricing pages below, whose
 * figures were read through public pages quoting them (AWS renders its tables from templates): c3x.dev and
 * cloudcostkit.com (CloudWatch, S3, 2026), factualminds.com (SNS, 2026-06), airbyte.com (DynamoDB), the api-evangelist
 * transcription of the Secrets Manager page (2026-09-20), kodekloud.com (Lambda):
 * - Lambda (https://aws.amazon.com/lambda/pricing/): requests $0.20 per 1M; arm64 duration $0.0000133334 per GB-s
 *   (first 7.5 billion GB-s); the INIT phase is billed like the handler since 2025-08-01 (AWS Compute Blog "AWS Lambda
 *   standardizes billing for INIT Phase").
 * - DynamoDB on-demand (https://aws.amazon.com/dynamodb/pricing/on-demand/): $0.625 per 1M write request units,
 *   $0.125 per 1M read request units (the November 2024 price cut); 1 WRU = a write up to 1 KB, 1 RRU = a strongly
 *   consistent read up to 4 KB (mqops reads with ConsistentRead).
 * - CloudWatch (https://aws.amazon.com/cloudwatch/pricing/): GetMetricData $0.01 per 1,000 metrics requested; other
 *   API requests (DescribeAlarms, ListMetrics, PutMetricAlarm, ListTagsForResource, TagResource, DeleteAlarms,
 *   SetAlarmState) $0.01 per 1,000 requests after the free 1M; standard-resolution alarm $0.10 per alarm metric-month
 *   (high resolution $0.30); Logs ingestion $0.50 per GB, storage $0.03 per GB-month (Standard log class). That a
 *   metric-math alarm is billed per metric it reads could not be confirmed from a quoted page: it is applied here
 *   (conservative) and the per-alarm figure is reported next to it.
 * - SNS (https://aws.amazon.com/sns/pricing/): $0.50 per 1M publish requests (each 64 KB chunk is one request);
 *   email delivery $2.00 per 100,000; HTTP(S) $0.60 per 1M.
 * - S3 Standard (https://aws.amazon.com/s3/pricing/): PUT/COPY/POST/LIST $0.005 per 1,000; GET $0.0004 per 1,000.
 * - Secrets Manager (https://aws.amazon.com/secrets-manager/pricing/): $0.40 per secret-month; $0.05 per 10,000 API
 *   calls.
 * - Free: Amazon MQ, EC2 Describe*, Pricing API calls; EventBridge scheduled rules and AWS service events on the
 *   default bus; SSM standard parameters (where `sst.Secret` keeps the Slack webhook).
 */
const PRICES = {
  lambdaPerRequest: 0.2 / 1e6,
  lambdaArmPerGbSecond: 0.0000133334,
  dynamoPerWru: 0.625 / 1e6,
  dynamoPerRru: 0.125 / 1e6,
  cloudwatchPerMetricRequested: 0.01 / 1000,
  cloudwatchPerRequest: 0.01 / 1000,
  cloudwatchAlarmMetricMonth: 0.1,
  /** A custom metric, prorated by the hour: one written in every hour of the month costs this. */
  cloudwatchCustomMetricMonth: 0.3,
  cloudwatchHighResAlarmMetricMonth: 0.3,
  logsIngestPerGb: 0.5,
  logsStoragePerGbMonth: 0.03,
  snsPerPublishChunk: 0.5 / 1e6,
  snsEmailDelivery: 2 / 100_000,
  s3PerPut: 0.005 / 1000,
  s3PerGet: 0.0004 / 1000,
  secretsPerSecretMonth: 0.4,
  secretsPerCall: 0.05 / 10_000,
} as const;

/** Signing names of AWS services that charge nothing per API call. */
const FREE_SERVICES = new Set(['mq', 'ec2', 'pricing', 'sts']);

// ---- assumptions not measured --------------------------------------------------------------------------------------

/** Bytes Lambda writes per invocation for its platform records (JSON log format: start and report records). */
const PLATFORM_LOG_BYTES_PER_INVOCATION = 600;
/** Log retention of a production stage (infra/stage.ts: 3 months): steady-state storage = 3 months of ingestion. */
const LOG_RETENTION_MONTHS = 3;
/** A run whose schedule interval is longer than this starts cold (Lambda reclaims idle environments). */
const WARM_INTERVAL_MINUTES = 5;
/** A warm function still gets a fresh environment this often (environments are recycled every few hours). */
const WARM_RECYCLE_MINUTES = 120;
/** Cold import+init when bench/results/bundles.json has no figure for a function. */
const DEFAULT_INIT_MS = 400;
/** Email subscriptions on the alert topic (each publish is delivered to each). */
const EMAIL_SUBSCRIBERS = 1;
/** Option: one rotated credential secret per broker, rotated every 30 days. */
const ROTATION = {
  secretsPerBroker: 1,
  rotationsPerSecretMonth: 1,
  /** Secrets Manager calls per rotation (four steps, from packages/core/src/rotation/protocol.ts; not measured). */
  secretsCallsPerRotation: 12,
  /** Lambda invocations per rotation (createSecret, setSecret, testSecret, finishSecret). */
  invocationsPerRotation: 4,
  /** Assumed duration per step (it logs in to the broker). */
  msPerInvocation: 1500,
  /** Assumed log bytes per step. */
  logBytesPerInvocation: 2000,
};

// ---- schedules ---------------------------------------------------------------------------------------------------

/** Minutes between runs of an EventBridge schedule expression (the forms infra/ uses). */
function intervalMinutes(expression: string): number {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2] ?? '';
    return unit.startsWith('minute') ? n : unit.startsWith('hour') ? n * 60 : n * 1440;
  }
  const cron = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/.exec(expression);
  if (cron) {
    const [, minute, hour, dayOfMonth, month, dayOfWeek] = cron;
    const fixed = (field: string | undefined) => field !== undefined && /^\d+$/.test(field);
    if (fixed(minute) && hour === '*' && dayOfMonth === '*' && month === '*' && dayOfWeek === '?') return 60;
    if (fixed(minute) && fixed(hour) && dayOfMonth === '*' && month === '*' && dayOfWeek === '?') return 1440;
  }
  throw new Error(`bench/cost: schedule expression not understood: ${expression}`);
}

function specOf(name: string): FunctionSpec {
  const spec = stack.functions.find((f) => f.name === name);
  if (!spec) throw new Error(`bench/cost: no function ${name} in infra/`);
  return spec;
}

function scheduleOf(spec: FunctionSpec): string | undefined {
  return spec.triggers.find((t) => t.kind === 'schedule')?.expression;
}

// ---- the fleet ---------------------------------------------------------------------------------------------------

/** mulberry32: a small seeded generator, so the fleet is the same on every run. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Spec = NonNullable<ScenarioBroker['Metrics']>[string];
type Profile = 'busy' | 'idle' | 'steady';
const GiB = 2 ** 30;

const wave = (base: number, amplitude: number, noise = 0): Spec => ({
  base,
  amplitude,
  ...(noise ? { noise } : {}),
});
/** A cumulative counter growing at `perSecond` (30 days of count before the start, so never below 0). */
const counter = (perSecond: number): Spec => ({
  base: perSecond * 30 * 86_400,
  trendPerHour: perSecond * 3_600,
});

/** The series rightsizing and the alarms read, shaped by a load profile. */
function metricsOf(broker: ScenarioBroker, profile: Profile, r: () => number): Record<string, Spec> {
  const jitter = (n: number) => n * (0.9 + 0.2 * r());
  const cpu = { busy: 72, idle: 8, steady: 35 }[profile];
  const connections = jitter({ busy: 900, idle: 60, steady: 400 }[profile]);
  const rate = jitter(profile === 'idle' ? 2 : 40);
  if (broker.EngineType === 'ACTIVEMQ')
    return {
      CpuUtilization: wave(jitter(cpu), 10, 4),
      HeapUsage: wave(jitter(profile === 'busy' ? 55 : 30), 8, 3),
      StorePercentUsage: wave(jitter(6), 2),
      CurrentConnectionsCount: wave(connections, connections * 0.2),
      TotalEnqueueCount: counter(rate),
      TotalDequeueCount: counter(rate * 0.99),
      TotalMessageCount: wave(jitter(2_000), 1_500),
    };
  const type = broker.HostInstanceType ?? 'mq.m5.large';
  const memoryGiB = type.endsWith('.micro')
    ? 1
    : type.endsWith('.2xlarge')
      ? 32
      : type.endsWith('.xlarge')
        ? 16
        : 8;
  // Amazon MQ sets RabbitMQ's memory high watermark at 40 % of the instance's memory (per node).
  const limit = 0.4 * memoryGiB * GiB;
  return {
    SystemCpuUtilization: wave(jitter(cpu), 10, 4),
    RabbitMQMemUsed: wave(jitter(profile === 'busy' ? 0.45 : 0.2) * limit, 0.05 * limit),
    RabbitMQMemLimit: limit,
    RabbitMQDiskFree: wave(jitter(150e9), 10e9),
    RabbitMQDiskFreeLimit: 2e9,
    ConnectionCount: wave(connections, connections * 0.2),
    PublishRate: wave(rate, rate * 0.5),
    AckRate: wave(rate * 0.99, rate * 0.5),
    MessageCount: wave(jitter(3_000), 2_000),
  };
}

/** bench/fleet.ts's fleet of `size` brokers, with metrics (15 % busy, 20 % idle, 65 % steady) and the alert topic. */
function costFleet(size: number, now: string): { scenario: Scenario; profiles: Record<Profile, number> } {
  const base = fleet(size, now);
  const r = seeded(4242);
  const profiles: Record<Profile, number> = { busy: 0, idle: 0, steady: 0 };
  const brokers = (base.brokers ?? []).map((broker) => {
    const x = r();
    const profile: Profile = x < 0.15 ? 'busy' : x < 0.35 ? 'idle' : 'steady';
    profiles[profile]++;
    return { ...broker, Metrics: metricsOf(broker, profile, r) };
  });
  return { scenario: { ...base, brokers, topics: [{ Name: TOPIC_NAME }] }, profiles };
}

// ---- measuring ---------------------------------------------------------------------------------------------------

/** What one run (or an average of runs) used. */
interface Usage {
  /** HTTP calls the local cloud answered, by `service:Operation` (signing name; retries included). */
  calls: Record<string, number>;
  /** SDK-level sends (the wrapper), by `service:Operation`; a cross-check of `calls`. */
  sdkCalls: Record<string, number>;
  dynamoRru: number;
  dynamoWru: number;
  /** GetMetricData metrics requested (MetricStat queries; expressions are not charged). */
  metricsRequested: number;
  /** SNS publish requests as billed (one per 64 KB of payload). */
  snsPublishChunks: number;
  /** Bytes the handler wrote to stdout/stderr. */
  logBytes: number;
  logEvents: number;
  wallMs: number;
}

const emptyUsage = (): Usage => ({
  calls: {},
  sdkCalls: {},
  dynamoRru: 0,
  dynamoWru: 0,
  metricsRequested: 0,
  snsPublishChunks: 0,
  logBytes: 0,
  logEvents: 0,
  wallMs: 0,
});

function addInto(target: Record<string, number>, source: Record<string, number>, factor = 1) {
  for (const [key, n] of Object.entries(source)) target[key] = (target[key] ?? 0) + n * factor;
}

/** a + factor × b. */
function combine(a: Usage, b: Usage, factor = 1): Usage {
  const out = emptyUsage();
  addInto(out.calls, a.calls);
  addInto(out.calls, b.calls, factor);
  addInto(out.sdkCalls, a.sdkCalls);
  addInto(out.sdkCalls, b.sdkCalls, factor);
  for (const key of [
    'dynamoRru',
    'dynamoWru',
    'metricsRequested',
    'snsPublishChunks',
    'logBytes',
    'logEvents',
    'wallMs',
  ] as const)
    out[key] = a[key] + factor * b[key];
  for (const calls of [out.calls, out.sdkCalls])
    for (const [key, n] of Object.entries(calls)) if (Math.abs(n) < 1e-9) delete calls[key];
  return out;
}

const scale = (u: Usage, factor: number): Usage => combine(emptyUsage(), u, factor);
const average = (runs: Usage[]): Usage =>
  scale(
    runs.reduce((sum, u) => combine(sum, u), emptyUsage()),
    1 / runs.length,
  );
const totalCalls = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);

/** The run being recorded (the SDK wrapper writes into it). */
let recording: Usage | undefined;

interface SendableCommand {
  input?: Record<string, unknown>;
  constructor: { name: string };
}

/**
 * Wraps every AWS SDK v3 client's send (they all extend @smithy/core's Client): counts sends, asks DynamoDB for
 * the capacity it consumed, counts GetMetricData metrics and SNS payload chunks.
 */
function wrapSdk(): void {
  const require = createRequire(import.meta.url);
  const { Client } = require('@smithy/core/client') as {
    Client: { prototype: { send: (...args: unknown[]) => Promise<unknown> } };
  };
  const original = Client.prototype.send;
  const DYNAMO_RU = new Set(['GetItem', 'PutItem', 'DeleteItem', 'UpdateItem', 'Query', 'Scan']);
  Client.prototype.send = async function send(
    this: { config?: { serviceId?: string } },
    ...args: unknown[]
  ): Promise<unknown> {
    const usage = recording;
    const command = args[0] as SendableCommand;
    if (!usage) return original.apply(this, args);
    const service = this.config?.serviceId ?? 'unknown';
    const operation = command.constructor.name.replace(/Command$/, '');
    const key = `${service}:${operation}`;
    usage.sdkCalls[key] = (usage.sdkCalls[key] ?? 0) + 1;
    const input = command.input ?? {};
    const dynamo = service === 'DynamoDB' && DYNAMO_RU.has(operation);
    if (dynamo) input.ReturnConsumedCapacity = 'TOTAL';
    if (service === 'CloudWatch' && operation === 'GetMetricData') {
      const queries = (input.MetricDataQueries ?? []) as { MetricStat?: unknown }[];
      usage.metricsRequested += queries.filter((q) => q.MetricStat !== undefined).length;
    }
    if (service === 'SNS' && operation === 'Publish') {
      const bytes =
        Buffer.byteLength(String(input.Message ?? '')) +
        Buffer.byteLength(String(input.Subject ?? '')) +
        Buffer.byteLength(JSON.stringify(input.MessageAttributes ?? {}));
      usage.snsPublishChunks += Math.max(1, Math.ceil(bytes / 65_536));
    }
    try {
      const output = (await original.apply(this, args)) as {
        ConsumedCapacity?: { CapacityUnits?: number };
      };
      if (dynamo) {
        const units = output?.ConsumedCapacity?.CapacityUnits ?? 0;
        // A strongly consistent read costs at least 1 RRU, a write at least 1 WRU, even of nothing.
        if (operation === 'GetItem' || operation === 'Query' || operation === 'Scan')
          usage.dynamoRru += Math.max(1, units);
        else usage.dynamoWru += Math.max(1, units);
      }
      return output;
    } catch (error) {
      // A conditional write that fails still consumes a write (1 WRU for these small items).
      if (dynamo && operation !== 'GetItem' && operation !== 'Query' && operation !== 'Scan')
        usage.dynamoWru += 1;
      throw error;
    }
  };
}

/** Collects what the code writes to stdout and stderr (the function's log) instead of printing it. */
/**
 * The custom metrics an Embedded Metric Format line declares (CloudWatch Logs turns each into metric data), as
 * `namespace/name{dimension=value,…}`: one per metric and dimension set. A line with no `_aws` declares none.
 */
export function emfMetrics(line: string): string[] {
  if (!line.includes('"_aws"')) return [];
  try {
    const parsed = JSON.parse(line) as Record<string, unknown> & {
      _aws?: {
        CloudWatchMetrics?: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
      };
    };
    return (parsed._aws?.CloudWatchMetrics ?? []).flatMap((d) =>
      d.Metrics.flatMap((m) =>
        d.Dimensions.map(
          (set) => `${d.Namespace}/${m.Name}{${set.map((k) => `${k}=${String(parsed[k])}`).join(',')}}`,
        ),
      ),
    );
  } catch {
    return [];
  }
}

function captureOutput(): () => { bytes: number; events: number; metrics: Set<string> } {
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  let bytes = 0;
  let events = 0;
  const metrics = new Set<string>();
  const capture = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    bytes += Buffer.byteLength(text);
    events += text.split('\n').filter((line) => line.trim() !== '').length;
    for (const line of text.split('\n')) for (const metric of emfMetrics(line)) metrics.add(metric);
    const callback = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  return () => {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    return { bytes, events, metrics };
  };
}

/** A Lambda context as the runtime passes it. */
function lambdaContext(spec: FunctionSpec): Context {
  const functionName = `mqops-prod-${spec.name}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: String(spec.memory),
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/26/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => spec.timeout * 1000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** An EventBridge scheduled event, as `sst.aws.Cron` delivers it. */
function scheduledEvent(spec: FunctionSpec, time: Date) {
  const rule = spec.triggers.find((t) => t.kind === 'schedule')?.name ?? spec.name;
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ACCOUNT,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/${rule}`],
    detail: {},
  };
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

// ---- the local cloud and the stack's resources -------------------------------------------------------------------

/** A local Slack incoming webhook: answers `ok` and counts messages. */
async function startSlack(): Promise<{ url: string; messages: () => number; stop: () => Promise<void> }> {
  let messages = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      messages++;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T0LOCAL/B0LOCAL/bench-cost`,
    messages: () => messages,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const NOW = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
const { scenario, profiles } = costFleet(BROKERS, NOW);
// The clock follows the wall clock (the exported handlers read `new Date()`); the alert simulation moves it ahead.
const cloud: LocalCloud = await startLocalCloud({ scenario, clock: new ControllableClock(NOW) });
const slack = await startSlack();
for (const service of [
  'mq',
  'monitoring',
  'dynamodb',
  's3',
  'sns',
  'secretsmanager',
  'ec2',
  'pricing',
  'securityhub',
])
  cloud.faults.add({ service, latencyMs: LATENCY_MS });
wrapSdk();

{
  const dynamo = new DynamoDBClient(cloud.clientConfig());
  await createKeyValueTable(dynamo, TABLE);
  dynamo.destroy();
  const s3 = new S3Client({ ...cloud.clientConfig(), forcePathStyle: true });
  for (const bucket of [STATE_BUCKET, BACKUP_BUCKET])
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  s3.destroy();
}

/** Local stand-ins for the stack's resources, by infra name. */
const LOCAL_RESOURCES: Record<string, { name: string; arn: string; value?: string; url?: string }> = {
  State: { name: TABLE, arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE}` },
  AuditState: { name: STATE_BUCKET, arn: `arn:aws:s3:::${STATE_BUCKET}` },
  Backups: { name: BACKUP_BUCKET, arn: `arn:aws:s3:::${BACKUP_BUCKET}` },
  AlertTopic: { name: TOPIC_NAME, arn: TOPIC_ARN },
  SlackWebhookUrl: { name: 'SlackWebhookUrl', arn: '', value: slack.url },
  DeadLetters: { name: 'mqops-dlq', arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:mqops-dlq` },
  // Invoked by the Audit only with `securityHub` on, which this fleet's configuration leaves off (no cost here).
  SecurityHub: {
    name: 'mqops-prod-SecurityHub',
    arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:mqops-prod-SecurityHub`,
  },
};

function resolveEnv(value: EnvValue): string {
  if ('literal' in value) return value.literal;
  if ('defaultBus' in value) return `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`;
  const resource = LOCAL_RESOURCES[value.ref];
  if (!resource) throw new Error(`bench/cost: no local stand-in for ${value.ref}`);
  const attribute =
    value.attribute === 'value' || value.attribute === 'url'
      ? (resource[value.attribute] ?? '')
      : resource[value.attribute];
  return `${attribute}${value.suffix ?? ''}`;
}

const baseEnv = { ...process.env };
delete baseEnv.AWS_PROFILE;

/** The function's environment as deployed (infra/), pointed at the local cloud. */
function functionEnv(spec: FunctionSpec): NodeJS.ProcessEnv {
  return {
    ...baseEnv,
    ...cloud.env(),
    ...Object.fromEntries(Object.entries(spec.environment).map(([k, v]) => [k, resolveEnv(v)])),
    MQOPS_STAGE: 'prod',
  };
}

/** What each function's handler returned, by function name, in run order. */
const results = new Map<string, unknown[]>();

/** Invokes `handler` once as the function runs (its environment, a Lambda context) and measures what it used. */
/** The custom metrics (EMF) each function declared in its measured runs, by function name. */
const emfByFunction = new Map<string, Set<string>>();

async function measure(spec: FunctionSpec, handler: Handler, event: unknown): Promise<Usage> {
  const saved = process.env;
  process.env = functionEnv(spec);
  const usage = emptyUsage();
  const from = cloud.requests.length;
  recording = usage;
  const stop = captureOutput();
  const started = performance.now();
  try {
    const result = await handler(event, lambdaContext(spec));
    results.set(spec.name, [...(results.get(spec.name) ?? []), result]);
  } catch (error) {
    const output = stop();
    recording = undefined;
    process.env = saved;
    throw new Error(
      `bench/cost: ${spec.name} failed: ${(error as Error).message} (logged ${output.bytes} bytes before)`,
    );
  }
  usage.wallMs = performance.now() - started;
  const output = stop();
  recording = undefined;
  process.env = saved;
  usage.logBytes = output.bytes;
  usage.logEvents = output.events;
  const declared = emfByFunction.get(spec.name) ?? new Set<string>();
  for (const metric of output.metrics) declared.add(metric);
  emfByFunction.set(spec.name, declared);
  for (const request of cloud.requests.slice(from)) {
    const key = `${request.service}:${request.operation}`;
    usage.calls[key] = (usage.calls[key] ?? 0) + 1;
  }
  return usage;
}

const progress = (message: string) => console.log(`  ${message}`);

// ---- the runs ----------------------------------------------------------------------------------------------------

interface Measured {
  spec: FunctionSpec;
  first?: Usage;
  steady: Usage;
  runs: Usage[];
  note: string;
}
const measured = new Map<string, Measured>();
const schedule = (spec: FunctionSpec) => scheduledEvent(spec, new Date());
/**
 * Waits until the Amazon MQ pacer of a warm handler is full again. Rightsize and Maintenance keep their adapters (and
 * so their Pacer) per container; on AWS their runs are a day or an hour apart, so each starts with a full bucket.
 */
const pacerRefill = () => {
  const { rate, burst } = DEFAULT_RATE_LIMITS.mq ?? { rate: 15, burst: 100 };
  return new Promise<void>((resolve) => setTimeout(resolve, (1000 * burst) / rate + 500));
};

async function measureScheduled(
  name: string,
  handler: Handler,
  options: { first: boolean; note: string; between?: () => Promise<void> },
): Promise<Measured> {
  const spec = specOf(name);
  const first = options.first ? await measure(spec, handler, schedule(spec)) : undefined;
  const runs: Usage[] = [];
  for (let i = 0; i < STEADY_RUNS; i++) {
    await options.between?.();
    runs.push(await measure(spec, handler, schedule(spec)));
  }
  const result: Measured = {
    spec,
    ...(first ? { first } : {}),
    steady: average(runs),
    runs,
    note: options.note,
  };
  measured.set(name, result);
  progress(
    `${name}: ${first ? `first run ${totalCalls(first.calls)} calls in ${(first.wallMs / 1000).toFixed(2)} s; ` : ''}` +
      `steady ${totalCalls(result.steady.calls).toFixed(1)} calls in ${(result.steady.wallMs / 1000).toFixed(2)} s per run`,
  );
  return result;
}

console.log(
  `bench/cost: ${BROKERS} brokers on the local cloud (${LATENCY_MS} ms per AWS call), ${STEADY_RUNS} steady runs per function`,
);

await measureScheduled('Alarms', alarmsHandler as Handler, {
  first: true,
  note: 'first run creates every alarm (one-off); steady runs reconcile an unchanged fleet (no tag read, no write)',
});
/**
 * One-off: upgrading from an mqops version before the description marker. The alarms as that version left them
 * (tagged, the marker line not there), then one Alarms run adopts them, then a run as the next hour's.
 */
const alarmsAdoption = await (async () => {
  const spec = specOf('Alarms');
  let stripped = 0;
  for (const alarm of cloud.world.cloudwatch.alarms.values()) {
    const description = alarm.AlarmDescription ?? '';
    const text = description.replace(/\nmqops:managed [^\n]*$/, '');
    if (!alarm.AlarmName.startsWith('mqops-') || text === description) continue;
    alarm.AlarmDescription = text;
    stripped++;
  }
  const adoption = await measure(spec, alarmsHandler as Handler, schedule(spec));
  const after = await measure(spec, alarmsHandler as Handler, schedule(spec));
  progress(
    `Alarms adoption of ${stripped} alarms of an older mqops version (one-off): ${JSON.stringify(adoption.calls)}; ` +
      `the run after: ${JSON.stringify(after.calls)}`,
  );
  return { alarms: stripped, adoption, after };
})();
const watchHandler = createWatchHandler() as Handler;
await measureScheduled('Watch', watchHandler, {
  first: true,
  note: 'first poll records the baseline; steady polls see no change',
});
const flushSpec = specOf('AlertFlush');
const flushHandler = makeAlertFlushHandler({ now: () => cloud.clock.now() }) as Handler;
await measureScheduled('AlertFlush', flushHandler, {
  first: false,
  note: 'idle flushes (no open alert group); alarm events add the work measured in the alert simulation',
});
await measureScheduled('Audit', auditHandler as Handler, {
  first: true,
  note: 'first run has no state (every finding new); steady runs diff against the S3 state and send the daily digest',
});
await measureScheduled('Rightsize', rightsizeHandler as Handler, {
  first: true,
  between: pacerRefill,
  note: 'first run announces its recommendations; steady runs find nothing new to announce',
});
await measureScheduled('Resize', resizeHandler as Handler, {
  first: false,
  note: 'idle: no resize plan (no broker has the mqops:rightsize=auto tag)',
});
await measureScheduled('Maintenance', maintenanceHandler as Handler, {
  first: true,
  between: pacerRefill,
  note: 'no broker has a pending change, so no notice is due',
});

// Change events: Alarms reconciles the whole fleet (its steady run); Audit audits the broker the event names.
const firstBroker = [...cloud.world.mq.brokers.values()][0];
const auditOne = await measure(specOf('Audit'), auditHandler as Handler, {
  brokerIds: [firstBroker?.BrokerId ?? ''],
});
progress(`Audit of one broker (change event): ${totalCalls(auditOne.calls)} calls`);

// ---- the alarms mqops keeps --------------------------------------------------------------------------------------

const alarmsResults = results.get('Alarms') ?? [];

interface AlarmCount {
  alarms: number;
  alarmMetrics: number;
  highResolution: number;
}
const alarmsByKind: Record<string, AlarmCount & { brokers: number }> = {};
const alarmTotals: AlarmCount = { alarms: 0, alarmMetrics: 0, highResolution: 0 };
const mqopsAlarmNames: string[] = [];
{
  const kindOf = new Map<string, string>();
  for (const broker of cloud.world.mq.brokers.values()) {
    const kind = `${broker.EngineType} ${broker.DeploymentMode}`;
    kindOf.set(broker.BrokerId, kind);
    alarmsByKind[kind] ??= { brokers: 0, alarms: 0, alarmMetrics: 0, highResolution: 0 };
    (alarmsByKind[kind] as { brokers: number }).brokers++;
  }
  for (const alarm of cloud.world.cloudwatch.alarms.values()) {
    const tags = new Map(
      (cloud.world.cloudwatch.tags.get(alarm.AlarmArn) ?? []).map((t) => [t.Key, t.Value]),
    );
    // As the reconciler decides it (name prefix and the marker in the description); created alarms are tagged too.
    const owned = isOwned({ name: alarm.AlarmName, description: alarm.AlarmDescription ?? '' });
    if (!owned || tags.get('mqops:managed') !== 'true') continue;
    mqopsAlarmNames.push(alarm.AlarmName);
    const metricQueries = (alarm.Metrics ?? []).filter((m) => m.MetricStat !== undefined);
    const metrics = alarm.Metrics ? metricQueries.length : 1;
    const periods = alarm.Metrics
      ? metricQueries.map((m) => Number((m.MetricStat as { Period?: number }).Period ?? 60))
      : [alarm.Period ?? 60];
    const highRes = periods.some((p) => p < 60);
    const kind = kindOf.get(tags.get('mqops:broker') ?? '') ?? 'unknown';
    const row = alarmsByKind[kind] ?? { brokers: 0, alarms: 0, alarmMetrics: 0, highResolution: 0 };
    alarmsByKind[kind] = row;
    for (const count of [row, alarmTotals]) {
      count.alarms++;
      count.alarmMetrics += metrics;
      if (highRes) count.highResolution += metrics;
    }
  }
}
const desiredByReconciler = (alarmsResults.at(-1) as { desired?: number } | undefined)?.desired;
if (desiredByReconciler !== alarmTotals.alarms)
  throw new Error(
    `bench/cost: the reconciler wants ${desiredByReconciler} alarms, the local cloud has ${alarmTotals.alarms} of mqops'`,
  );
progress(
  `alarms mqops keeps: ${alarmTotals.alarms} alarms (= the reconciler's desired set), ${alarmTotals.alarmMetrics} alarm ` +
    `metrics (${(alarmTotals.alarms / BROKERS).toFixed(1)} alarms per broker)`,
);

// ---- the alert simulation ----------------------------------------------------------------------------------------

const alertsSpec = specOf('Alerts');
const alertsHandler = makeAlertsHandler({ now: () => cloud.clock.now() }) as Handler;
const simulation = {
  events: 0,
  alertsRuns: [] as Usage[],
  flushRuns: [] as Usage[],
  alarmActionPublishes: 0,
  slackMessages: 0,
};
{
  const cw = new CloudWatchClient(cloud.clientConfig());
  const byBroker = new Map<string, string[]>();
  for (const broker of cloud.world.mq.brokers.values()) {
    const names = mqopsAlarmNames.filter((n) => n.startsWith(`mqops-${broker.BrokerName}-`)).sort();
    if (names.length >= ALARMS_PER_ALERT_BROKER) byBroker.set(broker.BrokerName, names);
  }
  const chosen = [...byBroker.values()]
    .slice(0, ALERT_BROKERS)
    .flatMap((names) => names.slice(0, ALARMS_PER_ALERT_BROKER));
  const slackBefore = slack.messages();
  // The EventBridge "CloudWatch Alarm State Change" event of each transition (the Alerts function's trigger), built
  // from the alarm as CloudWatch sends it (the local cloud has no EventBridge).
  const events: unknown[] = [];
  cloud.world.cloudwatch.onStateChange((t, alarm) => {
    const state = (value: string, reason: string) => ({
      value,
      reason,
      timestamp: t.at.toISOString().replace('Z', '+0000'),
    });
    const dimensions = (list: unknown) =>
      Object.fromEntries(((list ?? []) as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value]));
    const metrics = alarm.Metrics
      ? alarm.Metrics.map((m) => {
          const stat = m.MetricStat as
            | {
                Metric: { Namespace: string; MetricName: string; Dimensions?: unknown };
                Period?: number;
                Stat?: string;
              }
            | undefined;
          return {
            id: String(m.Id),
            ...(stat
              ? {
                  metricStat: {
                    metric: {
                      namespace: stat.Metric.Namespace,
                      name: stat.Metric.MetricName,
                      dimensions: dimensions(stat.Metric.Dimensions),
                    },
                    ...(stat.Period !== undefined ? { period: stat.Period } : {}),
                    ...(stat.Stat ? { stat: stat.Stat } : {}),
                  },
                }
              : {}),
            ...(m.Expression ? { expression: String(m.Expression) } : {}),
            ...(m.Label ? { label: String(m.Label) } : {}),
            returnData: m.ReturnData !== false,
          };
        })
      : [
          {
            id: 'm1',
            metricStat: {
              metric: {
                namespace: alarm.Namespace ?? '',
                name: alarm.MetricName ?? '',
                dimensions: dimensions(alarm.Dimensions),
              },
              period: alarm.Period,
              stat: alarm.Statistic,
            },
            returnData: true,
          },
        ];
    events.push({
      version: '0',
      id: crypto.randomUUID(),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: ACCOUNT,
      time: t.at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: REGION,
      resources: [t.alarmArn],
      detail: {
        alarmName: t.alarmName,
        state: state(t.newState, t.reason),
        previousState: state(t.oldState, ''),
        configuration: {
          ...(alarm.AlarmDescription ? { description: alarm.AlarmDescription } : {}),
          metrics,
        },
      },
    });
  });
  const flushUntilQuiet = async () => {
    // Every emulated minute, as the schedule runs it, until nothing was sent for three runs after the group wait.
    let quiet = 0;
    for (let i = 0; i < 15 && quiet < 3; i++) {
      cloud.clock.advance(60_000);
      const usage = await measure(flushSpec, flushHandler, scheduledEvent(flushSpec, cloud.clock.now()));
      simulation.flushRuns.push(usage);
      quiet = usage.sdkCalls['SNS:Publish'] || usage.dynamoWru > 0 ? 0 : quiet + 1;
    }
  };
  for (const state of ['ALARM', 'OK'] as const) {
    for (const name of chosen) {
      cloud.clock.advance(1000);
      const before = cloud.world.sns.published.length;
      await cw.send(
        new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: `bench: ${state}` }),
      );
      simulation.alarmActionPublishes += cloud.world.sns.published
        .slice(before)
        .filter((m) => m.topicArn === TOPIC_ARN).length;
      const event = events.shift();
      if (!event) continue;
      simulation.events++;
      simulation.alertsRuns.push(await measure(alertsSpec, alertsHandler, event));
    }
    await flushUntilQuiet();
  }
  simulation.slackMessages = slack.messages() - slackBefore;
  cw.destroy();
  progress(
    `alert simulation: ${simulation.events} alarm events (${chosen.length} alarms of ${Math.min(ALERT_BROKERS, byBroker.size)} brokers, ` +
      `ALARM then OK), ${simulation.flushRuns.length} flush runs, ${simulation.slackMessages} Slack messages`,
  );
}

await cloud.stop();
await slack.stop();

// ---- pricing -----------------------------------------------------------------------------------------------------

/** Cold import+init per handler, from bench/results/bundles.json when it is there. */
function initTimes(): { byHandler: Map<string, number>; source: string } {
  const file = join(ROOT, 'bench', 'results', 'bundles.json');
  const byHandler = new Map<string, number>();
  if (!existsSync(file))
    return { byHandler, source: `assumed ${DEFAULT_INIT_MS} ms (no bench/results/bundles.json)` };
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as {
      functions?: { handler?: string; initMs?: { median?: number } }[];
    };
    for (const f of data.functions ?? [])
      if (f.handler && typeof f.initMs?.median === 'number') byHandler.set(f.handler, f.initMs.median);
  } catch {
    return { byHandler, source: `assumed ${DEFAULT_INIT_MS} ms (bench/results/bundles.json unreadable)` };
  }
  return { byHandler, source: 'bench/results/bundles.json (median cold import+init of each bundle)' };
}
const inits = initTimes();

type ServiceName =
  | 'Lambda'
  | 'DynamoDB'
  | 'CloudWatch API'
  | 'CloudWatch alarms'
  | 'CloudWatch Logs'
  | 'CloudWatch metrics (EMF)'
  | 'SNS'
  | 'S3'
  | 'Secrets Manager'
  | 'Free APIs (MQ, EC2, Pricing)';

interface Line {
  service: ServiceName;
  item: string;
  quantity: number;
  unit: string;
  usd: number;
}

/** Monthly usage of the APIs priced per call, from a monthly Usage. */
function apiLines(usage: Usage): Line[] {
  const lines: Line[] = [];
  // One line per CloudWatch operation priced per request (DescribeAlarms, ListTagsForResource, PutMetricAlarm, …).
  for (const [key, n] of Object.entries(usage.calls).sort(([a], [b]) => a.localeCompare(b))) {
    if (!key.startsWith('monitoring:') || key === 'monitoring:GetMetricData') continue;
    lines.push({
      service: 'CloudWatch API',
      item: `${key.slice('monitoring:'.length)} requests`,
      quantity: n,
      unit: 'requests',
      usd: n * PRICES.cloudwatchPerRequest,
    });
  }
  if (usage.metricsRequested)
    lines.push({
      service: 'CloudWatch API',
      item: 'GetMetricData metrics requested',
      quantity: usage.metricsRequested,
      unit: 'metrics',
      usd: usage.metricsRequested * PRICES.cloudwatchPerMetricRequested,
    });
  if (usage.dynamoRru)
    lines.push({
      service: 'DynamoDB',
      item: 'read request units',
      quantity: usage.dynamoRru,
      unit: 'RRU',
      usd: usage.dynamoRru * PRICES.dynamoPerRru,
    });
  if (usage.dynamoWru)
    lines.push({
      service: 'DynamoDB',
      item: 'write request units',
      quantity: usage.dynamoWru,
      unit: 'WRU',
      usd: usage.dynamoWru * PRICES.dynamoPerWru,
    });
  if (usage.snsPublishChunks)
    lines.push({
      service: 'SNS',
      item: `publishes (+ ${EMAIL_SUBSCRIBERS} email delivery each)`,
      quantity: usage.snsPublishChunks,
      unit: 'publish requests',
      usd: usage.snsPublishChunks * (PRICES.snsPerPublishChunk + EMAIL_SUBSCRIBERS * PRICES.snsEmailDelivery),
    });
  const s3Get = usage.calls['s3:GetObject'] ?? 0;
  const s3Put = Object.entries(usage.calls)
    .filter(([k]) => k.startsWith('s3:') && k !== 's3:GetObject')
    .reduce((n, [, v]) => n + v, 0);
  if (s3Get)
    lines.push({
      service: 'S3',
      item: 'GET requests',
      quantity: s3Get,
      unit: 'requests',
      usd: s3Get * PRICES.s3PerGet,
    });
  if (s3Put)
    lines.push({
      service: 'S3',
      item: 'PUT/LIST requests',
      quantity: s3Put,
      unit: 'requests',
      usd: s3Put * PRICES.s3PerPut,
    });
  const secrets = Object.entries(usage.calls)
    .filter(([k]) => k.startsWith('secretsmanager:'))
    .reduce((n, [, v]) => n + v, 0);
  if (secrets)
    lines.push({
      service: 'Secrets Manager',
      item: 'API calls',
      quantity: secrets,
      unit: 'calls',
      usd: secrets * PRICES.secretsPerCall,
    });
  const free = Object.entries(usage.calls)
    .filter(([k]) => FREE_SERVICES.has(k.split(':')[0] ?? ''))
    .reduce((n, [, v]) => n + v, 0);
  if (free)
    lines.push({
      service: 'Free APIs (MQ, EC2, Pricing)',
      item: 'API calls',
      quantity: free,
      unit: 'calls',
      usd: 0,
    });
  const known = new Set(['monitoring', 'dynamodb', 'sns', 's3', 'secretsmanager', ...FREE_SERVICES]);
  const unknown = Object.keys(usage.calls).filter((k) => !known.has(k.split(':')[0] ?? ''));
  if (unknown.length) throw new Error(`bench/cost: no price for ${unknown.join(', ')}`);
  return lines;
}

interface FunctionCost {
  name: string;
  handler: string;
  trigger: string;
  runsPerMonth: number;
  memoryMB: number;
  coldStartsPerMonth: number;
  initMs: number;
  /** Per run (steady state; for Alerts: per alarm event). */
  perRun: Usage;
  /** What the month adds beyond runs × perRun (AlertFlush: the work of alarm events). */
  extra?: { description: string; usage: Usage };
  monthly: Usage;
  lambdaGbSeconds: number;
  lines: Line[];
  usd: number;
  first?: Usage;
  note: string;
}

function lambdaLines(
  name: string,
  memoryMB: number,
  invocations: number,
  billedMs: number,
  coldStarts: number,
  initMs: number,
  logBytes: number,
): { lines: Line[]; gbSeconds: number } {
  const gb = memoryMB / 1024;
  const gbSeconds = gb * (billedMs / 1000) + gb * coldStarts * (initMs / 1000);
  const ingestBytes = logBytes + invocations * PLATFORM_LOG_BYTES_PER_INVOCATION;
  const ingestGb = ingestBytes / 1e9;
  return {
    gbSeconds,
    lines: [
      {
        service: 'Lambda',
        item: `${name} requests`,
        quantity: invocations,
        unit: 'requests',
        usd: invocations * PRICES.lambdaPerRequest,
      },
      {
        service: 'Lambda',
        item: `${name} duration (arm64, ${memoryMB} MB)`,
        quantity: gbSeconds,
        unit: 'GB-s',
        usd: gbSeconds * PRICES.lambdaArmPerGbSecond,
      },
      {
        service: 'CloudWatch Logs',
        item: `${name} log ingestion`,
        quantity: ingestGb,
        unit: 'GB',
        usd: ingestGb * PRICES.logsIngestPerGb,
      },
      {
        service: 'CloudWatch Logs',
        item: `${name} log storage (${LOG_RETENTION_MONTHS} months kept)`,
        quantity: ingestGb * LOG_RETENTION_MONTHS,
        unit: 'GB-month',
        usd: ingestGb * LOG_RETENTION_MONTHS * PRICES.logsStoragePerGbMonth,
      },
    ],
  };
}

function coldStartsPerMonth(interval: number, runs: number): number {
  return interval > WARM_INTERVAL_MINUTES ? runs : Math.min(runs, MINUTES_PER_MONTH / WARM_RECYCLE_MINUTES);
}

const sum = (lines: Line[]) => lines.reduce((n, l) => n + l.usd, 0);
const costs: FunctionCost[] = [];

// Alarm events per month and what each costs the Alerts and AlertFlush functions.
const eventsPerMonth = BROKERS * ALARM_EVENTS_PER_BROKER_MONTH;
const perEventAlerts = scale(
  simulation.alertsRuns.reduce((s, u) => combine(s, u), emptyUsage()),
  1 / Math.max(1, simulation.events),
);
const idleFlush = measured.get('AlertFlush')?.steady ?? emptyUsage();
const simulationFlush = simulation.flushRuns.reduce((s, u) => combine(s, u), emptyUsage());
/** The flush work alarm events add: the simulation's flush runs minus as many idle runs (never below 0). */
const perEventFlushExtra = ((u: Usage): Usage => {
  for (const calls of [u.calls, u.sdkCalls])
    for (const [key, n] of Object.entries(calls)) if (n <= 0) delete calls[key];
  for (const key of [
    'dynamoRru',
    'dynamoWru',
    'metricsRequested',
    'snsPublishChunks',
    'logBytes',
    'logEvents',
    'wallMs',
  ] as const)
    u[key] = Math.max(0, u[key]);
  return u;
})(
  scale(
    combine(simulationFlush, idleFlush, -simulation.flushRuns.length),
    1 / Math.max(1, simulation.events),
  ),
);

for (const [name, m] of measured) {
  const expression = scheduleOf(m.spec);
  if (!expression) throw new Error(`bench/cost: ${name} has no schedule`);
  const interval = intervalMinutes(expression);
  const scheduledRuns = MINUTES_PER_MONTH / interval;
  const changeRuns = name === 'Alarms' ? CHANGE_EVENTS_PER_MONTH : 0;
  const runs = scheduledRuns + changeRuns;
  let monthly = scale(m.steady, runs);
  let extra: FunctionCost['extra'];
  if (name === 'AlertFlush') {
    extra = {
      description: `${eventsPerMonth} alarm events × the flush work each caused in the simulation`,
      usage: scale(perEventFlushExtra, eventsPerMonth),
    };
    monthly = combine(monthly, extra.usage);
  }
  if (name === 'Audit') {
    extra = {
      description: `${CHANGE_EVENTS_PER_MONTH} change-triggered audits of one broker`,
      usage: scale(auditOne, CHANGE_EVENTS_PER_MONTH),
    };
    monthly = combine(monthly, extra.usage);
  }
  const invocations = runs + (name === 'Audit' ? CHANGE_EVENTS_PER_MONTH : 0);
  const cold = coldStartsPerMonth(interval, invocations);
  const initMs = inits.byHandler.get(m.spec.handler) ?? DEFAULT_INIT_MS;
  // Billed duration: rounded up to the millisecond, per invocation.
  const billedMs =
    Math.ceil(m.steady.wallMs) * runs +
    (name === 'Audit' ? Math.ceil(auditOne.wallMs) * CHANGE_EVENTS_PER_MONTH : 0) +
    (name === 'AlertFlush' && extra ? Math.max(0, extra.usage.wallMs) : 0);
  const lambda = lambdaLines(name, m.spec.memory, invocations, billedMs, cold, initMs, monthly.logBytes);
  const lines = [...lambda.lines, ...apiLines(monthly)];
  costs.push({
    name,
    handler: m.spec.handler,
    trigger: expression + (changeRuns ? ` + ${changeRuns} change events` : ''),
    runsPerMonth: invocations,
    memoryMB: m.spec.memory,
    coldStartsPerMonth: cold,
    initMs,
    perRun: m.steady,
    ...(extra ? { extra } : {}),
    monthly,
    lambdaGbSeconds: lambda.gbSeconds,
    lines,
    usd: sum(lines),
    ...(m.first ? { first: m.first } : {}),
    note: m.note,
  });
}

{
  // Alerts: one invocation per alarm event (EventBridge), cold each time at this rate (events are sparse).
  const monthly = scale(perEventAlerts, eventsPerMonth);
  const initMs = inits.byHandler.get(alertsSpec.handler) ?? DEFAULT_INIT_MS;
  const cold = eventsPerMonth;
  const lambda = lambdaLines(
    'Alerts',
    alertsSpec.memory,
    eventsPerMonth,
    Math.ceil(perEventAlerts.wallMs) * eventsPerMonth,
    cold,
    initMs,
    monthly.logBytes,
  );
  const lines = [...lambda.lines, ...apiLines(monthly)];
  costs.push({
    name: 'Alerts',
    handler: alertsSpec.handler,
    trigger: `EventBridge alarm state changes (assumed ${ALARM_EVENTS_PER_BROKER_MONTH} per broker-month)`,
    runsPerMonth: eventsPerMonth,
    memoryMB: alertsSpec.memory,
    coldStartsPerMonth: cold,
    initMs,
    perRun: perEventAlerts,
    monthly,
    lambdaGbSeconds: lambda.gbSeconds,
    lines,
    usd: sum(lines),
    note: `measured over ${simulation.events} alarm events (ALARM then OK); every event assumed cold`,
  });
}

// Costs that do not come from a function run.
const alarmActionPublishesPerEvent = simulation.alarmActionPublishes / Math.max(1, simulation.events);
/** mqops' alarms on itself (infra/monitoring.ts): a fixed number per stack, whatever the fleet. */
const selfAlarmCount = stack.selfAlarms.length;
const selfAlarmsUsd = selfAlarmCount * PRICES.cloudwatchAlarmMetricMonth;
const fixedLines: Line[] = [
  {
    service: 'CloudWatch alarms',
    item: `${selfAlarmCount} alarms on mqops itself (infra/monitoring.ts: dead letters, failed jobs, abandoned alerts, each function's errors)`,
    quantity: selfAlarmCount,
    unit: 'alarm metric-months',
    usd: selfAlarmsUsd,
  },
  {
    service: 'CloudWatch alarms',
    item: `${alarmTotals.alarms} alarms mqops keeps (${alarmTotals.alarmMetrics} alarm metrics: a metric-math alarm counts each metric)`,
    quantity: alarmTotals.alarmMetrics - alarmTotals.highResolution,
    unit: 'alarm metric-months',
    usd: (alarmTotals.alarmMetrics - alarmTotals.highResolution) * PRICES.cloudwatchAlarmMetricMonth,
  },
  ...(alarmTotals.highResolution
    ? [
        {
          service: 'CloudWatch alarms' as const,
          item: 'high-resolution alarm metrics',
          quantity: alarmTotals.highResolution,
          unit: 'alarm metric-months',
          usd: alarmTotals.highResolution * PRICES.cloudwatchHighResAlarmMetricMonth,
        },
      ]
    : []),
  {
    service: 'SNS',
    item: `alarm actions: CloudWatch publishes to the alert topic (${alarmActionPublishesPerEvent.toFixed(2)} per event, + ${EMAIL_SUBSCRIBERS} email delivery each)`,
    quantity: eventsPerMonth * alarmActionPublishesPerEvent,
    unit: 'publish requests',
    usd:
      eventsPerMonth *
      alarmActionPublishesPerEvent *
      (PRICES.snsPerPublishChunk + EMAIL_SUBSCRIBERS * PRICES.snsEmailDelivery),
  },
];

/** Option: credential rotation (one secret per broker), estimated, not measured. */
const rotationSecrets = BROKERS * ROTATION.secretsPerBroker;
const rotations = rotationSecrets * ROTATION.rotationsPerSecretMonth;
const rotateSpec = specOf('Rotate');
const rotationLambda = lambdaLines(
  'Rotate',
  rotateSpec.memory,
  rotations * ROTATION.invocationsPerRotation,
  rotations * ROTATION.invocationsPerRotation * ROTATION.msPerInvocation,
  rotations * ROTATION.invocationsPerRotation,
  inits.byHandler.get(rotateSpec.handler) ?? DEFAULT_INIT_MS,
  rotations * ROTATION.invocationsPerRotation * ROTATION.logBytesPerInvocation,
);
const optionLines: Line[] = [
  {
    service: 'Secrets Manager',
    item: `${rotationSecrets} rotated secrets (one per broker)`,
    quantity: rotationSecrets,
    unit: 'secret-months',
    usd: rotationSecrets * PRICES.secretsPerSecretMonth,
  },
  {
    service: 'Secrets Manager',
    item: `rotation API calls (${ROTATION.secretsCallsPerRotation} per rotation, estimated)`,
    quantity: rotations * ROTATION.secretsCallsPerRotation,
    unit: 'calls',
    usd: rotations * ROTATION.secretsCallsPerRotation * PRICES.secretsPerCall,
  },
  ...rotationLambda.lines,
];

// Custom metrics the functions declare in their Embedded Metric Format lines (functions/lib/job-metric.ts declares only
// values that are not zero): CloudWatch bills each for every hour it receives data, so a function whose runs declare
// a metric pays for it in min(runs, hours of the month) hours.
for (const c of costs) {
  const declared = [...(emfByFunction.get(c.name) ?? [])].sort();
  if (declared.length === 0) continue;
  const hours = Math.min(c.runsPerMonth, HOURS_PER_MONTH);
  const line: Line = {
    service: 'CloudWatch metrics (EMF)',
    item: `${c.name}: ${declared.length} custom metric(s) declared (${declared.slice(0, 4).join(', ')}${declared.length > 4 ? ', …' : ''}), ${hours.toFixed(0)} h a month with data`,
    quantity: (declared.length * hours) / HOURS_PER_MONTH,
    unit: 'metric-months',
    usd: ((declared.length * hours) / HOURS_PER_MONTH) * PRICES.cloudwatchCustomMetricMonth,
  };
  c.lines.push(line);
  c.usd += line.usd;
}
const functionsUsd = costs.reduce((n, c) => n + c.usd, 0);
const fixedUsd = sum(fixedLines);
const optionUsd = sum(optionLines);
const totalUsd = functionsUsd + fixedUsd;
/** The CloudWatch alarms themselves (what the user asked for), reported separately and per broker. */
const alarmsUsd = sum(fixedLines.filter((l) => l.service === 'CloudWatch alarms'));
/** Everything else the stack costs: what the target bounds. */
const outsideAlarmsUsd = totalUsd - alarmsUsd;
const targetMet = outsideAlarmsUsd <= TARGET_USD_OUTSIDE_ALARMS;

/** Every API call the stack makes in a month, by `service:Operation` (all functions, steady state). */
const callsPerMonth: Record<string, number> = {};
for (const c of costs) addInto(callsPerMonth, c.monthly.calls);

const byService = new Map<ServiceName, { usd: number; optionUsd: number; items: Line[] }>();
for (const line of [...costs.flatMap((c) => c.lines), ...fixedLines]) {
  const row = byService.get(line.service) ?? { usd: 0, optionUsd: 0, items: [] };
  row.usd += line.usd;
  row.items.push(line);
  byService.set(line.service, row);
}
for (const line of optionLines) {
  const row = byService.get(line.service) ?? { usd: 0, optionUsd: 0, items: [] };
  row.optionUsd += line.usd;
  byService.set(line.service, row);
}

// ---- report ------------------------------------------------------------------------------------------------------

const usd = (n: number) => (n >= 100 ? `$${n.toFixed(0)}` : n >= 1 ? `$${n.toFixed(2)}` : `$${n.toFixed(3)}`);
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const num = (n: number, digits = 1) =>
  Number.isInteger(n)
    ? n.toLocaleString('en-US')
    : n.toLocaleString('en-US', { maximumFractionDigits: digits });

function table(rows: string[][], rightAligned: Set<number>): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, c) => (rightAligned.has(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `service 12 (Op 10, Op 2)` per service, from `service:Op` counts. */
function callSummary(calls: Record<string, number>): string {
  const byServiceCalls = new Map<string, [string, number][]>();
  for (const [key, n] of Object.entries(calls)) {
    const [service = '', operation = ''] = key.split(':');
    const list = byServiceCalls.get(service) ?? [];
    list.push([operation, n]);
    byServiceCalls.set(service, list);
  }
  return [...byServiceCalls]
    .map(
      ([service, ops]) =>
        `${service} ${num(ops.reduce((n, [, v]) => n + v, 0))} (${ops
          .sort((a, b) => b[1] - a[1])
          .map(([op, n]) => `${op} ${num(n)}`)
          .join(', ')})`,
    )
    .join('; ');
}

const sortedCosts = [...costs].sort((a, b) => b.usd - a.usd);
console.log(`\nper function (steady state; ${BROKERS} brokers; monthly = 730 h)\n`);
console.log(
  table(
    [
      ['function', 'trigger', 'runs/month', 'MB', 'AWS calls/run', 'ms/run (est.)', 'GB-s/month', '$/month'],
      ...sortedCosts.map((c) => [
        c.name,
        c.trigger,
        int(c.runsPerMonth),
        String(c.memoryMB),
        num(totalCalls(c.perRun.calls)),
        int(c.perRun.wallMs),
        num(c.lambdaGbSeconds, 0),
        usd(c.usd),
      ]),
    ],
    new Set([2, 3, 4, 5, 6, 7]),
  ),
);
console.log('(Alerts: per alarm event; ms/run is the wall time here with the added latency, an estimate)');
console.log('\ncalls per run by service and operation (local cloud request log):');
for (const c of sortedCosts) {
  console.log(`  ${c.name}: ${callSummary(c.perRun.calls) || 'none'}`);
  const extras = [
    c.perRun.dynamoRru || c.perRun.dynamoWru
      ? `DynamoDB ${num(c.perRun.dynamoRru)} RRU + ${num(c.perRun.dynamoWru)} WRU`
      : '',
    c.perRun.metricsRequested ? `${num(c.perRun.metricsRequested)} metrics requested` : '',
    `log ${int(c.perRun.logBytes)} B in ${num(c.perRun.logEvents)} lines`,
  ].filter(Boolean);
  console.log(`    ${extras.join('; ')}${c.extra ? `; plus ${c.extra.description}` : ''}`);
  if (c.first) console.log(`    first run (one-off): ${callSummary(c.first.calls)}`);
}

console.log('\nper service (monthly)\n');
const serviceRows = [...byService].sort((a, b) => b[1].usd - a[1].usd);
console.log(
  table(
    [
      ['service', 'what', '$/month', 'option: rotation'],
      ...serviceRows.map(([service, row]) => {
        const items = new Map<string, { quantity: number; unit: string }>();
        for (const item of row.items) {
          const key = item.unit;
          const current = items.get(key) ?? { quantity: 0, unit: item.unit };
          current.quantity += item.quantity;
          items.set(key, current);
        }
        return [
          service,
          [...items.values()].map((i) => `${num(i.quantity, i.quantity < 10 ? 3 : 0)} ${i.unit}`).join(', '),
          usd(row.usd),
          row.optionUsd ? `+${usd(row.optionUsd)}` : '',
        ];
      }),
      ['total', '', usd(totalUsd), `+${usd(optionUsd)}`],
    ],
    new Set([2, 3]),
  ),
);

const drivers = [
  ...fixedLines.map((l) => ({ what: `${l.service}: ${l.item}`, usd: l.usd })),
  ...costs.flatMap((c) => c.lines.map((l) => ({ what: `${c.name}: ${l.service} ${l.item}`, usd: l.usd }))),
]
  .sort((a, b) => b.usd - a.usd)
  .slice(0, 6);
/** The price of one call of an operation, where it is priced per call (undefined: per unit, or free). */
function pricePerCall(key: string): string {
  const [service = '', operation = ''] = key.split(':');
  if (FREE_SERVICES.has(service)) return 'free';
  if (service === 'monitoring')
    return operation === 'GetMetricData' ? '$0.01 per 1,000 metrics' : '$0.01 per 1,000';
  if (service === 'dynamodb') return 'per request unit';
  if (service === 's3') return operation === 'GetObject' ? '$0.0004 per 1,000' : '$0.005 per 1,000';
  if (service === 'secretsmanager') return '$0.05 per 10,000';
  if (service === 'sns') return '$0.50 per 1M (+ delivery)';
  return '?';
}
console.log(
  '\nAPI calls per month, whole stack (steady state; the alarm actions CloudWatch publishes are not calls)\n',
);
console.log(
  table(
    [
      ['operation', 'calls/month', 'price'],
      ...Object.entries(callsPerMonth)
        .sort((a, b) => b[1] - a[1])
        .map(([key, n]) => [key, int(n), pricePerCall(key)]),
    ],
    new Set([1]),
  ),
);

console.log(`\nestimated monthly total for ${BROKERS} brokers: ${usd(totalUsd)} (free tiers ignored)`);
console.log(
  `  CloudWatch alarms themselves (reported separately): ${usd(alarmsUsd)} = ${usd(alarmsUsd / BROKERS)} per broker ` +
    `(${(alarmTotals.alarms / BROKERS).toFixed(2)} alarms, ${(alarmTotals.alarmMetrics / BROKERS).toFixed(2)} alarm ` +
    `metrics per broker); priced per alarm instead of per alarm metric they would cost ` +
    `${usd(alarmTotals.alarms * PRICES.cloudwatchAlarmMetricMonth)}`,
);
for (const [kind, row] of Object.entries(alarmsByKind).sort())
  console.log(
    `    ${kind}: ${(row.alarms / Math.max(1, row.brokers)).toFixed(1)} alarms, ` +
      `${usd((row.alarmMetrics * PRICES.cloudwatchAlarmMetricMonth) / Math.max(1, row.brokers))} per broker-month`,
  );
console.log(
  `  the rest of the stack (outside the alarms): ${usd(outsideAlarmsUsd)} per month; target ≤ ` +
    `${usd(TARGET_USD_OUTSIDE_ALARMS)}: ${targetMet ? 'met' : 'NOT MET'}`,
);
const adoptionTags = alarmsAdoption.adoption.calls['monitoring:ListTagsForResource'] ?? 0;
const adoptionPuts = alarmsAdoption.adoption.calls['monitoring:PutMetricAlarm'] ?? 0;
console.log(
  `  one-off, upgrading from an mqops version before the alarm marker: ${int(adoptionTags)} ListTagsForResource + ` +
    `${int(adoptionPuts)} PutMetricAlarm for ${alarmsAdoption.alarms} alarms ` +
    `(${usd((adoptionTags + adoptionPuts) * PRICES.cloudwatchPerRequest)}); the run after reads ` +
    `${alarmsAdoption.after.calls['monitoring:ListTagsForResource'] ?? 0} tags`,
);
console.log(
  `option, one rotated secret per broker: +${usd(optionUsd)} (Secrets Manager ${usd(rotationSecrets * PRICES.secretsPerSecretMonth)} of it)`,
);
console.log('biggest drivers:');
for (const d of drivers)
  console.log(`  ${usd(d.usd).padStart(8)}  ${d.what} (${((100 * d.usd) / totalUsd).toFixed(1)} %)`);
const lambdaUsd = byService.get('Lambda')?.usd ?? 0;
console.log(
  `Lambda compute is ${usd(lambdaUsd)}; at 10× the measured durations it would be about ` +
    `${usd(costs.reduce((n, c) => n + c.lambdaGbSeconds * 10, 0) * PRICES.lambdaArmPerGbSecond + costs.reduce((n, c) => n + c.runsPerMonth, 0) * PRICES.lambdaPerRequest)}.`,
);

const sdkMismatches = costs
  .map((c) => ({ name: c.name, http: totalCalls(c.perRun.calls), sdk: totalCalls(c.perRun.sdkCalls) }))
  .filter((c) => Math.abs(c.http - c.sdk) > 1e-6);
if (sdkMismatches.length)
  console.log(
    `note: SDK sends and HTTP calls differ (retries) for ${sdkMismatches.map((m) => `${m.name} ${num(m.sdk)}/${num(m.http)}`).join(', ')}`,
  );

// ---- JSON --------------------------------------------------------------------------------------------------------

const round = (n: number, digits = 3) => Number(n.toFixed(digits));
const usageJson = (u: Usage) => ({
  calls: Object.fromEntries(Object.entries(u.calls).map(([k, v]) => [k, round(v)])),
  totalCalls: round(totalCalls(u.calls)),
  sdkSends: round(totalCalls(u.sdkCalls)),
  dynamoRru: round(u.dynamoRru),
  dynamoWru: round(u.dynamoWru),
  metricsRequested: round(u.metricsRequested),
  snsPublishRequests: round(u.snsPublishChunks),
  logBytes: round(u.logBytes, 0),
  logLines: round(u.logEvents),
  wallMs: round(u.wallMs, 1),
});
const lineJson = (l: Line) => ({
  service: l.service,
  item: l.item,
  quantity: round(l.quantity, 6),
  unit: l.unit,
  usd: round(l.usd, 4),
});

const assumptions = [
  `Call counts are measured per run against the local cloud with a ${BROKERS}-broker fleet (bench/fleet.ts plus metric specs), through each function's real handler with its infra/ environment; monthly = runs per month (730 h) × the average of ${STEADY_RUNS} steady-state runs.`,
  'First runs (creating every alarm, the watch baseline, the first audit with every finding new, the first rightsize announcements) are one-off at deploy: reported, not in the monthly total.',
  `Duration per run is the wall time of the handler here with ${LATENCY_MS} ms added to every AWS call: an estimate of Lambda duration (this machine's CPU, not a 256–1024 MB arm64 Lambda; the emulator runs in the same process). Lambda compute is a small share of the bill; the 10× figure on stdout bounds the error.`,
  `Cold starts: a function scheduled more than ${WARM_INTERVAL_MINUTES} minutes apart starts cold every run; the 1- and 2-minute functions once per ${WARM_RECYCLE_MINUTES} minutes; Alerts on every event. INIT is billed (since 2025-08-01) at the cold import+init from ${inits.source}.`,
  `Free tiers are ignored (Lambda 1M requests and 400,000 GB-s, CloudWatch 10 alarms and 1M API requests, 5 GB logs, SNS 1M publishes, DynamoDB 25 GB storage): the estimate is conservative.`,
  `Target: the stack's monthly cost outside the CloudWatch alarms themselves ≤ $${TARGET_USD_OUTSIDE_ALARMS} for ${BROKERS} brokers (outsideAlarmsUsdPerMonth); the alarms are reported separately, per broker (alarms.usdPerBrokerMonth).`,
  'The Alarms function recognises its alarms by the marker line in their description (DescribeAlarms), so a steady run makes no ListTagsForResource (only an mqops- alarm without the marker costs one per run) and no write; the one-off adoption of alarms made before the marker is measured (alarmsAdoptionOneOff), not in the monthly total.',
  'CloudWatch alarms are priced per alarm metric: a metric-math alarm (ActiveMQ active/standby MAX([m1, m2]), RabbitMQ memory and disk ratios) counts each metric it reads; counting one per alarm would be lower (see alarms.alarms in the JSON).',
  `The alarms counted are the ones the Alarms function created for this fleet (the desired set of packages/core/src/alarms under the default policy).`,
  `Alarm events: ${ALARM_EVENTS_PER_BROKER_MONTH} alarm state changes per broker-month (${eventsPerMonth} in all), each costing what the simulated events cost (Alerts invocation, the flush work beyond idle, the CloudWatch alarm-action publish to the alert topic). The Alerts rule matches every alarm of the account: other alarms' changes add invocations at about the same cost each.`,
  'Change-triggered audits are measured as a manual invoke naming one broker (the same audit path); a real change event notifies only new findings, the manual one notifies while findings fail (one more publish: conservative).',
  `Change events: ${CHANGE_EVENTS_PER_MONTH} Amazon MQ changes per month (CloudTrail), each running Alarms over the whole fleet and Audit over one broker.`,
  `Logs: ingestion is what the handlers wrote (Powertools JSON at INFO) plus ${PLATFORM_LOG_BYTES_PER_INVOCATION} bytes of Lambda platform records per invocation; storage keeps ${LOG_RETENTION_MONTHS} months (the production stage's retention) of uncompressed bytes (AWS bills compressed: conservative).`,
  `SNS: each publish is delivered to ${EMAIL_SUBSCRIBERS} email subscription of the alert topic; Slack webhooks cost nothing on AWS.`,
  'Resize is idle (no plan: no broker opts in with mqops:rightsize=auto) and Maintenance finds no pending change; an applied resize or a maintenance notice adds a few DynamoDB writes and notices, not measured.',
  'The RabbitMQ brokers have no audit secret, so the audit makes no GetSecretValue or management-API call for them; with one, each RabbitMQ broker adds one GetSecretValue per audit ($0.05 per 10,000).',
  `Option (not in the total): one rotated credential secret per broker ($${PRICES.secretsPerSecretMonth}/secret-month), rotated every 30 days: ${ROTATION.invocationsPerRotation} Rotate invocations of ${ROTATION.msPerInvocation} ms (cold, ${ROTATION.logBytesPerInvocation} log bytes each) and ${ROTATION.secretsCallsPerRotation} Secrets Manager calls per rotation, estimated from the rotation protocol, not measured (it needs a real broker).`,
  'Not priced (negligible or outside the stack): S3 and DynamoDB storage (kilobytes), KMS calls for AWS-managed keys, the dead-letter queue (empty when nothing fails), EventBridge (scheduled rules and AWS service events on the default bus are free), CloudTrail (the account trail), the Runbook function (manual).',
];

const machine = machineInfo();
const brokerKinds: Record<string, number> = {};
for (const b of scenario.brokers ?? []) {
  const kind = `${b.EngineType} ${b.DeploymentMode}`;
  brokerKinds[kind] = (brokerKinds[kind] ?? 0) + 1;
}

const out = {
  benchmark: 'bench/cost',
  command: reproduceWith('npm run bench:cost', [
    'BENCH_BROKERS',
    'BENCH_LATENCY_MS',
    'BENCH_STEADY_RUNS',
    'BENCH_ALARM_EVENTS_PER_BROKER_MONTH',
    'BENCH_CHANGE_EVENTS_PER_MONTH',
    'BENCH_OUT',
  ]),
  at: new Date().toISOString(),
  machine,
  node: process.version,
  region: REGION,
  parameters: {
    brokers: BROKERS,
    latencyMsPerCall: LATENCY_MS,
    steadyRuns: STEADY_RUNS,
    alarmEventsPerBrokerMonth: ALARM_EVENTS_PER_BROKER_MONTH,
    changeEventsPerMonth: CHANGE_EVENTS_PER_MONTH,
    hoursPerMonth: HOURS_PER_MONTH,
    platformLogBytesPerInvocation: PLATFORM_LOG_BYTES_PER_INVOCATION,
    logRetentionMonths: LOG_RETENTION_MONTHS,
    emailSubscribers: EMAIL_SUBSCRIBERS,
    initSource: inits.source,
  },
  fleet: { brokers: BROKERS, kinds: brokerKinds, loadProfiles: profiles },
  prices: {
    ...PRICES,
    source:
      'us-east-1 list prices looked up 2026-11-26 (aws.amazon.com/{lambda,dynamodb,cloudwatch,sns,s3,secrets-manager}/pricing); see the PRICES comment in bench/cost.ts',
  },
  totalUsdPerMonth: round(totalUsd, 2),
  /** The CloudWatch alarms themselves, reported separately (per broker in `alarms`). */
  alarmsUsdPerMonth: round(alarmsUsd, 2),
  /** Everything else: what the target bounds. */
  outsideAlarmsUsdPerMonth: round(outsideAlarmsUsd, 4),
  target: { outsideAlarmsUsdPerMonth: TARGET_USD_OUTSIDE_ALARMS },
  met: { outsideAlarms: targetMet },
  optionRotationUsdPerMonth: round(optionUsd, 2),
  services: Object.fromEntries(
    serviceRows.map(([service, row]) => [
      service,
      { usdPerMonth: round(row.usd, 4), optionUsdPerMonth: round(row.optionUsd, 4) },
    ]),
  ),
  drivers: drivers.map((d) => ({
    what: d.what,
    usdPerMonth: round(d.usd, 4),
    share: round(d.usd / totalUsd, 4),
  })),
  functions: sortedCosts.map((c) => ({
    name: c.name,
    handler: c.handler,
    trigger: c.trigger,
    runsPerMonth: round(c.runsPerMonth, 1),
    memoryMB: c.memoryMB,
    coldStartsPerMonth: round(c.coldStartsPerMonth, 1),
    initMs: c.initMs,
    perRun: usageJson(c.perRun),
    ...(c.extra ? { extra: { description: c.extra.description, usage: usageJson(c.extra.usage) } } : {}),
    monthly: usageJson(c.monthly),
    lambdaGbSecondsPerMonth: round(c.lambdaGbSeconds, 1),
    lines: c.lines.map(lineJson),
    usdPerMonth: round(c.usd, 4),
    ...(c.first ? { firstRun: usageJson(c.first) } : {}),
    note: c.note,
  })),
  callsPerMonth: Object.fromEntries(
    Object.entries(callsPerMonth)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, round(v, 1)]),
  ),
  alarms: {
    ...alarmTotals,
    perBroker: round(alarmTotals.alarms / BROKERS, 2),
    alarmMetricsPerBroker: round(alarmTotals.alarmMetrics / BROKERS, 2),
    usdPerMonth: round(alarmsUsd, 2),
    /** The fleet's alarms (not mqops' own, `selfAlarms`) per broker. */
    usdPerBrokerMonth: round((alarmsUsd - selfAlarmsUsd) / BROKERS, 4),
    selfAlarms: { alarms: selfAlarmCount, usdPerMonth: round(selfAlarmsUsd, 2) },
    byBrokerKind: Object.fromEntries(
      Object.entries(alarmsByKind).map(([kind, row]) => [
        kind,
        {
          ...row,
          usdPerBrokerMonth: round(
            (row.alarmMetrics * PRICES.cloudwatchAlarmMetricMonth) / Math.max(1, row.brokers),
            4,
          ),
        },
      ]),
    ),
    usdPerMonthIfPricedPerAlarm: round(alarmTotals.alarms * PRICES.cloudwatchAlarmMetricMonth, 2),
  },
  alarmsAdoptionOneOff: {
    description:
      'upgrading from an mqops version before the alarm marker: one run reads the tags of, and writes the marker into, each alarm; the run after reads none',
    alarms: alarmsAdoption.alarms,
    adoptionRun: usageJson(alarmsAdoption.adoption),
    runAfter: usageJson(alarmsAdoption.after),
    usd: round((adoptionTags + adoptionPuts) * PRICES.cloudwatchPerRequest, 4),
  },
  alertSimulation: {
    events: simulation.events,
    flushRuns: simulation.flushRuns.length,
    slackMessages: simulation.slackMessages,
    alarmActionPublishes: simulation.alarmActionPublishes,
    perEventAlerts: usageJson(perEventAlerts),
    perEventFlushBeyondIdle: usageJson(perEventFlushExtra),
  },
  auditOneBroker: usageJson(auditOne),
  fixed: fixedLines.map(lineJson),
  optionRotation: optionLines.map(lineJson),
  assumptions,
};
writeFileSync(OUT, `${JSON.stringify(out, null, 2)}\n`);
console.log(`\nwrote ${OUT}`);
process.exit(targetMet ? 0 : 1);
