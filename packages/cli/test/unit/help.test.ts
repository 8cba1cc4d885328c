import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS, HELP, helpFor } from '../../src/help';
import { main } from '../../src/main';

/** Runs the CLI in this process (help and usage errors never reach AWS). */
async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const COMMAND_NAMES = [
  'audit',
  'checks',
  'alarms',
  'rightsize',
  'maintenance',
  'run',
  'rotation',
  'doctor',
] as const;

/**
 * The options a command parses, read from its parseOptions call in the source (the help must not drift from it).
 * `uses` / `ignored`: a command that shares another command's parser uses only some of its options.
 */
const PARSERS: Record<
  (typeof COMMAND_NAMES)[number],
  { file: string; uses?: readonly string[]; ignored?: readonly string[] }
> = {
  audit: { file: 'main.ts' },
  // checks goes through audit's parser but reads only --output.
  checks: { file: 'main.ts', uses: ['output'] },
  alarms: { file: 'alarms.ts' },
  rightsize: { file: 'capacity.ts' },
  // maintenance goes through rightsize's parser; it lists every broker and reads no policy.
  maintenance: { file: 'capacity.ts', ignored: ['broker', 'accept', 'table', 'config'] },
  run: { file: 'run.ts' },
  rotation: { file: 'rotation.ts' },
  doctor: { file: 'doctor.ts' },
};

function parsedOptions(file: string): { name: string; type: 'string' | 'boolean' }[] {
  const source = readFileSync(new URL(`../../src/${file}`, import.meta.url), 'utf8');
  const call = source.match(/parseOptions\(argv, \{([\s\S]*?)\n\s*\}\);/);
  if (!call?.[1]) throw new Error(`no parseOptions call in ${file}`);
  return [...call[1].matchAll(/^\s*'?([\w-]+)'?: \{ type: '(string|boolean)'/gm)].map((m) => ({
    name: m[1] as string,
    type: m[2] as 'string' | 'boolean',
  }));
}

/** The `--flag [VALUE]` pairs a help text documents (in its option lines and usage lines). */
function documentedOptions(help: string): Map<string, string | undefined> {
  const options = new Map<string, string | undefined>();
  for (const m of help.matchAll(/(?<![\w-])--([a-z][\w-]*)(?: ([A-Z][A-Z0-9_,|]*|\w+\|[\w|]+|reboot))?/g)) {
    const [, name, value] = m;
    if (!options.has(name as string) || value) options.set(name as string, value);
  }
  return options;
}

describe('mqops help', () => {
  it('prints the global help with every command and how to get a command’s help; exit 0', async () => {
    for (const argv of [['help'], ['--help'], ['-h'], ['help', 'help'], ['help', '--help']]) {
      const { code, out, err } = await run(...argv);
      expect({ argv, code, err }).toEqual({ argv, code: 0, err: '' });
      expect(out).toBe(HELP);
    }
    for (const command of COMMAND_NAMES) expect(HELP).toMatch(new RegExp(`^ {2}${command}\\b`, 'm'));
    expect(HELP).toContain('mqops help COMMAND');
    expect(COMMANDS).toEqual([...COMMAND_NAMES, 'help']);
  });

  it('documents exit code 3 precisely (partial coverage, a missing config file; 3 wins over 1), as the README does', async () => {
    const exitCodes =
      'Exit codes: 0 done; 1 findings at or above --fail-on; 2 bad usage; 3 could not do all that was asked ' +
      '(a target, broker or check not covered, an AWS error, an unknown broker, a bad or missing config file) ' +
      '— 3 wins over 1: --fail-on never turns a failure into success.';
    const oneLine = (text: string) => text.replace(/`/g, '').replace(/\s+/g, ' ');
    expect(oneLine((await run('--help')).out)).toContain(exitCodes);
    expect(oneLine((await run('audit', '--help')).out)).toContain(exitCodes);
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    expect(oneLine(readme)).toContain(exitCodes);
  });

  it.each(COMMAND_NAMES)(
    'gives %s its own help, by `mqops help COMMAND` and by --help / -h',
    async (command) => {
      const text = helpFor(command);
      expect(text).toMatch(new RegExp(`^mqops ${command} — `));
      for (const argv of [
        ['help', command],
        [command, '--help'],
        [command, '-h'],
        ['--help', command],
      ]) {
        const { code, out, err } = await run(...argv);
        expect({ argv, code, err }).toEqual({ argv, code: 0, err: '' });
        expect(out).toBe(text);
      }
    },
  );

  it('treats rotate as rotation', async () => {
    expect((await run('help', 'rotate')).out).toBe(helpFor('rotation'));
    expect((await run('rotate', '--help')).out).toBe(helpFor('rotation'));
  });

  it('refuses an unknown command with exit 2 and lists the commands', async () => {
    for (const argv of [['help', 'frobnicate'], ['frobnicate']]) {
      const { code, out, err } = await run(...argv);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(
        /unknown command 'frobnicate'; commands: audit, checks, alarms, rightsize, maintenance, run, rotation, doctor, help/,
      );
    }
    expect((await run('help', 'audit', 'extra')).code).toBe(2);
  });

  it('points a usage mistake at the command’s help', async () => {
    const { code, err } = await run('alarms', '--nope');
    expect(code).toBe(2);
    expect(err).toContain("Run 'mqops help alarms' for usage.");
  });

  describe.each(COMMAND_NAMES)('the help of %s is true to what it parses', (command) => {
    const text = helpFor(command) as string;
    const { file, uses, ignored = [] } = PARSERS[command];
    const parsed = parsedOptions(file).filter((o) => o.name !== 'help' && o.name !== 'version');
    const documented = documentedOptions(text);

    it('documents every option it parses and uses', () => {
      expect(parsed.length).toBeGreaterThan(3);
      const used = parsed
        .map((o) => o.name)
        .filter((name) => (uses ? uses.includes(name) : !ignored.includes(name)));
      expect(used.filter((name) => !documented.has(name))).toEqual([]);
    });

    it('documents only options it parses, with a value exactly when the option takes one', async () => {
      expect(documented.size).toBeGreaterThan(0);
      for (const [name, value] of documented) {
        const option = parsed.find((o) => o.name === name);
        expect({ name, parsed: option !== undefined }).toEqual({ name, parsed: true });
        expect({ name, takesValue: value !== undefined }).toEqual({
          name,
          takesValue: option?.type === 'string',
        });
        // And the command itself accepts it that way: the only mistake left is the unknown option after it.
        const argv = [command, ...(command === 'rotation' ? ['list'] : []), `--${name}`];
        if (value !== undefined) argv.push('x');
        const { code, err } = await run(...argv, '--zz-not-an-option');
        expect({ argv, code, err }).toEqual({
          argv,
          code: 2,
          err: expect.stringMatching(/^mqops: Unknown option '--zz-not-an-option'/),
        });
      }
    });
  });
});
