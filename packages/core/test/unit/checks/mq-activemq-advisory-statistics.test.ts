import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applies } from '../../../src/check';
import { mqActivemqAdvisoryStatistics as check } from '../../../src/checks/activemq-config';
import { makeBroker, makeContext, makeFacts } from '../../helpers/broker';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/activemq/${name}.xml`, import.meta.url), 'utf8');
const withConfig = (data: string) => makeFacts({}, { configuration: { id: 'c-1', revision: 3, data } });
const broker = (attributes: string, entries: string, plugins = '') =>
  `<broker xmlns="http://activemq.apache.org/schema/core" ${attributes}><destinationPolicy><policyMap><policyEntries>${entries}</policyEntries></policyMap></destinationPolicy><plugins>${plugins}</plugins></broker>`;
const PASS_MESSAGE =
  'Broker orders publishes no broker statistics, no message bodies in advisories and no per-message advisories on wildcard destinations.';

describe('Check: mq-activemq-advisory-statistics', () => {
  it('applies to ActiveMQ only and reads the configuration revision', () => {
    expect(applies(check, makeBroker())).toBe(true);
    expect(applies(check, makeBroker({ engine: 'RABBITMQ', deploymentMode: 'CLUSTER_MULTI_AZ' }))).toBe(
      false,
    );
    expect(check.needs).toEqual(['configuration']);
  });

  it('returns FAIL on the risky configuration with every reason', () => {
    expect(check.evaluate(withConfig(fixture('risky')), makeContext())).toEqual({
      status: 'FAIL',
      message:
        'Broker orders enables statisticsBrokerPlugin, which tells clients the names and sizes of destinations; ' +
        'copies message bodies into advisories on queue=">"; ' +
        'publishes an advisory per message on queue=">" (advisoryForConsumed).',
    });
  });

  it.each(['amazon-mq-default-5.18', 'hardened'])('returns PASS on the %s configuration', (name) => {
    expect(check.evaluate(withConfig(fixture(name)), makeContext())).toEqual({
      status: 'PASS',
      message: PASS_MESSAGE,
    });
  });

  it.each([
    [
      'the statistics plugin alone',
      '',
      '',
      '<statisticsBrokerPlugin/>',
      'FAIL',
      'enables statisticsBrokerPlugin',
    ],
    [
      'the statistics plugin with advisories off',
      'advisorySupport="false"',
      '',
      '<statisticsBrokerPlugin/>',
      'FAIL',
      'enables statisticsBrokerPlugin',
    ],
    [
      'advisoryForDelivery on a wildcard topic',
      '',
      '<policyEntry topic="prices.&gt;" advisoryForDelivery="true"/>',
      '',
      'FAIL',
      'on topic="prices.>" (advisoryForDelivery)',
    ],
    [
      'both per-message advisories on "*"',
      '',
      '<policyEntry queue="*" advisoryForConsumed="true" advisoryForDelivery="true"/>',
      '',
      'FAIL',
      '(advisoryForConsumed, advisoryForDelivery)',
    ],
    [
      'message bodies on one queue',
      '',
      '<policyEntry queue="audit" includeBodyForAdvisory="true"/>',
      '',
      'FAIL',
      'copies message bodies into advisories on queue="audit"',
    ],
    [
      'per-message advisories on one named queue',
      '',
      '<policyEntry queue="audit" advisoryForConsumed="true"/>',
      '',
      'PASS',
      '',
    ],
    [
      'per-message advisories on temporary queues',
      '',
      '<policyEntry tempQueue="true" advisoryForConsumed="true"/>',
      '',
      'PASS',
      '',
    ],
    [
      'advisory flags with advisories off',
      'advisorySupport="false"',
      '<policyEntry queue="&gt;" advisoryForConsumed="true" includeBodyForAdvisory="true"/>',
      '',
      'PASS',
      '',
    ],
    [
      'slow-consumer advisories on a wildcard',
      '',
      '<policyEntry queue="&gt;" advisoryForSlowConsumers="true"/>',
      '',
      'PASS',
      '',
    ],
  ])('gives the expected outcome with %s', (_case, attributes, entries, plugins, status, text) => {
    const outcome = check.evaluate(withConfig(broker(attributes, entries, plugins)), makeContext());
    expect(outcome.status).toBe(status);
    expect(outcome.message).toContain(text || PASS_MESSAGE);
  });

  it('returns FAIL when the configuration is missing or not XML', () => {
    expect(check.evaluate(makeFacts(), makeContext()).status).toBe('FAIL');
    expect(check.evaluate(withConfig(''), makeContext()).message).toContain(
      'not valid ActiveMQ XML (the document is empty)',
    );
  });
});
