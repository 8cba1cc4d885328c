import { describe, expect, it } from 'vitest';
import { mqHaDeployment } from '../../../src/checks/mq-ha-deployment';
import { makeContext, makeFacts } from '../../helpers/broker';

describe('Check: mq-ha-deployment', () => {
  it.each([
    ['ACTIVEMQ', 'SINGLE_INSTANCE', { env: 'dev' }, 'FAIL'],
    ['ACTIVEMQ', 'SINGLE_INSTANCE', {}, 'FAIL'],
    ['ACTIVEMQ', 'SINGLE_INSTANCE', { env: 'production' }, 'FAIL'],
    ['RABBITMQ', 'SINGLE_INSTANCE', { env: 'staging' }, 'FAIL'],
    ['ACTIVEMQ', 'ACTIVE_STANDBY_MULTI_AZ', { env: 'dev' }, 'PASS'],
    ['RABBITMQ', 'CLUSTER_MULTI_AZ', {}, 'PASS'],
  ] as const)('%s in %s with tags %j gives %s', (engine, deploymentMode, tags, status) => {
    const outcome = mqHaDeployment.evaluate(
      makeFacts({ engine, deploymentMode, tags: { ...tags } }),
      makeContext(),
    );
    expect(outcome.status).toBe(status);
  });

  it('names the broker and the mode', () => {
    expect(mqHaDeployment.evaluate(makeFacts({ deploymentMode: 'SINGLE_INSTANCE' }), makeContext())).toEqual({
      status: 'FAIL',
      message: 'Broker orders runs on a single instance in one Availability Zone (SINGLE_INSTANCE).',
    });
    expect(mqHaDeployment.evaluate(makeFacts(), makeContext()).message).toBe(
      'Broker orders runs ACTIVE_STANDBY_MULTI_AZ across Availability Zones.',
    );
  });

  it('maps to Security Hub MQ.5 and MQ.6', () => {
    expect(mqHaDeployment.controls?.securityHub).toBe('MQ.5 / MQ.6');
  });
});
