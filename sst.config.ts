// mqops on AWS, with SST v3: `npx sst@3.18.10 deploy --stage prod`. Everything deployed is described as data in
// infra/; this file only maps it onto SST components (infra/sst.ts). Imports stay inside run(), as SST requires.
import type { SstComponents, SstContext } from './infra/sst';

// SST provides these globals when it runs this file (`.sst/platform/config.d.ts` types them after `sst install`).
declare const $config: (config: {
  app(input: { stage?: string }): Record<string, unknown>;
  run(): Promise<Record<string, unknown>>;
}) => unknown;
declare const sst: SstComponents;
declare const $app: { stage: string };
declare const $interpolate: SstContext['interpolate'];
declare const aws: {
  getRegionOutput(): { name: unknown };
  getCallerIdentityOutput(): { accountId: unknown };
  lambda: { Permission: new (name: string, args: Record<string, unknown>) => unknown };
  cloudwatch: { MetricAlarm: new (name: string, args: Record<string, unknown>) => unknown };
  secretsmanager: {
    SecretRotation: new (
      name: string,
      args: Record<string, unknown>,
      opts?: { dependsOn?: unknown[] },
    ) => unknown;
  };
};

export default $config({
  app(input) {
    return {
      name: 'mqops',
      home: 'aws',
      removal: input?.stage === 'production' || input?.stage === 'prod' ? 'retain' : 'remove',
      protect: input?.stage === 'production' || input?.stage === 'prod',
    };
  },
  async run() {
    const { stack } = await import('./infra/index');
    const { deployStack } = await import('./infra/sst');
    const accountId = aws.getCallerIdentityOutput().accountId;
    const defaultBusArn = $interpolate`arn:aws:events:${aws.getRegionOutput().name}:${accountId}:event-bus/default`;
    return deployStack(stack, sst, {
      interpolate: $interpolate,
      defaultBusArn,
      accountId,
      lambdaPermission: (name, args) => new aws.lambda.Permission(name, args),
      secretRotation: (name, args, dependsOn) =>
        new aws.secretsmanager.SecretRotation(name, args, { dependsOn }),
      stage: $app.stage,
      metricAlarm: (name, args) => new aws.cloudwatch.MetricAlarm(name, args),
      queueName: (queue) => (queue as { nodes: { queue: { name: unknown } } }).nodes.queue.name,
    });
  },
});
