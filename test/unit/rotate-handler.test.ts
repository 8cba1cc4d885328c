import { InvalidInputError } from '@mqops/core';
import type { RotationDeps, SecretStore } from '@mqops/core/rotation/index';
import { describe, expect, it } from 'vitest';
import { rotate } from '../../functions/rotate';

/** A store that records every call: a malformed event must touch nothing. */
function recordingStore(): { store: SecretStore; calls: string[] } {
  const calls: string[] = [];
  const record = (name: string) => async () => {
    calls.push(name);
    throw new Error('must not be called');
  };
  return {
    calls,
    store: {
      describe: record('describe'),
      getValue: record('getValue'),
      putPending: record('putPending'),
      moveCurrent: record('moveCurrent'),
      randomPassword: record('randomPassword'),
    },
  };
}

describe('Function: rotate', () => {
  it.each([
    [undefined],
    [{}],
    [{ Step: 'createSecret', SecretId: 'mq/app' }],
    [{ Step: 'rotate', SecretId: 'mq/app', ClientRequestToken: '00000000-0000-4000-8000-000000000001' }],
  ])('refuses %j with InvalidInputError and touches nothing', async (event) => {
    const { store, calls } = recordingStore();
    const deps: RotationDeps = { store, targets: {} };
    await expect(rotate(event, deps)).rejects.toThrow(InvalidInputError);
    expect(calls).toEqual([]);
  });

  it('passes a valid event to the protocol', async () => {
    const { store, calls } = recordingStore();
    const event = {
      Step: 'createSecret',
      SecretId: 'mq/app',
      ClientRequestToken: '00000000-0000-4000-8000-000000000001',
    };
    await expect(rotate(event, { store, targets: {} })).rejects.toThrow('must not be called');
    expect(calls).toEqual(['describe']);
  });
});
