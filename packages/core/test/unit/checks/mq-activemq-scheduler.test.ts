import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applies } from '../../../src/check';
import { mqActivemqScheduler as check } from '../../../src/checks/activemq-config';
import { makeBroker, makeContext, makeFacts } from '../../helpers/broker';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/activemq/${name}.xml`, import.meta.url), 'utf8');
const withConfig = (data: string) => makeFacts({}, { configuration: { id: 'c-1', revision: 3, data } });
const broker = (attributes: string, inner = '') =>
  `<broker xmlns="http://activemq.apache.org/schema/core" ${attributes}>${inner}</broker>`;

describe('Check: mq-activemq-scheduler', () => {
  it('applies to ActiveMQ only and reads the configuration revision', () => {
    expect(applies(check, makeBroker())).toBe(true);
    expect(applies(check, makeBroker({ engine: 'RABBITMQ', deploymentMode: 'CLUSTER_MULTI_AZ' }))).toBe(
      false,
    );
    expect(check.needs).toEqual(['configuration']);
  });

  it('returns FAIL on the risky configuration: scheduler on without a repeat cap', () => {
    expect(check.evaluate(withConfig(fixture('risky')), makeContext())).toEqual({
      status: 'FAIL',
      message:
        'Broker orders enables the job scheduler without an explicit maxSchedulerRepeatAllowed, so scheduled messages can fill the job scheduler store unchecked.',
    });
  });

  it.each(['amazon-mq-default-5.18', 'hardened'])('returns PASS on the %s configuration', (name) => {
    expect(check.evaluate(withConfig(fixture(name)), makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker orders runs without the job scheduler (schedulerSupport is not "true").',
    });
  });

  it.each([
    ['schedulerSupport="false"', 'schedulerSupport="false"', 'PASS', 'runs without the job scheduler'],
    ['schedulerSupport="TRUE" without a cap', 'schedulerSupport="TRUE"', 'FAIL', 'without an explicit'],
    [
      'a cap of 10',
      'schedulerSupport="true" maxSchedulerRepeatAllowed="10"',
      'PASS',
      'enables the job scheduler with maxSchedulerRepeatAllowed="10"',
    ],
    [
      'a cap of 0',
      'schedulerSupport="true" maxSchedulerRepeatAllowed="0"',
      'PASS',
      'maxSchedulerRepeatAllowed="0"',
    ],
    ['a cap of 1000', 'schedulerSupport="true" maxSchedulerRepeatAllowed="1000"', 'PASS', '="1000"'],
    [
      'a cap above 1000',
      'schedulerSupport="true" maxSchedulerRepeatAllowed="5000"',
      'FAIL',
      'with maxSchedulerRepeatAllowed="5000", not a cap of at most 1000 repeats',
    ],
    ['a negative cap', 'schedulerSupport="true" maxSchedulerRepeatAllowed="-1"', 'FAIL', '="-1", not a cap'],
    [
      'a cap that is not a number',
      'schedulerSupport="true" maxSchedulerRepeatAllowed="many"',
      'FAIL',
      '="many"',
    ],
  ])('gives the expected outcome with %s', (_case, attributes, status, text) => {
    const outcome = check.evaluate(withConfig(broker(attributes)), makeContext());
    expect(outcome.status).toBe(status);
    expect(outcome.message).toContain(text);
  });

  it('says when redeliveryPlugin needs the scheduler', () => {
    const data = broker(
      'schedulerSupport="true"',
      '<plugins><redeliveryPlugin fallbackToDeadLetter="true"/></plugins>',
    );
    expect(check.evaluate(withConfig(data), makeContext()).message).toBe(
      'Broker orders enables the job scheduler (redeliveryPlugin needs it) without an explicit maxSchedulerRepeatAllowed, so scheduled messages can fill the job scheduler store unchecked.',
    );
  });

  it('returns FAIL when the configuration is missing or not XML', () => {
    expect(check.evaluate(makeFacts(), makeContext()).status).toBe('FAIL');
    expect(check.evaluate(withConfig('<rabbit/>'), makeContext()).message).toContain(
      'not valid ActiveMQ XML (the root element is <rabbit>, not <broker>)',
    );
  });
});
