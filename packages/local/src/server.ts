import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants as osConstants } from 'node:os';
import { ControllableClock } from './clock';
import { type FaultRule, Faults } from './faults';
import {
  LocalStateDir,
  LocalStateError,
  type PersistOptions,
  reportUnsaved,
  scenarioDigest,
} from './persistence';
import { DEFAULT_SCENARIO, loadScenario, type Scenario, scenarioFile } from './scenario';
import { createProxiedEmulators, emulators } from './services';
import type { BrokerBacking, LocalRequest, LocalResponse, RequestRecord, ServiceEmulator } from './types';
import { World } from './world';

/** Options of {@link startLocalCloud}. */
export interface LocalCloudOptions {
  /**
   * A scenario object, a shipped scenario's name (`demo`) or a JSON file path. Default: `demo`; with `persist`, the
   * one the kept state was made from (another one is refused unless `persist.reset`).
   */
  scenario?: Scenario | string;
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /** The clock; default starts at the scenario's `now`, or the wall clock. */
  clock?: ControllableClock;
  /** Fault rules active from the start (more can be added through `cloud.faults`). */
  faults?: FaultRule[];
  /** Real brokers to map emulated brokers onto, by engine. */
  backings?: BrokerBacking[];
  /**
   * Keep the cloud's state in a directory across processes (off by default: a cloud lives as long as its process):
   * what the services hold, the clock, DynamoDB and S3 are loaded at start and saved at `stop()`, at the process's
   * exit, and on SIGINT or SIGTERM (which then end the process, see {@link stopOnSignals}). See ./persistence.ts.
   */
  persist?: PersistOptions;
}

/** A running local cloud. */
export interface LocalCloud {
  /** Base URL, e.g. http://127.0.0.1:45123: the `endpoint` for every AWS SDK client. */
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  /** Static credentials the local cloud accepts (it checks the signature's shape, not its value). */
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly clock: ControllableClock;
  readonly faults: Faults;
  readonly world: World;
  /** Every request answered, in order: which service and operation, and the status. */
  readonly requests: RequestRecord[];
  /** Settings for an AWS SDK v3 client: `new MqClient(cloud.clientConfig())`. */
  clientConfig(): {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** Environment variables that point any AWS SDK (and so mqops) at this cloud. */
  env(): Record<string, string>;
  /** With `persist`: the directory the state is kept in, and whether it was there before this start. */
  readonly persisted?: { dir: string; resumed: boolean; scenario: string };
  /** Stops the servers; with `persist`, saves the state and gives the directory back. */
  stop(): Promise<void>;
}

const SCOPE = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

/** Reads the SigV4 credential scope (region, signing name) from a request's Authorization header. */
export function credentialScope(
  authorization: string | undefined,
): { region: string; service: string } | undefined {
  const match = authorization ? SCOPE.exec(authorization) : null;
  if (!match?.[1] || !match[2]) return undefined;
  return { region: match[1], service: match[2] };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolvePromise(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, response: LocalResponse): void {
  const body = response.body ?? '';
  res.writeHead(response.status, {
    'x-amzn-requestid': crypto.randomUUID(),
    'content-length': String(Buffer.byteLength(body)),
    ...response.headers,
  });
  res.end(body);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How often (wall time) CloudWatch's metric alarms are evaluated while the cloud runs (a running clock moves). */
const ALARM_EVALUATION_MS = 1000;

// ---- SIGINT and SIGTERM while kept clouds are open ----------------------------------------------------------

/** How to stop each kept (`persist`) cloud open in this process. */
const keptOpen = new Set<() => Promise<void>>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/** How long stopping on a signal may take before the process ends anyway. */
const SIGNAL_STOP_MS = 10_000;
/** The exit code of the signal being handled, while the clouds stop. */
let stoppingOnSignal: number | undefined;

function onSignal(signal: NodeJS.Signals): void {
  // As a shell reports a process ended by the signal: 130 for SIGINT, 143 for SIGTERM.
  const exitCode = 128 + (osConstants.signals[signal] ?? 0);
  // Someone else listens too: ending the process is theirs to decide (the clouds are saved all the same).
  const theirs = process.listenerCount(signal) > 1;
  if (stoppingOnSignal !== undefined) {
    // A second signal while stopping: end now (the `exit` handlers still save state.json).
    if (!theirs) process.exit(stoppingOnSignal);
    return;
  }
  stoppingOnSignal = exitCode;
  if (!theirs) setTimeout(() => process.exit(exitCode), SIGNAL_STOP_MS).unref();
  void Promise.allSettled([...keptOpen].map((stop) => stop())).then(() => {
    stoppingOnSignal = undefined;
    if (!theirs) process.exit(exitCode);
  });
}

/**
 * While a kept cloud is open, SIGINT and SIGTERM stop it (so save it and give its directory back: Node's default
 * for those signals ends the process without its `exit` handlers, and the changes with it), then end the process
 * with the code a shell reports for the signal (130, 143). `stop` reports its own failures. Returns a function
 * that forgets the cloud (the handlers are removed with the last one).
 */
function stopOnSignals(stop: () => Promise<void>): () => void {
  if (keptOpen.size === 0) for (const signal of SIGNALS) process.on(signal, onSignal);
  keptOpen.add(stop);
  return () => {
    if (!keptOpen.delete(stop) || keptOpen.size > 0) return;
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };
}

/**
 * Starts the local cloud: emulated Amazon MQ, CloudWatch, Secrets Manager, SNS, SQS and EC2 on one loopback port,
 * each on its real wire protocol, so the real AWS SDK clients (and their typed errors and retries) work against it.
 *
 * @example
 * const cloud = await startLocalCloud({ scenario: 'demo' });
 * const mq = new MqClient(cloud.clientConfig());
 * await mq.send(new ListBrokersCommand({}));
 * await cloud.stop();
 */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  if (!options.persist) return start(options, undefined);
  const state = await LocalStateDir.open(options.persist);
  try {
    return await start(options, state);
  } catch (error) {
    await state.release();
    throw error;
  }
}

type ChosenScenario = { label: string; file?: string; digest: string; value: Scenario };

/** The scenario asked for, named for people, with the file it comes from (its digest recognises it). */
function resolveScenario(requested: Scenario | string): ChosenScenario {
  if (typeof requested === 'object')
    return { label: 'the scenario given', digest: scenarioDigest(requested), value: requested };
  const value = loadScenario(requested);
  return { label: requested, file: scenarioFile(requested), digest: scenarioDigest(value), value };
}

/**
 * The scenario of a local cloud. With kept state: the one it was made from (read again from its file when that is
 * still there, to notice a change; the kept copy when the file is gone). Another scenario, or a changed one, is
 * refused: the state would not belong to it.
 */
function scenarioOf(
  requested: Scenario | string | undefined,
  state: LocalStateDir | undefined,
): ChosenScenario {
  const saved = state?.saved?.scenario;
  if (!saved || !state) return resolveScenario(requested ?? DEFAULT_SCENARIO);
  let asked: ChosenScenario;
  if (requested !== undefined) asked = resolveScenario(requested);
  else if (saved.file && existsSync(saved.file))
    asked = { ...resolveScenario(saved.file), label: saved.label };
  else return saved;
  if (saved.digest === asked.digest) return { ...saved, value: asked.value };
  const changed = saved.file !== undefined && saved.file === asked.file;
  throw new LocalStateError(
    'scenario-mismatch',
    state.dir,
    `the local cloud in ${state.dir} was made from scenario ${saved.label}` +
      `${changed ? ', which has changed since' : `, not ${asked.label}`}: ` +
      `pass --reset to start over from ${asked.label}, or keep one directory per scenario (MQOPS_LOCAL_DIR)`,
  );
}

async function start(options: LocalCloudOptions, state: LocalStateDir | undefined): Promise<LocalCloud> {
  const chosen = scenarioOf(options.scenario, state);
  const scenario = chosen.value;
  const saved = state?.saved;
  const accountId = scenario.accountId ?? '123456789012';
  const region = scenario.region ?? 'us-east-1';
  // A kept cloud's time goes on where the last process left it.
  const clock = options.clock ?? new ControllableClock(saved?.clock ?? scenario.now);
  const faults = new Faults(options.faults ?? [], () => clock.now().getTime());
  const backings: Partial<Record<'ACTIVEMQ' | 'RABBITMQ', BrokerBacking>> = {};
  for (const backing of options.backings ?? []) backings[backing.engineType] = backing;
  const world = new World(scenario, { accountId, region, clock, backings });
  if (saved && state)
    try {
      world.restore(saved.world);
    } catch (error) {
      throw new LocalStateError(
        'corrupt',
        state.dir,
        `the local cloud state in ${state.dir} is unreadable (${(error as Error).message}): ` +
          `pass --reset to start over from the scenario, or remove ${state.dir}`,
        { cause: error },
      );
    }
  await world.mq.attachBackings();
  const requests: RequestRecord[] = [];
  const bySigningName = new Map<string, ServiceEmulator>();
  const proxied = createProxiedEmulators(
    state ? { dynamodbPath: state.dynamodbPath, s3Directory: state.s3Directory } : {},
  );
  for (const emulator of [...emulators, ...proxied.emulators])
    for (const name of emulator.signingNames) bySigningName.set(name, emulator);

  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const scope = credentialScope(req.headers.authorization);
      const emulator = scope && bySigningName.get(scope.service);
      if (!scope || !emulator) {
        send(res, {
          status: 400,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            message: scope ? `service ${scope.service} is not emulated` : 'request is not SigV4-signed',
          }),
        });
        return;
      }
      const request: LocalRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: await readBody(req),
        signingName: scope.service,
        region: scope.region,
      };
      const operation = emulator.operation(request) ?? 'Unknown';
      const fault = faults.decide(scope.service, operation, request.path);
      if (fault.delayMs > 0) await sleep(fault.delayMs);
      let response: LocalResponse;
      if (fault.kind === 'throttle') response = emulator.throttled(operation);
      else if (fault.kind === 'fail') response = emulator.failure(operation, 'injected failure');
      else if (fault.kind === 'deny')
        response = emulator.denied?.(operation) ?? {
          status: 403,
          headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' },
          body: JSON.stringify({ message: `not authorized to perform ${scope.service}:${operation}` }),
        };
      else
        response = await emulator.handle(operation, request, {
          world,
          clock,
          region: scope.region,
          accountId,
        });
      requests.push({
        service: scope.service,
        operation,
        status: response.status,
        at: clock.now().toISOString(),
      });
      send(res, response);
    } catch (error) {
      send(res, {
        status: 500,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: error instanceof Error ? error.message : String(error) }),
      });
    }
  });
  await new Promise<void>((r) => server.listen(options.port ?? 0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  world.sqs.setEndpoint(endpoint);
  // CloudWatch evaluates its metric alarms as time passes: whenever the clock is moved, and every second.
  const stopEvaluatingOnClock = clock.onChange(() => world.cloudwatch.reevaluate());
  const evaluation = setInterval(() => world.cloudwatch.reevaluate(), ALARM_EVALUATION_MS);
  evaluation.unref();
  world.cloudwatch.reevaluate();
  const credentials = { accessKeyId: 'LOCALCLOUDKEY', secretAccessKey: 'local-cloud-secret' };
  let stopped: Promise<void> | undefined;
  const kept = () => ({
    scenario: {
      label: chosen.label,
      ...(chosen.file ? { file: chosen.file } : {}),
      digest: chosen.digest,
      value: scenario,
    },
    clock: clock.now().toISOString(),
    world: world.snapshot(),
  });
  // A process that exits without stop() (process.exit on a closed pipe) still keeps what its command did.
  const cancelSaveOnExit = state?.saveOnExit(kept);
  let cancelStopOnSignals: (() => void) | undefined;
  const stop = async () => {
    if (stopped) return stopped;
    stopped = (async () => {
      try {
        world.mq.stop();
        world.sqs.stop();
        clearInterval(evaluation);
        stopEvaluatingOnClock();
        for (const backing of options.backings ?? []) await backing.close?.();
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeAllConnections();
        await closed;
        await proxied.stop();
        await state?.save(kept());
      } finally {
        cancelSaveOnExit?.();
        cancelStopOnSignals?.();
        await state?.release();
      }
    })();
    return stopped;
  };
  // …and so does one stopped by SIGINT or SIGTERM.
  if (state)
    cancelStopOnSignals = stopOnSignals(() =>
      stop().catch((error: unknown) => reportUnsaved(state.dir, error)),
    );

  return {
    endpoint,
    region,
    accountId,
    credentials,
    clock,
    faults,
    world,
    requests,
    clientConfig: () => ({ endpoint, region, credentials: { ...credentials } }),
    env: () => ({
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    }),
    ...(state ? { persisted: { dir: state.dir, resumed: saved !== undefined, scenario: chosen.label } } : {}),
    stop,
  };
}
