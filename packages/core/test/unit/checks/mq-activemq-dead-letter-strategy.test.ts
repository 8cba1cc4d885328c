import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applies, requiredActions } from '../../../src/check';
import { mqActivemqDeadLetterStrategy as check } from '../../../src/checks/activemq-config';
import { makeBroker, makeContext, makeFacts } from '../../helpers/broker';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/activemq/${name}.xml`, import.meta.url), 'utf8');
const withConfig = (data: string) => makeFacts({}, { configuration: { id: 'c-1', revision: 3, data } });
const policies = (entries: string) =>
  `<broker xmlns="http://activemq.apache.org/schema/core"><destinationPolicy><policyMap><policyEntries>${entries}</policyEntries></policyMap></destinationPolicy></broker>`;
const individual = (attributes = 'processExpired="false"') =>
  `<deadLetterStrategy><individualDeadLetterStrategy queuePrefix="DLQ." ${attributes}/></deadLetterStrategy>`;

describe('Check: mq-activemq-dead-letter-strategy', () => {
  it('applies to ActiveMQ only and reads the configuration revision', () => {
    expect(applies(check, makeBroker())).toBe(true);
    expect(applies(check, makeBroker({ engine: 'RABBITMQ', deploymentMode: 'CLUSTER_MULTI_AZ' }))).toBe(
      false,
    );
    expect(check.needs).toEqual(['configuration']);
    expect(requiredActions(check)).toEqual(['mq:DescribeBroker', 'mq:DescribeConfigurationRevision']);
  });

  it('returns FAIL on the Amazon MQ default configuration: queue=">" dead-letters to ActiveMQ.DLQ', () => {
    expect(check.evaluate(withConfig(fixture('amazon-mq-default-5.18')), makeContext())).toEqual({
      status: 'FAIL',
      message:
        'Broker orders dead-letters queue=">" to the shared ActiveMQ.DLQ (no individualDeadLetterStrategy).',
    });
  });

  it('returns FAIL on the risky configuration, naming the shared entry and the one that keeps expired messages', () => {
    expect(check.evaluate(withConfig(fixture('risky')), makeContext())).toEqual({
      status: 'FAIL',
      message:
        'Broker orders dead-letters queue=">" to the shared ActiveMQ.DLQ (no individualDeadLetterStrategy); ' +
        'keeps expired messages for good in the DLQs of queue="payments.>" (processExpired is not "false" and no expiration is set).',
    });
  });

  it('returns PASS on the hardened configuration', () => {
    expect(check.evaluate(withConfig(fixture('hardened')), makeContext())).toEqual({
      status: 'PASS',
      message:
        'Broker orders gives every queue policy entry (queue=">", queue="orders.>") its own dead-letter queue that does not keep expired messages.',
    });
  });

  it.each([
    ['no policy entry at all', '', 'FAIL', 'has no queue policy entry, so every queue dead-letters'],
    [
      'only a topic entry',
      `<policyEntry topic="&gt;">${individual()}</policyEntry>`,
      'FAIL',
      'has no queue policy entry',
    ],
    [
      'no catch-all queue entry',
      `<policyEntry queue="orders.&gt;">${individual()}</policyEntry>`,
      'FAIL',
      'has no queue=">" policy entry',
    ],
    [
      'a specific entry without a strategy overriding the catch-all',
      `<policyEntry queue="&gt;">${individual()}</policyEntry><policyEntry queue="orders.&gt;" memoryLimit="1mb"/>`,
      'FAIL',
      'dead-letters queue="orders.>" to the shared ActiveMQ.DLQ',
    ],
    [
      'processExpired="true" with no expiration',
      `<policyEntry queue="&gt;">${individual('processExpired="true"')}</policyEntry>`,
      'FAIL',
      'keeps expired messages for good in the DLQs of queue=">"',
    ],
    [
      'an expiration of 0',
      `<policyEntry queue="&gt;">${individual('expiration="0"')}</policyEntry>`,
      'FAIL',
      'keeps expired messages',
    ],
    [
      'a shared strategy without its own queue',
      '<policyEntry queue="&gt;"><deadLetterStrategy><sharedDeadLetterStrategy processExpired="false"/></deadLetterStrategy></policyEntry>',
      'FAIL',
      'to the shared ActiveMQ.DLQ',
    ],
    [
      'a shared strategy naming ActiveMQ.DLQ',
      '<policyEntry queue="&gt;"><deadLetterStrategy><sharedDeadLetterStrategy processExpired="false"><deadLetterQueue><queue physicalName="ActiveMQ.DLQ"/></deadLetterQueue></sharedDeadLetterStrategy></deadLetterStrategy></policyEntry>',
      'FAIL',
      'to the shared ActiveMQ.DLQ',
    ],
    [
      'an individual strategy with an expiration',
      `<policyEntry queue="&gt;">${individual('expiration="86400000"')}</policyEntry>`,
      'PASS',
      'its own dead-letter queue',
    ],
    [
      'a shared strategy with a queue of its own',
      '<policyEntry queue="&gt;"><deadLetterStrategy><sharedDeadLetterStrategy processExpired="false"><deadLetterQueue><queue physicalName="APP.DLQ"/></deadLetterQueue></sharedDeadLetterStrategy></deadLetterStrategy></policyEntry>',
      'PASS',
      'its own dead-letter queue',
    ],
    [
      'a discarding strategy',
      '<policyEntry queue="&gt;"><deadLetterStrategy><discarding/></deadLetterStrategy></policyEntry>',
      'PASS',
      'its own dead-letter queue',
    ],
    [
      'temporary queues without a strategy',
      `<policyEntry queue="&gt;">${individual()}</policyEntry><policyEntry tempQueue="true"/>`,
      'PASS',
      '(queue=">")',
    ],
  ])('gives the expected outcome with %s', (_case, entries, status, text) => {
    const outcome = check.evaluate(withConfig(policies(entries)), makeContext());
    expect(outcome.status).toBe(status);
    expect(outcome.message).toContain(text);
  });

  it('returns FAIL when the configuration is missing or not XML', () => {
    expect(check.evaluate(makeFacts(), makeContext()).message).toBe(
      'Broker orders has no configuration revision to audit, although every ActiveMQ broker runs one.',
    );
    const outcome = check.evaluate(withConfig('<broker><policyEntry></broker>'), makeContext());
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain(
      'Broker orders runs configuration c-1 revision 3, which is not valid ActiveMQ XML',
    );
  });
});
