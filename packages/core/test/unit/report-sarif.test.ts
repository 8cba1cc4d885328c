import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/audit';
import type { Check, Severity } from '../../src/check';
import { CHECKS } from '../../src/checks';
import { renderSarif, SARIF_LIMITS, SARIF_SCHEMA, type SarifLog } from '../../src/report/sarif';
import { findingBuilder, makeDiff, makeReport } from '../helpers/report';

const finding = findingBuilder();

/** A diff with these new and still-open findings and nothing else. */
const diffOf = (fresh: Finding[], stillOpen: Finding[]) => makeDiff({ new: fresh, stillOpen });

function check(id: string, severity: Severity, extra: Partial<Check> = {}): Check {
  return {
    id,
    title: `Title ${id}`,
    severity,
    rationale: `Why ${id}.`,
    remediation: `Fix ${id} with \`aws mq update-broker\`.`,
    evaluate: () => ({ status: 'PASS', message: '' }),
    ...extra,
  };
}

const CHECKS_UNDER_TEST = [
  check('chk-crit', 'CRITICAL'),
  check('chk-high', 'HIGH', { controls: { securityHub: 'MQ.5 / MQ.6', awsConfig: 'mq-rule' } }),
  check('chk-med', 'MEDIUM', { appliesTo: { engines: ['RABBITMQ'] } }),
  check('chk-low', 'LOW'),
  check('chk-info', 'INFO'),
];

const LEVELS = new Set(['none', 'note', 'warning', 'error']);
const KINDS = new Set(['notApplicable', 'pass', 'fail', 'review', 'open', 'informational']);

/**
 * The SARIF 2.1.0 schema rules a consumer relies on, as assertions: required properties, enums, types, the
 * `kind`/`level` rule, rule indexes and unique rule ids, valid URIs and timestamps.
 */
function expectValidSarif(log: SarifLog): void {
  const json = JSON.parse(JSON.stringify(log));
  expect(json).toEqual(log); // plain JSON: no undefined, dates or functions
  expect(json.$schema).toBe(SARIF_SCHEMA);
  expect(json.version).toBe('2.1.0');
  expect(Array.isArray(json.runs)).toBe(true);
  for (const run of json.runs) {
    const driver = run.tool.driver;
    expect(typeof driver.name).toBe('string');
    expect(() => new URL(driver.informationUri)).not.toThrow();
    const ids = driver.rules.map((r: { id: string }) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of driver.rules) {
      expect(typeof rule.id).toBe('string');
      expect(rule.name).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
      for (const m of [rule.shortDescription, rule.fullDescription, rule.help])
        expect(typeof m.text).toBe('string');
      expect(rule.shortDescription.text.length).toBeGreaterThan(0);
      expect(LEVELS.has(rule.defaultConfiguration.level)).toBe(true);
      expect(rule.properties.tags.length).toBeLessThanOrEqual(SARIF_LIMITS.tagsPerRule);
      expect(new Set(rule.properties.tags).size).toBe(rule.properties.tags.length);
      expect(Number(rule.properties['security-severity'])).toBeGreaterThanOrEqual(0);
    }
    expect(run.automationDetails.id).toMatch(/\/$/);
    for (const inv of run.invocations) {
      expect(typeof inv.executionSuccessful).toBe('boolean');
      expect(Number.isNaN(Date.parse(inv.startTimeUtc))).toBe(false);
      for (const n of inv.toolExecutionNotifications) {
        expect(typeof n.message.text).toBe('string');
        expect(LEVELS.has(n.level)).toBe(true);
      }
    }
    expect(run.results.length).toBeLessThanOrEqual(SARIF_LIMITS.resultsPerRun);
    for (const result of run.results) {
      expect(typeof result.message.text).toBe('string');
      expect(LEVELS.has(result.level)).toBe(true);
      expect(KINDS.has(result.kind)).toBe(true);
      if (result.kind !== 'fail') expect(result.level).toBe('none');
      expect(driver.rules[result.ruleIndex].id).toBe(result.ruleId);
      expect(result.locations.length).toBeGreaterThan(0);
      for (const location of result.locations) {
        expect(typeof location.physicalLocation.artifactLocation.uri).toBe('string');
        expect(location.physicalLocation.region.startLine).toBeGreaterThanOrEqual(1);
        for (const logical of location.logicalLocations) {
          expect(typeof logical.fullyQualifiedName).toBe('string');
          expect(logical.kind).toBe('resource');
        }
      }
      for (const value of Object.values(result.partialFingerprints)) expect(typeof value).toBe('string');
      if (result.baselineState !== undefined)
        expect(['new', 'unchanged', 'updated', 'absent']).toContain(result.baselineState);
      for (const suppression of result.suppressions ?? []) {
        expect(['inSource', 'external']).toContain(suppression.kind);
        expect(['accepted', 'underReview', 'rejected']).toContain(suppression.status);
      }
    }
  }
}

describe('Function: renderSarif', () => {
  const report = makeReport([
    finding('alpha', 'chk-high'),
    finding('alpha', 'chk-med', { severity: 'MEDIUM' }),
    finding('beta', 'chk-high', { status: 'PASS' }),
    finding('gamma', 'chk-low', {
      severity: 'LOW',
      status: 'UNKNOWN',
      message: 'Broker gamma could not be checked.',
    }),
  ]);

  it('is a valid SARIF 2.1.0 log with one mqops run', () => {
    // Prepare: an audit that covered everything (an UNKNOWN result is a gap in its coverage).
    const complete = makeReport(report.results.filter((r) => r.status !== 'UNKNOWN'));

    // Act
    const log = renderSarif(complete, { checks: CHECKS_UNDER_TEST, toolVersion: '1.2.3' });

    // Assess
    expectValidSarif(log);
    expect(log.runs).toHaveLength(1);
    expect(log.runs[0].tool.driver).toMatchObject({ name: 'mqops', version: '1.2.3' });
    expect(log.runs[0].invocations[0]).toMatchObject({
      executionSuccessful: true,
      startTimeUtc: '2026-11-25T00:00:00.000Z',
      endTimeUtc: '2026-11-25T00:00:01.000Z',
      toolExecutionNotifications: [],
    });
  });

  it('describes every check as a rule: title, rationale, remediation, controls as tags', () => {
    // Act
    const rules = renderSarif(report, { checks: CHECKS_UNDER_TEST }).runs[0].tool.driver.rules;

    // Assess
    expect(rules.map((r) => r.id)).toEqual(['chk-crit', 'chk-high', 'chk-med', 'chk-low', 'chk-info']);
    expect(rules[1]).toEqual({
      id: 'chk-high',
      name: 'ChkHigh',
      shortDescription: { text: 'Title chk-high' },
      fullDescription: { text: 'Why chk-high.' },
      help: {
        text: 'Fix chk-high with `aws mq update-broker`.',
        markdown: 'Fix chk-high with `aws mq update-broker`.',
      },
      defaultConfiguration: { level: 'error' },
      properties: {
        tags: ['security', 'amazon-mq', 'security-hub/MQ.5', 'security-hub/MQ.6', 'aws-config/mq-rule'],
        'security-severity': '8.0',
        precision: 'very-high',
      },
    });
    expect(rules[2]!.properties.tags).toEqual(['security', 'amazon-mq', 'rabbitmq']);
  });

  it.each([
    ['CRITICAL', 'error'],
    ['HIGH', 'error'],
    ['MEDIUM', 'warning'],
    ['LOW', 'note'],
    ['INFO', 'note'],
  ] as const)('maps severity %s to level %s on the rule and the result', (severity, level) => {
    // Prepare
    const id = `chk-${severity.toLowerCase()}`;

    // Act
    const run = renderSarif(makeReport([finding('a', id, { severity })]), { checks: [check(id, severity)] })
      .runs[0];

    // Assess
    expect(run.tool.driver.rules[0]!.defaultConfiguration.level).toBe(level);
    expect(run.results[0]!.level).toBe(level);
  });

  it('reports FAIL findings as results in the broker, at its ARN, with the fingerprint', () => {
    // Act
    const { results, tool } = renderSarif(report, { checks: CHECKS_UNDER_TEST, includeUnknown: false })
      .runs[0];

    // Assess
    expect(results).toHaveLength(2);
    expect(results[0]).toEqual({
      ruleId: 'chk-high',
      ruleIndex: 1,
      kind: 'fail',
      level: 'error',
      message: { text: 'Broker alpha fails chk-high.' },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'mq/123456789012/us-east-1/alpha' },
            region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
          },
          logicalLocations: [
            {
              fullyQualifiedName: 'arn:aws:mq:us-east-1:123456789012:broker:alpha:b-alpha',
              name: 'alpha',
              kind: 'resource',
            },
          ],
        },
      ],
      partialFingerprints: { 'mqops/v1': 'chk-high/arn:aws:mq:us-east-1:123456789012:broker:alpha:b-alpha' },
      properties: {
        severity: 'HIGH',
        brokerId: 'b-alpha',
        brokerName: 'alpha',
        region: 'us-east-1',
        accountId: '123456789012',
        engine: 'ACTIVEMQ',
      },
    });
    expect(tool.driver.rules[results[1]!.ruleIndex]!.id).toBe('chk-med');
  });

  it('adds UNKNOWN results as open results without a level when asked', () => {
    // Act
    const log = renderSarif(report, { checks: CHECKS_UNDER_TEST, includeUnknown: true });

    // Assess
    expectValidSarif(log);
    const open = log.runs[0].results.filter((r) => r.kind === 'open');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      ruleId: 'chk-low',
      level: 'none',
      message: { text: 'Broker gamma could not be checked.' },
    });
    expect(log.runs[0].results.at(-1)!.kind).toBe('open');
  });

  it('keeps what could not be evaluated as open results by default, so code scanning does not close it as fixed', () => {
    // Prepare: a finding remembered as failing whose broker could not be read this run.
    const remembered = {
      fingerprint: 'chk-high/arn:aws:mq:eu-west-1:123456789012:broker:omega:b-omega',
      checkId: 'chk-high',
      severity: 'HIGH',
      brokerArn: 'arn:aws:mq:eu-west-1:123456789012:broker:omega:b-omega',
      brokerName: 'omega',
      message: 'Broker omega fails chk-high.',
      firstSeen: '2026-10-01T00:00:00.000Z',
      lastSeen: '2026-11-24T00:00:00.000Z',
      reason: 'broker not audited: AccessDenied',
    };
    const partial = { ...report, diff: makeDiff({ notEvaluated: [remembered] }) };

    // Act
    const log = renderSarif(partial, { checks: CHECKS_UNDER_TEST });

    // Assess
    expectValidSarif(log);
    const open = log.runs[0].results.filter((r) => r.kind === 'open');
    expect(open.map((r) => r.partialFingerprints['mqops/v1'])).toEqual([
      'chk-high/arn:aws:mq:eu-west-1:123456789012:broker:omega:b-omega',
      expect.stringContaining('chk-low/'),
    ]);
    expect(open[0]).toMatchObject({
      level: 'none',
      message: { text: expect.stringContaining('Not evaluated this run (broker not audited: AccessDenied)') },
      locations: [{ physicalLocation: { artifactLocation: { uri: 'mq/123456789012/eu-west-1/omega' } } }],
    });
    expect(open[0]!.properties).not.toHaveProperty('engine');
    expect(open[0]).not.toHaveProperty('suppressions');
    // Remembered as suppressed: it stays dismissed.
    const suppression = {
      reason: 'Partner access, OPS-42',
      expires: '2027-01-31',
      source: 'config' as const,
    };
    const dismissed = renderSarif(
      { ...report, diff: makeDiff({ notEvaluated: [{ ...remembered, suppression } as typeof remembered] }) },
      { checks: CHECKS_UNDER_TEST },
    ).runs[0].results.find((r) => r.partialFingerprints['mqops/v1'] === remembered.fingerprint);
    expect(dismissed?.suppressions).toEqual([
      {
        kind: 'external',
        status: 'accepted',
        justification: 'Partner access, OPS-42 (until 2027-01-31, from config)',
      },
    ]);
    // A run of some brokers only is a category of its own.
    expect(renderSarif(report, { category: 'mqops/audit/brokers/alpha/' }).runs[0].automationDetails.id).toBe(
      'mqops/audit/brokers/alpha/',
    );
    expect(renderSarif(report).runs[0].automationDetails.id).toBe('mqops/audit/');
    expect(
      renderSarif(partial, { includeUnknown: false }).runs[0].results.some((r) => r.kind === 'open'),
    ).toBe(false);
  });

  it('marks a suppressed failure with an accepted external suppression', () => {
    // Prepare
    const suppressed = finding('delta', 'chk-high', {
      suppressed: { reason: 'dev broker', expires: '2027-03-31', source: 'tag' },
    });

    // Act
    const log = renderSarif(makeReport([suppressed]), { checks: CHECKS_UNDER_TEST });

    // Assess
    expectValidSarif(log);
    expect(log.runs[0].results[0]).toMatchObject({
      ruleId: 'chk-high',
      kind: 'fail',
      suppressions: [
        { kind: 'external', status: 'accepted', justification: 'dev broker (until 2027-03-31, from tag)' },
      ],
    });
    expect(log.runs[0].results[0]).not.toHaveProperty('baselineState');
  });

  it('says which results are new against the last run when the report carries a diff', () => {
    // Prepare
    const fresh = finding('alpha', 'chk-high');
    const old = finding('zeta', 'chk-high');

    // Act
    const withDiff = renderSarif(makeReport([fresh, old], { diff: diffOf([fresh], [old]) }), {
      checks: CHECKS_UNDER_TEST,
    });
    const without = renderSarif(makeReport([fresh, old]), { checks: CHECKS_UNDER_TEST });

    // Assess
    expect(withDiff.runs[0].results.map((r) => [r.properties.brokerName, r.baselineState])).toEqual([
      ['alpha', 'new'],
      ['zeta', 'unchanged'],
    ]);
    expect(without.runs[0].results.every((r) => r.baselineState === undefined)).toBe(true);
  });

  it('adds a rule for a finding whose check is not in the catalog', () => {
    // Act
    const log = renderSarif(makeReport([finding('a', 'chk-gone', { severity: 'MEDIUM' })]), {
      checks: CHECKS_UNDER_TEST,
    });

    // Assess
    expectValidSarif(log);
    const rule = log.runs[0].tool.driver.rules.at(-1)!;
    expect(rule).toMatchObject({
      id: 'chk-gone',
      shortDescription: { text: 'title of chk-gone' },
      fullDescription: { text: 'title of chk-gone' },
      help: { text: 'finding remediation of chk-gone' },
      defaultConfiguration: { level: 'warning' },
    });
    expect(log.runs[0].results[0]!.ruleIndex).toBe(5);
  });

  it('uses the built-in catalog by default, with unique rule ids', () => {
    // Act
    const log = renderSarif(makeReport([finding('a', 'mq-public-access')]));

    // Assess
    expectValidSarif(log);
    expect(log.runs[0].tool.driver.rules.map((r) => r.id)).toEqual(CHECKS.map((c) => c.id));
    expect(log.runs[0].results[0]!.ruleId).toBe('mq-public-access');
  });

  it('renders a report with no findings: rules, no results', () => {
    // Act
    const log = renderSarif(makeReport([]), { checks: CHECKS_UNDER_TEST });

    // Assess
    expectValidSarif(log);
    expect(log.runs[0].results).toEqual([]);
    expect(log.runs[0].tool.driver.rules).toHaveLength(5);
  });

  it('keeps a huge report within the results-per-run limit, most severe first, and says so', () => {
    // Prepare
    const many = Array.from({ length: SARIF_LIMITS.resultsPerRun + 5000 }, (_, i) =>
      i < 5000
        ? finding(`c${i}`, 'chk-crit', { severity: 'CRITICAL' })
        : finding(`l${i}`, 'chk-low', { severity: 'LOW' }),
    ).reverse();

    // Act
    const log = renderSarif(makeReport(many), { checks: CHECKS_UNDER_TEST });

    // Assess
    expectValidSarif(log);
    const { results, invocations } = log.runs[0];
    expect(results).toHaveLength(SARIF_LIMITS.resultsPerRun);
    expect(results.filter((r) => r.ruleId === 'chk-crit')).toHaveLength(5000);
    expect(invocations[0]!.toolExecutionNotifications).toEqual([
      {
        level: 'warning',
        message: {
          text: '5000 of 30000 results were left out to stay within 25000 results per run (least severe first).',
        },
      },
    ]);
  }, 30_000); // 25,000 results checked one by one: seconds on a loaded machine
});
