import { describe, expect, it } from 'vitest';
import { mqBrokerState } from '../../../src/checks/mq-broker-state';
import { makeContext, makeFacts } from '../../helpers/broker';

describe('Check: mq-broker-state', () => {
  it('returns FAIL for CRITICAL_ACTION_REQUIRED naming each code and its meaning', () => {
    const facts = makeFacts({
      engine: 'RABBITMQ',
      state: 'CRITICAL_ACTION_REQUIRED',
      actionsRequired: ['RABBITMQ_MEMORY_ALARM', 'RABBITMQ_INVALID_KMS_KEY'],
    });
    expect(mqBrokerState.evaluate(facts, makeContext())).toEqual({
      status: 'FAIL',
      message:
        'Broker orders is in state CRITICAL_ACTION_REQUIRED: RABBITMQ_MEMORY_ALARM (memory use is above the ' +
        'RabbitMQ memory limit, so publishers are blocked); RABBITMQ_INVALID_KMS_KEY (the KMS key that encrypts ' +
        'the broker is disabled, deleted or no longer usable by Amazon MQ).',
    });
  });

  it.each([
    ['BROKER_ENI_DELETED', 'elastic network interface was deleted'],
    ['BROKER_OOM', 'restart loop because it runs out of memory'],
    ['RABBITMQ_DISK_ALARM', 'free disk space is below the RabbitMQ disk limit'],
    ['RABBITMQ_QUORUM_QUEUES_NOT_SUPPORTED_ON_CURRENT_VERSION', 'before 3.13'],
    ['RABBITMQ_BROKER_NOT_UPGRADEABLE_TO_V4', 'classic queues or Khepri'],
    ['SOMETHING_NEW', 'see the Amazon MQ troubleshooting guide'],
  ])('explains %s', (code, words) => {
    const facts = makeFacts({ state: 'CRITICAL_ACTION_REQUIRED', actionsRequired: [code] });
    const outcome = mqBrokerState.evaluate(facts, makeContext());
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain(`${code} (`);
    expect(outcome.message).toContain(words);
  });

  it('fails CRITICAL_ACTION_REQUIRED even without a code', () => {
    const facts = makeFacts({ state: 'CRITICAL_ACTION_REQUIRED', actionsRequired: [] });
    expect(mqBrokerState.evaluate(facts, makeContext()).message).toBe(
      'Broker orders is in state CRITICAL_ACTION_REQUIRED: no action code reported.',
    );
  });

  it('returns FAIL for CREATION_FAILED', () => {
    expect(mqBrokerState.evaluate(makeFacts({ state: 'CREATION_FAILED' }), makeContext())).toEqual({
      status: 'FAIL',
      message: 'Broker orders is in state CREATION_FAILED: it was never created and cannot serve clients.',
    });
  });

  it.each(['RUNNING', 'REBOOT_IN_PROGRESS', 'CREATION_IN_PROGRESS', 'DELETION_IN_PROGRESS', 'REPLICA'])(
    'returns PASS for %s',
    (state) => {
      expect(mqBrokerState.evaluate(makeFacts({ state }), makeContext())).toEqual({
        status: 'PASS',
        message: `Broker orders is in state ${state}.`,
      });
    },
  );
});
