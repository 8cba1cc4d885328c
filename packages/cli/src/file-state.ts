import { createHash } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { type AuditState, MqopsError, type Snapshot, type StateStore } from '@mqops/core';

/** A lock file older than this belongs to a process that died holding it: it is taken over. */
const STALE_LOCK_MS = 30_000;

/**
 * Keeps the audit state in a local JSON file (what S3 holds in AWS), written conditionally like S3: the version is
 * the hash of the file's content, and a write under an exclusive lock file replaces the file only if the hash is
 * still the one read (two CI jobs sharing a state file do not lose each other's findings).
 */
export class FileStateStore implements StateStore {
  constructor(private readonly file: string) {}

  async read(): Promise<Snapshot<AuditState, string> | undefined> {
    const text = this.text();
    if (text === undefined) return undefined;
    try {
      const state = JSON.parse(text) as AuditState;
      if (state.version !== 1) throw new Error(`unknown version ${String(state.version)}`);
      return { value: state, version: hash(text) };
    } catch (cause) {
      throw new MqopsError(`state file ${this.file} is not an mqops state (${(cause as Error).message})`, {
        cause,
      });
    }
  }

  async write(state: AuditState, expected: string | undefined): Promise<boolean> {
    mkdirSync(dirname(this.file), { recursive: true });
    const lock = `${this.file}.lock`;
    if (!takeLock(lock)) return false;
    try {
      const text = this.text();
      if ((text === undefined ? undefined : hash(text)) !== expected) return false;
      const temp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
      renameSync(temp, this.file);
      return true;
    } finally {
      rmSync(lock, { force: true });
    }
  }

  private text(): string | undefined {
    try {
      return readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/** Creates the lock file exclusively; false when another process holds it (the caller's retry reads again). */
function takeLock(lock: string): boolean {
  try {
    closeSync(openSync(lock, 'wx'));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    try {
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { force: true });
    } catch {
      // Released meanwhile.
    }
    return false;
  }
}
