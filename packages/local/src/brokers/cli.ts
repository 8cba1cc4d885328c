import { fileURLToPath } from 'node:url';
import {
  activeMqStatus,
  defaultActiveMqDir,
  ensureActiveMq,
  ensureRabbitMq,
  rabbitMqStatus,
  stopActiveMq,
  stopRabbitMq,
} from './setup';

/**
 * `tsx packages/local/src/brokers/cli.ts up|status|down`: start (installing if needed), show or stop the real
 * local brokers the local cloud maps emulated brokers onto. The ActiveMQ instance directory is
 * `MQOPS_ACTIVEMQ_DIR` (default /tmp/mqops-activemq).
 */

const USAGE = 'usage: tsx packages/local/src/brokers/cli.ts up|status|down';

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

export async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  const dir = defaultActiveMqDir();
  switch (command) {
    case 'up': {
      const started = Date.now();
      const [rabbit, active] = await Promise.all([ensureRabbitMq({ log }), ensureActiveMq({ dir, log })]);
      log(`RabbitMQ: amqp://127.0.0.1:${rabbit.amqpPort}, management ${rabbit.managementUrl}`);
      log(`ActiveMQ: ${active.endpoints.join(', ')} (instance ${active.dir})`);
      log(`both brokers up in ${seconds(started)}`);
      return 0;
    }
    case 'status': {
      const [rabbit, active] = await Promise.all([rabbitMqStatus(), activeMqStatus(dir)]);
      log(`RabbitMQ: ${rabbit.detail}`);
      log(`ActiveMQ: ${active.detail}`);
      return rabbit.running && active.running ? 0 : 3;
    }
    case 'down': {
      const started = Date.now();
      await Promise.all([stopActiveMq(dir, { log }), stopRabbitMq({ log })]);
      log(`done in ${seconds(started)}`);
      return 0;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
