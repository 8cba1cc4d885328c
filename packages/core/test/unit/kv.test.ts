import { describe, expect, it } from 'vitest';
import { MemoryKeyValueStore, update } from '../../src/kv';

describe('Class: MemoryKeyValueStore', () => {
  it('writes only against the version it read', async () => {
    const store = new MemoryKeyValueStore();
    expect(await store.put('group#b-1', { n: 1 })).toBe(true);
    expect(await store.put('group#b-1', { n: 2 })).toBe(false); // exists already
    const read = await store.get<{ n: number }>('group#b-1');
    expect(read).toEqual({ value: { n: 1 }, version: 1 });
    expect(await store.put('group#b-1', { n: 2 }, { expectedVersion: 1 })).toBe(true);
    expect(await store.put('group#b-1', { n: 3 }, { expectedVersion: 1 })).toBe(false);
    expect((await store.get('group#b-1'))?.version).toBe(2);
  });

  it('lists by prefix, in key order', async () => {
    const store = new MemoryKeyValueStore();
    await store.put('group#b', 2);
    await store.put('group#a', 1);
    await store.put('other#a', 3);
    expect((await store.list<number>('group#')).map((e) => [e.key, e.item.value])).toEqual([
      ['group#a', 1],
      ['group#b', 2],
    ]);
  });
});

describe('Function: update', () => {
  it('retries when another writer got there first', async () => {
    const store = new MemoryKeyValueStore();
    await store.put('n', 0);
    await Promise.all(Array.from({ length: 10 }, () => update<number>(store, 'n', (v) => (v ?? 0) + 1)));
    expect((await store.get('n'))?.value).toBe(10);
  });
});

describe('Runbook markers', () => {
  it('hold while the runbook runs and lapse after its deadline', async () => {
    const { activeRunbook, clearRunbook, markRunbook } = await import('../../src/runbook-marker');
    const store = new MemoryKeyValueStore();
    const now = new Date('2026-11-25T12:00:00Z');
    await markRunbook(store, 'b-1', 'safe-reboot', now, new Date('2026-11-25T12:30:00Z'));
    expect((await activeRunbook(store, 'b-1', now))?.name).toBe('safe-reboot');
    expect(await activeRunbook(store, 'b-1', new Date('2026-11-25T12:31:00Z'))).toBeUndefined();
    expect(await activeRunbook(store, 'b-2', now)).toBeUndefined();
    await clearRunbook(store, 'b-1');
    expect(await activeRunbook(store, 'b-1', now)).toBeUndefined();
  });

  it('refuses to take a broker another runbook holds, says which, and writes nothing', async () => {
    // Prepare
    const { activeRunbook, markRunbook } = await import('../../src/runbook-marker');
    const store = new MemoryKeyValueStore();
    const now = new Date('2026-11-25T12:00:00Z');
    await markRunbook(store, 'b-1', 'resize', now, new Date('2026-11-25T14:00:00Z'));
    const before = await store.get('runbook#b-1');

    // Act
    const taken = await markRunbook(store, 'b-1', 'safe-reboot', now, new Date('2026-11-25T12:45:00Z'));

    // Assess
    expect(taken).toEqual({
      marked: false,
      holder: { name: 'resize', startedAt: '2026-11-25T12:00:00.000Z', until: '2026-11-25T14:00:00.000Z' },
    });
    expect(await store.get('runbook#b-1')).toEqual(before);
    expect((await activeRunbook(store, 'b-1', now))?.name).toBe('resize');
  });

  it('replaces a marker of the same runbook, and takes a broker whose other marker lapsed', async () => {
    // Prepare
    const { activeRunbook, markRunbook } = await import('../../src/runbook-marker');
    const store = new MemoryKeyValueStore();
    const t0 = new Date('2026-11-25T12:00:00Z');
    const t1 = new Date('2026-11-25T12:10:00Z');
    await markRunbook(store, 'b-1', 'resize', t0, new Date('2026-11-25T12:30:00Z'));

    // Act
    const again = await markRunbook(store, 'b-1', 'resize', t1, new Date('2026-11-25T13:00:00Z'));
    const after = await markRunbook(
      store,
      'b-1',
      'safe-reboot',
      new Date('2026-11-25T13:00:00Z'),
      new Date('2026-11-25T13:45:00Z'),
    );

    // Assess
    expect(again).toEqual({
      marked: true,
      marker: { name: 'resize', startedAt: '2026-11-25T12:10:00.000Z', until: '2026-11-25T13:00:00.000Z' },
    });
    expect(after.marked).toBe(true);
    expect((await activeRunbook(store, 'b-1', new Date('2026-11-25T13:00:00Z')))?.name).toBe('safe-reboot');
  });

  it('gives a broker to exactly one of two runbooks that take it at once', async () => {
    // Prepare
    const { activeRunbook, markRunbook } = await import('../../src/runbook-marker');
    const store = new MemoryKeyValueStore();
    const now = new Date('2026-11-25T12:00:00Z');
    const until = new Date('2026-11-25T13:00:00Z');

    // Act
    const [reboot, resize] = await Promise.all([
      markRunbook(store, 'b-1', 'safe-reboot', now, until),
      markRunbook(store, 'b-1', 'resize', now, until),
    ]);

    // Assess: one marked, the other refused by the winner's marker, which is the one stored.
    expect([reboot.marked, resize.marked].sort()).toEqual([false, true]);
    const winner = reboot.marked ? 'safe-reboot' : 'resize';
    expect((await activeRunbook(store, 'b-1', now))?.name).toBe(winner);
    const loser = reboot.marked ? resize : reboot;
    expect(loser).toMatchObject({ marked: false, holder: { name: winner } });
  });
});
