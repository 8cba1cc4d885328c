import { describe, expect, it } from 'vitest';
import { applies, type Check, requiredActions, SEVERITY_ORDER } from '../../../src/check';
import { CHECKS, mqAuditLogs, mqPublicAccess, mqSingleInstanceProduction } from '../../../src/checks';
import { makeBroker, makeContext, makeFacts } from '../../helpers/broker';

describe('Check catalog', () => {
  it.each(CHECKS.map((c) => [c.id, c] as [string, Check]))('%s has complete metadata', (_id, check) => {
    expect(check.id).toMatch(/^mq-[a-z0-9-]+$/);
    expect(check.title.length).toBeGreaterThan(10);
    expect(check.rationale.length).toBeGreaterThan(40);
    expect(check.remediation.length).toBeGreaterThan(40);
    expect(SEVERITY_ORDER).toContain(check.severity);
    expect(requiredActions(check).length).toBeGreaterThan(0);
    for (const action of requiredActions(check)) expect(action).toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/);
  });

  it('has unique ids', () => {
    const ids = CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('Check: mq-public-access', () => {
  it('returns FAIL when the broker is publicly accessible', () => {
    const outcome = mqPublicAccess.evaluate(makeFacts({ publiclyAccessible: true }), makeContext());
    expect(outcome).toEqual({
      status: 'FAIL',
      message: 'Broker orders is publicly accessible from the internet.',
    });
  });

  it('returns PASS when the broker is private', () => {
    expect(mqPublicAccess.evaluate(makeFacts(), makeContext()).status).toBe('PASS');
  });
});

describe('Check: mq-single-instance-production', () => {
  it.each([
    ['SINGLE_INSTANCE', { env: 'production' }, 'FAIL'],
    ['SINGLE_INSTANCE', { Environment: 'PROD' }, 'FAIL'],
    ['SINGLE_INSTANCE', { env: 'dev' }, 'PASS'],
    ['SINGLE_INSTANCE', {}, 'PASS'],
    ['ACTIVE_STANDBY_MULTI_AZ', { env: 'production' }, 'PASS'],
    ['CLUSTER_MULTI_AZ', { env: 'prod' }, 'PASS'],
  ] as const)('mode %s with tags %j gives %s', (mode, tags, status) => {
    const facts = makeFacts({ deploymentMode: mode, tags: { ...tags } });
    expect(mqSingleInstanceProduction.evaluate(facts, makeContext()).status).toBe(status);
  });

  it('follows the policy for what production means', () => {
    const facts = makeFacts({ deploymentMode: 'SINGLE_INSTANCE', tags: { tier: 'gold' } });
    const context = makeContext({ policy: { productionTags: { tier: ['gold'] } } });
    expect(mqSingleInstanceProduction.evaluate(facts, context).status).toBe('FAIL');
  });
});

describe('Check: mq-audit-logs', () => {
  it('applies to ActiveMQ only', () => {
    expect(applies(mqAuditLogs, makeBroker())).toBe(true);
    expect(applies(mqAuditLogs, makeBroker({ engine: 'RABBITMQ', logs: { general: true } }))).toBe(false);
  });

  it('returns FAIL when the audit log is off and PASS when on', () => {
    expect(
      mqAuditLogs.evaluate(makeFacts({ logs: { general: true, audit: false } }), makeContext()).status,
    ).toBe('FAIL');
    expect(mqAuditLogs.evaluate(makeFacts(), makeContext()).status).toBe('PASS');
  });
});
