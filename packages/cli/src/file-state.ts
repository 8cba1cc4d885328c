import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type AuditState, MqopsError, type StateStore } from '@mqops/core';

/** Keeps the audit state in a local JSON file (what S3 holds in AWS). */
export class FileStateStore implements StateStore {
  constructor(private readonly file: string) {}

  async load(): Promise<AuditState | undefined> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const state = JSON.parse(text) as AuditState;
      if (state.version !== 1) throw new Error(`unknown version ${String(state.version)}`);
      return state;
    } catch (cause) {
      throw new MqopsError(`state file ${this.file} is not an mqops state (${(cause as Error).message})`, {
        cause,
      });
    }
  }

  async save(state: AuditState): Promise<void> {
    mkdirSync(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(temp, this.file);
  }
}
