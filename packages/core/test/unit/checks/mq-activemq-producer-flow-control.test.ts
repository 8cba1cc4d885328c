import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applies } from '../../../src/check';
import { mqActivemqProducerFlowControl as check } from '../../../src/checks/activemq-config';
import { makeBroker, makeContext, makeFacts } from '../../helpers/broker';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/activemq/${name}.xml`, import.meta.url), 'utf8');
const withConfig = (data: string) => makeFacts({}, { configuration: { id: 'c-1', revision: 3, data } });
const policies = (entries: string) =>
  `<broker xmlns="http://activemq.apache.org/schema/core"><destinationPolicy><policyMap><policyEntries>${entries}</policyEntries></policyMap></destinationPolicy></broker>`;

describe('Check: mq-activemq-producer-flow-control', () => {
  it('applies to ActiveMQ only and reads the configuration revision', () => {
    expect(applies(check, makeBroker())).toBe(true);
    expect(applies(check, makeBroker({ engine: 'RABBITMQ', deploymentMode: 'CLUSTER_MULTI_AZ' }))).toBe(
      false,
    );
    expect(check.needs).toEqual(['configuration']);
  });

  it('returns FAIL on the risky configuration, naming the entry', () => {
    expect(check.evaluate(withConfig(fixture('risky')), makeContext())).toEqual({
      status: 'FAIL',
      message:
        'Broker orders turns producer flow control off on queue=">", so producers are never slowed down when memory runs out.',
    });
  });

  it.each(['amazon-mq-default-5.18', 'hardened'])('returns PASS on the %s configuration', (name) => {
    expect(check.evaluate(withConfig(fixture(name)), makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker orders keeps producer flow control on for every destination.',
    });
  });

  it.each([
    [
      'producerFlowControl="false" on a topic',
      '<policyEntry topic="&gt;" producerFlowControl="false"/>',
      'FAIL',
    ],
    [
      'two entries turning it off',
      '<policyEntry queue="a" producerFlowControl="FALSE"/><policyEntry queue="b" producerFlowControl="false"/>',
      'FAIL',
    ],
    ['producerFlowControl="true"', '<policyEntry queue="&gt;" producerFlowControl="true"/>', 'PASS'],
    ['no producerFlowControl attribute', '<policyEntry queue="&gt;"/>', 'PASS'],
  ])('gives the expected outcome with %s', (_case, entries, status) => {
    expect(check.evaluate(withConfig(policies(entries)), makeContext()).status).toBe(status);
  });

  it('names every entry that turns it off', () => {
    const entries =
      '<policyEntry queue="a" producerFlowControl="false"/><policyEntry topic="b" producerFlowControl="false"/>';
    expect(check.evaluate(withConfig(policies(entries)), makeContext()).message).toContain(
      'on queue="a", topic="b"',
    );
  });

  it('returns FAIL when the configuration is missing or not XML', () => {
    expect(check.evaluate(makeFacts(), makeContext()).status).toBe('FAIL');
    expect(check.evaluate(withConfig('<broker'), makeContext()).message).toContain('not valid ActiveMQ XML');
  });
});
