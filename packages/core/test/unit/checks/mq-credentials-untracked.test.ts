import { describe, expect, it } from 'vitest';
import { applies, requiredActions } from '../../../src/check';
import { mqCredentialsUntracked as check } from '../../../src/checks/mq-credentials-untracked';
import type { CredentialFacts } from '../../../src/facts';
import type { BrokerUserRef } from '../../../src/model';
import { makeBroker, makeContext, makeFacts } from '../../helpers/broker';

const secret = (username: string | undefined, role?: string): CredentialFacts => ({
  secretArn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:mq/${username ?? 'x'}-AbCdEf`,
  name: `mq/${username ?? 'x'}`,
  ...(username ? { username } : {}),
  ...(role ? { role } : {}),
  rotationEnabled: true,
});

describe('Check: mq-credentials-untracked', () => {
  it('applies to ActiveMQ only', () => {
    expect(applies(check, makeBroker())).toBe(true);
    expect(applies(check, makeBroker({ engine: 'RABBITMQ', deploymentMode: 'CLUSTER_MULTI_AZ' }))).toBe(
      false,
    );
    expect(check.needs).toEqual(['credentials']);
    expect(requiredActions(check)).toContain('secretsmanager:ListSecrets');
  });

  it('returns FAIL listing the users without a secret', () => {
    const users: BrokerUserRef[] = [{ username: 'admin' }, { username: 'app' }, { username: 'batch' }];
    const facts = makeFacts({ users }, { credentials: [secret('admin')] });
    expect(check.evaluate(facts, makeContext())).toEqual({
      status: 'FAIL',
      message: 'Broker orders has users without a credential secret tagged mqops:username: app, batch.',
    });
  });

  it('returns PASS when every user has a secret', () => {
    const users: BrokerUserRef[] = [{ username: 'admin' }, { username: 'app' }];
    const facts = makeFacts({ users }, { credentials: [secret('admin'), secret('app', 'audit')] });
    expect(check.evaluate(facts, makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker orders has a credential secret for each of its 2 users.',
    });
  });

  it.each([
    ['a secret without mqops:username', [{ username: 'admin' }], [secret(undefined)], 'FAIL'],
    ['usernames compared exactly', [{ username: 'Admin' }], [secret('admin')], 'FAIL'],
    ['a user waiting for deletion', [{ username: 'old', pendingChange: 'DELETE' }], [], 'PASS'],
    ['a user waiting for creation', [{ username: 'new', pendingChange: 'CREATE' }], [], 'FAIL'],
    ['no users', [], [], 'PASS'],
  ] as const)('%s gives %s', (_what, users, credentials, status) => {
    const facts = makeFacts({ users: [...users] }, { credentials: [...credentials] });
    expect(check.evaluate(facts, makeContext()).status).toBe(status);
  });
});
