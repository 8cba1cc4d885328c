import { type BackupPorts, backupConfig, restoreConfig } from './backup';
import { auditNow, resizeNow, rotateNow } from './basic';
import type { RunbookPorts } from './ports';
import { safeReboot } from './safe-reboot';
import type { RunbookDefinition } from './types';

export * from './ports';
export * from './run';
export * from './types';

/** The ports of every runbook. */
export type AllRunbookPorts = RunbookPorts & { backup?: BackupPorts };

/** Every runbook, in the order help lists them. */
export const RUNBOOKS: readonly RunbookDefinition<AllRunbookPorts>[] = [
  auditNow,
  rotateNow,
  resizeNow,
  safeReboot,
  backupConfig,
  restoreConfig,
] as unknown as RunbookDefinition<AllRunbookPorts>[];
