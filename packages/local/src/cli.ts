import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalStateDir } from './persistence';

/**
 * `tsx packages/local/src/cli.ts show|advance DURATION`: the local cloud `mqops … --local` keeps between commands
 * (in MQOPS_LOCAL_DIR, default .mqops/local). `show` prints its scenario and clock; `advance 5d` moves its clock
 * forward (units ms, s, m, h, d), so the next command finds reboots finished and maintenance windows passed (their
 * pending changes applied), as time would have done. `mqops … --local --reset` starts over from the scenario.
 */

const USAGE = 'usage: tsx packages/local/src/cli.ts show | advance DURATION (e.g. 90s, 30m, 2h, 5d)';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `2h` → 7 200 000 ms; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match?.[1] || !match[2]) return undefined;
  return Number(match[1]) * (UNITS[match[2]] ?? 0);
}

export async function main(
  argv: string[],
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  const [command, arg, ...rest] = argv;
  const ms = command === 'advance' && arg !== undefined ? parseDuration(arg) : undefined;
  if (
    rest.length > 0 ||
    (command !== 'show' && command !== 'advance') ||
    (command === 'show' && arg !== undefined) ||
    (command === 'advance' && !ms)
  ) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const dir = resolve(process.env.MQOPS_LOCAL_DIR || '.mqops/local');
  const state = await LocalStateDir.open({ dir });
  try {
    const saved = state.saved;
    if (!saved) {
      out(`no local cloud kept in ${dir} yet: any mqops --local command makes one`);
      return command === 'show' ? 0 : 1;
    }
    if (command === 'show') {
      out(`local cloud in ${dir}`);
      out(`  scenario: ${saved.scenario.label}${saved.scenario.file ? ` (${saved.scenario.file})` : ''}`);
      out(`  clock:    ${saved.clock}`);
      out(`  saved:    ${saved.savedAt} (generation ${saved.generation})`);
      return 0;
    }
    const clock = new Date(Date.parse(saved.clock) + (ms as number)).toISOString();
    await state.save({ scenario: saved.scenario, clock, world: saved.world });
    out(`local cloud clock: ${saved.clock} → ${clock}`);
    return 0;
  } finally {
    await state.release();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
