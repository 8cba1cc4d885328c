import type { BuildOptions } from 'esbuild';

/** The JS banner SST v3 puts on every ESM function bundle (pkg/runtime/node/build.go). */
export const SST_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  'const require = topLevelCreateRequire(import.meta.url);',
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  'const __filename = topLevelFileUrlToPath(import.meta.url)',
  'const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))',
].join('\n');

/**
 * The esbuild options of a production SST v3 Node function (`sst deploy`: minify on, no source map), so that the
 * benchmarks and the bundled-function tests build exactly what is deployed. `absWorkingDir` is the repository root.
 */
export function sstBuildOptions(root: string): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    treeShaking: true,
    keepNames: true,
    mainFields: ['module', 'main'],
    external: ['sharp', 'pg-native'],
    banner: { js: SST_BANNER },
    sourcemap: false,
    metafile: true,
    write: true,
    logLevel: 'silent',
    absWorkingDir: root,
  };
}
