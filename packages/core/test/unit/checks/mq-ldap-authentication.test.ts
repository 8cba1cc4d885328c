import { describe, expect, it } from 'vitest';
import { applies } from '../../../src/check';
import { mqLdapAuthentication } from '../../../src/checks/mq-ldap-authentication';
import { makeBroker, makeContext, makeFacts } from '../../helpers/broker';

describe('Check: mq-ldap-authentication', () => {
  it('returns FAIL for SIMPLE authentication', () => {
    expect(
      mqLdapAuthentication.evaluate(makeFacts({ authenticationStrategy: 'SIMPLE' }), makeContext()),
    ).toEqual({
      status: 'FAIL',
      message: 'Broker orders uses SIMPLE authentication with local users and passwords instead of LDAP.',
    });
  });

  it('returns PASS for LDAP', () => {
    expect(
      mqLdapAuthentication.evaluate(makeFacts({ authenticationStrategy: 'LDAP' }), makeContext()),
    ).toEqual({
      status: 'PASS',
      message: 'Broker orders authenticates users through LDAP.',
    });
  });

  it('mentions a pending switch to LDAP but still fails until the reboot', () => {
    const facts = makeFacts({
      authenticationStrategy: 'SIMPLE',
      pending: { authenticationStrategy: 'LDAP' },
    });
    const outcome = mqLdapAuthentication.evaluate(facts, makeContext());
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain('a pending switch to LDAP applies only at the next reboot');
  });

  it('warns in a PASS when a pending change switches LDAP back to SIMPLE', () => {
    const facts = makeFacts({
      authenticationStrategy: 'LDAP',
      pending: { authenticationStrategy: 'SIMPLE' },
    });
    const outcome = mqLdapAuthentication.evaluate(facts, makeContext());
    expect(outcome.status).toBe('PASS');
    expect(outcome.message).toContain('switches it to SIMPLE');
  });

  it('applies to ActiveMQ only', () => {
    expect(applies(mqLdapAuthentication, makeBroker())).toBe(true);
    expect(
      applies(mqLdapAuthentication, makeBroker({ engine: 'RABBITMQ', deploymentMode: 'CLUSTER_MULTI_AZ' })),
    ).toBe(false);
  });
});
