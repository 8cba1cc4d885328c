import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors';
import { type KeyValueStore, MemoryKeyValueStore } from '../../../src/kv';
import type { Notice, NoticeSink } from '../../../src/notices';
import { RUNBOOKS } from '../../../src/runbooks/index';
import { parseRunbookRequest, RUN_KEY_PREFIX, runRunbook, runTitle } from '../../../src/runbooks/run';

describe('Function: runTitle', () => {
  it.each([
    [{ runbook: 'safe-reboot', dryRun: true, status: 'dry-run' as const }, 'safe-reboot: dry run'],
    [{ runbook: 'safe-reboot', dryRun: true, status: 'refused' as const }, 'safe-reboot (dry run): refused'],
    [{ runbook: 'safe-reboot', dryRun: false, status: 'started' as const }, 'safe-reboot: started'],
    [{ runbook: 'backup-config', dryRun: false, status: 'failed' as const }, 'backup-config: failed'],
  ])('%j reads %s', (record, title) => {
    expect(runTitle(record)).toBe(title);
  });
});

const MB = 1 << 20;
/** A 1 MB broker id: `b-` and a million characters. */
const HUGE_ID = `b-${'1'.repeat(MB)}`;

/** `run` threw: its error. */
function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('Function: parseRunbookRequest (bounded input, issue 12)', () => {
  it.each([
    ['a 1 MB key in the request', { ['k'.repeat(MB)]: 1 }],
    [
      'a 1 MB key in a payload (it was echoed into the error)',
      { runbook: 'audit-now', payload: { ['k'.repeat(MB)]: 1 } },
    ],
    ['a 1,000-character key in a payload', { runbook: 'audit-now', payload: { ['k'.repeat(1000)]: 1 } }],
    ['a 1 MB runbook name (it was echoed into the error)', { runbook: 'r'.repeat(MB) }],
    ['a 65-character runbook name', { runbook: 'r'.repeat(65) }],
    [
      'a 1 MB broker id for resize-now (it reached DynamoDB)',
      { runbook: 'resize-now', payload: { brokerId: HUGE_ID } },
    ],
    ['a 1 MB broker id for safe-reboot', { runbook: 'safe-reboot', payload: { brokerId: HUGE_ID } }],
    [
      'a 60-character broker id for safe-reboot',
      { runbook: 'safe-reboot', payload: { brokerId: `b-${'1'.repeat(58)}` } },
    ],
    [
      'a 39-character broker id for resize-now',
      { runbook: 'resize-now', payload: { brokerId: `b-${'1'.repeat(37)}` } },
    ],
    ['a broker name for resize-now', { runbook: 'resize-now', payload: { brokerId: 'orders-prod' } }],
    [
      'a 1 MB backup key',
      { runbook: 'restore-config', payload: { brokerId: 'b-1', key: `backups/x/${'k'.repeat(MB)}.json` } },
    ],
    [
      'a backup key over 1,024 bytes',
      { runbook: 'restore-config', payload: { brokerId: 'b-1', key: `backups/x/${'é'.repeat(600)}.json` } },
    ],
    [
      'a secret id over 2,048 characters',
      { runbook: 'rotate-now', payload: { secretId: `mqops/${'s'.repeat(2043)}` } },
    ],
    ['a broker list of 101', { runbook: 'audit-now', payload: { brokers: Array(101).fill('b-1') } }],
    [
      'a broker name over 50 characters',
      { runbook: 'backup-config', payload: { brokers: ['n'.repeat(51)] } },
    ],
    [
      'a request over 16 KiB',
      { runbook: 'audit-now', payload: { brokers: Array(2000).fill('orders-prod') } },
    ],
    [
      'a payload nested 1,000 deep',
      { runbook: 'audit-now', payload: { a: JSON.parse(`${'['.repeat(1000)}${']'.repeat(1000)}`) } },
    ],
    ['a 300-character "by"', { runbook: 'audit-now', by: 'u'.repeat(300) }],
    ['many wrong fields', { runbook: 1, payload: 2, execute: 3, by: 4, a: 1, b: 2, c: 3, d: 4 }],
  ])(
    'refuses %s with an InvalidInputError of at most 300 characters that repeats no long value',
    (_what, event) => {
      // Act
      const error = thrown(() => parseRunbookRequest(event, RUNBOOKS));

      // Assess
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error.message.length).toBeLessThanOrEqual(300);
      expect(error.message).not.toMatch(/([krs1nué])\1{64}/);
      // The CLI tells a bad request (exit code 2) from a failed run by these words (packages/cli/src/run.ts).
      expect(error.message).toMatch(/^(not a runbook request|unknown runbook|bad payload for runbook)/);
    },
  );

  it('names the valid runbooks and what was wrong, within 300 characters', () => {
    expect(() => parseRunbookRequest({ runbook: 'reboot-all' }, RUNBOOKS)).toThrow(
      'unknown runbook reboot-all; runbooks: audit-now | rotate-now | resize-now | safe-reboot | backup-config | restore-config',
    );
    expect(() =>
      parseRunbookRequest({ runbook: 'safe-reboot', payload: { brokerId: HUGE_ID } }, RUNBOOKS),
    ).toThrow(/^not a runbook request .*: \(event\): a string of 1048578 characters \(at most 2048\)$/);
    expect(() =>
      parseRunbookRequest({ runbook: 'safe-reboot', payload: { brokerId: `b-${'1'.repeat(58)}` } }, RUNBOOKS),
    ).toThrow(/^bad payload for runbook safe-reboot .*: brokerId: 60 characters \(at most 50\)$/);
  });

  it('takes requests within the limits', () => {
    const id = 'b-1234a5b6-78cd-901e-2fab-3c45d6e178f9';
    expect(
      parseRunbookRequest({ runbook: 'resize-now', payload: { brokerId: id } }, RUNBOOKS).payload,
    ).toEqual({
      brokerId: id,
    });
    expect(
      parseRunbookRequest(
        {
          runbook: 'restore-config',
          payload: { brokerId: 'orders-prod', key: 'backups/orders-prod/2026-11-25T12:00:00.000Z.json' },
        },
        RUNBOOKS,
      ).payload,
    ).toEqual({ brokerId: 'orders-prod', key: 'backups/orders-prod/2026-11-25T12:00:00.000Z.json' });
    expect(
      parseRunbookRequest(
        { runbook: 'rotate-now', payload: { secretId: `mqops/${'s'.repeat(2042)}` } },
        RUNBOOKS,
      ).payload,
    ).toEqual({ secretId: `mqops/${'s'.repeat(2042)}` });
  });
});

/** A store that counts its writes. */
class CountingStore extends MemoryKeyValueStore implements KeyValueStore {
  writes = 0;
  override async put<T>(key: string, value: T, options?: { expectedVersion?: number; expiresAt?: number }) {
    this.writes++;
    return super.put(key, value, options);
  }
}

describe('Function: runRunbook (a refused request, issue 12)', () => {
  it('refuses a 1 MB broker id before anything is written to the trail or posted', async () => {
    // Prepare
    const store = new CountingStore();
    const posted: Notice[] = [];
    const sink: NoticeSink = { channel: 'test', send: async (notice) => void posted.push(notice) };

    // Act
    const run = runRunbook(
      { runbook: 'resize-now', payload: { brokerId: HUGE_ID }, execute: true, by: 'alice' },
      { runbooks: RUNBOOKS, ports: {}, store, sinks: [sink] },
    );

    // Assess: refused at the edge, nothing in the trail (the run is answered to its caller, not recorded).
    await expect(run).rejects.toThrow(InvalidInputError);
    expect(store.writes).toBe(0);
    expect(await store.list(RUN_KEY_PREFIX)).toEqual([]);
    expect(posted).toEqual([]);
  });

  it('records a run within the limits (the check above can fail)', async () => {
    // Prepare
    const store = new CountingStore();

    // Act
    const record = await runRunbook(
      { runbook: 'resize-now', payload: { brokerId: 'b-1234' }, by: 'alice' },
      { runbooks: RUNBOOKS, ports: { plans: {} as never }, store, sinks: [] },
    );

    // Assess: no plan for the broker, so the guard refuses it; the run is in the trail.
    expect(record.status).toBe('refused');
    expect(store.writes).toBeGreaterThan(0);
    expect(await store.list(RUN_KEY_PREFIX)).toHaveLength(1);
  });
});
