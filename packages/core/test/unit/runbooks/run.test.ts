import { describe, expect, it } from 'vitest';
import { runTitle } from '../../../src/runbooks/run';

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
