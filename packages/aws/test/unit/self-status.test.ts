import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { readSelfStatus } from '../../src/self-status';

const cw = mockClient(CloudWatchClient);
const sqs = mockClient(SQSClient);
const URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/mqops-prod-DeadLetters';
const NOW = new Date('2026-12-08T05:00:00Z');

beforeEach(() => {
  cw.reset();
  sqs.reset();
  cw.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [
      {
        AlarmName: 'mqops.self.prod.dead-letters',
        StateValue: 'ALARM',
        StateUpdatedTimestamp: new Date('2026-12-08T04:10:00Z'),
        Namespace: 'AWS/SQS',
        Dimensions: [{ Name: 'QueueName', Value: 'mqops-prod-DeadLetters' }],
      },
      { AlarmName: 'mqops.self.prod.audit-failed', StateValue: 'OK', Namespace: 'mqops' },
    ],
  });
  sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: URL });
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '1' } });
  sqs.on(ReceiveMessageCommand).resolves({
    Messages: [
      {
        MessageId: 'm-1',
        Attributes: { SentTimestamp: String(Date.parse('2026-12-08T04:09:00Z')) },
        MessageAttributes: {
          Job: { DataType: 'String', StringValue: 'alarms' },
          ErrorCode: { DataType: 'String', StringValue: 'InvalidInputError' },
          ErrorMessage: { DataType: 'String', StringValue: 'not an Amazon MQ change event' },
        },
      },
    ],
  });
  cw.on(GetMetricDataCommand).resolves({
    MetricDataResults: [
      { Id: 'q0_0', Values: [3] },
      { Id: 'q0_1', Values: [1] },
    ],
  });
});

describe('Function: readSelfStatus (mqops doctor’s reads)', () => {
  it('reads the stage’s self-alarms, peeks at its dead letters without hiding them, and counts its jobs', async () => {
    const status = await readSelfStatus({ region: 'us-east-1' }, { stage: 'prod', now: NOW });

    expect(cw.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input).toMatchObject({
      AlarmNamePrefix: 'mqops.self.prod.',
    });
    expect(status.alarms.map((a) => [a.name, a.state])).toEqual([
      ['mqops.self.prod.dead-letters', 'ALARM'],
      ['mqops.self.prod.audit-failed', 'OK'],
    ]);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input).toMatchObject({
      QueueUrl: URL,
      VisibilityTimeout: 0,
      MessageAttributeNames: ['All'],
    });
    expect(status.deadLetters).toEqual({
      queue: 'mqops-prod-DeadLetters',
      count: 1,
      sample: [
        {
          id: 'm-1',
          job: 'alarms',
          errorCode: 'InvalidInputError',
          reason: 'not an Amazon MQ change event',
          sentAt: '2026-12-08T04:09:00.000Z',
        },
      ],
    });
    expect(status.jobs).toEqual([{ job: 'audit', partial: 3, failed: 1 }]);
    const query = cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(query?.StartTime).toEqual(new Date('2026-12-07T05:00:00Z'));
  });

  it('reports a part it cannot read with its error instead of failing', async () => {
    sqs.on(GetQueueUrlCommand).rejects(Object.assign(new Error('no queue'), { name: 'QueueDoesNotExist' }));
    cw.on(GetMetricDataCommand).rejects(Object.assign(new Error('slow down'), { name: 'Throttling' }));
    const status = await readSelfStatus({ region: 'us-east-1' }, { stage: 'prod', now: NOW });
    expect(status.alarms).toHaveLength(2);
    expect(status.deadLettersError).toBe('QueueDoesNotExist: no queue');
    expect(status.jobsError).toBe('Throttling: slow down');
  });
});
