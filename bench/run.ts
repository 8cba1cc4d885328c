/**
 * Benchmarks, run with `npm run bench` (results are written to bench/results/ and committed).
 *
 * audit-fleet: a full audit of N brokers through the real AWS SDK against the local cloud, without throttling and
 * with Amazon MQ's real API throttle (token bucket, burst 100, 15 requests/s per account), measuring wall time,
 * calls, throttled calls and peak memory.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MqBrokerInventory } from '@mqops/aws/mq-inventory';
import { auditFleet, failing } from '@mqops/core';
import { type Scenario, startLocalCloud } from '@mqops/local';

interface Result {
  name: string;
  brokers: number;
  throttle: string;
  wallMs: number;
  mqCalls: number;
  throttledCalls: number;
  findings: number;
  peakRssMiB: number;
}

function fleet(n: number): Scenario {
  return {
    brokers: Array.from({ length: n }, (_, i) => ({
      BrokerName: `bench-${String(i).padStart(4, '0')}`,
      EngineType: i % 2 ? ('RABBITMQ' as const) : ('ACTIVEMQ' as const),
      EngineVersion: i % 2 ? '3.13' : '5.18',
      DeploymentMode: 'SINGLE_INSTANCE' as const,
      HostInstanceType: 'mq.m5.large',
      PubliclyAccessible: i % 7 === 0,
      Tags: i % 3 === 0 ? { env: 'production' } : { env: 'dev' },
      Backing: 'none' as const,
    })),
  };
}

async function auditBench(n: number, throttled: boolean): Promise<Result> {
  const cloud = await startLocalCloud({ scenario: fleet(n) });
  if (throttled) cloud.faults.add({ service: 'mq', throttle: { rate: 15, burst: 100 } });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  const report = await auditFleet(
    { inventory: new MqBrokerInventory({ ...cloud.clientConfig(), retryMode: 'adaptive', maxAttempts: 10 }) },
    { trigger: 'cli' },
  );
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  const mq = cloud.requests.filter((r) => r.service === 'mq');
  await cloud.stop();
  return {
    name: 'audit-fleet',
    brokers: n,
    throttle: throttled ? 'burst 100, 15/s' : 'none',
    wallMs: Math.round(wallMs),
    mqCalls: mq.length,
    throttledCalls: mq.filter((r) => r.status === 429).length,
    findings: failing(report).length,
    peakRssMiB: Math.round(peak / 2 ** 20),
  };
}

const results: Result[] = [];
for (const [n, throttled] of [
  [50, false],
  [200, false],
  [200, true],
] as const) {
  const r = await auditBench(n, throttled);
  results.push(r);
  console.log(JSON.stringify(r));
}
const out = {
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
  at: new Date().toISOString(),
  results,
};
writeFileSync(join(import.meta.dirname, 'results', 'audit.json'), `${JSON.stringify(out, null, 2)}\n`);
