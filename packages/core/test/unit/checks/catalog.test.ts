import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiredActions } from '../../../src/check';
import { CHECKS } from '../../../src/checks';

const root = join(import.meta.dirname, '..', '..', '..');
const SLICE = ['mq-public-access', 'mq-single-instance-production', 'mq-audit-logs'];

/** The API calls (IAM actions) each kind of fact comes from, as the sources in packages/aws make them (a second, independent declaration of core's FACT_ACTIONS). */
const FACT_ACTIONS: Record<string, string[]> = {
  securityGroups: ['ec2:DescribeSecurityGroups'],
  subnets: ['ec2:DescribeSubnets'],
  configuration: ['mq:DescribeConfigurationRevision'],
  activeMqUsers: ['mq:DescribeUser'],
  credentials: ['secretsmanager:ListSecrets'],
  rabbit: ['secretsmanager:ListSecrets', 'secretsmanager:GetSecretValue'],
};

describe('Check catalog', () => {
  it('has at least 30 checks', () => {
    expect(CHECKS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CHECKS.map((c) => [c.id]))('%s lives in its own folder, named after its id', (id) => {
    expect(existsSync(join(root, 'src', 'checks', id, 'index.ts'))).toBe(true);
  });

  it.each(CHECKS.map((c) => [c.id]))('%s has a test with a passing and a failing broker', (id) => {
    const file = SLICE.includes(id)
      ? join(root, 'test', 'unit', 'checks', 'slice.test.ts')
      : join(root, 'test', 'unit', 'checks', `${id}.test.ts`);
    expect(existsSync(file), file).toBe(true);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/'PASS'|"PASS"|PASS/);
    expect(text).toMatch(/'FAIL'|"FAIL"|FAIL/);
  });

  it.each(CHECKS.map((c) => [c.id, c] as const))(
    '%s requires the API calls behind the facts it needs, and no other',
    (_id, check) => {
      const expected = [
        'mq:DescribeBroker',
        ...(check.needs ?? []).flatMap((kind) => FACT_ACTIONS[kind] ?? []),
      ];
      expect([...requiredActions(check)].sort()).toEqual([...new Set(expected)].sort());
    },
  );

  it('maps the Security Hub and AWS Config controls the peers have', () => {
    const controls = CHECKS.flatMap((c) => [c.controls?.securityHub ?? '', c.controls?.awsConfig ?? '']).join(
      ' ',
    );
    for (const control of ['MQ.2', 'MQ.3', 'MQ.4', 'MQ.5', 'MQ.6']) expect(controls).toContain(control);
    for (const rule of [
      'mq-no-public-access',
      'mq-auto-minor-version-upgrade-enabled',
      'mq-cloudwatch-audit-log-enabled',
      'mq-active-broker-ldap-authentication',
      'mq-active-single-instance-broker-storage-type-efs',
      'active-mq-supported-version',
      'rabbit-mq-supported-version',
    ])
      expect(controls).toContain(rule);
  });
});
