import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** Every .ts file under a folder (tests excluded: they may wire anything together). */
function sources(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(folder, f));
}

/** The module specifiers a file imports or re-exports, statically or with `import()`. */
function importsOf(text: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
    /\brequire\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of text.matchAll(pattern)) if (m[1]) found.add(m[1]);
  return [...found];
}

/** Where a specifier leads: a package name, or the repository folder a relative path lands in. */
function target(file: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  return relative(ROOT, resolve(ROOT, file, '..', specifier));
}

function violations(folders: string[], forbidden: RegExp): string[] {
  return folders.flatMap((folder) =>
    sources(folder).flatMap((file) =>
      importsOf(readFileSync(join(ROOT, file), 'utf8'))
        .filter((s) => forbidden.test(target(file, s)))
        .map((s) => `${file} imports ${s}`),
    ),
  );
}

/** The walls README.md (Layout) names, as the code keeps them. */
describe('the walls between the rooms', () => {
  it('finds static, type-only, re-exported and dynamic imports (so the walls below can fail)', () => {
    const text = [
      `import { a } from '@aws-sdk/client-mq';`,
      `import type { B } from "../local/x";`,
      `export * from './y';`,
      `const c = await import('@mqops/local');`,
      'const d = await import(`@mqops/local/x`);',
      `const e = require("@mqops/aws");`,
      `import './side-effect';`,
    ].join('\n');
    expect(importsOf(text).sort()).toEqual(
      [
        '../local/x',
        './side-effect',
        './y',
        '@aws-sdk/client-mq',
        '@mqops/local',
        '@mqops/local/x',
        '@mqops/aws',
      ].sort(),
    );
    expect(target('packages/core/src/a.ts', '../../local/src/b')).toBe('packages/local/src/b');
  });

  it('core imports neither the AWS SDK, nor sst, nor functions, the CLI, the adapters or the local cloud', () => {
    expect(
      violations(
        ['packages/core/src'],
        /^(@aws-sdk\/|@smithy\/|sst|@mqops\/(aws|local|cli)|functions\/|packages\/(aws|local|cli)\/)/,
      ),
    ).toEqual([]);
  });

  it('the local cloud imports neither core nor the adapters (it could ship on its own)', () => {
    expect(
      violations(['packages/local/src'], /^(@mqops\/(core|aws|cli)|packages\/(core|aws|cli)\/)/),
    ).toEqual([]);
  });

  it('the adapters and the functions never import the local cloud or the CLI', () => {
    expect(
      violations(['packages/aws/src', 'functions'], /^(@mqops\/(local|cli)|packages\/(local|cli)\/)/),
    ).toEqual([]);
  });

  it('the CLI loads the local cloud in one place only, lazily, for --local', () => {
    const local = /^(@mqops\/local(\/|$)|packages\/local\/)/;
    const users = sources('packages/cli/src').filter((file) =>
      importsOf(readFileSync(join(ROOT, file), 'utf8')).some((s) => local.test(target(file, s))),
    );
    expect(users).toEqual(['packages/cli/src/local.ts']);
    const text = readFileSync(join(ROOT, 'packages/cli/src/local.ts'), 'utf8');
    expect(text).toMatch(/await import\('@mqops\/local'\)/);
    // Every static import of it is a type import (erased): the code itself comes only through import().
    const statics = [...text.matchAll(/^\s*import\s+(type\s+)?[^;]*?from\s+['"]@mqops\/local[^'"]*['"]/gm)];
    expect(statics.length).toBeGreaterThan(0);
    expect(statics.filter((m) => !m[1]).map((m) => m[0])).toEqual([]);
  });
});
