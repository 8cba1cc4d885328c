/**
 * bench/fuzz, run with `npm run bench:fuzz` (`FUZZ_RUNS=100000 npx tsx bench/fuzz.ts`): every function's handler over
 * many hostile events, the same generators and checks as the test suite's 1,000-event fuzz (test/helpers/fuzz.ts,
 * test/unit/fuzz-handlers.test.ts), with more events and any seed.
 *
 * Each handler runs as deployed (middy and its middlewares) with every AWS client mocked and `fetch` stubbed. A
 * refused event must end in an InvalidInputError of at most 300 characters after no AWS call, no fetch and no log
 * line over 2 KB; an accepted one may call only what the function's IAM policy allows; nothing may reject
 * unhandled. Prints runs per second per handler, and any failure with the seed and path that replay it
 * (`FUZZ_SEED=<seed> FUZZ_PATH=<path> FUZZ_TARGETS=<handler> npx tsx bench/fuzz.ts`). Exits 1 on a failure.
 * Results go to bench/results/fuzz.json.
 *
 * Settings: `FUZZ_RUNS` (events per handler, default 10,000), `FUZZ_SEED` (default: the tests' seed), `FUZZ_PATH`
 * (replays one failure), `FUZZ_TARGETS` (handlers, comma-separated; default all), `FUZZ_OUT` (the results file).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FUZZ_SEED, type FuzzReport, fuzzHandler, installStubs } from '../test/helpers/fuzz';
import { FUZZ_TARGETS } from '../test/helpers/fuzz-targets';
import { envNumber, machineInfo, reproduceWith } from './common';

const RUNS = envNumber('FUZZ_RUNS', 10_000);
const SEED = envNumber('FUZZ_SEED', FUZZ_SEED);
const PATH = process.env.FUZZ_PATH || undefined;
const OUT = process.env.FUZZ_OUT || join(import.meta.dirname, 'results', 'fuzz.json');
const chosen = (process.env.FUZZ_TARGETS ?? '')
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean);
const unknown = chosen.filter((name) => !(name in FUZZ_TARGETS));
if (unknown.length) {
  console.error(`unknown handler ${unknown.join(', ')}; handlers: ${Object.keys(FUZZ_TARGETS).join(', ')}`);
  process.exit(2);
}
const names = chosen.length ? chosen : Object.keys(FUZZ_TARGETS);

const stubs = installStubs();
const reports: FuzzReport[] = [];
// The handlers log through stdout: the table goes to stderr, so `2>&1 >/dev/null` shows it alone.
const say = (line: string) => process.stderr.write(`${line}\n`);
say(`fuzz: ${RUNS.toLocaleString('en')} events per handler, seed ${SEED}`);
say('handler        runs     refused  accepted  runs/s  longest refusal  longest log line  result');
for (const name of names) {
  const load = FUZZ_TARGETS[name] as (typeof FUZZ_TARGETS)[string];
  const report = await fuzzHandler(await load(), stubs, {
    numRuns: RUNS,
    seed: SEED,
    ...(PATH ? { path: PATH } : {}),
  });
  reports.push(report);
  const perSecond = Math.round(report.runs / (report.ms / 1000));
  say(
    [
      name.padEnd(13),
      String(report.runs).padStart(6),
      String(report.refused).padStart(10),
      String(report.accepted).padStart(9),
      String(perSecond).padStart(7),
      String(report.longestRefusal).padStart(16),
      String(report.longestLogLine).padStart(17),
      report.failure || report.unhandled.length ? '  FAILED' : '  ok',
    ].join(' '),
  );
  if (report.failure)
    say(
      `  ${report.failure.problem}\n  event: ${report.failure.event}\n  replay: FUZZ_SEED=${report.failure.seed} FUZZ_PATH=${report.failure.path} FUZZ_TARGETS=${name}`,
    );
  for (const reason of report.unhandled) say(`  unhandled rejection: ${reason}`);
}
stubs.restore();

const failed = reports.filter((r) => r.failure || r.unhandled.length);
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(
  OUT,
  `${JSON.stringify(
    {
      benchmark: 'fuzz',
      command: reproduceWith('npm run bench:fuzz', ['FUZZ_RUNS', 'FUZZ_SEED', 'FUZZ_TARGETS']),
      at: new Date().toISOString(),
      machine: machineInfo(),
      node: process.version,
      settings: { runs: RUNS, seed: SEED },
      handlers: reports.map((r) => ({ ...r, runsPerSecond: Math.round(r.runs / (r.ms / 1000)) })),
      passed: failed.length === 0,
    },
    null,
    2,
  )}\n`,
);
say(failed.length ? `FAILED: ${failed.map((r) => r.target).join(', ')}` : 'every handler passed');
process.exit(failed.length ? 1 : 0);
