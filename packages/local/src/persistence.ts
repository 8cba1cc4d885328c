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
 *   by a process that died is taken over, see {@link acquire}).
 *
 * `state.json` is written to a temporary file and renamed over the old one, and only when the generation on disk is
 * still the one that was loaded: a lost update is refused, never silent. Lambda functions (in-process handlers),
 * injected faults and the request log are not kept: they belong to the process that set them up.
 *
 * The state holds secret values (the passwords given to `rotation enable --local`): the directory is made readable
 * by its owner only (0700), and state.json, its temporary files and the lock too (0600).
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { type FileHandle, link, mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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

/** The mode of a state directory it makes: its files hold secret values, for its owner only. */
export const STATE_DIR_MODE = 0o700;
/** The mode of state.json, its temporary files and the lock. */
export const STATE_FILE_MODE = 0o600;

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

/** What a lock file (and a claim on a stale one, see {@link takeOver}) says: who holds it. */
interface LockHolder {
  pid: number;
  host: string;
  since: string;
  /** Tells this acquisition from any other (absent in locks of earlier versions). */
  token?: string;
}

/**
 * How old a lock file that names no holder (empty or cut short: written by an earlier version, which made the file
 * and then wrote it, and died in between) must be to be taken over.
 */
const UNNAMED_LOCK_STALE_MS = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(text) as LockHolder;
    return holder && typeof holder.pid === 'number' ? holder : undefined;
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
    /** The token of this process's lock. */
    private readonly token: string,
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
   * Makes the directory if needed (for its owner only: {@link STATE_DIR_MODE}), takes its lock (waiting up to
   * `lockWaitMs` for another process), starts over when `reset` (or when there is no state.json: leftovers of a
   * process that never saved are dropped) and reads state.json.
   * @throws LocalStateError `busy` when another live process keeps the lock; `corrupt` when state.json cannot be read.
   */
  static async open(options: PersistOptions): Promise<LocalStateDir> {
    const { dir } = options;
    await mkdir(dir, { recursive: true, mode: STATE_DIR_MODE });
    const token = await acquire(dir, options.lockWaitMs ?? 10_000);
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
        return new LocalStateDir(dir, undefined, token);
      }
      return new LocalStateDir(dir, parseSaved(dir, text), token);
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
    const fd = openSync(temp, 'wx', STATE_FILE_MODE);
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

  /** Gives the directory back (removes the lock, if it is still this one's). Idempotent. */
  releaseSync(): void {
    if (this.released) return;
    this.released = true;
    const file = join(this.dir, 'lock');
    try {
      const holder = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
      if (holder.token === this.token) rmSync(file, { force: true });
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
   * `process.exit` (a closed pipe, `mqops … --local | head`) keeps what it did. A save that fails (another process
   * wrote the state meanwhile: a `conflict`) is written to stderr and makes the exit code 1 (if it was 0): a lost
   * update is never silent. Returns a function that cancels it. (SIGINT and SIGTERM do not run `exit` handlers:
   * `startLocalCloud` stops a kept cloud on them; a process killed otherwise saves nothing, what was saved before
   * stays.)
   */
  saveOnExit(snapshot: () => Omit<SavedState, 'format' | 'generation' | 'savedAt'>): () => void {
    const onExit = () => {
      try {
        if (!this.released) this.saveSync(snapshot());
      } catch (error) {
        reportUnsaved(this.dir, error);
        if (!process.exitCode) process.exitCode = 1;
      } finally {
        this.releaseSync();
      }
    };
    process.once('exit', onExit);
    return () => process.off('exit', onExit);
  }
}

/**
 * Writes to stderr, synchronously (it runs while the process exits), that the state in `dir` was not saved: why,
 * and what to do.
 */
export function reportUnsaved(dir: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  const line =
    error instanceof LocalStateError && error.kind === 'conflict'
      ? `mqops: ${message}; the local cloud in ${dir} keeps the other process's state ` +
        '(pass --reset to start over from the scenario)'
      : `mqops: the local cloud state in ${dir} could not be saved (${message}); this command's changes ` +
        'were not saved (pass --reset to start over from the scenario if it no longer loads)';
  try {
    writeSync(2, `${line}\n`);
  } catch {
    // No stderr left to write to.
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

/** A lock file (or a claim) as seen at one moment: `id` tells this very file from any other, before or after. */
interface SeenLock {
  id: string;
  holder: LockHolder | undefined;
  /** Since it was written. */
  ageMs: number;
}

/** Reads the lock file (or claim) `file`; undefined when there is none. */
async function inspect(file: string): Promise<SeenLock | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if (code(error) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    // The same open file for both: what is read belongs to the inode stat describes.
    const stat = await handle.stat({ bigint: true });
    const text = await handle.readFile('utf8');
    const id = createHash('sha256')
      .update(`${stat.dev}:${stat.ino}:${stat.mtimeNs}\n${text}`)
      .digest('hex')
      .slice(0, 32);
    return { id, holder: parseHolder(text), ageMs: Date.now() - Number(stat.mtimeMs) };
  } finally {
    await handle.close();
  }
}

/**
 * Whether the holder of a lock (or a claim) is gone: a process of this host that is no longer running, or, when the
 * file names no one (an earlier version died between making it and writing it), the file is older than a few
 * seconds.
 */
function stale(seen: SeenLock): boolean {
  const { holder } = seen;
  if (!holder) return seen.ageMs > UNNAMED_LOCK_STALE_MS;
  return holder.host === hostname() && holder.pid !== process.pid && !alive(holder.pid);
}

/** This process as the holder of a lock or a claim, with a token of its own. */
function holding(): { token: string; text: string } {
  const token = randomBytes(16).toString('hex');
  const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), token };
  return { token, text: JSON.stringify(holder) };
}

/**
 * Makes `file` holding `text` unless it exists (then false). The text is written to a temporary file first, then
 * linked to `file` (which fails when it exists): a lock file is never seen empty or half written. Where hard links
 * are not supported, the file is made exclusively, then written.
 */
async function createExclusive(file: string, text: string): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, text, { flag: 'wx', mode: STATE_FILE_MODE });
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    if (code(error) === 'EEXIST') return false;
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(code(error) ?? '')) throw error;
  } finally {
    await rm(temp, { force: true });
  }
  try {
    await writeFile(file, text, { flag: 'wx', mode: STATE_FILE_MODE });
    return true;
  } catch (error) {
    if (code(error) === 'EEXIST') return false;
    throw error;
  }
}

/** The claims of the right to remove a stale lock (see {@link takeOver}): `lock.claim.<id>`. */
const CLAIM = /^lock\.claim\.[0-9a-f]{32}$/;

/**
 * Takes the right to remove the stale lock `lock` and, holding it, removes the lock if it is still that one. True
 * when the stale lock is gone (try to lock again), false when another live process is taking it over (wait).
 *
 * Removing a stale lock is not one atomic step (look, then remove): two processes that both saw it stale would
 * otherwise both remove, the second one the lock the first had just made. So the right to remove it is claimed
 * first, by making `lock.claim.<its id>` (exclusively, like the lock): one process gets it. If that process dies
 * before it is done, its claim is stale in turn, and is claimed the same way (`lock.claim.<the claim's id>`), and so
 * on. The one living holder of the last claim of the chain is then the only process that may remove the lock, which
 * it does only if the lock is still the stale one it saw (if not, someone removed it before: it leaves the new one
 * alone). Once the stale lock is gone, no one can remove it again (a new lock has another id), so the chain's claims
 * are then removed.
 */
async function takeOver(dir: string, file: string, lock: SeenLock): Promise<boolean> {
  const chain: string[] = [];
  let claimed = lock;
  for (let depth = 0; depth < 16; depth++) {
    const claim = join(dir, `lock.claim.${claimed.id}`);
    chain.push(claim);
    if (await createExclusive(claim, holding().text)) {
      try {
        if ((await inspect(file))?.id === lock.id) await rm(file, { force: true });
      } finally {
        for (const made of chain.reverse()) await rm(made, { force: true });
      }
      return true;
    }
    const other = await inspect(claim);
    // Gone meanwhile: done by its holder, so the lock is gone too (look again).
    if (!other) return true;
    if (!stale(other)) return false;
    claimed = other;
  }
  return false;
}

/**
 * Takes the lock of `dir` (`lock`, naming this process, made as in {@link createExclusive}), waiting up to `waitMs`
 * for another process that holds it, and taking over a stale one ({@link takeOver}). Returns the lock's token.
 * @throws LocalStateError `busy`
 */
async function acquire(dir: string, waitMs: number): Promise<string> {
  const file = join(dir, 'lock');
  const me = holding();
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (await createExclusive(file, me.text)) {
      await dropClaims(dir);
      return me.token;
    }
    const seen = await inspect(file);
    // Released meanwhile: try again.
    if (!seen) continue;
    // Left by a process that died: take it over.
    if (stale(seen) && (await takeOver(dir, file, seen))) continue;
    const holder = seen.holder;
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

/**
 * Removes the claims left by processes that died while taking over a stale lock. Only while holding the lock: every
 * claim is then about a lock that is gone, which no one may remove any more.
 */
async function dropClaims(dir: string): Promise<void> {
  try {
    for (const name of await readdir(dir)) if (CLAIM.test(name)) await rm(join(dir, name), { force: true });
  } catch {
    // Tidying only.
  }
}
