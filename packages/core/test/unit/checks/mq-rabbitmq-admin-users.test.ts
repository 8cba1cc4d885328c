import { describe, expect, it } from 'vitest';
import { applies } from '../../../src/check';
import { mqRabbitmqAdminUsers, splitRabbitAdmins } from '../../../src/checks/mq-rabbitmq-admin-users';
import { makeBroker, makeContext } from '../../helpers/broker';
import { auditSecret, rabbitFacts } from '../../helpers/rabbit';

const admin = (name: string) => ({ name, tags: ['administrator'] });

describe('Check: mq-rabbitmq-admin-users', () => {
  it('applies to RabbitMQ only and needs the management API and credential facts', () => {
    expect(applies(mqRabbitmqAdminUsers, makeBroker({ engine: 'RABBITMQ' }))).toBe(true);
    expect(applies(mqRabbitmqAdminUsers, makeBroker())).toBe(false);
    expect(mqRabbitmqAdminUsers.needs).toEqual(['rabbit', 'credentials']);
  });

  it('returns PASS for the single provisioning admin', () => {
    expect(mqRabbitmqAdminUsers.evaluate(rabbitFacts(), makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker payments has 1 administrator: admin (taken as the provisioning admin).',
    });
  });

  it('returns FAIL naming every unlisted administrator when there is more than one', () => {
    const users = [admin('admin'), admin('ops-bob'), { name: 'app', tags: ['management'] }];
    const outcome = mqRabbitmqAdminUsers.evaluate(rabbitFacts({ users }), makeContext());
    expect(outcome).toEqual({
      status: 'FAIL',
      message:
        'Broker payments has 2 administrators the policy does not list (admin, ops-bob); only one, the admin ' +
        'Amazon MQ created at provisioning, is expected.',
    });
  });

  it('allows the administrators the policy lists, plus one more', () => {
    const users = [admin('admin'), admin('ops-bob'), admin('ops-carol')];
    const context = makeContext({ policy: { rabbitAdmins: ['ops-bob', 'ops-carol'] } });
    const outcome = mqRabbitmqAdminUsers.evaluate(rabbitFacts({ users }), context);
    expect(outcome.status).toBe('PASS');
    expect(outcome.message).toBe(
      'Broker payments has 3 administrators: ops-bob, ops-carol (listed), admin (taken as the provisioning admin).',
    );
  });

  it('allows the user mqops audits with (it must be an administrator to read users and permissions)', () => {
    const users = [admin('admin'), admin('mqops-audit')];
    const outcome = mqRabbitmqAdminUsers.evaluate(
      rabbitFacts({ users }, [auditSecret('mqops-audit')]),
      makeContext(),
    );
    expect(outcome.status).toBe('PASS');
    expect(mqRabbitmqAdminUsers.evaluate(rabbitFacts({ users }), makeContext()).status).toBe('FAIL');
  });

  it.each([
    ['no administrators at all', [{ name: 'app', tags: [] }], 'PASS'],
    ['guest is left to mq-rabbitmq-guest-user', [admin('admin'), admin('guest')], 'PASS'],
    ['tags compare case-insensitively', [admin('admin'), { name: 'x', tags: ['Administrator'] }], 'FAIL'],
    [
      'monitoring and policymaker are not administrator',
      [admin('admin'), { name: 'm', tags: ['monitoring', 'policymaker'] }],
      'PASS',
    ],
    ['three unlisted', [admin('a'), admin('b'), admin('c')], 'FAIL'],
  ])('%s → %s', (_case, users, status) => {
    expect(mqRabbitmqAdminUsers.evaluate(rabbitFacts({ users }), makeContext()).status).toBe(status);
  });

  it('sorts names and keeps listed and unlisted apart', () => {
    const facts = rabbitFacts({ users: [admin('zed'), admin('amy'), admin('listed')] });
    expect(splitRabbitAdmins(facts, makeContext({ policy: { rabbitAdmins: ['listed'] } }).policy)).toEqual({
      listed: ['listed'],
      unlisted: ['amy', 'zed'],
    });
  });
});
