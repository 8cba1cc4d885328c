import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MqopsConfig, parseConfigText } from '@mqops/core';

/** The repository's `mqops.config.json`, when there is one: it is deployed with the functions (MQOPS_CONFIG). */
export function deployedConfig(root: string = process.cwd()): { text: string; config: MqopsConfig } {
  const file = join(root, 'mqops.config.json');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '{}';
  return { text: JSON.stringify(JSON.parse(text)), config: parseConfigText(text, file) };
}
