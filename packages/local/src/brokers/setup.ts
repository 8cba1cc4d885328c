import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { hostname } from 'node:os';
import { delimiter, join } from 'node:path';
import { stompConnect } from './probe';

/**
 * Installs (Debian packages, when running as root on Debian) and starts the real local brokers the local cloud maps
 * emulated brokers onto: one RabbitMQ node with the management plugin, and one private ActiveMQ instance with JAAS
 * property-file authentication that reloads without a restart. Everything listens on 127.0.0.1 only.
 *
 * Both `ensure*` functions return at once when the broker already answers, and share one in-flight promise when
 * called concurrently from one process. Package installs are serialized (one apt-get at a time).
 */

/** Where the real RabbitMQ answers. */
export interface RabbitMqInfo {
  /** Management HTTP API base URL. */
  managementUrl: string;
  amqpPort: number;
  /** Management credentials (RabbitMQ's default `guest` user, which may only log in from loopback). */
  username: string;
  password: string;
}

export const RABBITMQ_DEFAULTS: Readonly<RabbitMqInfo> = Object.freeze({
  managementUrl: 'http://127.0.0.1:15672',
  amqpPort: 5672,
  username: 'guest',
  password: 'guest',
});

/** Where the real ActiveMQ instance answers. */
export interface ActiveMqInfo {
  /** Instance directory: conf/ (activemq.xml, login.config, users/groups.properties), data/, activemq.log. */
  dir: string;
  openwirePort: number;
  stompPort: number;
  /** 5673, because RabbitMQ holds 5672. */
  amqpPort: number;
  consoleURL: string;
  /** Transport connector URIs the instance listens on (a connector whose jar is missing is left out). */
  endpoints: string[];
}

export interface EnsureOptions {
  /** Progress lines (installing, starting, ...). Default: silent. */
  log?: (line: string) => void;
  /** How long to wait for the broker to answer after starting it (not counting a package install). Default 90 s. */
  timeoutMs?: number;
  /** Install the Debian package when it is missing (only possible as root on Debian). Default true. */
  install?: boolean;
}

export interface EnsureActiveMqOptions extends EnsureOptions {
  /** Instance directory; default {@link defaultActiveMqDir}. */
  dir?: string;
}

export interface BrokerStatus {
  running: boolean;
  /** One line for humans. */
  detail: string;
}

const HOST = '127.0.0.1';
const DEFAULT_TIMEOUT_MS = 90_000;

const ACTIVEMQ_HOME = '/usr/share/activemq';
const ACTIVEMQ_JAR = `${ACTIVEMQ_HOME}/bin/activemq.jar`;
const ACTIVEMQ_LIB = `${ACTIVEMQ_HOME}/lib`;
const ACTIVEMQ_TEMPLATE = '/etc/activemq/instances-available/main';
const ACTIVEMQ_PORTS = { openwire: 61616, stomp: 61613, amqp: 5673 } as const;
const ACTIVEMQ_CONSOLE_URL = 'http://127.0.0.1:8161';
/** The JAAS login configuration name the instance's jaasAuthenticationPlugin uses. */
export const ACTIVEMQ_JAAS_REALM = 'mqlocal';

const RABBITMQ_LOG_DIR = '/var/log/rabbitmq';
const RABBITMQ_CONF_D = '/etc/rabbitmq/conf.d';
const RABBITMQ_MQOPS_CONF = `${RABBITMQ_CONF_D}/90-mqops.conf`;
const RABBITMQ_START_LOG = join(RABBITMQ_LOG_DIR, 'mqops-start.log');

/** ActiveMQ instance directory: `MQOPS_ACTIVEMQ_DIR`, or `/tmp/mqops-activemq`. */
export function defaultActiveMqDir(): string {
  return process.env['MQOPS_ACTIVEMQ_DIR'] ?? '/tmp/mqops-activemq';
}

// ---------------------------------------------------------------------------------------------------------------
// Small process and file helpers.

const silent = (_line: string): void => {};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function findExecutable(name: string): string | undefined {
  const dirs = [
    ...(process.env['PATH'] ?? '').split(delimiter),
    '/usr/local/sbin',
    '/usr/sbin',
    '/sbin',
    '/usr/bin',
  ];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command to completion, capturing stdout and stderr together (the last 32 kB). */
function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (data: Buffer): void => {
      output += data.toString('utf8');
      if (output.length > 64_000) output = output.slice(-32_000);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${command}: ${err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: timedOut ? `${output}\n(killed after ${options.timeoutMs} ms)` : output });
    });
  });
}

function tailLines(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

async function runOk(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `\`${[command, ...args].join(' ')}\` exited with code ${result.code}:\n${tailLines(result.output, 25)}`,
    );
  }
  return result.output;
}

async function fileTail(path: string, lines = 30): Promise<string> {
  try {
    return tailLines(await readFile(path, 'utf8'), lines);
  } catch {
    return `(no ${path})`;
  }
}

function tcpAccepts(port: number, host = HOST, timeoutMs = 1_000): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

/**
 * Writes a file atomically (temp file in the same directory, then rename). `mtime` sets the modification time the
 * file appears with.
 */
export async function writeFileAtomic(
  path: string,
  content: string,
  options: { mode?: number; mtime?: Date } = {},
): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await writeFile(temp, content, { mode: options.mode ?? 0o644 });
    if (options.mtime) await utimes(temp, new Date(), options.mtime);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Debian packages.

function canInstallPackages(): boolean {
  return (
    process.platform === 'linux' &&
    process.getuid?.() === 0 &&
    existsSync('/etc/debian_version') &&
    findExecutable('apt-get') !== undefined
  );
}

let aptQueue: Promise<unknown> = Promise.resolve();

/** `apt-get update && apt-get install` one at a time, with service starts blocked by policy-rc.d. */
function aptInstall(packages: string[], log: (line: string) => void): Promise<void> {
  const next = aptQueue.then(() => aptInstallNow(packages, log));
  aptQueue = next.catch(() => undefined);
  return next;
}

async function aptInstallNow(packages: string[], log: (line: string) => void): Promise<void> {
  const policy = '/usr/sbin/policy-rc.d';
  let createdPolicy = false;
  if (!existsSync(policy)) {
    // Package scripts call invoke-rc.d to start the service; there is no init system to do it, and 101 ("action
    // not allowed") makes them skip the start instead of failing the install. Removed again afterwards.
    await writeFile(policy, '#!/bin/sh\n# mqops: no service starts during package installs\nexit 101\n', {
      mode: 0o755,
    });
    createdPolicy = true;
  }
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const lock = ['-o', 'DPkg::Lock::Timeout=300'];
    const started = Date.now();
    log(`apt-get update`);
    await runOk('apt-get', [...lock, 'update'], { env, timeoutMs: 600_000 });
    log(`apt-get install -y --no-install-recommends ${packages.join(' ')}`);
    await runOk('apt-get', [...lock, 'install', '-y', '--no-install-recommends', ...packages], {
      env,
      timeoutMs: 1_200_000,
    });
    log(`installed ${packages.join(' ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    if (createdPolicy) await rm(policy, { force: true });
  }
}

function notInstalled(what: string, pkg: string, extra: string): Error {
  const why = canInstallPackages()
    ? 'automatic install is disabled (install: false)'
    : 'it can only be installed automatically as root on Debian';
  return new Error(
    `${what} is not installed and ${why}. Install it yourself (Debian/Ubuntu: \`apt-get install ${pkg}\`) ${extra}`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// RabbitMQ.

function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

async function managementAnswers(info: RabbitMqInfo): Promise<boolean> {
  try {
    const res = await fetch(`${info.managementUrl}/api/overview`, {
      headers: { authorization: basicAuth(info.username, info.password) },
      signal: AbortSignal.timeout(3_000),
    });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

function rabbitMqTools(): { server?: string; ctl?: string; plugins?: string } {
  return {
    server: findExecutable('rabbitmq-server'),
    ctl: findExecutable('rabbitmqctl'),
    plugins: findExecutable('rabbitmq-plugins'),
  };
}

/** Loopback-only listeners, in a conf.d file of our own (the package's rabbitmq.conf is left alone). */
async function writeRabbitMqConfig(log: (line: string) => void): Promise<void> {
  const content = [
    '# Written by mqops (packages/local/src/brokers/setup.ts): listen on loopback only.',
    'listeners.tcp.default = 127.0.0.1:5672',
    'management.tcp.ip = 127.0.0.1',
    'management.tcp.port = 15672',
    '',
  ].join('\n');
  try {
    if ((await readFile(RABBITMQ_MQOPS_CONF, 'utf8')) === content) return;
  } catch {
    // absent
  }
  try {
    await mkdir(RABBITMQ_CONF_D, { recursive: true });
    await writeFileAtomic(RABBITMQ_MQOPS_CONF, content);
    log(`RabbitMQ: wrote ${RABBITMQ_MQOPS_CONF}`);
  } catch (err) {
    log(`RabbitMQ: could not write ${RABBITMQ_MQOPS_CONF} (${(err as Error).message}); using the defaults`);
  }
}

/** Environment that keeps epmd and Erlang distribution on loopback too. */
function rabbitMqEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
}

function rabbitMqLogHint(): string {
  return `${join(RABBITMQ_LOG_DIR, `rabbit@${hostname().split('.')[0]}.log`)} and ${RABBITMQ_START_LOG}`;
}

async function isRabbitMqNodeRunning(ctl: string): Promise<boolean> {
  // Every Erlang CLI run starts epmd if it is not running, so each one gets the loopback environment.
  const result = await run(ctl, ['-q', 'ping'], { env: rabbitMqEnv(), timeoutMs: 30_000 });
  return result.code === 0;
}

async function startRabbitMqDetached(server: string): Promise<void> {
  await mkdir(RABBITMQ_LOG_DIR, { recursive: true }).catch(() => undefined);
  let fd: number;
  try {
    fd = openSync(RABBITMQ_START_LOG, 'a');
  } catch {
    fd = openSync('/dev/null', 'a');
  }
  try {
    // `-detached` forks the node and returns; the node keeps the log file, not our pipes.
    const child = spawn(server, ['-detached'], { env: rabbitMqEnv(), stdio: ['ignore', fd, fd] });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (exitCode) => resolve(exitCode));
    });
    if (code !== 0) {
      throw new Error(
        `\`rabbitmq-server -detached\` exited with code ${code}; see ${rabbitMqLogHint()}:\n` +
          (await fileTail(RABBITMQ_START_LOG, 20)),
      );
    }
  } finally {
    closeSync(fd);
  }
}

async function startRabbitMq(options: EnsureOptions): Promise<RabbitMqInfo> {
  const info: RabbitMqInfo = { ...RABBITMQ_DEFAULTS };
  const log = options.log ?? silent;
  if (await managementAnswers(info)) {
    log(`RabbitMQ: already running (${info.managementUrl})`);
    return info;
  }
  let tools = rabbitMqTools();
  if (!tools.server || !tools.ctl || !tools.plugins) {
    if (options.install === false || !canInstallPackages()) {
      throw notInstalled(
        'RabbitMQ',
        'rabbitmq-server',
        'and start it with the management plugin on 127.0.0.1:15672 (user guest/guest): ' +
          '`rabbitmq-plugins enable rabbitmq_management && rabbitmq-server -detached`',
      );
    }
    log('RabbitMQ: installing the rabbitmq-server Debian package');
    await aptInstall(['rabbitmq-server'], (line) => log(`RabbitMQ: ${line}`));
    tools = rabbitMqTools();
  }
  const { server, ctl, plugins } = tools;
  if (!server || !ctl || !plugins) {
    throw new Error(
      'RabbitMQ: rabbitmq-server, rabbitmqctl or rabbitmq-plugins is still missing after the install',
    );
  }

  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  await writeRabbitMqConfig(log);
  await runOk(plugins, ['enable', '--offline', 'rabbitmq_management'], {
    env: rabbitMqEnv(),
    timeoutMs: 60_000,
  });
  if (await isRabbitMqNodeRunning(ctl)) {
    log('RabbitMQ: node is running without the management API; enabling rabbitmq_management');
    await runOk(plugins, ['enable', 'rabbitmq_management'], { env: rabbitMqEnv(), timeoutMs: 60_000 });
  } else {
    log('RabbitMQ: starting `rabbitmq-server -detached`');
    await startRabbitMqDetached(server);
  }

  // await_startup fails at once while the node is not yet registered with epmd, so retry until the deadline.
  let lastError = '';
  for (;;) {
    const left = Math.ceil((deadline - Date.now()) / 1000);
    if (left <= 0) break;
    const result = await run(ctl, ['await_startup', '--timeout', String(left)], {
      env: rabbitMqEnv(),
      timeoutMs: (left + 5) * 1000,
    });
    if (result.code === 0) break;
    lastError = tailLines(result.output, 5);
    await sleep(1_000);
  }
  while (Date.now() < deadline) {
    if (await managementAnswers(info)) {
      log(`RabbitMQ: up in ${((Date.now() - started) / 1000).toFixed(1)} s (${info.managementUrl})`);
      return info;
    }
    await sleep(500);
  }
  throw new Error(
    `RabbitMQ management API ${info.managementUrl}/api/overview did not answer within ` +
      `${Math.round((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s; see ${rabbitMqLogHint()}` +
      (lastError ? `\nrabbitmqctl await_startup said:\n${lastError}` : ''),
  );
}

let rabbitMqInFlight: Promise<RabbitMqInfo> | undefined;

/**
 * Makes sure a RabbitMQ with the management plugin answers on 127.0.0.1 (AMQP 5672, HTTP API 15672, guest/guest):
 * returns at once if it does; otherwise installs `rabbitmq-server` if needed (root on Debian), enables the
 * management plugin and starts the node detached. Concurrent calls share the first call's promise (and options).
 */
export function ensureRabbitMq(options: EnsureOptions = {}): Promise<RabbitMqInfo> {
  rabbitMqInFlight ??= startRabbitMq(options).finally(() => {
    rabbitMqInFlight = undefined;
  });
  return rabbitMqInFlight;
}

/** `rabbitmqctl stop`. False when RabbitMQ is not installed or not running. */
export async function stopRabbitMq(options: { log?: (line: string) => void } = {}): Promise<boolean> {
  const log = options.log ?? silent;
  const { ctl } = rabbitMqTools();
  if (!ctl) {
    log('RabbitMQ: not installed');
    return false;
  }
  if (!(await isRabbitMqNodeRunning(ctl))) {
    log('RabbitMQ: not running');
    return false;
  }
  await runOk(ctl, ['stop'], { env: rabbitMqEnv(), timeoutMs: 120_000 });
  log('RabbitMQ: stopped (rabbitmqctl stop)');
  return true;
}

export async function rabbitMqStatus(info: RabbitMqInfo = RABBITMQ_DEFAULTS): Promise<BrokerStatus> {
  try {
    const res = await fetch(`${info.managementUrl}/api/overview`, {
      headers: { authorization: basicAuth(info.username, info.password) },
      signal: AbortSignal.timeout(3_000),
    });
    if (res.ok) {
      const overview = (await res.json()) as { rabbitmq_version?: string; node?: string };
      return {
        running: true,
        detail:
          `running: RabbitMQ ${overview.rabbitmq_version ?? '?'} (${overview.node ?? '?'}), ` +
          `amqp://127.0.0.1:${info.amqpPort}, management ${info.managementUrl}`,
      };
    }
    await res.body?.cancel();
    return { running: false, detail: `management API answers HTTP ${res.status} for /api/overview` };
  } catch {
    const installed = rabbitMqTools().server !== undefined;
    return {
      running: false,
      detail: installed ? `installed; management API ${info.managementUrl} not answering` : 'not installed',
    };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// ActiveMQ.

interface Connector {
  name: 'openwire' | 'stomp' | 'amqp';
  uri: string;
  /** Jar file name patterns in /usr/share/activemq/lib the connector needs. */
  jars: RegExp[];
}

const CONNECTORS: Connector[] = [
  { name: 'openwire', uri: `tcp://${HOST}:${ACTIVEMQ_PORTS.openwire}`, jars: [] },
  { name: 'stomp', uri: `stomp://${HOST}:${ACTIVEMQ_PORTS.stomp}`, jars: [/^activemq-stomp.*\.jar$/] },
  {
    name: 'amqp',
    uri: `amqp://${HOST}:${ACTIVEMQ_PORTS.amqp}`,
    jars: [/^activemq-amqp.*\.jar$/, /^proton-j.*\.jar$/],
  },
];

function activeMqPaths(dir: string) {
  const conf = join(dir, 'conf');
  return {
    conf,
    data: join(dir, 'data'),
    tmp: join(dir, 'tmp'),
    xml: join(conf, 'activemq.xml'),
    loginConfig: join(conf, 'login.config'),
    users: join(conf, 'users.properties'),
    groups: join(conf, 'groups.properties'),
    log: join(dir, 'activemq.log'),
    log4j: join(conf, 'log4j.properties'),
    pid: join(dir, 'activemq.pid'),
    lock: join(dir, 'start.lock'),
  };
}

/**
 * The info for an instance directory without starting anything: the enabled connectors are read from its
 * conf/activemq.xml when present (all three otherwise).
 */
export function activeMqInfo(dir: string = defaultActiveMqDir()): ActiveMqInfo {
  let endpoints = availableConnectors(readdirSyncSafe(ACTIVEMQ_LIB)).enabled.map((c) => c.uri);
  try {
    const xml = readFileSync(activeMqPaths(dir).xml, 'utf8');
    const found = [...xml.matchAll(/<transportConnector\b[^>]*\buri="([a-z+]+:\/\/[^"?]+)/g)].map(
      (m) => m[1] ?? '',
    );
    if (found.length > 0) endpoints = found;
  } catch {
    // not written yet
  }
  return {
    dir,
    openwirePort: ACTIVEMQ_PORTS.openwire,
    stompPort: ACTIVEMQ_PORTS.stomp,
    amqpPort: ACTIVEMQ_PORTS.amqp,
    consoleURL: ACTIVEMQ_CONSOLE_URL,
    endpoints,
  };
}

function readdirSyncSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The connectors whose jars are in the lib directory listing `libJars`, and what is missing for the others. */
function availableConnectors(libJars: string[]): { enabled: Connector[]; skipped: string[] } {
  const enabled: Connector[] = [];
  const skipped: string[] = [];
  for (const connector of CONNECTORS) {
    const missing = connector.jars.filter((pattern) => !libJars.some((jar) => pattern.test(jar)));
    if (missing.length === 0) enabled.push(connector);
    else {
      skipped.push(
        `leaving out the ${connector.name} connector (${connector.uri}): no jar matching ` +
          `${missing.map(String).join(', ')} in ${ACTIVEMQ_LIB}`,
      );
    }
  }
  return { enabled, skipped };
}

function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` is a live (not zombie) ActiveMQ java process for this instance directory. */
function isActiveMqProcess(pid: number, dir: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('activemq.jar') && cmdline.includes(`\0-Dactivemq.base=${dir}\0`);
  } catch {
    if (process.platform === 'linux') return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

function escapeXmlAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** Writes DIR/conf from the Debian package's instance template; returns the enabled connectors. */
async function writeActiveMqInstance(dir: string, log: (line: string) => void): Promise<Connector[]> {
  const paths = activeMqPaths(dir);
  await mkdir(paths.conf, { recursive: true });
  await mkdir(paths.data, { recursive: true });
  await mkdir(paths.tmp, { recursive: true });

  const ours = new Set([
    'activemq.xml',
    'login.config',
    'users.properties',
    'groups.properties',
    'log4j.properties',
  ]);
  for (const entry of await readdir(ACTIVEMQ_TEMPLATE, { withFileTypes: true })) {
    if (ours.has(entry.name)) continue;
    const source = join(ACTIVEMQ_TEMPLATE, entry.name);
    if ((await stat(source)).isFile()) await copyFile(source, join(paths.conf, entry.name));
  }

  const { enabled, skipped } = availableConnectors(await readdir(ACTIVEMQ_LIB).catch(() => [] as string[]));
  for (const line of skipped) log(`ActiveMQ: ${line}`);

  let xml = await readFile(join(ACTIVEMQ_TEMPLATE, 'activemq.xml'), 'utf8');
  const connectors = [
    '<transportConnectors>',
    ...enabled.map((c) => `            <transportConnector name="${c.name}" uri="${escapeXmlAttr(c.uri)}"/>`),
    '        </transportConnectors>',
  ].join('\n');
  if (/<transportConnectors>[\s\S]*?<\/transportConnectors>/.test(xml)) {
    xml = xml.replace(/<transportConnectors>[\s\S]*?<\/transportConnectors>/, connectors);
  } else {
    xml = xml.replace(/<\/broker>/, `    ${connectors}\n    </broker>`);
  }
  const jaas = `<jaasAuthenticationPlugin configuration="${ACTIVEMQ_JAAS_REALM}"/>`;
  if (/<plugins>/.test(xml)) {
    if (!xml.includes('jaasAuthenticationPlugin')) {
      xml = xml.replace(/<plugins>/, `<plugins>\n            ${jaas}`);
    }
  } else {
    xml = xml.replace(/<\/broker>/, `    <plugins>\n            ${jaas}\n        </plugins>\n    </broker>`);
  }
  if (!xml.includes(jaas) && !xml.includes('jaasAuthenticationPlugin')) {
    throw new Error(`ActiveMQ: could not add the JAAS plugin to ${join(ACTIVEMQ_TEMPLATE, 'activemq.xml')}`);
  }
  await writeFileAtomic(paths.xml, xml);

  // reload=true: the login module re-reads the property files when they change, so user changes need no restart.
  const loginConfig = [
    `${ACTIVEMQ_JAAS_REALM} {`,
    '    org.apache.activemq.jaas.PropertiesLoginModule required',
    '        org.apache.activemq.jaas.properties.user="users.properties"',
    '        org.apache.activemq.jaas.properties.group="groups.properties"',
    '        reload=true;',
    '};',
    '',
  ].join('\n');
  await writeFileAtomic(paths.loginConfig, loginConfig);
  // The Debian build logs through log4j 1.x, which finds no configuration of its own: log to stdout, which is
  // DIR/activemq.log.
  const log4j = [
    'log4j.rootLogger=INFO, stdout',
    'log4j.logger.org.springframework=WARN',
    'log4j.logger.org.apache.xbean=WARN',
    'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stdout.layout.ConversionPattern=%d{ISO8601} | %-5p | %m | %c | %t%n',
    '',
  ].join('\n');
  await writeFileAtomic(paths.log4j, log4j);
  for (const file of [paths.users, paths.groups]) {
    if (!existsSync(file)) await writeFileAtomic(file, '', { mode: 0o600 });
  }
  return enabled;
}

async function startActiveMq(dir: string, options: EnsureActiveMqOptions): Promise<ActiveMqInfo> {
  const log = options.log ?? silent;
  const paths = activeMqPaths(dir);
  if (await tcpAccepts(ACTIVEMQ_PORTS.stomp)) {
    log(`ActiveMQ: already running (stomp://127.0.0.1:${ACTIVEMQ_PORTS.stomp})`);
    const pid = readPid(paths.pid);
    if (pid === undefined || !isActiveMqProcess(pid, dir)) {
      log(
        `ActiveMQ: warning: the broker on port ${ACTIVEMQ_PORTS.stomp} was not started from ${dir}; ` +
          `users written to ${paths.users} only apply if it reads them`,
      );
    }
    return activeMqInfo(dir);
  }
  if (!existsSync(ACTIVEMQ_JAR)) {
    if (options.install === false || !canInstallPackages()) {
      throw notInstalled(
        'ActiveMQ',
        'activemq',
        `(it must provide ${ACTIVEMQ_JAR} and ${ACTIVEMQ_TEMPLATE}/activemq.xml), plus a Java runtime`,
      );
    }
    log('ActiveMQ: installing the activemq Debian package');
    await aptInstall(['activemq'], (line) => log(`ActiveMQ: ${line}`));
    if (!existsSync(ACTIVEMQ_JAR)) {
      throw new Error(`ActiveMQ: ${ACTIVEMQ_JAR} is still missing after the install`);
    }
  }
  const java = findExecutable('java');
  if (!java) {
    throw new Error(
      'ActiveMQ needs a Java runtime (`java` on PATH); Debian: apt-get install default-jre-headless',
    );
  }

  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  await mkdir(dir, { recursive: true });
  // One starter per instance directory across processes (two test runs starting at once): the others wait.
  const locked = await tryLock(paths.lock);
  try {
    let exited: string | undefined;
    let enabled: Connector[];
    const pid = readPid(paths.pid);
    if (!locked || (pid !== undefined && isActiveMqProcess(pid, dir))) {
      const who = locked
        ? `pid ${pid} (from ${paths.pid})`
        : `process ${readPid(paths.lock)} (${paths.lock})`;
      log(`ActiveMQ: ${who} is starting it; waiting`);
      const info = activeMqInfo(dir);
      enabled = CONNECTORS.filter((c) => info.endpoints.includes(c.uri));
    } else {
      enabled = await writeActiveMqInstance(dir, log);
      const args = [
        '-Xmx256M',
        `-Dactivemq.home=${ACTIVEMQ_HOME}`,
        `-Dactivemq.base=${dir}`,
        `-Dactivemq.conf=${paths.conf}`,
        `-Dactivemq.data=${paths.data}`,
        `-Djava.io.tmpdir=${paths.tmp}`,
        `-Djava.security.auth.login.config=${paths.loginConfig}`,
        `-Dlog4j.configuration=file:${paths.log4j}`,
        '-jar',
        ACTIVEMQ_JAR,
        'start',
        `xbean:file:${paths.xml}`,
      ];
      const fd = openSync(paths.log, 'a');
      try {
        const child = spawn(java, args, { cwd: dir, detached: true, stdio: ['ignore', fd, fd] });
        child.once('error', (err) => {
          exited = `could not start java: ${err.message}`;
        });
        child.once('exit', (code, signal) => {
          exited = `java exited (${signal ?? `code ${code}`})`;
        });
        child.unref();
        if (child.pid !== undefined) await writeFile(paths.pid, `${child.pid}\n`);
        log(`ActiveMQ: started java (pid ${child.pid}) for ${dir}; log ${paths.log}`);
      } finally {
        closeSync(fd);
      }
    }

    const stomp = enabled.some((c) => c.name === 'stomp');
    for (;;) {
      if (exited) {
        throw new Error(
          `ActiveMQ: ${exited} before it answered; last lines of ${paths.log}:\n${await fileTail(paths.log)}`,
        );
      }
      if (stomp) {
        const answer = await stompConnect({ port: ACTIVEMQ_PORTS.stomp, timeoutMs: 3_000 }).catch(
          () => undefined,
        );
        // An ERROR frame (no credentials) is an answer too: the broker is up.
        if (answer && answer.command !== 'CLOSED') break;
      } else if (await tcpAccepts(ACTIVEMQ_PORTS.openwire)) {
        break;
      }
      if (Date.now() > deadline) {
        const what = stomp ? `a STOMP CONNECT on 127.0.0.1:${ACTIVEMQ_PORTS.stomp}` : 'on the OpenWire port';
        throw new Error(
          `ActiveMQ did not answer ${what} within ${Math.round((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s; ` +
            `last lines of ${paths.log}:\n${await fileTail(paths.log)}`,
        );
      }
      await sleep(500);
    }
    log(
      `ActiveMQ: up in ${((Date.now() - started) / 1000).toFixed(1)} s (${enabled.map((c) => c.uri).join(', ')})`,
    );
    return { ...activeMqInfo(dir), endpoints: enabled.map((c) => c.uri) };
  } finally {
    if (locked) await rm(paths.lock, { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates `file` exclusively with our pid; false while another live process holds it (a stale one is taken over). */
async function tryLock(file: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readPid(file);
      if (holder === undefined) {
        // Just created by another process that has not written its pid yet.
        await sleep(50);
        if (readPid(file) !== undefined) continue;
      } else if (holder !== process.pid && processAlive(holder)) {
        return false;
      }
      await rm(file, { force: true });
    }
  }
  return false;
}

const activeMqInFlight = new Map<string, Promise<ActiveMqInfo>>();

/**
 * Makes sure a private ActiveMQ instance (directory `options.dir`, default {@link defaultActiveMqDir}) answers on
 * 127.0.0.1: OpenWire 61616, STOMP 61613, AMQP 5673, with JAAS property-file authentication that reloads without a
 * restart. Returns at once if the STOMP port accepts connections; otherwise installs the `activemq` Debian package
 * if needed (root on Debian), writes the instance directory and starts java detached (pid in DIR/activemq.pid).
 */
export function ensureActiveMq(options: EnsureActiveMqOptions = {}): Promise<ActiveMqInfo> {
  const dir = options.dir ?? defaultActiveMqDir();
  let promise = activeMqInFlight.get(dir);
  if (!promise) {
    promise = startActiveMq(dir, options).finally(() => activeMqInFlight.delete(dir));
    activeMqInFlight.set(dir, promise);
  }
  return promise;
}

/** Stops the instance started for `dir` (SIGTERM, then SIGKILL after 30 s). False when it was not running. */
export async function stopActiveMq(
  dir: string = defaultActiveMqDir(),
  options: { log?: (line: string) => void } = {},
): Promise<boolean> {
  const log = options.log ?? silent;
  const paths = activeMqPaths(dir);
  const pid = readPid(paths.pid);
  if (pid === undefined || !isActiveMqProcess(pid, dir)) {
    await rm(paths.pid, { force: true });
    log(`ActiveMQ: not running (no live process recorded in ${paths.pid})`);
    return false;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (isActiveMqProcess(pid, dir) && Date.now() < deadline) await sleep(250);
  if (isActiveMqProcess(pid, dir)) {
    process.kill(pid, 'SIGKILL');
    log(`ActiveMQ: pid ${pid} ignored SIGTERM for 30 s; killed`);
  } else {
    log(`ActiveMQ: stopped pid ${pid}`);
  }
  await rm(paths.pid, { force: true });
  return true;
}

export async function activeMqStatus(dir: string = defaultActiveMqDir()): Promise<BrokerStatus> {
  const paths = activeMqPaths(dir);
  const pid = readPid(paths.pid);
  const live = pid !== undefined && isActiveMqProcess(pid, dir);
  if (await tcpAccepts(ACTIVEMQ_PORTS.stomp)) {
    const info = activeMqInfo(dir);
    const owner = live ? `pid ${pid}, ${dir}` : `not started from ${dir}`;
    return { running: true, detail: `running (${owner}): ${info.endpoints.join(', ')}` };
  }
  if (live) return { running: false, detail: `starting (pid ${pid}, log ${paths.log})` };
  return { running: false, detail: existsSync(ACTIVEMQ_JAR) ? 'installed, not running' : 'not installed' };
}
