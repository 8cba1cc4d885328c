import { readFileSync } from 'node:fs';
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

/** A usage mistake: the CLI exits with code 2 and the message. */
export class UsageError extends Error {}

/**
 * Reads the config file `file` (from --config, or ./mqops.config.json). A missing or unreadable file is not a usage
 * mistake but something mqops could not do: the error (exit code 3) names the file and the system's reason.
 */
export function readConfigFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the config file ${file}: ${systemReason(error)}`);
  }
}

/** "no such file or directory (ENOENT)" from node's "ENOENT: no such file or directory, open 'x'". */
function systemReason(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (!code) return String(message ?? error);
  const reason = String(message)
    .replace(new RegExp(`^${code}: `), '')
    .replace(/, \w+( '.*')?$/, '');
  return `${reason} (${code})`;
}

/** `--output table|json` (default table). @throws UsageError for anything else. */
export function tableOrJson(value: string | undefined): 'table' | 'json' {
  const output = value ?? 'table';
  if (output !== 'table' && output !== 'json')
    throw new UsageError(`--output must be table or json (got ${output})`);
  return output;
}

/** The SDK client settings `--region` and `--profile` give (the rest comes from the standard configuration). */
export function clientSettings(values: { region?: string; profile?: string }): {
  region?: string;
  profile?: string;
} {
  return {
    ...(values.region ? { region: values.region } : {}),
    ...(values.profile ? { profile: values.profile } : {}),
  };
}

/** Pads or clips a table cell to `width` characters. */
export const cell = (text: string, width: number) =>
  text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);

/**
 * Reads a command's arguments (positionals allowed, unknown options refused) with node's parseArgs.
 * @throws UsageError with parseArgs' message.
 */
export function parseOptions<const T extends ParseArgsOptionsConfig>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
