import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ConfigFile, parseConfigFile } from '@mqops/core/config-file';

/**
 * The repository's `mqops.config.json`, when there is one: it is deployed with the functions (MQOPS_CONFIG), and
 * every section of it is checked here, so `sst deploy` refuses a mistake in a section only some functions read.
 */
export function deployedConfig(root: string = process.cwd()): ConfigFile & { text: string } {
  const file = join(root, 'mqops.config.json');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '{}';
  const read = parseConfigFile(text, file); // first: it names the file when the text is not JSON
  return { text: JSON.stringify(JSON.parse(text)), ...read };
}
