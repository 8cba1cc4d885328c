/**
 * The zod every schema of `@mqops/core` is built with: `zod/mini` (functional and tree-shakable, about 30 KB in a
 * function bundle where `zod` is over 100 KB), with English error messages. Import it as
 * `import * as z from '../zod'` and turn a failed parse into messages with {@link issueLines}.
 *
 * `zod/mini` sets no locale: without one every message reads "Invalid input". This module sets the English one (and
 * only it, not the 60-odd of `zod/locales`) before any parse. packages/core/package.json says `"sideEffects":
 * false`, so a bundler drops this module, and the locale with it, unless one of its own exports is used: every
 * parse in core reports its issues through {@link issueLines}, which keeps it.
 */
import { config, type core } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';

/**
 * One `path: message` line per issue of a failed parse, e.g. `detail.alarmName: empty alarm name`.
 * @param root what an issue about the whole value is reported against, e.g. `(event)`
 * @param prefix put before every line, e.g. `suppressions.`
 * @example
 * const parsed = Schema.safeParse(event);
 * if (!parsed.success) throw new InvalidInputError('not a valid event', issueLines(parsed.error, '(event)'));
 */
export function issueLines(error: core.$ZodError, root: string, prefix = ''): string[] {
  return error.issues.map((i) => `${prefix}${i.path.length ? i.path.join('.') : root}: ${i.message}`);
}
