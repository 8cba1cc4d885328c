import { describe, expect, it } from 'vitest';
import type { Check } from '../../src/check';
import { ASFF_FINDING_TYPE, ASFF_LIMITS, clipChars, toAsff } from '../../src/report/asff';
import { findingBuilder, makeDiff, makeReport } from '../helpers/report';

const finding = findingBuilder({ region: 'eu-west-1', engine: 'RABBITMQ' });

const CHECK: Check = {
  id: 'chk-ha',
  title: 'Production broker is highly available',
  severity: 'MEDIUM',
  rationale: 'A single instance is down during every reboot.',
  remediation: 'Create a cluster broker.',
  controls: { securityHub: 'MQ.5 / MQ.6', awsConfig: 'mq-active-deployment-mode' },
  evaluate: () => ({ status: 'PASS', message: '' }),
};
const lookup = (id: string) => (id === CHECK.id ? CHECK : undefined);

/** The top-level attributes Security Hub requires of every finding. */
const REQUIRED = [
  'AwsAccountId',
  'CreatedAt',
  'Description',
  'GeneratorId',
  'Id',
  'ProductArn',
  'Resources',
  'SchemaVersion',
  'Severity',
  'Title',
  'Types',
  'UpdatedAt',
];

describe('Function: toAsff', () => {
  it('maps a failing finding onto every required ASFF attribute', () => {
    // Act
    const [asff] = toAsff(makeReport([finding('orders', 'chk-ha', { severity: 'MEDIUM' })]), { lookup });

    // Assess
    for (const key of REQUIRED) expect(asff, key).toHaveProperty(key);
    expect(asff).toEqual({
      SchemaVersion: '2018-10-08',
      Id: 'chk-ha/arn:aws:mq:eu-west-1:123456789012:broker:orders:b-orders',
      ProductArn: 'arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default',
      GeneratorId: 'mqops/chk-ha',
      AwsAccountId: '123456789012',
      Types: ['Software and Configuration Checks/AWS Security Best Practices'],
      CreatedAt: '2026-11-25T00:00:01.000Z',
      UpdatedAt: '2026-11-25T00:00:01.000Z',
      Severity: { Label: 'MEDIUM', Original: 'MEDIUM' },
      FindingProviderFields: {
        Severity: { Label: 'MEDIUM', Original: 'MEDIUM' },
        Types: ['Software and Configuration Checks/AWS Security Best Practices'],
      },
      Title: 'Production broker is highly available',
      Description: 'Broker orders fails chk-ha. A single instance is down during every reboot.',
      Remediation: { Recommendation: { Text: 'finding remediation of chk-ha' } },
      ProductFields: {
        'mqops/CheckId': 'chk-ha',
        'mqops/Status': 'FAIL',
        'mqops/BrokerName': 'orders',
        'mqops/Engine': 'RABBITMQ',
      },
      Resources: [
        {
          Type: 'AwsAmazonMqBroker',
          Id: 'arn:aws:mq:eu-west-1:123456789012:broker:orders:b-orders',
          Partition: 'aws',
          Region: 'eu-west-1',
          Details: {
            AwsAmazonMqBroker: {
              BrokerArn: 'arn:aws:mq:eu-west-1:123456789012:broker:orders:b-orders',
              BrokerId: 'b-orders',
              BrokerName: 'orders',
              EngineType: 'RABBITMQ',
            },
          },
        },
      ],
      Compliance: { Status: 'FAILED', RelatedRequirements: ['MQ.5', 'MQ.6', 'mq-active-deployment-mode'] },
      Workflow: { Status: 'NEW' },
      RecordState: 'ACTIVE',
    });
  });

  it.each([
    ['FAIL', 'FAILED', 'NEW', 'ACTIVE'],
    ['PASS', 'PASSED', 'RESOLVED', 'ARCHIVED'],
    ['UNKNOWN', 'NOT_AVAILABLE', 'NEW', 'ACTIVE'],
  ] as const)('exports a %s result as %s, workflow %s, record %s', (status, compliance, workflow, record) => {
    // Act
    const [asff] = toAsff(makeReport([finding('a', 'chk-ha', { status })]), { lookup });

    // Assess
    expect(asff!.Compliance.Status).toBe(compliance);
    expect(asff!.Workflow.Status).toBe(workflow);
    expect(asff!.RecordState).toBe(record);
    expect(asff!.ProductFields['mqops/Status']).toBe(status);
  });

  it.each([
    ['CRITICAL', 'CRITICAL'],
    ['HIGH', 'HIGH'],
    ['MEDIUM', 'MEDIUM'],
    ['LOW', 'LOW'],
    ['INFO', 'INFORMATIONAL'],
  ] as const)('labels severity %s as %s, also in FindingProviderFields', (severity, label) => {
    // Act
    const [asff] = toAsff(makeReport([finding('a', 'x', { severity })]));

    // Assess
    expect(asff!.Severity).toEqual({ Label: label, Original: severity });
    expect(asff!.FindingProviderFields.Severity).toEqual({ Label: label, Original: severity });
  });

  it('exports every result, passing and unknown ones too, with stable unique ids', () => {
    // Prepare
    const results = [
      finding('a', 'chk-ha'),
      finding('b', 'chk-ha', { status: 'PASS' }),
      finding('c', 'chk-ha', { status: 'UNKNOWN' }),
    ];

    // Act
    const first = toAsff(makeReport(results));
    const again = toAsff(makeReport(results));

    // Assess
    expect(first.map((f) => f.Id)).toEqual(results.map((r) => r.fingerprint));
    expect(again.map((f) => f.Id)).toEqual(first.map((f) => f.Id));
  });

  it('keeps a suppressed failure FAILED and active, starting its workflow SUPPRESSED', () => {
    // Prepare
    const suppressed = finding('a', 'chk-ha', {
      suppressed: { reason: 'dev broker', expires: '2027-03-31', source: 'tag' },
    });

    // Act
    const [asff] = toAsff(makeReport([suppressed]), { lookup });

    // Assess
    expect(asff!.Compliance.Status).toBe('FAILED');
    expect(asff!.RecordState).toBe('ACTIVE');
    expect(asff!.Workflow.Status).toBe('SUPPRESSED');
    expect(asff!.ProductFields['mqops/Suppressed']).toBe('dev broker (until 2027-03-31, from tag)');
  });

  it('archives the findings of brokers deleted since the last run', () => {
    // Prepare
    const remembered = {
      fingerprint: 'chk-ha/arn:aws:mq:eu-west-1:123456789012:broker:old:b-old',
      checkId: 'chk-ha',
      severity: 'MEDIUM',
      brokerArn: 'arn:aws:mq:eu-west-1:123456789012:broker:old:b-old',
      brokerName: 'old',
      message: 'Broker old runs as a single instance.',
      firstSeen: '2026-10-01T00:00:00.000Z',
      lastSeen: '2026-11-24T00:00:00.000Z',
    };
    const diff = makeDiff({
      gone: [{ ...remembered, reason: 'broker-gone' as const }],
      fixed: [{ ...remembered, fingerprint: 'passed-one', reason: 'passed' as const }],
    });

    // Act
    const findings = toAsff(makeReport([], { diff }), { lookup });

    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      Id: remembered.fingerprint,
      ProductArn: 'arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default',
      GeneratorId: 'mqops/chk-ha',
      AwsAccountId: '123456789012',
      CreatedAt: '2026-10-01T00:00:00.000Z',
      UpdatedAt: '2026-11-25T00:00:01.000Z',
      Severity: { Label: 'MEDIUM', Original: 'MEDIUM' },
      Title: 'Production broker is highly available',
      Resources: [
        {
          Type: 'AwsAmazonMqBroker',
          Id: remembered.brokerArn,
          Partition: 'aws',
          Region: 'eu-west-1',
          Details: {
            AwsAmazonMqBroker: { BrokerArn: remembered.brokerArn, BrokerId: 'b-old', BrokerName: 'old' },
          },
        },
      ],
      Compliance: { Status: 'NOT_AVAILABLE' },
      Workflow: { Status: 'RESOLVED' },
      RecordState: 'ARCHIVED',
    });
    expect(findings[0]!.Description).toContain('Broker old was deleted');
    for (const key of REQUIRED) expect(findings[0], key).toHaveProperty(key);
  });

  it('takes the importing account, product ARN and generator prefix from the options', () => {
    // Prepare
    const report = makeReport([finding('a', 'chk-ha')]);

    // Act
    const [byAccount] = toAsff(report, { accountId: '999999999999', generatorPrefix: 'acme-mqops' });
    const [byProduct] = toAsff(report, { productArn: 'arn:aws:securityhub:eu-west-1::product/acme/mqops' });

    // Assess
    expect(byAccount!.ProductArn).toBe(
      'arn:aws:securityhub:eu-west-1:999999999999:product/999999999999/default',
    );
    expect(byAccount!.AwsAccountId).toBe('123456789012');
    expect(byAccount!.GeneratorId).toBe('acme-mqops/chk-ha');
    expect(byProduct!.ProductArn).toBe('arn:aws:securityhub:eu-west-1::product/acme/mqops');
  });

  it('keeps the first-seen time as CreatedAt when it is known', () => {
    // Prepare
    const f = finding('a', 'chk-ha');

    // Act
    const [asff] = toAsff(makeReport([f]), {
      firstSeen: new Map([[f.fingerprint, '2026-10-01T00:00:00.000Z']]),
    });

    // Assess
    expect(asff!.CreatedAt).toBe('2026-10-01T00:00:00.000Z');
    expect(asff!.UpdatedAt).toBe('2026-11-25T00:00:01.000Z');
  });

  it('uses the partition of the broker ARN', () => {
    // Prepare
    const cn = finding('a', 'chk-ha', {
      broker: {
        id: 'b-1',
        name: 'a',
        arn: 'arn:aws-cn:mq:cn-north-1:123456789012:broker:a:b-1',
        region: 'cn-north-1',
        accountId: '123456789012',
        engine: 'ACTIVEMQ',
      },
    });

    // Act
    const [asff] = toAsff(makeReport([cn]));

    // Assess
    expect(asff!.ProductArn).toBe(
      'arn:aws-cn:securityhub:cn-north-1:123456789012:product/123456789012/default',
    );
    expect(asff!.Resources[0]!.Partition).toBe('aws-cn');
  });

  it('leaves RelatedRequirements out for a check without controls, and reads the built-in catalog by default', () => {
    // Act
    const [unknownCheck] = toAsff(makeReport([finding('a', 'chk-none')]));
    const [builtIn] = toAsff(makeReport([finding('a', 'mq-audit-logs')]));

    // Assess
    expect(unknownCheck!.Compliance).toEqual({ Status: 'FAILED' });
    expect(unknownCheck!.Title).toBe('title of chk-none');
    expect(builtIn!.Compliance.RelatedRequirements).toContain('MQ.2');
  });

  it('cuts Title, Description and Remediation text to the ASFF limits', () => {
    // Prepare
    const long = finding('a', 'chk-x', {
      title: 'T'.repeat(400),
      message: '✓'.repeat(3000),
      remediation: 'R'.repeat(2000),
    });

    // Act
    const [asff] = toAsff(makeReport([long]));

    // Assess
    expect(Array.from(asff!.Title)).toHaveLength(ASFF_LIMITS.title);
    expect(Array.from(asff!.Description)).toHaveLength(ASFF_LIMITS.description);
    expect(Array.from(asff!.Remediation.Recommendation.Text)).toHaveLength(ASFF_LIMITS.recommendationText);
    expect(asff!.Description.endsWith('…')).toBe(true);
  });

  it.each([
    ['short', 5, 'short'],
    ['exactly', 7, 'exactly'],
    ['too long', 4, 'too…'],
    ['😀😀😀😀', 3, '😀😀…'],
  ])('clipChars(%j, %d) is %j', (text, max, expected) => {
    expect(clipChars(text, max)).toBe(expected);
  });

  it('gives a non-empty Remediation text even when the finding has none', () => {
    // Act
    const [asff] = toAsff(makeReport([finding('a', 'chk-x', { remediation: '' })]));

    // Assess
    expect(asff!.Remediation.Recommendation.Text.length).toBeGreaterThan(0);
  });

  it('exports nothing for a report without results', () => {
    expect(toAsff(makeReport([]))).toEqual([]);
  });

  it('keeps every finding of a huge report within the size and length limits', () => {
    // Prepare
    const many = Array.from({ length: 2000 }, (_, i) =>
      finding(`broker-${i}-${'n'.repeat(200)}`, `chk-${i % 7}`, {
        message: 'm'.repeat(5000),
        remediation: 'r'.repeat(5000),
        title: 't'.repeat(1000),
      }),
    );

    // Act
    const findings = toAsff(makeReport(many));

    // Assess
    expect(findings).toHaveLength(2000);
    expect(new Set(findings.map((f) => f.Id)).size).toBe(2000);
    for (const f of findings) {
      expect(Buffer.byteLength(JSON.stringify(f))).toBeLessThanOrEqual(ASFF_LIMITS.findingBytes);
      expect(f.Id.length).toBeLessThanOrEqual(ASFF_LIMITS.id);
      expect(f.Title.length).toBeLessThanOrEqual(ASFF_LIMITS.title);
      expect(f.Description.length).toBeLessThanOrEqual(ASFF_LIMITS.description);
      expect(f.Remediation.Recommendation.Text.length).toBeLessThanOrEqual(ASFF_LIMITS.recommendationText);
      expect(f.Types).toEqual([ASFF_FINDING_TYPE]);
    }
  });
});
