/**
 * bench/bundles, run with `npm run bench:bundles`: every Lambda function of the stack bundled the way SST v3 bundles
 * it, side by side with a baseline handler built the same way, in one run.
 *
 * - Bundles: esbuild with SST's options (bundle, platform node, ESM, `.mjs`, minify, tree shaking, keepNames,
 *   mainFields module/main, SST's createRequire banner, `sharp` and `pg-native` external), target node22. The
 *   `@aws-sdk/*` packages are bundled: SST does not leave them to the Lambda runtime's copy by default.
 * - Baseline, per function: a handler that imports only the AWS SDK clients found in the function's bundle (its
 *   metafile's inputs under node_modules/@aws-sdk/client-*), @middy/core and the Powertools logger, constructs
 *   each client once at init and exports a middy handler with the logger's middleware. That is the floor.
 * - Cold import+init: RUNS fresh `node` processes per bundle (function and baseline interleaved, order alternating),
 *   each importing the bundle and calling nothing; inside, performance.now() around a dynamic import. Median.
 *
 * Targets (from the issue): each function's bundle at most 150 KB (150,000 bytes) above its baseline, and its cold
 * import+init at most 1.25× the baseline's. The script exits 1 when one is missed, naming the function and the
 * packages its bundle adds over the baseline. Results go to bench/results/bundles.json; see bench/README.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, version as esbuildVersion, type Metafile } from 'esbuild';
import { sstBuildOptions } from '../infra/bundle';
import { deriveActions } from '../infra/iam';
import { type EnvValue, type FunctionSpec, stack } from '../infra/index';
import { envNumber, machineInfo } from './common';

const ROOT = join(import.meta.dirname, '..');
/** Bundles, baseline sources and the probe: a temporary folder the repository ignores (.mqops/). */
const WORK = join(ROOT, '.mqops', 'bench-bundles');
const OUT = process.env.BENCH_OUT || join(import.meta.dirname, 'results', 'bundles.json');
/** Fresh processes per bundle (the median is reported). */
const RUNS = envNumber('BENCH_RUNS', 15);
/** Processes per bundle run first and not measured (page cache). */
const WARM_UP_RUNS = 1;
const TARGET = { maxDeltaBytes: 150_000, maxInitRatio: 1.25 } as const;
const KB = 1000;

/** esbuild options of a production SST function (`sst deploy`: minify on, no source map). */
const SST_OPTIONS: BuildOptions = sstBuildOptions(ROOT);

interface Bundle {
  file: string;
  bytes: number;
  gzipBytes: number;
  /** AWS SDK client packages among the inputs (`@aws-sdk/client-mq`, …). */
  clients: string[];
  /** Bytes in the output per package (`valibot`, `@aws-sdk/client-mq`, `@mqops/core`, `functions`, …). */
  byPackage: Map<string, number>;
  /** Bytes in the output per input file. */
  byInput: Map<string, number>;
}

/** The package an input path belongs to: the node_modules package, a workspace package, or the top folder. */
function packageOf(input: string): string {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at >= 0) {
    const name = parts[at + 1] ?? '?';
    return name.startsWith('@') ? `${name}/${parts[at + 2] ?? '?'}` : name;
  }
  if (parts[0] === 'packages' && parts[1]) return `@mqops/${parts[1]}`;
  return parts[0] ?? input;
}

/**
 * Bundles one entry. With `splitting` (SST's `nodejs.splitting`, for functions that load adapters lazily with
 * `await import()`), esbuild writes the entry and its lazily loaded chunks beside it: the size counts every file
 * (what is deployed), the cold start imports the entry only (what Lambda loads at init).
 */
async function bundle(entry: string, outfile: string, splitting = false): Promise<Bundle> {
  const result = await build({
    ...SST_OPTIONS,
    entryPoints: [entry],
    ...(splitting
      ? {
          splitting: true,
          outdir: dirname(outfile),
          entryNames: basename(outfile, '.mjs'),
          chunkNames: `${basename(outfile, '.mjs')}-chunks/[name]-[hash]`,
          outExtension: { '.js': '.mjs' },
        }
      : { outfile }),
  });
  if (result.errors.length > 0) throw new Error(`esbuild failed for ${entry}: ${result.errors[0]?.text}`);
  const metafile: Metafile = result.metafile ?? { inputs: {}, outputs: {} };
  const outputs = Object.entries(metafile.outputs).filter(([path]) => path.endsWith('.mjs'));
  if (outputs.length === 0) throw new Error(`esbuild wrote no .mjs for ${entry}`);
  const byPackage = new Map<string, number>();
  const byInput = new Map<string, number>();
  for (const [, output] of outputs)
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      byInput.set(input, (byInput.get(input) ?? 0) + bytesInOutput);
      const pkg = packageOf(input);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput);
    }
  const clients = [...new Set(Object.keys(metafile.inputs).map(packageOf))]
    .filter((pkg) => pkg.startsWith('@aws-sdk/client-'))
    .sort();
  let bytes = 0;
  let gzipBytes = 0;
  for (const [path] of outputs) {
    const code = readFileSync(join(ROOT, path));
    bytes += code.length;
    gzipBytes += gzipSync(code).length;
  }
  return { file: outfile, bytes, gzipBytes, clients, byPackage, byInput };
}

/** The bare client class of an SDK client package: `XClient` where the aggregated `X` is exported too. */
async function clientClass(pkg: string): Promise<string> {
  const exports = Object.keys(await import(pkg));
  const name = exports.find(
    (k) => k.endsWith('Client') && !k.startsWith('_') && exports.includes(k.slice(0, -6)),
  );
  if (!name) throw new Error(`${pkg}: no XClient export beside an X export`);
  return name;
}

/**
 * The baseline handler's source. `construct`: each client is constructed once at init (the baseline the targets are
 * measured against); otherwise the client classes are only imported and kept (the same code, nothing constructed).
 */
/**
 * The AWS SDK names (commands, paginators, helpers such as `fromTemporaryCredentials`) a handler's code imports at
 * run time, by package: read from every repository file the handler loads (the same walk `infra/iam.ts` makes).
 */
function sdkImportsOf(handler: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const statement = /import\s+(type\s+)?\{([^}]*)\}\s+from\s+['"](@aws-sdk\/[^'"]+)['"]/g;
  for (const file of deriveActions(handler, ROOT).files) {
    for (const m of readFileSync(file, 'utf8').matchAll(statement)) {
      if (m[1] || !m[2] || !m[3]) continue;
      const names = m[2]
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n && !n.startsWith('type '))
        .map((n) => (n.split(/\s+as\s+/)[0] ?? n).trim());
      const set = out.get(m[3]) ?? new Set<string>();
      for (const n of names) set.add(n);
      out.set(m[3], set);
    }
  }
  return out;
}

async function baselineSource(
  name: string,
  clients: string[],
  construct: boolean,
  sdk: Map<string, Set<string>>,
): Promise<string> {
  const classes = await Promise.all(clients.map(clientClass));
  // Besides the client classes, the SDK commands, paginators and helpers the function uses are part of the floor:
  // they are the SDK's code, not mqops'.
  const used = [...sdk].map(([pkg, names], i) => ({
    pkg,
    alias: [...names].sort().map((n) => `${n} as sdk${i}_${n}`),
  }));
  return [
    `import { Logger } from '@aws-lambda-powertools/logger';`,
    `import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';`,
    `import middy from '@middy/core';`,
    ...clients.map((pkg, i) => `import { ${classes[i]} } from '${pkg}';`),
    ...used.filter((u) => u.alias.length).map((u) => `import { ${u.alias.join(', ')} } from '${u.pkg}';`),
    '',
    `export const sdkUsed = [${used.flatMap((u) => u.alias.map((a) => a.split(' as ')[1])).join(', ')}];`,
    `const logger = new Logger({ serviceName: 'baseline-${name}' });`,
    construct
      ? `const clients = [${classes.map((c) => `new ${c}({})`).join(', ')}];`
      : `export const clients = [${classes.join(', ')}];`,
    '',
    'export const handler = middy(async () => ({ clients: clients.length })).use(',
    '  injectLambdaContext(logger, { resetKeys: true }),',
    ');',
    '',
  ].join('\n');
}

/**
 * What a Lambda function's process sees: the runtime's variables and the function's environment, references to
 * other resources faked (nothing reads them at import). Nothing else is inherited (no NODE_OPTIONS, no compile cache).
 */
function lambdaEnv(fn: FunctionSpec): Record<string, string> {
  const fake = (value: EnvValue): string => {
    if ('literal' in value) return value.literal;
    if ('defaultBus' in value) return 'arn:aws:events:eu-west-1:123456789012:event-bus/default';
    const base =
      value.attribute === 'arn'
        ? `arn:aws:bench:eu-west-1:123456789012:${value.ref}`
        : value.attribute === 'name'
          ? `bench-${value.ref}`
          : '';
    return base + (value.suffix ?? '');
  };
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_EXECUTION_ENV: `AWS_Lambda_${stack.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: `mqops-bench-${fn.name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memory),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    ...Object.fromEntries(Object.entries(fn.environment).map(([k, v]) => [k, fake(v)])),
  };
}

/** Runs inside each fresh process: the time to import (evaluate) the bundle, and since the process started. */
const PROBE = `const cpu = process.cpuUsage();
const started = performance.now();
await import(process.argv[2]);
const done = performance.now();
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ importMs: done - started, cpuMs: (used.user + used.system) / 1000, sinceStartMs: done }));
`;

interface Sample {
  /** Wall time of the import: loading, compiling and evaluating the bundle (the target's measure). */
  importMs: number;
  /** CPU time of the process during the import (all threads): less sensitive to other load on the machine. */
  cpuMs: number;
  /** From the process's start (performance.timeOrigin) to the bundle evaluated: Node's own start-up included. */
  sinceStartMs: number;
}

function probe(file: string, childEnv: Record<string, string>): Sample {
  const run = spawnSync(process.execPath, [join(WORK, 'probe.mjs'), pathToFileURL(file).href], {
    env: childEnv,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.status !== 0)
    throw new Error(`importing ${relative(ROOT, file)} failed: ${run.stderr || run.error}`);
  return JSON.parse(run.stdout) as Sample;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const round = (n: number, digits = 0) => Number(n.toFixed(digits));
const kb = (bytes: number) => (bytes / KB).toFixed(1);

// ---------------------------------------------------------------------------------------------------------------

if (!existsSync(join(ROOT, 'node_modules', 'esbuild'))) {
  console.error('node_modules/esbuild is missing (it comes with tsx): run npm install');
  process.exit(2);
}
console.log(`bench/bundles: esbuild ${esbuildVersion}, node ${process.version} (${process.execPath})`);
if (!process.version.startsWith('v22.'))
  console.warn(`warning: the functions run on ${stack.runtime}; this run measures ${process.version}`);

rmSync(WORK, { recursive: true, force: true });
mkdirSync(join(WORK, 'baseline'), { recursive: true });
mkdirSync(join(WORK, 'baseline-import-only'), { recursive: true });
writeFileSync(join(WORK, 'probe.mjs'), PROBE);

interface Row {
  spec: FunctionSpec;
  name: string;
  fn: Bundle;
  base: Bundle;
  /** The baseline without constructing its clients (information: the functions construct theirs per invocation). */
  bare: Bundle;
  env: Record<string, string>;
  samples: Record<Probed, Sample[]>;
}

type Probed = 'fn' | 'base' | 'bare';
/** The three orders the processes of one round go in, by round, so none always follows another. */
const ORDERS: readonly (readonly Probed[])[] = [
  ['fn', 'base', 'bare'],
  ['base', 'bare', 'fn'],
  ['bare', 'fn', 'base'],
];

const rows: Row[] = [];
for (const spec of stack.functions) {
  const [file, exported] = spec.handler.split(/\.(?=[^.]+$)/);
  if (!file || exported !== 'handler') throw new Error(`${spec.name}: unexpected handler ${spec.handler}`);
  const name = basename(file);
  const fn = await bundle(`${file}.ts`, join(WORK, 'functions', `${name}.mjs`), spec.splitting === true);
  const baselines: Bundle[] = [];
  for (const [folder, construct] of [
    ['baseline', true],
    ['baseline-import-only', false],
  ] as const) {
    const source = join(WORK, folder, `${name}.ts`);
    writeFileSync(source, await baselineSource(name, fn.clients, construct, sdkImportsOf(spec.handler)));
    // Built the same way as the function: with its splitting setting too.
    const base = await bundle(source, join(WORK, folder, `${name}.mjs`), spec.splitting === true);
    if (base.clients.join() !== fn.clients.join())
      throw new Error(
        `${name}: the baseline bundles ${base.clients.join()}, the function ${fn.clients.join()}`,
      );
    baselines.push(base);
  }
  const [base, bare] = baselines;
  if (!base || !bare) throw new Error('unreachable');
  rows.push({ spec, name, fn, base, bare, env: lambdaEnv(spec), samples: { fn: [], base: [], bare: [] } });
}
console.log(`bundled ${rows.length} functions and their baselines; ${RUNS} cold imports each, interleaved`);

const loadBefore = loadavg()[0] ?? 0;
for (let run = -WARM_UP_RUNS; run < RUNS; run++) {
  for (const row of rows) {
    for (const which of ORDERS[(run + WARM_UP_RUNS) % ORDERS.length] ?? []) {
      const sample = probe(row[which].file, row.env);
      if (run >= 0) row.samples[which].push(sample);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

const timing = (samples: Sample[]) => ({
  median: round(median(samples.map((s) => s.importMs)), 1),
  min: round(Math.min(...samples.map((s) => s.importMs)), 1),
  max: round(Math.max(...samples.map((s) => s.importMs)), 1),
  cpuMedian: round(median(samples.map((s) => s.cpuMs)), 1),
  sinceProcessStartMedian: round(median(samples.map((s) => s.sinceStartMs)), 1),
});

const results = rows.map((row) => {
  const initMs = median(row.samples.fn.map((s) => s.importMs));
  const baselineMs = median(row.samples.base.map((s) => s.importMs));
  const bareMs = median(row.samples.bare.map((s) => s.importMs));
  const cpuRatio = median(row.samples.fn.map((s) => s.cpuMs)) / median(row.samples.base.map((s) => s.cpuMs));
  const deltaBytes = row.fn.bytes - row.base.bytes;
  const ratio = initMs / baselineMs;
  // Packages the function's bundle holds beyond the baseline's (bytes in the output), biggest first.
  const extra = [...row.fn.byPackage]
    .map(([pkg, bytes]) => ({ package: pkg, bytes: bytes - (row.base.byPackage.get(pkg) ?? 0) }))
    .filter((p) => p.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
  const biggestInputs = [...row.fn.byInput]
    .filter(([input]) => !row.base.byInput.has(input))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([input, bytes]) => ({ input, bytes }));
  return {
    function: row.name,
    handler: row.spec.handler,
    sdkClients: row.fn.clients,
    bundle: { bytes: row.fn.bytes, gzipBytes: row.fn.gzipBytes },
    baseline: { bytes: row.base.bytes, gzipBytes: row.base.gzipBytes },
    deltaBytes,
    initMs: timing(row.samples.fn),
    baselineInitMs: timing(row.samples.base),
    initRatio: round(ratio, 3),
    /** Information: the same ratio in CPU time. */
    cpuRatio: round(cpuRatio, 3),
    /** Information, not a target: against the baseline that imports its clients without constructing them. */
    importOnlyBaseline: {
      bytes: row.bare.bytes,
      initMs: timing(row.samples.bare),
      initRatio: round(initMs / bareMs, 3),
    },
    withinSize: deltaBytes <= TARGET.maxDeltaBytes,
    withinInit: ratio <= TARGET.maxInitRatio,
    extraPackages: extra.slice(0, 12),
    biggestExtraInputs: biggestInputs,
  };
});

const header = [
  'function',
  'bundle KB',
  'gzip KB',
  'baseline KB',
  'delta KB',
  'init ms',
  'baseline ms',
  'ratio',
  'cpu ratio',
  'import-only ratio',
];
const lines = results.map((r) => [
  r.function,
  kb(r.bundle.bytes),
  kb(r.bundle.gzipBytes),
  kb(r.baseline.bytes),
  `${r.deltaBytes >= 0 ? '+' : ''}${kb(r.deltaBytes)}${r.withinSize ? '' : ' ✗'}`,
  r.initMs.median.toFixed(1),
  r.baselineInitMs.median.toFixed(1),
  `${r.initRatio.toFixed(2)}${r.withinInit ? '' : ' ✗'}`,
  r.cpuRatio.toFixed(2),
  r.importOnlyBaseline.initRatio.toFixed(2),
]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
const format = (cells: string[]) =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
console.log('');
console.log(format(header));
for (const line of lines) console.log(format(line));
console.log('');
console.log(
  `targets: delta ≤ +${TARGET.maxDeltaBytes / KB} KB, ratio ≤ ${TARGET.maxInitRatio} (KB = 1,000 bytes; ` +
    `init = median of ${RUNS} cold imports, each in a fresh process)`,
);
console.log(
  'information, not targets: cpu ratio = the same in CPU time; import-only ratio = against the baseline that ' +
    'imports the same clients without constructing them',
);
for (const r of results) console.log(`  ${r.function}: ${r.sdkClients.join(', ') || 'no SDK client'}`);

const failed = results.filter((r) => !r.withinSize || !r.withinInit);
for (const r of failed) {
  const why = [
    r.withinSize
      ? ''
      : `bundle +${kb(r.deltaBytes)} KB over its baseline (limit +${TARGET.maxDeltaBytes / KB} KB)`,
    r.withinInit ? '' : `init ${r.initRatio.toFixed(2)}× its baseline (limit ${TARGET.maxInitRatio}×)`,
  ].filter(Boolean);
  console.log(`\n✗ ${r.function}: ${why.join('; ')}`);
  console.log('  over the baseline, by package:');
  for (const p of r.extraPackages.slice(0, 8)) console.log(`    ${kb(p.bytes).padStart(7)} KB  ${p.package}`);
}
console.log(
  failed.length === 0 ? '\nevery function is within both targets' : `\n${failed.length} over a target`,
);

mkdirSync(join(OUT, '..'), { recursive: true });
writeFileSync(
  OUT,
  `${JSON.stringify(
    {
      benchmark: 'bench/bundles',
      command: 'npm run bench:bundles',
      at: new Date().toISOString(),
      machine: {
        ...machineInfo(),
        loadAverage1m: { before: round(loadBefore, 2), after: round(loadavg()[0] ?? 0, 2) },
      },
      node: process.version,
      esbuild: esbuildVersion,
      settings: {
        runs: RUNS,
        warmUpRuns: WARM_UP_RUNS,
        kilobyte: KB,
        targets: TARGET,
        esbuild: {
          ...SST_OPTIONS,
          banner: 'SST v3 createRequire/__filename/__dirname banner',
          absWorkingDir: '.',
        },
      },
      functions: results,
      passed: failed.length === 0,
    },
    null,
    2,
  )}\n`,
);
console.log(
  `load average (1 min) before the imports ${loadBefore.toFixed(2)}, after ${(loadavg()[0] ?? 0).toFixed(2)} ` +
    `on ${cpus().length} CPUs; results: ${relative(ROOT, OUT)}`,
);
process.exit(failed.length === 0 ? 0 : 1);
