/**
 * Fuzzing the functions' handlers with hostile events (issue 12): the generators, the AWS and Slack stubs and the
 * checks that test/unit/fuzz-handlers.test.ts (1,000 events per handler, seeded) and bench/fuzz.ts (larger runs) share. No
 * vitest here: a broken expectation is an Error, and a run returns a report.
 *
 * For every generated event, the handler's own parse decides whether it is valid (the oracle). Then the deployed
 * handler (middy, its middlewares) is invoked with every AWS client mocked and `fetch` stubbed, and:
 * - a refused event must fail with an InvalidInputError of at most 300 characters that repeats no run of 65 equal
 *   characters (the generators' long values), after no AWS call, no fetch and no log line over 2 KB;
 * - an accepted event may do what the handler does, but only calls its IAM policy allows (infra/iam.ts derives them
 *   from the code), and any InvalidInputError it ends with is bounded too;
 * - the parse itself never throws anything but an InvalidInputError, and nothing rejects unhandled.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { MqClient } from '@aws-sdk/client-mq';
import { PricingClient } from '@aws-sdk/client-pricing';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { InvalidInputError } from '@mqops/core/errors';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { deriveActions } from '../../infra/iam';
import { lambdaContext } from './lambda';
import { capturingOutput } from './process';

const ROOT = join(import.meta.dirname, '..', '..');

/** The seed of every fuzz test (a failure prints it, with the path to the failing event). */
export const FUZZ_SEED = 20_261_208;

/** The longest refusal message, and the longest log line a refused event may write. */
export const MAX_MESSAGE = 300;
export const MAX_LOG_LINE = 2048;

// ---- AWS, Slack and the environment ----------------------------------------------------------------------------

/** Every AWS SDK client a function can construct (packages/aws, functions/lib). */
const CLIENTS = [
  CloudWatchClient,
  DynamoDBClient,
  EC2Client,
  LambdaClient,
  MqClient,
  PricingClient,
  S3Client,
  SecretsManagerClient,
  SecurityHubClient,
  SNSClient,
  SQSClient,
  STSClient,
] as const;

/** The environment the functions run with in the fuzz (a deployed stack's, without a dead-letter queue). */
export const FUZZ_ENV: Readonly<Record<string, string>> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'fuzz-not-a-real-key',
  AWS_SECRET_ACCESS_KEY: 'fuzz',
  MQOPS_STATE_TABLE: 'mqops-state',
  MQOPS_STATE_BUCKET: 'mqops-audit-state',
  MQOPS_BACKUP_BUCKET: 'mqops-backups',
  MQOPS_AUDIT_FUNCTION: 'mqops-audit',
  MQOPS_ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:mqops-alerts',
  MQOPS_SLACK_WEBHOOK_URL: 'https://hooks.slack.example/T000/B000/fuzz',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};

/** What the stubs saw. */
export interface Stubs {
  /** Command names (`DescribeBrokerCommand`) of every AWS call since the last reset. */
  calls(): string[];
  /** Calls of the stubbed `fetch` since the last reset. */
  fetches(): number;
  reset(): void;
  /** Puts back the real clients, `fetch` and the environment. */
  restore(): void;
}

/**
 * Mocks every AWS client (each call answers `{}`: an empty fleet, no item, no alarm), stubs `fetch` (Slack answers
 * `ok`), and sets {@link FUZZ_ENV} (with MQOPS_DEAD_LETTER_QUEUE_URL unset: a refused event is thrown to the caller).
 * Call it before the handlers build their clients.
 */
export function installStubs(): Stubs {
  const mocks = CLIENTS.map((client) => {
    const mock = mockClient(client as Parameters<typeof mockClient>[0]);
    mock.onAnyCommand().resolves({});
    return mock;
  });
  let fetches = 0;
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async () => {
    fetches++;
    return new Response('ok');
  }) as typeof fetch;
  const saved = Object.fromEntries(
    [...Object.keys(FUZZ_ENV), 'MQOPS_DEAD_LETTER_QUEUE_URL', 'AWS_ENDPOINT_URL'].map((k) => [
      k,
      process.env[k],
    ]),
  );
  Object.assign(process.env, FUZZ_ENV);
  delete process.env.MQOPS_DEAD_LETTER_QUEUE_URL;
  delete process.env.AWS_ENDPOINT_URL;
  return {
    calls: () =>
      mocks.flatMap((m) =>
        m.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name),
      ),
    fetches: () => fetches,
    reset: () => {
      for (const m of mocks) m.resetHistory();
      fetches = 0;
    },
    restore: () => {
      for (const m of mocks) m.restore();
      globalThis.fetch = realFetch;
      for (const [k, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[k];
        else process.env[k] = value;
      }
    },
  };
}

/** IAM actions whose SDK operation has another name (infra/iam.ts's exceptions, the other way round). */
const OPERATION_OF_ACTION: Record<string, string[]> = {
  ListBucket: ['ListObjectsV2', 'HeadBucket'],
  GetObject: ['HeadObject'],
  InvokeFunction: ['Invoke'],
};

/** The commands (`ListBrokersCommand`) a function's code can send: its IAM actions (infra/iam.ts). */
export function allowedCommands(functionFile: string): Set<string> {
  const operations = deriveActions(functionFile, ROOT).actions.flatMap((action) => {
    const operation = action.split(':')[1] ?? action;
    return [operation, ...(OPERATION_OF_ACTION[operation] ?? [])];
  });
  return new Set(operations.map((operation) => `${operation}Command`));
}

// ---- generators -------------------------------------------------------------------------------------------------

/** `value` inside `depth` arrays or objects. */
function nest(depth: number, value: unknown, asObject: boolean): unknown {
  let node = value;
  for (let i = 0; i < depth; i++) node = asObject ? { a: node } : [node];
  return node;
}

/** A long string of one repeated character (so a refusal that repeats it is caught: 65 equal characters). */
const long = (min: number, max: number) =>
  fc
    .tuple(fc.integer({ min, max }), fc.constantFrom('a', 'k', 'Z', '1', '-', 'é'))
    .map(([n, c]) => c.repeat(n));

/** Values no handler expects: oversized, of the wrong type, deeply nested, huge collections, odd keys. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  // Oversized strings: just over AWS's limits, and up to a megabyte.
  long(39, 70),
  long(129, 300),
  long(2049, 3000),
  long(60_000, 300_000),
  long(1 << 20, 1 << 20),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  // Wrong types and odd values.
  fc.constantFrom(null, 0, -1, 1.5, 1e308, -0, true, false, '', ' ', '[]', '{}', [], {}, [null], { '': '' }),
  fc.integer(),
  fc.double(),
  // Deep nesting, huge collections, huge and odd keys.
  fc.integer({ min: 33, max: 5_000 }).map((d) => nest(d, 'b-1', false)),
  fc.integer({ min: 33, max: 2_000 }).map((d) => nest(d, 1, true)),
  fc.integer({ min: 201, max: 300_000 }).map((n) => Array(n).fill('b-1')),
  fc
    .integer({ min: 1_000, max: 50_000 })
    .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
  long(65, 1 << 20).map((key) => ({ [key]: 1 })),
  fc.constantFrom({ __proto__: null }, { constructor: 1 }, { toString: 'x' }, { ['__proto__']: { a: 1 } }),
  fc.jsonValue({ maxDepth: 3 }),
);

type Path = (string | number)[];

/** Every path into a JSON value (the root included), parents before children. */
function pathsOf(value: unknown, path: Path = []): Path[] {
  const paths: Path[] = [path];
  if (Array.isArray(value))
    value.forEach((item, i) => {
      paths.push(...pathsOf(item, [...path, i]));
    });
  else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...path, key]));
  return paths;
}

/** A copy of `base` with the value at `path` replaced (or removed, for `undefined`). */
function withValue(base: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (value === undefined && !Array.isArray(node)) delete node[last];
  else node[last] = value;
  return copy;
}

/** A mutation that adds a field. */
class AddedField {
  constructor(
    readonly key: string,
    readonly value: unknown,
  ) {}
}

/**
 * Events near the valid ones: one of `bases` with one field (or the whole event) replaced by a hostile value,
 * removed, or joined by an unknown field; sometimes a base as it is.
 */
export function nearValid(bases: readonly unknown[]): fc.Arbitrary<unknown> {
  const mutated = fc
    .constantFrom(...bases)
    .chain((base) =>
      fc.tuple(
        fc.constant(base),
        fc.constantFrom(...pathsOf(base)),
        fc.oneof(
          { arbitrary: hostileValue, weight: 8 },
          { arbitrary: fc.constant(undefined), weight: 1 },
          {
            arbitrary: fc.tuple(long(1, 100), hostileValue).map(([key, value]) => new AddedField(key, value)),
            weight: 1,
          },
        ),
      ),
    )
    .map(([base, path, change]) => {
      if (!(change instanceof AddedField)) return withValue(base, path, change);
      // An unknown field beside the ones of the object at `path` (or at the top).
      const { key, value } = change;
      const target = path.length && typeof base === 'object' ? path : [];
      const holder = target.reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], base);
      if (holder === null || typeof holder !== 'object' || Array.isArray(holder))
        return withValue(base, [key], value);
      return withValue(base, [...target, key], value);
    });
  return fc.oneof({ arbitrary: mutated, weight: 12 }, { arbitrary: fc.constantFrom(...bases), weight: 1 });
}

/** The events a handler is fuzzed with: near-valid ones, arbitrary JSON, arbitrary values and odd top-level values. */
export function fuzzEvents(bases: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: nearValid(bases), weight: 14 },
    { arbitrary: fc.jsonValue(), weight: 3 },
    { arbitrary: fc.anything(), weight: 1 },
    { arbitrary: hostileValue, weight: 2 },
  );
}

// ---- events of AWS's shapes -------------------------------------------------------------------------------------

/** An EventBridge scheduled event, as a schedule delivers it. */
export const SCHEDULED = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-25T12:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/mqops-Schedule'],
  detail: {},
} as const;

/** A broker id as Amazon MQ makes them. */
export const BROKER_ID = 'b-1234a5b6-78cd-901e-2fab-3c45d6e178f9';

/** An API call delivered by EventBridge from CloudTrail. */
export function cloudTrailEvent(
  eventName: string,
  detail: Record<string, unknown> = {},
  source = 'aws.amazonmq',
) {
  return {
    version: '0',
    id: 'b1a7c1d2-0000-4000-8000-000000000001',
    'detail-type': 'AWS API Call via CloudTrail',
    source,
    account: '123456789012',
    time: '2026-11-25T12:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      eventVersion: '1.08',
      eventSource: source === 'aws.ec2' ? 'ec2.amazonaws.com' : 'amazonmq.amazonaws.com',
      eventName,
      awsRegion: 'us-east-1',
      requestParameters: { brokerId: BROKER_ID },
      responseElements: null,
      ...detail,
    },
  };
}

/** A CloudWatch alarm event of the fixtures (packages/core/test/fixtures/alarm-events). */
export function alarmFixture(name: string): unknown {
  return JSON.parse(readFileSync(join(ROOT, 'packages/core/test/fixtures/alarm-events', name), 'utf8'));
}

// ---- the run ----------------------------------------------------------------------------------------------------

/** One handler to fuzz. */
export interface FuzzTarget {
  name: string;
  /** The deployed handler (middy with its middlewares), as Lambda invokes it. */
  handler: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
  /** The parse the handler runs first: throws InvalidInputError for an event it refuses. */
  parse: (event: unknown) => unknown;
  /** The events to generate. */
  events: fc.Arbitrary<unknown>;
  /** The commands an accepted event may send (see {@link allowedCommands}). */
  allowed: ReadonlySet<string>;
  /** The longest refusal message: {@link MAX_MESSAGE} unless the handler's parse documents another bound. */
  maxMessage?: number;
  /** The longest log line of a refused event: {@link MAX_LOG_LINE} unless documented otherwise. */
  maxLogLine?: number;
}

/** What a run found. */
export interface FuzzReport {
  target: string;
  runs: number;
  refused: number;
  accepted: number;
  /** The longest refusal message, and the longest log line of a refused event, seen. */
  longestRefusal: number;
  longestLogLine: number;
  /** AWS calls the accepted events made (all of them within the function's IAM policy). */
  acceptedCalls: number;
  ms: number;
  seed: number;
  /** The first failure: what broke, on which event (summarised), and how to replay it. */
  failure?: { problem: string; event: string; seed: number; path: string };
  /** Rejections nobody handled during the run. */
  unhandled: string[];
}

/** A value in at most 200 characters, for a report (an event may be a megabyte). */
export function summarise(value: unknown): string {
  let text: string;
  try {
    text =
      JSON.stringify(value, (_key, v) =>
        typeof v === 'string' && v.length > 80 ? `${v.slice(0, 40)}…(${v.length} chars)` : v,
      ) ?? String(value);
  } catch {
    // Too deep for JSON.stringify (and for String of an array): say what it is.
    text = Array.isArray(value)
      ? `[an array of ${value.length}, nested deep]`
      : `(${typeof value}, nested deep)`;
  }
  return text.length > 200 ? `${text.slice(0, 200)}…(${text.length} chars)` : text;
}

class FuzzFailure extends Error {}

function fail(problem: string): never {
  throw new FuzzFailure(problem);
}

/** A run of 65 equal characters: a long value of the generators, repeated. */
const REPEATED = /(.)\1{64}/su;

/** Runs `numRuns` events through `target` and checks each; see the module's documentation for what is checked. */
export async function fuzzHandler(
  target: FuzzTarget,
  stubs: Stubs,
  options: {
    numRuns: number;
    seed?: number /** Replays a failure (with its seed): fast-check's path. */;
    path?: string;
  },
): Promise<FuzzReport> {
  const seed = options.seed ?? FUZZ_SEED;
  const maxMessage = target.maxMessage ?? MAX_MESSAGE;
  const maxLogLine = target.maxLogLine ?? MAX_LOG_LINE;
  const unhandled: string[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(summarise(String(reason)));
  process.on('unhandledRejection', onUnhandled);
  let refused = 0;
  let accepted = 0;
  let longestRefusal = 0;
  let longestLogLine = 0;
  let acceptedCalls = 0;
  const started = performance.now();
  try {
    const details = await fc.check(
      fc.asyncProperty(target.events, async (event) => {
        // The oracle: the handler's own parse. Anything but an InvalidInputError from it is a bug.
        let valid = true;
        try {
          // middy hands the function `{}` for an undefined event (its default parameter).
          target.parse(event === undefined ? {} : event);
        } catch (error) {
          if (!(error instanceof InvalidInputError))
            fail(`the parse threw ${(error as Error)?.name}: ${summarise((error as Error)?.message)}`);
          valid = false;
        }
        stubs.reset();
        const output: string[] = [];
        const outcome = await capturingOutput(output, () =>
          target.handler(event, lambdaContext(target.name)),
        ).then(
          () => ({ error: undefined as unknown }),
          (error: unknown) => ({ error }),
        );
        const calls = stubs.calls();
        const { error } = outcome;
        if (error instanceof InvalidInputError) {
          longestRefusal = Math.max(longestRefusal, error.message.length);
          if (error.message.length > maxMessage) fail(`a refusal of ${error.message.length} characters`);
          if (REPEATED.test(error.message))
            fail(`a refusal repeats a long value: ${summarise(error.message)}`);
        }
        if (valid) {
          accepted++;
          acceptedCalls += calls.length;
          const unexpected = calls.filter((c) => !target.allowed.has(c));
          if (unexpected.length) fail(`calls outside the function's IAM policy: ${unexpected.join(', ')}`);
          return;
        }
        refused++;
        if (!(error instanceof InvalidInputError))
          fail(
            `a refused event ended ${error ? `with ${(error as Error).name}: ${summarise((error as Error).message)}` : 'in success'}`,
          );
        if (calls.length) fail(`a refused event made AWS calls: ${calls.join(', ')}`);
        if (stubs.fetches()) fail(`a refused event called fetch ${stubs.fetches()} times`);
        const longest = Math.max(
          0,
          ...output.flatMap((chunk) => chunk.split('\n')).map((line) => line.length),
        );
        longestLogLine = Math.max(longestLogLine, longest);
        if (longest > maxLogLine) fail(`a refused event wrote a log line of ${longest} characters`);
      }),
      { seed, numRuns: options.numRuns, endOnFailure: true, ...(options.path ? { path: options.path } : {}) },
    );
    // Let a stray rejection surface before looking.
    await new Promise((resolve) => setImmediate(resolve));
    const report: FuzzReport = {
      target: target.name,
      runs: details.numRuns,
      refused,
      accepted,
      longestRefusal,
      longestLogLine,
      acceptedCalls,
      ms: performance.now() - started,
      seed,
      unhandled,
    };
    if (details.failed) {
      const error = details.errorInstance;
      report.failure = {
        problem:
          error instanceof FuzzFailure
            ? error.message
            : `${(error as Error)?.name}: ${summarise((error as Error)?.message)}`,
        event: summarise(details.counterexample?.[0]),
        seed: details.seed,
        path: details.counterexamplePath ?? '',
      };
    }
    return report;
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
}
