import type { Context } from 'aws-lambda';

/** A Lambda context as the runtime passes it, for invoking handlers in tests. */
export function lambdaContext(functionName = 'mqops-audit'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/25/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 300_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** An EventBridge scheduled event, as `sst.aws.Cron` delivers it. */
export function scheduledEvent(time = '2026-11-25T06:00:00Z') {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time,
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:123456789012:rule/mqops-AuditSchedule'],
    detail: {},
  };
}

/**
 * The job outcome lines (job-metric.ts: Embedded Metric Format, declaring the values that are not zero) among a
 * function's captured output.
 */
export function jobMetrics(output: readonly string[]): Record<string, unknown>[] {
  return output
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"JobComplete"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A CloudTrail UpdateBroker call (Amazon MQ) as EventBridge delivers it: what the change-triggered audit takes. */
export function updateBrokerEvent(brokerId: string) {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.amazonmq',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: {
      eventSource: 'amazonmq.amazonaws.com',
      eventName: 'UpdateBroker',
      requestParameters: { brokerId, autoMinorVersionUpgrade: true },
      responseElements: { brokerId },
    },
  };
}
