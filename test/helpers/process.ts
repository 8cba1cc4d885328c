import { spawn } from 'node:child_process';

/** What a child process did. */
export interface ProcessRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node …args` in a fresh process whose AWS settings are only the local cloud's: this process's variables
 * minus those starting with `drop` (default `AWS_`), the cloud's `AWS_*` variables, no AWS config files, then
 * `env`. Asynchronous on purpose: the local cloud answers from this process's event loop.
 */
export function runNode(
  cloud: { env(): Record<string, string> },
  args: string[],
  options: { env?: Record<string, string>; stdin?: string; drop?: readonly string[]; cwd?: string } = {},
): Promise<ProcessRun> {
  const drop = options.drop ?? ['AWS_'];
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !drop.some((prefix) => k.startsWith(prefix))),
  );
  const child = spawn(process.execPath, args, {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: {
      ...inherited,
      ...cloud.env(),
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      ...options.env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  child.stdin.end(options.stdin ?? '');
  // A process that hangs is killed (its status is then null), so a test fails instead of timing out silently.
  const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
  return new Promise((resolve) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    }),
  );
}

/** Runs `fn` with this process's stdout and stderr going to `lines` (Powertools writes its JSON log lines there). */
export async function capturingOutput<T>(lines: string[], fn: () => Promise<T>): Promise<T> {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const capture = (chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}
