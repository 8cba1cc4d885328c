import { SELF_ALARM_PREFIX } from '@mqops/core/alerts/events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stack } from '../../infra/index';
import { ALERTS_RULE_PATTERN } from '../../infra/notify';
import { type Recorded, recordingSst } from './recording-sst';

const globals = globalThis as Record<string, unknown>;

async function deployed(stage = 'prod'): Promise<Recorded[]> {
  const { sst, recorded, interpolate, aws } = recordingSst();
  Object.assign(globals, {
    $config: (c: unknown) => c,
    sst,
    $interpolate: interpolate,
    aws,
    $app: { stage },
  });
  const config = (await import('../../sst.config')).default as unknown as { run(): Promise<unknown> };
  await config.run();
  return recorded;
}

const alarms = (recorded: Recorded[]): Record<string, unknown>[] =>
  recorded
    .filter((r) => r.type === 'aws.cloudwatch.MetricAlarm')
    .map((r) => ({ logical: r.name, ...(r.args as Record<string, unknown>) }));

describe('mqops watched like any service (infra/monitoring.ts)', () => {
  const clear = () => {
    for (const name of ['$config', 'sst', '$interpolate', 'aws', '$app']) delete globals[name];
  };
  beforeEach(clear);
  afterEach(clear);

  it('alarms on the first dead letter, a failed audit, an abandoned alert, a rolled-back resize and each function’s errors', async () => {
    const made = alarms(await deployed('prod'));
    const byName = new Map(made.map((a) => [a.name as string, a]));
    expect(byName.get('mqops.self.prod.dead-letters')).toMatchObject({
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: '$ref:DeadLetters.nodes.queue.name' },
      statistic: 'Maximum',
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: ['$ref:AlertTopic.arn'],
    });
    expect(byName.get('mqops.self.prod.audit-failed')).toMatchObject({
      namespace: 'mqops',
      metricName: 'JobFailed',
      dimensions: { Job: 'audit' },
      alarmActions: [],
    });
    expect(byName.get('mqops.self.prod.alerts-abandoned')).toMatchObject({
      metricName: 'AlertsAbandoned',
      dimensions: { Service: 'mqops' },
      alarmActions: ['$ref:AlertTopic.arn'],
    });
    expect(byName.get('mqops.self.prod.resize-rolled-back')).toMatchObject({
      metricName: 'ResizesRolledBack',
    });
    expect(byName.get('mqops.self.prod.rotation-failed')).toMatchObject({ metricName: 'RotationsFailed' });
    // A rotation waiting days for its broker's window fails its step on purpose: Rotate's errors raise nothing.
    expect(
      made.some((a) => (a.dimensions as Record<string, unknown>).FunctionName === '$ref:Rotate.name'),
    ).toBe(false);
    for (const fn of stack.functions.filter((f) => f.name !== 'Rotate')) {
      const errors = made.find(
        (a) => (a.dimensions as Record<string, unknown>).FunctionName === `$ref:${fn.name}.name`,
      );
      expect(errors, fn.name).toMatchObject({
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        statistic: 'Sum',
      });
    }
    // The alert path's own errors also go straight to the topic: a broken Alerts function cannot report itself.
    expect(byName.get('mqops.self.prod.errors-alerts')?.alarmActions).toEqual(['$ref:AlertTopic.arn']);
    expect(byName.get('mqops.self.prod.errors-audit')?.alarmActions).toEqual([]);
  });

  it('names every self-alarm outside the reconciler’s mqops- prefix, inside the Alerts rule, one per stage', async () => {
    const made = alarms(await deployed('dev'));
    expect(new Set(made.map((a) => a.logical)).size).toBe(made.length);
    for (const alarm of made) {
      expect(alarm.name).toMatch(/^mqops\.self\.dev\.[a-z-]+$/);
      expect(String(alarm.name).startsWith('mqops-')).toBe(false);
      expect(alarm.tags).toEqual({ 'mqops:service': 'mqops', 'mqops:stage': 'dev' });
    }
    expect(ALERTS_RULE_PATTERN.detail.$or).toContainEqual({ alarmName: [{ prefix: SELF_ALARM_PREFIX }] });
  });

  it('keeps dead letters 14 days (SQS’s longest; its default of 4 lost them over a long weekend)', async () => {
    const recorded = await deployed();
    expect(recorded.find((r) => r.type === 'sst.aws.Queue' && r.name === 'DeadLetters')?.args).toEqual({
      transform: { queue: { messageRetentionSeconds: 14 * 86_400 } },
    });
  });

  it('tells each function with a dead-letter queue where to send what it refuses, and lets it write only there', async () => {
    const recorded = await deployed();
    for (const fn of stack.functions.filter((f) => f.deadLetterQueue)) {
      const args = recorded.find((r) => r.type === 'sst.aws.Function' && r.name === fn.name)?.args as {
        environment: Record<string, unknown>;
        permissions: { actions: string[]; resources: unknown[] }[];
      };
      expect(args.environment.MQOPS_DEAD_LETTER_QUEUE_URL, fn.name).toBe('$ref:DeadLetters.url');
      const send = args.permissions.filter((p) => p.actions.includes('sqs:SendMessage'));
      expect(send, fn.name).toEqual([{ actions: ['sqs:SendMessage'], resources: ['$ref:DeadLetters.arn'] }]);
    }
    for (const fn of stack.functions.filter((f) => !f.deadLetterQueue)) {
      const args = recorded.find((r) => r.type === 'sst.aws.Function' && r.name === fn.name)?.args as {
        environment: Record<string, unknown>;
      };
      expect(args.environment.MQOPS_DEAD_LETTER_QUEUE_URL, fn.name).toBeUndefined();
    }
  });
});
