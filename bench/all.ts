/**
 * `npm run bench:all`: runs every benchmark (`BENCH_SKIP=audit,cost` leaves some out, reusing their last committed
 * results) and writes bench/results/SUMMARY.md, one table of what each measured against its target.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const RESULTS = join(ROOT, 'bench', 'results');

const BENCHES = [
  { name: 'audit', script: 'bench/audit.ts', result: 'audit-1000.json' },
  { name: 'alerts', script: 'bench/alert-storm.ts', result: 'alert-storm.json' },
  { name: 'metrics', script: 'bench/metrics.ts', result: 'metrics-1000.json' },
  { name: 'bundles', script: 'bench/bundles.ts', result: 'bundles.json' },
  { name: 'cost', script: 'bench/cost.ts', result: 'cost-100.json' },
] as const;

const skip = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
const exitCodes: Record<string, number | null> = {};
for (const bench of BENCHES) {
  if (skip.has(bench.name)) continue;
  console.log(`\n=== bench ${bench.name}: tsx ${bench.script}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', bench.script], { cwd: ROOT, stdio: 'inherit' });
  exitCodes[bench.name] = run.status;
}

// biome-ignore lint/suspicious/noExplicitAny: the results files are read as the benches wrote them.
const read = (file: string): any => JSON.parse(readFileSync(join(RESULTS, file), 'utf8'));
const yes = (ok: boolean) => (ok ? 'met' : '**not met**');
const lines: string[] = [
  '# Benchmark summary',
  '',
  `Written by \`npm run bench:all\` on ${new Date().toISOString()} (Node ${process.version}). Each row comes from the`,
  'results file named in it; see bench/README.md for how each is measured.',
  '',
  '| benchmark | measured | target | |',
  '|---|---|---|---|',
];

const audit = read('audit-1000.json');
const parallel = audit.runs.find((r: { name: string }) => r.name === 'parallel');
lines.push(
  `| audit, 1,000 brokers throttled (audit-1000.json) | ${(parallel.wallMs / 1000).toFixed(2)} s, ${audit.ratios.speedUp}× faster than sequential, wall ÷ strict bound ${audit.ratios.wallOverStrictBound} | ≤ ${audit.targets.wallOverBound}× the rate bound, ≥ ${audit.targets.speedUp}× | ${yes(Object.values(audit.met).every(Boolean))} |`,
);
const alerts = read('alert-storm.json');
lines.push(
  `| alert storm (alert-storm.json) | ${Object.values(alerts.checks).filter(Boolean).length} of ${Object.keys(alerts.checks).length} checks hold | all | ${yes(Object.values(alerts.checks).every(Boolean))} |`,
);
const metrics = read('metrics-1000.json');
lines.push(
  `| GetMetricData calls, 1,000 brokers × 8 metrics (metrics-1000.json) | ${metrics.rightsize.getMetricDataCalls.reader} calls for ${metrics.rightsize.queries} queries | ≤ ${metrics.target.getMetricDataCalls} | ${yes(Object.values(metrics.met).every(Boolean))} |`,
);
const cost = read('cost-100.json');
lines.push(
  `| monthly AWS cost, 100 brokers, outside the CloudWatch alarms (cost-100.json) | $${cost.outsideAlarmsUsdPerMonth.toFixed(2)} (the alarms themselves $${cost.alarmsUsdPerMonth.toFixed(2)}: $${cost.alarms.usdPerBrokerMonth.toFixed(2)} per broker, and ${cost.alarms.selfAlarms.alarms} on mqops itself $${cost.alarms.selfAlarms.usdPerMonth.toFixed(2)}; +$${cost.optionRotationUsdPerMonth.toFixed(2)} with one rotated secret per broker) | ≤ $${cost.target.outsideAlarmsUsdPerMonth} | ${yes(cost.met.outsideAlarms)} |`,
);
const bundles = read('bundles.json');
const { maxDeltaBytes, maxInitRatio } = bundles.settings.targets;
for (const f of bundles.functions) {
  const delta = f.deltaBytes / 1000;
  const ok = f.deltaBytes <= maxDeltaBytes && f.initRatio <= maxInitRatio;
  lines.push(
    `| bundle of ${f.function} (bundles.json) | ${delta >= 0 ? '+' : ''}${delta.toFixed(1)} KB, cold init ${f.initRatio.toFixed(2)}× its baseline | ≤ +${maxDeltaBytes / 1000} KB, ≤ ${maxInitRatio}× | ${yes(ok)} |`,
  );
}
if (Object.keys(exitCodes).length) {
  lines.push(
    '',
    'This run: ' +
      Object.entries(exitCodes)
        .map(([n, c]) => `${n} exit ${c}`)
        .join(', ') +
      '.',
  );
}
writeFileSync(join(RESULTS, 'SUMMARY.md'), `${lines.join('\n')}\n`);
console.log(`\n${lines.join('\n')}`);
