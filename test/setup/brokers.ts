import { ensureActiveMq, ensureRabbitMq } from '../../packages/local/src/brokers/setup';

/**
 * vitest globalSetup of the e2e project: makes sure the real local RabbitMQ and ActiveMQ run (installing the Debian
 * packages on a fresh root Debian machine). The brokers are left running afterwards: the next run reuses them
 * (`tsx packages/local/src/brokers/cli.ts down` stops them).
 */
export default async function setup(): Promise<void> {
  const started = Date.now();
  // Progress lines matter when installing or starting; the summary below covers the common already-running case.
  const log = (line: string): void => {
    if (!line.includes('already running')) process.stdout.write(`[brokers] ${line}\n`);
  };
  const timed = async <T>(work: () => Promise<T>): Promise<{ value: T; seconds: string }> => {
    const t0 = Date.now();
    const value = await work();
    return { value, seconds: ((Date.now() - t0) / 1000).toFixed(1) };
  };
  const [rabbit, active] = await Promise.all([
    timed(() => ensureRabbitMq({ log })),
    timed(() => ensureActiveMq({ log })),
  ]);
  process.stdout.write(
    `[brokers] RabbitMQ ready in ${rabbit.seconds} s (amqp://127.0.0.1:${rabbit.value.amqpPort}), ` +
      `ActiveMQ ready in ${active.seconds} s (${active.value.endpoints.join(', ')}); ` +
      `total ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}
