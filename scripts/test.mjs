#!/usr/bin/env node
// The whole test suite, as CI runs it: type check, lint, unit tests, then end-to-end tests (whose global setup
// installs and starts real RabbitMQ and ActiveMQ when they are missing). Ends with one summary line.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';

const steps = [
  ['type check', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['lint', 'npx', ['biome', 'check', '.']],
  [
    'tests',
    'npx',
    ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=.mqops/vitest.json'],
  ],
];

mkdirSync('.mqops', { recursive: true });
rmSync('.mqops/vitest.json', { force: true });
let failed = false;
for (const [name, command, args] of steps) {
  const started = Date.now();
  console.log(`\n== ${name}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: process.env });
  console.log(
    `== ${name}: ${result.status === 0 ? 'ok' : `FAILED (exit ${result.status})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (result.status !== 0) {
    failed = true;
    if (name !== 'tests') break;
  }
}
let passed = 0;
let failures = 0;
let skipped = 0;
try {
  const report = JSON.parse(readFileSync('.mqops/vitest.json', 'utf8'));
  passed = report.numPassedTests;
  // A file that fails to load has no failed test but a failed suite: count it once.
  failures = report.numFailedTests || (report.numFailedTestSuites ? 1 : 0);
  skipped = report.numPendingTests + (report.numTodoTests ?? 0);
} catch {
  failures += failed ? 1 : 0;
}
if (failed && failures === 0) failures = 1;
console.log(`\n${passed} passed, ${failures} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
