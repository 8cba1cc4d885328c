import type { SstComponents, SstContext } from '../../infra/sst';

/** One SST component construction (or static call), as recorded. */
export interface Recorded {
  type: string;
  name: string;
  args: unknown;
  /** Resource options (Pulumi's third argument), when given. */
  opts?: unknown;
}

/**
 * Stand-ins for SST's globals that record what `sst.config.ts` would create. Outputs are placeholder strings
 * (`$ref:AlertTopic.arn`) so wiring between resources can be checked; `$interpolate` joins them as text.
 */
export function recordingSst(): {
  sst: SstComponents;
  recorded: Recorded[];
  interpolate: SstContext['interpolate'];
  aws: {
    getRegionOutput(): { name: string };
    getCallerIdentityOutput(): { accountId: string };
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
} {
  const recorded: Recorded[] = [];
  const component = (type: string, attributes: string[]) =>
    class {
      [key: string]: unknown;
      constructor(name: string, args?: unknown, opts?: unknown) {
        recorded.push({ type, name, args, ...(opts ? { opts } : {}) });
        for (const a of attributes) this[a] = `$ref:${name}.${a}`;
      }
    };
  const sst = {
    aws: {
      Function: component('sst.aws.Function', ['arn', 'name']),
      Cron: component('sst.aws.Cron', ['nodes']),
      SnsTopic: Object.assign(component('sst.aws.SnsTopic', ['arn', 'name']), {
        subscribe(name: string, topicArn: unknown, subscriber: unknown) {
          recorded.push({ type: 'sst.aws.SnsTopic.subscribe', name, args: { topicArn, subscriber } });
          return {};
        },
      }),
      Bucket: component('sst.aws.Bucket', ['arn', 'name']),
      Dynamo: component('sst.aws.Dynamo', ['arn', 'name']),
      // The SQS queue itself is `nodes.queue` (its name is the dimension of its metrics).
      Queue: class extends component('sst.aws.Queue', ['arn', 'url']) {
        constructor(name: string, args?: unknown, opts?: unknown) {
          super(name, args, opts);
          this.nodes = { queue: { name: `$ref:${name}.nodes.queue.name` } };
        }
      },
      Bus: {
        subscribe(name: string, busArn: unknown, subscriber: unknown, args: Record<string, unknown>) {
          recorded.push({ type: 'sst.aws.Bus.subscribe', name, args: { busArn, subscriber, ...args } });
          return {};
        },
      },
    },
    Secret: component('sst.Secret', ['value', 'name']),
  } as unknown as SstComponents;
  const interpolate = (strings: TemplateStringsArray, ...values: unknown[]) =>
    strings.reduce((out, s, i) => out + s + (i < values.length ? String(values[i]) : ''), '');
  const aws = {
    getRegionOutput: () => ({ name: '$region' }),
    getCallerIdentityOutput: () => ({ accountId: '$account' }),
    lambda: { Permission: component('aws.lambda.Permission', ['id']) },
    cloudwatch: { MetricAlarm: component('aws.cloudwatch.MetricAlarm', ['arn']) },
    secretsmanager: { SecretRotation: component('aws.secretsmanager.SecretRotation', []) },
  };
  return { sst, recorded, interpolate, aws };
}
