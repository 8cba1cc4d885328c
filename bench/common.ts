import { cpus, totalmem } from 'node:os';

/** A numeric setting from the environment (`BENCH_…`); unset or empty is the fallback. */
export function envNumber(name: string, fallback: number): number {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : Number(value);
}

/** The machine a result was measured on. */
export function machineInfo(): { cpus: number; cpuModel: string; memoryGiB: number; platform: string } {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    platform: `${process.platform}-${process.arch}`,
  };
}

/** The command that reproduces a run: `npm run …`, after the settings of `names` that were set (`BENCH_BROKERS=10 npm run …`). */
export function reproduceWith(command: string, names: readonly string[]): string {
  const set = names.filter((name) => process.env[name]).map((name) => `${name}=${process.env[name]} `);
  return `${set.join('')}${command}`;
}
