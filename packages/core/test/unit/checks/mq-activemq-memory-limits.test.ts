import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applies, requiredActions } from '../../../src/check';
import { mqActivemqMemoryLimits as check } from '../../../src/checks/activemq-config';
import { makeBroker, makeContext, makeFacts } from '../../helpers/broker';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/activemq/${name}.xml`, import.meta.url), 'utf8');
const withConfig = (data: string) => makeFacts({}, { configuration: { id: 'c-1', revision: 3, data } });
const policies = (entries: string) =>
  `<broker xmlns="http://activemq.apache.org/schema/core"><destinationPolicy><policyMap><policyEntries>${entries}</policyEntries></policyMap></destinationPolicy></broker>`;

describe('Check: mq-activemq-memory-limits', () => {
  it('applies to ActiveMQ only and reads the configuration revision', () => {
    expect(applies(check, makeBroker())).toBe(true);
    expect(applies(check, makeBroker({ engine: 'RABBITMQ', deploymentMode: 'CLUSTER_MULTI_AZ' }))).toBe(
      false,
    );
    expect(check.needs).toEqual(['configuration']);
    expect(requiredActions(check)).toContain('mq:DescribeConfigurationRevision');
  });

  it('returns FAIL on the Amazon MQ default configuration: queue=">" has no memoryLimit', () => {
    expect(check.evaluate(withConfig(fixture('amazon-mq-default-5.18')), makeContext())).toEqual({
      status: 'FAIL',
      message: `Broker orders sets no memoryLimit on queue=">": one queue can take all of the broker's memory.`,
    });
  });

  it('returns FAIL on the risky configuration', () => {
    expect(check.evaluate(withConfig(fixture('risky')), makeContext()).message).toBe(
      `Broker orders sets no memoryLimit on queue=">": one queue can take all of the broker's memory.`,
    );
  });

  it('returns PASS on the hardened configuration, listing the limits', () => {
    expect(check.evaluate(withConfig(fixture('hardened')), makeContext())).toEqual({
      status: 'PASS',
      message:
        'Broker orders limits the memory of every queue policy entry (queue=">" 64 mb, queue="orders.>" 128mb).',
    });
  });

  it('returns FAIL when there is no queue policy entry', () => {
    expect(
      check.evaluate(withConfig(policies('<policyEntry topic="&gt;" memoryLimit="1mb"/>')), makeContext()),
    ).toEqual({
      status: 'FAIL',
      message: `Broker orders has no queue policy entry, so no queue has a memoryLimit and one queue can take all of the broker's memory.`,
    });
  });

  it.each([
    [
      'a limit on the catch-all only',
      '<policyEntry queue="&gt;" memoryLimit="64mb"/>',
      'PASS',
      'queue=">" 64mb',
    ],
    [
      'no catch-all queue entry',
      '<policyEntry queue="orders.&gt;" memoryLimit="64mb"/>',
      'FAIL',
      'has no queue=">" policy entry, so queues without an entry of their own have no memoryLimit',
    ],
    [
      'a specific entry without a limit',
      '<policyEntry queue="&gt;" memoryLimit="64mb"/><policyEntry queue="orders.&gt;" producerFlowControl="true"/>',
      'FAIL',
      'sets no memoryLimit on queue="orders.>"',
    ],
    ['a limit of 0', '<policyEntry queue="&gt;" memoryLimit="0"/>', 'FAIL', 'queue=">" ("0")'],
    [
      'a limit that is not a size',
      '<policyEntry queue="&gt;" memoryLimit="50%"/>',
      'FAIL',
      'queue=">" ("50%")',
    ],
    [
      'a topic without a limit next to a limited catch-all queue',
      '<policyEntry queue="&gt;" memoryLimit="1 gb"/><policyEntry topic="&gt;"/>',
      'PASS',
      'queue=">" 1 gb',
    ],
  ])('gives the expected outcome with %s', (_case, entries, status, text) => {
    const outcome = check.evaluate(withConfig(policies(entries)), makeContext());
    expect(outcome.status).toBe(status);
    expect(outcome.message).toContain(text);
  });

  it('returns FAIL when the configuration is missing or not XML', () => {
    expect(check.evaluate(makeFacts(), makeContext()).status).toBe('FAIL');
    expect(check.evaluate(withConfig('{"not": "xml"}'), makeContext()).message).toContain(
      'not valid ActiveMQ XML',
    );
  });
});
