import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareAndSwap, emptyState } from '@mqops/core';
import { describe, expect, it } from 'vitest';
import { FileStateStore } from '../../src/file-state';

const now = new Date('2026-12-08T00:00:00Z');
const fresh = () => join(mkdtempSync(join(tmpdir(), 'mqops-state-')), 'state.json');

describe('Class: FileStateStore (the CLI’s --state file, written conditionally)', () => {
  it('writes only over the version it read, like S3 If-Match / If-None-Match', async () => {
    const file = fresh();
    const store = new FileStateStore(file);
    expect(await store.read()).toBeUndefined();
    expect(await store.write(emptyState(now), undefined)).toBe(true);
    expect(await store.write(emptyState(now), undefined)).toBe(false);
    const first = await store.read();
    expect(await store.write({ ...emptyState(now), pendingSince: { a: 'x' } }, first?.version)).toBe(true);
    expect(await store.write({ ...emptyState(now), pendingSince: { b: 'y' } }, first?.version)).toBe(false);
    expect(JSON.parse(readFileSync(file, 'utf8')).pendingSince).toEqual({ a: 'x' });
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('refuses to write while another process holds the lock, and takes over a lock left by a dead one', async () => {
    const file = fresh();
    const store = new FileStateStore(file);
    writeFileSync(`${file}.lock`, '');
    expect(await store.write(emptyState(now), undefined)).toBe(false);
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${file}.lock`, old, old);
    expect(await store.write(emptyState(now), undefined)).toBe(false); // the stale lock is removed…
    expect(await store.write(emptyState(now), undefined)).toBe(true); // …so the retry writes
  });

  it('loses no update among concurrent writers going through compareAndSwap', async () => {
    const file = fresh();
    const store = new FileStateStore(file);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        compareAndSwap(
          store,
          (current) => {
            const state = current?.value ?? emptyState(now);
            return {
              write: { ...state, pendingSince: { ...state.pendingSince, [`b-${i}`]: now.toISOString() } },
              result: undefined,
            };
          },
          { what: 'the state file' },
        ),
      ),
    );
    expect(Object.keys((await store.read())?.value.pendingSince ?? {})).toHaveLength(10);
  });
});
