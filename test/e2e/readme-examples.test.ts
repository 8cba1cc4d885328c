import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Every `npx mqops …` line of README.md's ```sh blocks runs as written. The lines that can run offline (--local,
 * `checks`, `help …`, --help, --version) run here, in README order (state kept by --local may carry from one line to
 * the next), each as `node packages/cli/bin/mqops.mjs …` from the repository root with no AWS settings, a temporary
 * HOME and a temporary MQOPS_LOCAL_DIR; `--out FILE` and `--state FILE` are pointed into a temporary directory. Each
 * must exit 0, or the code its comment announces with `# exits N …`, and print something. The lines that need a real
 * account are listed as skipped with the reason. `--real-brokers` lines use the RabbitMQ and ActiveMQ the e2e global
 * setup starts.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'packages/cli/bin/mqops.mjs');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** One `npx mqops …` line of the README. */
interface Example {
  /** 1-based line in README.md where the command starts. */
  line: number;
  /** The line as written (continuations joined). */
  text: string;
  /** The words after `npx mqops`. */
  args: string[];
  /** The words before `npx mqops` (a pipeline, variables), if any. */
  prefix: string[];
  /** The comment after `#`, without it. */
  comment: string;
}

/** The logical lines of the ```sh blocks: backslash-continued lines joined, each with its first line number. */
function shellLines(markdown: string): { line: number; text: string }[] {
  const lines = markdown.split('\n');
  const out: { line: number; text: string }[] = [];
  let inSh = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (/^```/.test(raw.trim())) {
      inSh = !inSh && /^```(sh|bash|shell|console)\s*$/.test(raw.trim());
      continue;
    }
    if (!inSh) continue;
    const start = i;
    let text = raw;
    // A backslash at the end (before any comment) continues the command on the next line.
    while (/\\\s*$/.test(text) && i + 1 < lines.length && !/^```/.test((lines[i + 1] as string).trim()))
      text = `${text.replace(/\\\s*$/, '')} ${(lines[++i] as string).trim()}`;
    out.push({ line: start + 1, text });
  }
  return out;
}

/** A shell line's words (single and double quotes, backslash escapes) and its comment. */
function shellWords(text: string): { words: string[]; comment: string } {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  for (; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unbalanced ${c} in: ${text}`);
      word = (word ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i];
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '#' && word === undefined) {
      break;
    } else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return { words, comment: text.slice(i + 1).trim() };
}

/** Every `npx mqops …` command of the README's shell blocks, in README order. */
function readmeExamples(markdown: string): Example[] {
  const examples: Example[] = [];
  for (const { line, text } of shellLines(markdown)) {
    const { words, comment } = shellWords(text);
    const at = words.findIndex((w, k) => w === 'npx' && words[k + 1] === 'mqops');
    if (at < 0) continue;
    examples.push({
      line,
      text: text.trim(),
      args: words.slice(at + 2),
      prefix: words.slice(0, at),
      comment,
    });
  }
  return examples;
}

/** Why an example cannot run offline, or undefined when it can. */
function whySkipped(example: Example): string | undefined {
  const { args, prefix } = example;
  const has = (flag: string) => args.some((a) => a === flag || a.startsWith(`${flag}=`));
  const offline =
    args[0] === 'help' || args[0] === 'checks' || has('--help') || has('-h') || has('--version');
  if (prefix.length > 0) return `part of a shell pipeline or with variables (${prefix.join(' ')} …)`;
  if (args.some((a) => a.includes('$'))) return 'uses shell variables';
  if (args[0] === 'rotation' && args[1] === 'enable')
    return 'rotation enable needs a real account and the deployed Rotate function';
  if (offline) return undefined;
  const account: [string, string][] = [
    ['--invoke', 'needs the deployed Runbook function'],
    ['--table', 'needs the deployed State table'],
    ['--regions', 'needs a real account (--regions)'],
    ['--region', 'needs a real account (--region)'],
    ['--profile', 'needs a real account (--profile)'],
  ];
  for (const [flag, reason] of account) if (has(flag)) return reason;
  if (!has('--local')) return 'calls AWS (no --local): needs a real account';
  return undefined;
}

/** The exit code an example announces in its comment (`# exits 1 …`), 0 by default. */
function expectedExit(example: Example): number {
  const m = example.comment.match(/\bexits (\d+)\b/);
  return m ? Number(m[1]) : 0;
}

/** The example's arguments with `--out` / `--state` files in `dir` (the same README path → the same file). */
function withFilesIn(args: string[], dir: string, files: Map<string, string>): string[] {
  const place = (path: string) => {
    let file = files.get(path);
    if (!file) {
      file = join(dir, `${files.size}-${basename(path)}`);
      files.set(path, file);
    }
    return file;
  };
  const out: string[] = [];
  for (let k = 0; k < args.length; k++) {
    const a = args[k] as string;
    const eq = a.match(/^(--out|--state)=(.*)$/);
    if (eq) out.push(`${eq[1]}=${place(eq[2] as string)}`);
    else if ((a === '--out' || a === '--state') && k + 1 < args.length)
      out.push(a, place(args[++k] as string));
    else out.push(a);
  }
  return out;
}

const scratch = mkdtempSync(join(tmpdir(), 'mqops-readme-'));
const HOME = join(scratch, 'home');
const FILES = join(scratch, 'files');
mkdirSync(HOME);
mkdirSync(FILES);
const files = new Map<string, string>();

/** The environment of every example: no AWS settings, an empty HOME, its own local cloud directory. */
function exampleEnv(): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && k !== 'MQOPS_LOCAL_DIR'),
  );
  return {
    ...inherited,
    HOME,
    MQOPS_LOCAL_DIR: join(scratch, 'local'),
    AWS_CONFIG_FILE: join(HOME, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(HOME, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    NODE_NO_WARNINGS: '1',
    npm_config_update_notifier: 'false',
  };
}

function spawnRun(
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<{ status: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  const child = spawn(command, args, { cwd: ROOT, env: exampleEnv() });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  child.stdin.end();
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, timedOut });
    }),
  );
}

const EXAMPLES = readmeExamples(README);
const RUNNABLE = EXAMPLES.filter((e) => whySkipped(e) === undefined);
const label = (e: Example) => `README.md:${e.line}: npx mqops ${e.args.join(' ')}`;

describe('the README example extractor', () => {
  it('reads continued lines, quotes, comments, pipelines and exit annotations', () => {
    const md = [
      'text `npx mqops not-in-a-block`',
      '```sh',
      "npx mqops audit --local --out report.html   # exits 1 because 'it' fails",
      'printf %s "$P" | npx mqops rotation enable --broker b \\',
      "  --schedule 'rate(30 days)'   # a comment",
      'npm test',
      '```',
      '```json',
      '{ "npx mqops": 1 }',
      '```',
    ].join('\n');
    const found = readmeExamples(md);
    expect(found.map((e) => ({ line: e.line, args: e.args, prefix: e.prefix, comment: e.comment }))).toEqual([
      {
        line: 3,
        args: ['audit', '--local', '--out', 'report.html'],
        prefix: [],
        comment: "exits 1 because 'it' fails",
      },
      {
        line: 4,
        args: ['rotation', 'enable', '--broker', 'b', '--schedule', 'rate(30 days)'],
        prefix: ['printf', '%s', '$P', '|'],
        comment: 'a comment',
      },
    ]);
    expect(expectedExit(found[0] as Example)).toBe(1);
    expect(whySkipped(found[0] as Example)).toBeUndefined();
    expect(whySkipped(found[1] as Example)).toMatch(/pipeline/);
    expect(withFilesIn(['audit', '--out', 'r.html', '--state=s.json'], '/t', new Map())).toEqual([
      'audit',
      '--out',
      '/t/0-r.html',
      '--state=/t/1-s.json',
    ]);
  });
});

describe('README.md examples', () => {
  it('runs mqops with npx, whose standard output is only the command’s (not npm run’s banner)', () => {
    expect(README).not.toMatch(/npm run mqops\b/);
    expect(EXAMPLES.length).toBeGreaterThan(0);
  });

  it('has at least 10 examples that run offline (the rest are listed as skipped below)', () => {
    const skipped = EXAMPLES.filter((e) => whySkipped(e) !== undefined);
    console.info(
      `README examples: ${RUNNABLE.length} run, ${skipped.length} skipped:\n` +
        skipped.map((e) => `  ${label(e)} — ${whySkipped(e)}`).join('\n'),
    );
    expect(RUNNABLE.length).toBeGreaterThanOrEqual(10);
  });

  it('`npx mqops … --output json > file` gives a file that is only the JSON', async () => {
    const { status, stdout, stderr } = await spawnRun(
      'npx',
      ['--no-install', 'mqops', 'checks', '--output', 'json'],
      60_000,
    );
    expect(status, stderr).toBe(0);
    expect(Array.isArray(JSON.parse(stdout))).toBe(true);
  });

  for (const example of EXAMPLES) {
    const reason = whySkipped(example);
    if (reason !== undefined) {
      // Listed, and marked skipped with the reason, in the test output.
      it(`${label(example)} — skipped: ${reason}`, ({ skip }) => skip(reason));
      continue;
    }
    it(label(example), async () => {
      const args = withFilesIn(example.args, FILES, files);
      const expected = expectedExit(example);
      const { status, stdout, stderr, timedOut } = await spawnRun(process.execPath, [BIN, ...args], 170_000);
      const context = `${example.text}\n  exit ${status}${timedOut ? ' (timed out)' : ''}\n  stderr:\n${stderr}`;
      expect(timedOut, context).toBe(false);
      expect(status, context).toBe(expected);
      const written = args
        .filter((_, k) => args[k - 1] === '--out')
        .filter((f) => existsSync(f) && statSync(f).size > 0);
      expect(stdout.trim().length + written.length, `printed nothing\n${context}`).toBeGreaterThan(0);
      if (expected === 0 && args.includes('--out'))
        expect(written.length, `--out wrote nothing\n${context}`).toBe(1);
    }, 180_000);
  }
});
