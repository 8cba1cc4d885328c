import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (no network, no processes: pure logic, aws-sdk-client-mock, infra as data) and `e2e`
 * (the real AWS SDK clients against the local cloud, with real RabbitMQ and ActiveMQ started by the global setup).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/test/unit/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/infra/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['packages/*/test/e2e/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/setup/brokers.ts'],
          testTimeout: 60_000,
          hookTimeout: 240_000,
          // Real brokers are shared processes: run e2e files one after another.
          fileParallelism: false,
        },
      },
    ],
  },
});
