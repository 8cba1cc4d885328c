/**
 * A local cloud that outlives its process: what every emulated service holds, the clock and the scenario it was made
 * from are kept in one directory, so separate commands (`mqops … --local`) tell one story.
 *
 * The directory holds
 * - `state.json`: the scenario (a copy, so the story goes on even if the file moves), the clock, and each emulated
 *   service's state (brokers with their pending changes, configurations, secrets with their versions, alarms, topics,
 *   findings, security groups, …) serialised as it is, so ids, ARNs and version ids stay the ones the user saw;
 * - `dynamodb/`: dynalite's LevelDB and `s3/`: s3rver's files;
 * - `lock` while a process uses it: one process at a time (a second waits a little, then is refused; a lock left
 *   by a process that died is taken over).
 *
 * `state.json` is written to a temporary file and renamed over the old one, and only when the generation on disk is
 * still the one that was loaded: a lost update is refused, never silent. Lambda functions (in-process handlers),
 * injected faults and the request log are not kept: they belong to the process that set them up.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Scenario } from './scenario';
import type { WorldSnapshot } from './world';

/** Where a local cloud keeps its state across processes (see {@link LocalStateDir}). */
export interface PersistOptions {
  /** The directory (made when missing). */
  dir: string;
  /** Drop whatever the directory holds and start over from the scenario. */
  reset?: boolean;
  /** How long to wait for another process that uses the directory before refusing; default 10 s. */
  lockWaitMs?: number;
}

/** Why a state directory cannot be used; `dir` names it. */
export class LocalStateError extends Error {
  constructor(
    /** `scenario-mismatch`: made from another scenario; `corrupt`: unreadable; `busy`: another process uses it;
     * `conflict`: someone else wrote it meanwhile. */
    readonly kind: 'scenario-mismatch' | 'corrupt' | 'busy' | 'conflict',
    readonly dir: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LocalStateError';
  }
}

/** The version of the layout of `state.json`. */
export const STATE_FORMAT = 1;

/** What `state.json` holds. */
export interface SavedState {
  format: typeof STATE_FORMAT;
  /** Incremented on every save; a save expects the generation it loaded. */
  generation: number;
  /**
   * The scenario the state was made from: how it was named, the file it was read from (none for a scenario object),
   * its digest, and the scenario itself.
   */
  scenario: { label: string; file?: string; digest: string; value: Scenario };
  /** The local cloud's clock when the last process stopped (ISO 8601). */
  clock: string;
  /** The wall clock at that save (ISO 8601), for people. */
  savedAt: string;
  world: WorldSnapshot;
}

/** The digest a scenario is recognised by (sha-256 of its JSON). */
export function scenarioDigest(scenario: Scenario): string {
  return createHash('sha256').update(JSON.stringify(scenario)).digest('hex');
}

// ---- the codec: JSON plus Map, Set, Date, bigint, bytes -------------------------------------------------------

type Encoded = null | boolean | number | string | Encoded[] | { [key: string]: Encoded };

/** An array item or Map value that is `undefined` (JSON would make it null). */
const orUndefined = (encoded: Encoded | undefined): Encoded =>
  encoded === undefined ? { $undefined: true } : encoded;

/**
 * Turns state into JSON-safe data: Maps, Sets, Dates, bigints, byte arrays and non-finite numbers become tagged
 * objects (`{"$map": [[k, v], …]}`, …); a plain object with a `$` key is wrapped in `{"$obj": …}`. Functions and
 * class instances other than those are refused, so state that cannot be kept is noticed, not dropped.
 */
export function encodeState(value: unknown, path = '$'): Encoded | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $num: String(value) };
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (typeof value !== 'object') throw new TypeError(`${path}: a ${typeof value} cannot be kept`);
  if (value instanceof Date) return { $date: value.getTime() };
  if (value instanceof Map)
    return {
      $map: [...value].map(([k, v], i) => [
        orUndefined(encodeState(k, `${path}<key ${i}>`)),
        orUndefined(encodeState(v, `${path}[${String(k)}]`)),
      ]),
    };
  if (value instanceof Set)
    return { $set: [...value].map((v, i) => orUndefined(encodeState(v, `${path}{${i}}`))) };
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map((v, i) => orUndefined(encodeState(v, `${path}[${i}]`)));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null)
    throw new TypeError(
      `${path}: a ${(value as object).constructor?.name ?? 'class'} instance cannot be kept`,
    );
  const out: Record<string, Encoded> = {};
  let tagLike = false;
  for (const [k, v] of Object.entries(value)) {
    const encoded = encodeState(v, `${path}.${k}`);
    if (encoded === undefined) continue;
    if (k.startsWith('$')) tagLike = true;
    out[k] = encoded;
  }
  return tagLike ? { $obj: out } : out;
}

/** The inverse of {@link encodeState}. @throws TypeError on a tag it does not know. */
export function decodeState(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(decodeState);
  const entries = Object.entries(value as Record<string, unknown>);
  const [only] = entries;
  if (entries.length === 1 && only && only[0].startsWith('$')) {
    const [tag, inner] = only;
    switch (tag) {
      case '$date':
        return new Date(inner as number);
      case '$map':
        return new Map((inner as [unknown, unknown][]).map(([k, v]) => [decodeState(k), decodeState(v)]));
      case '$set':
        return new Set((inner as unknown[]).map(decodeState));
      case '$bigint':
        return BigInt(inner as string);
      case '$bytes':
        return new Uint8Array(Buffer.from(inner as string, 'base64'));
      case '$num':
        return Number(inner);
      case '$undefined':
        return undefined;
      case '$obj':
        return Object.fromEntries(
          Object.entries(inner as Record<string, unknown>).map(([k, v]) => [k, decodeState(v)]),
        );
      default:
        throw new TypeError(`unknown tag ${tag}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) out[k] = decodeState(v);
  return out;
}

// ---- the directory ----------------------------------------------------------------------------------------------

interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const holder = JSON.parse(await readFile(file, 'utf8')) as LockHolder;
    return typeof holder.pid === 'number' ? holder : undefined;
  } catch {
    return undefined;
  }
}

const code = (error: unknown) => (error as NodeJS.ErrnoException).code;

/**
 * One state directory, held by this process from {@link LocalStateDir.open} to {@link LocalStateDir.release}.
 */
export class LocalStateDir {
  private released = false;
  /** The generation on disk as this process knows it (loaded, or last saved). */
  private generation: number;

  private constructor(
    readonly dir: string,
    /** What the directory held when it was opened (undefined: nothing yet, or `reset`). */
    readonly saved: SavedState | undefined,
  ) {
    this.generation = saved?.generation ?? 0;
  }

  /** dynalite's LevelDB directory. */
  get dynamodbPath(): string {
    return join(this.dir, 'dynamodb');
  }

  /** s3rver's directory. */
  get s3Directory(): string {
    return join(this.dir, 's3');
  }

  private get stateFile(): string {
    return join(this.dir, 'state.json');
  }

  /**
   * Makes the directory if needed, takes its lock (waiting up to `lockWaitMs` for another process), starts over
   * when `reset` (or when there is no state.json: leftovers of a process that never saved are dropped) and reads
   * state.json.
   * @throws LocalStateError `busy` when another live process keeps the lock; `corrupt` when state.json cannot be read.
   */
  static async open(options: PersistOptions): Promise<LocalStateDir> {
    const { dir } = options;
    await mkdir(dir, { recursive: true });
    await acquire(dir, options.lockWaitMs ?? 10_000);
    try {
      const file = join(dir, 'state.json');
      let text: string | undefined;
      if (!options.reset) {
        try {
          text = await readFile(file, 'utf8');
        } catch (error) {
          if (code(error) !== 'ENOENT')
            throw new LocalStateError('corrupt', dir, corruptMessage(dir, (error as Error).message), {
              cause: error,
            });
        }
      }
      if (text === undefined) {
        // A fresh start: nothing from before may leak into it.
        await Promise.all(
          ['state.json', 'dynamodb', 's3'].map((p) => rm(join(dir, p), { recursive: true, force: true })),
        );
        return new LocalStateDir(dir, undefined);
      }
      return new LocalStateDir(dir, parseSaved(dir, text));
    } catch (error) {
      await rm(join(dir, 'lock'), { force: true });
      throw error;
    }
  }

  /**
   * Writes state.json (a temporary file renamed over it) with the next generation. Synchronous on purpose: it also
   * runs in a process's `exit` event (see `saveOnExit`), where nothing asynchronous does.
   * @throws LocalStateError `conflict` when the generation on disk is no longer the one this process wrote or loaded.
   */
  saveSync(state: Omit<SavedState, 'format' | 'generation' | 'savedAt'>): void {
    if (this.released) throw new Error(`the local cloud state in ${this.dir} was already released`);
    const expected = this.generation;
    let onDisk = 0;
    try {
      onDisk = (JSON.parse(readFileSync(this.stateFile, 'utf8')) as { generation?: number }).generation ?? -1;
    } catch (error) {
      if (code(error) !== 'ENOENT') onDisk = -1;
    }
    if (onDisk !== expected)
      throw new LocalStateError(
        'conflict',
        this.dir,
        `the local cloud state in ${this.dir} was changed by another process while this one ran ` +
          `(generation ${onDisk}, expected ${expected}); this command's changes were not saved`,
      );
    const saved: SavedState = {
      format: STATE_FORMAT,
      generation: expected + 1,
      savedAt: new Date().toISOString(),
      ...state,
    };
    const text = JSON.stringify({ ...saved, world: encodeState(saved.world) });
    const temp = join(this.dir, `.state.json.${process.pid}.${randomBytes(4).toString('hex')}`);
    const fd = openSync(temp, 'w');
    try {
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.stateFile);
    this.generation = saved.generation;
  }

  /** {@link saveSync}, for callers that await. */
  async save(state: Omit<SavedState, 'format' | 'generation' | 'savedAt'>): Promise<void> {
    this.saveSync(state);
  }

  /** Gives the directory back (removes the lock, if it is still this process's). Idempotent. */
  releaseSync(): void {
    if (this.released) return;
    this.released = true;
    const file = join(this.dir, 'lock');
    try {
      const holder = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
      if (holder.pid === process.pid) rmSync(file, { force: true });
    } catch {
      // No lock, or not readable: nothing of this process's to remove.
    }
  }

  /** {@link releaseSync}, for callers that await. */
  async release(): Promise<void> {
    this.releaseSync();
  }

  /**
   * Saves `snapshot()` and releases the directory if the process exits while it is held: a command stopped by
   * `process.exit` (a closed pipe, `mqops … --local | head`) keeps what it did. Returns a function that cancels it.
   * (A process killed by a signal saves nothing: its command's changes are lost, what was saved before stays.)
   */
  saveOnExit(snapshot: () => Omit<SavedState, 'format' | 'generation' | 'savedAt'>): () => void {
    const onExit = () => {
      try {
        if (!this.released) this.saveSync(snapshot());
      } catch {
        // Exiting: nothing is left to report to.
      } finally {
        this.releaseSync();
      }
    };
    process.once('exit', onExit);
    return () => process.off('exit', onExit);
  }
}

function corruptMessage(dir: string, detail: string): string {
  return `the local cloud state in ${dir} is unreadable (${detail}): pass --reset to start over from the scenario, or remove ${dir}`;
}

function parseSaved(dir: string, text: string): SavedState {
  const fail = (detail: string, cause?: unknown): never => {
    throw new LocalStateError('corrupt', dir, corruptMessage(dir, detail), { cause });
  };
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    return fail(`state.json is not JSON: ${(error as Error).message}`, error);
  }
  if (!raw || typeof raw !== 'object') return fail('state.json is not an object');
  if (raw.format !== STATE_FORMAT)
    return fail(`state.json has format ${String(raw.format)}, this version reads ${STATE_FORMAT}`);
  const scenario = raw.scenario as SavedState['scenario'] | undefined;
  if (
    typeof raw.generation !== 'number' ||
    typeof raw.clock !== 'string' ||
    Number.isNaN(Date.parse(raw.clock)) ||
    !scenario ||
    typeof scenario.label !== 'string' ||
    typeof scenario.digest !== 'string' ||
    typeof scenario.value !== 'object' ||
    !raw.world ||
    typeof raw.world !== 'object'
  )
    return fail('state.json lacks its generation, clock, scenario or world');
  let world: WorldSnapshot;
  try {
    world = decodeState(raw.world) as WorldSnapshot;
  } catch (error) {
    return fail(`state.json's world: ${(error as Error).message}`, error);
  }
  return { ...(raw as unknown as SavedState), world };
}

async function acquire(dir: string, waitMs: number): Promise<void> {
  const file = join(dir, 'lock');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      try {
        const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
        await handle.writeFile(JSON.stringify(holder));
      } finally {
        await handle.close();
      }
      return;
    } catch (error) {
      if (code(error) !== 'EEXIST') throw error;
    }
    const holder = await readHolder(file);
    if (holder && holder.host === hostname() && holder.pid !== process.pid && !alive(holder.pid)) {
      // Left by a process that died: take it over.
      await rm(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline)
      throw new LocalStateError(
        'busy',
        dir,
        `the local cloud in ${dir} is in use by another command` +
          `${holder ? ` (process ${holder.pid} on ${holder.host}, since ${holder.since})` : ''}: ` +
          `run one --local command at a time (or remove ${file} if that process is gone)`,
      );
    await sleep(Math.min(100, Math.max(1, deadline - Date.now())));
  }
}
