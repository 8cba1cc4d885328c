import type { LocalCloud } from '@mqops/local';

/**
 * Runs `use` against an embedded local cloud that lives for this one command (`--local`), with the real local
 * RabbitMQ and ActiveMQ behind its brokers when `realBrokers`. `@mqops/local` is loaded only here, so the commands'
 * AWS path never carries it.
 */
export async function withLocalCloud<T>(
  options: { scenario?: string | undefined; realBrokers?: boolean | undefined },
  use: (cloud: LocalCloud) => Promise<T>,
): Promise<T> {
  const local = await import('@mqops/local');
  const backings = options.realBrokers
    ? [new local.RabbitMqBacking(), new local.ActiveMqBacking(local.activeMqInfo())]
    : [];
  const cloud = await local.startLocalCloud({ scenario: options.scenario ?? 'demo', backings });
  try {
    return await use(cloud);
  } finally {
    await cloud.stop();
  }
}
