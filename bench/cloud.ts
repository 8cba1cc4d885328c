/**
 * The local cloud of the audit benchmark, in its own process (forked by bench/audit.ts), so the emulated AWS does
 * not share the auditor's event loop and CPU: on AWS the API's work happens elsewhere too.
 *
 * Started with one JSON argument ({@link CloudOptions}); talks to its parent over the IPC channel
 * ({@link CloudRequest} in, {@link CloudReply} out) and exits when the parent goes away.
 */
import { type FaultRule, type RequestRecord, startLocalCloud } from '@mqops/local';
import { fleet } from './fleet';

export interface CloudOptions {
  brokers: number;
  /** Where the local cloud's clock starts (ISO 8601). */
  now: string;
  rules: FaultRule[];
}

export type CloudRequest = { type: 'reset' } | { type: 'requests' } | { type: 'stop' };

export type CloudReply =
  | {
      type: 'ready';
      endpoint: string;
      region: string;
      credentials: { accessKeyId: string; secretAccessKey: string };
      /** The local cloud's clock minus the wall clock, in milliseconds. */
      clockOffsetMs: number;
    }
  | { type: 'reset' }
  | { type: 'requests'; requests: RequestRecord[]; rssBytes: number };

const options = JSON.parse(process.argv[2] ?? '{}') as CloudOptions;
const send = (reply: CloudReply) => process.send?.(reply);

const cloud = await startLocalCloud({ scenario: fleet(options.brokers, options.now) });
const arm = () => {
  // Fresh rules are fresh token buckets: each audit starts against full buckets.
  cloud.faults.clear();
  for (const rule of options.rules) cloud.faults.add({ ...rule });
  cloud.requests.length = 0;
};
arm();
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

process.on('message', (message: CloudRequest) => {
  if (message.type === 'reset') {
    arm();
    peakRss = process.memoryUsage().rss;
    send({ type: 'reset' });
  } else if (message.type === 'requests') {
    send({ type: 'requests', requests: cloud.requests, rssBytes: peakRss });
  } else process.disconnect();
});
// The parent went away (finished or crashed): nothing is left to serve.
process.on('disconnect', () => {
  clearInterval(sampler);
  void cloud.stop().finally(() => process.exit(0));
});

send({
  type: 'ready',
  endpoint: cloud.endpoint,
  region: cloud.region,
  credentials: cloud.credentials,
  clockOffsetMs: cloud.clock.now().getTime() - Date.now(),
});
