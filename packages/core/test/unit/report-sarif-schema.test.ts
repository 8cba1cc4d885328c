import { readFileSync } from 'node:fs';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { AuditReport, Finding, InventoryError } from '../../src/audit';
import {
  BROKER_REGION,
  brokerArtifactUri,
  MQOPS_INFORMATION_URI,
  renderSarif,
  SARIF_SCHEMA,
  type SarifLog,
} from '../../src/report/sarif';
import { findingBuilder, makeDiff, makeReport } from '../helpers/report';

/**
 * The published SARIF 2.1.0 JSON schema, vendored unchanged (see ../fixtures/README.md for where it comes from). It
 * is a draft-04 schema, hence Ajv's draft-04 class; ajv-formats checks its `uri`, `uri-reference` and `date-time`.
 * `unicodeRegExp: false`: the 2.1.0 schema's `language` pattern (`…-[a-zA-Z]{2}]?$`, fixed in errata 01) is not a
 * valid regular expression in Unicode mode; without the flag it compiles as the schema's authors tested it.
 */
const SCHEMA = JSON.parse(
  readFileSync(new URL('../fixtures/sarif-schema-2.1.0.json', import.meta.url), 'utf8'),
);
const ajv = new Ajv({ allErrors: true, unicodeRegExp: false });
addFormats(ajv);
const validateSarif = ajv.compile(SCHEMA);

/** The schema violations of a log, as `path: message` lines (empty when valid). */
function schemaErrors(log: unknown): string[] {
  // Validate the JSON a consumer reads, not the objects (undefined properties, shared references).
  if (validateSarif(JSON.parse(JSON.stringify(log)))) return [];
  return (validateSarif.errors ?? []).map(
    (e) => `${e.instancePath || '/'}: ${e.message} ${JSON.stringify(e.params)}`,
  );
}

/** The coverage model of the report (`AuditReport.outcome`), built structurally. */
interface Outcome {
  status: 'complete' | 'partial' | 'failed';
  covered: number;
  gaps: { target: string; broker?: string; check?: string; reason: string }[];
}

function withOutcome(report: AuditReport, outcome: Outcome): AuditReport {
  return { ...report, outcome } as AuditReport;
}

/** An inventory error of a broker (`target` with `brokerId`), or of a whole target (`brokerId` alone, older shape). */
const inventoryError = (error: { target?: string; brokerId?: string; message: string }) =>
  error as unknown as InventoryError;

/** A diff with these new and still-open findings and nothing else. */
const diffOf = (fresh: Finding[], stillOpen: Finding[]) => makeDiff({ new: fresh, stillOpen });

const east = findingBuilder();
const west = findingBuilder({ region: 'eu-west-1', engine: 'RABBITMQ' });

/** A broker of the same name in another account. */
function inAccount(f: Finding, accountId: string): Finding {
  const arn = f.broker.arn.replace(':123456789012:', `:${accountId}:`);
  return { ...f, fingerprint: `${f.checkId}/${arn}`, broker: { ...f.broker, accountId, arn } };
}

const fresh = east('orders', 'mq-public-access');
const stillOpen = east('orders', 'mq-audit-logs', { severity: 'MEDIUM' });

/** Failures at every severity in two regions and two accounts, UNKNOWN, PASS, suppressed and off-catalog findings. */
const FINDINGS: Finding[] = [
  fresh,
  stillOpen,
  east('orders', 'mq-broker-state'),
  east('payments', 'mq-engine-end-of-support-soon', { severity: 'LOW' }),
  east('payments', 'mq-activemq-authorization-everyone', {
    message: 'Broker payments lets `everyone` write to `>` (see <authorizationEntry>) & more.',
  }),
  east('payments', 'mq-required-tags', { severity: 'INFO', status: 'FAIL' }),
  east('legacy', 'mq-public-access', {
    suppressed: { reason: 'internet-facing by design', expires: '2027-06-30', source: 'config' },
  }),
  east('payments', 'mq-public-access', { status: 'PASS', message: 'Broker payments is private.' }),
  west('events', 'mq-rabbitmq-guest-user'),
  west('events', 'mq-rabbitmq-queue-backlog', {
    severity: 'MEDIUM',
    status: 'UNKNOWN',
    message: 'Broker events could not be checked: management API unreachable.',
  }),
  inAccount(west('events', 'mq-rabbitmq-guest-user'), '210987654321'),
  west('events', 'mq-retired-check', { severity: 'MEDIUM' }),
];

const GAPS: Outcome['gaps'] = [
  { target: '345678901234/ap-southeast-2', reason: 'not listed: AccessDeniedException' },
  { target: '123456789012/us-east-1', broker: 'b-ghost', reason: 'not audited: NotFoundException' },
  {
    target: '123456789012/eu-west-1',
    broker: 'events',
    check: 'mq-rabbitmq-queue-backlog',
    reason: 'management API unreachable',
  },
];

const ERRORS = [
  inventoryError({ target: '345678901234/ap-southeast-2', message: 'AccessDeniedException' }),
  inventoryError({ target: '123456789012/us-east-1', brokerId: 'b-ghost', message: 'NotFoundException' }),
];

const realistic = makeReport(FINDINGS, { errors: ERRORS, diff: diffOf([fresh], [stillOpen]) });
const partial = withOutcome(realistic, { status: 'partial', covered: 4, gaps: GAPS });

/** What GitHub code scanning requires of a run and its results to accept and display them. */
function expectGitHubReady(log: SarifLog): void {
  for (const run of log.runs) {
    expect(run.tool.driver.name).toBe('mqops');
    for (const rule of run.tool.driver.rules) {
      expect(rule.id).not.toBe('');
      for (const text of [rule.shortDescription.text, rule.fullDescription.text, rule.help.text])
        expect(text).not.toBe('');
    }
    for (const result of run.results) {
      expect(result.ruleId).not.toBe('');
      expect(result.message.text).not.toBe('');
      expect(result.locations.length).toBeGreaterThanOrEqual(1);
      // GitHub reads only the first location.
      const { physicalLocation, logicalLocations } = result.locations[0]!;
      expect(physicalLocation.artifactLocation.uri).toMatch(/^mq\/[^/]+\/[^/]+\/[^/]+$/);
      expect(physicalLocation.region.startLine).toBeGreaterThanOrEqual(1);
      for (const n of ['startLine', 'startColumn', 'endLine', 'endColumn'] as const)
        expect(Number.isInteger(physicalLocation.region[n])).toBe(true);
      expect(logicalLocations[0]!.fullyQualifiedName).toMatch(/^arn:aws:mq:/);
      expect(Object.values(result.partialFingerprints).every((v) => v.length > 0)).toBe(true);
    }
  }
}

describe('Function: renderSarif against the SARIF 2.1.0 schema', () => {
  it.each([
    [
      'a partial audit with every kind of finding and gap',
      () => renderSarif(partial, { includeUnknown: true }),
    ],
    ['the same without UNKNOWN results', () => renderSarif(partial, { toolVersion: '0.2.0' })],
    ['a report with inventory errors', () => renderSarif(realistic)],
    [
      'a failed audit',
      () =>
        renderSarif(
          withOutcome(makeReport([], { errors: [ERRORS[0]!] }), {
            status: 'failed',
            covered: 0,
            gaps: [GAPS[0]!],
          }),
        ),
    ],
    ['a complete audit without findings', () => renderSarif(makeReport([]))],
  ])('%s is a valid log that GitHub code scanning accepts', (_name, render) => {
    // Act
    const log = render();

    // Assess
    expect(log.$schema).toBe(SARIF_SCHEMA);
    expect(schemaErrors(log)).toEqual([]);
    expectGitHubReady(log);
  });

  it('catches what the schema forbids (the validation is not vacuous)', () => {
    // Prepare
    const log = JSON.parse(JSON.stringify(renderSarif(partial)));
    log.runs[0].results[0].kind = 'broken';
    delete log.runs[0].results[1].message;
    log.runs[0].results[2].locations[0].physicalLocation.region.startLine = 0;

    // Act
    const errors = schemaErrors(log);

    // Assess
    expect(errors.some((e) => e.startsWith('/runs/0/results/0/kind'))).toBe(true);
    expect(errors.some((e) => e.startsWith('/runs/0/results/1'))).toBe(true);
    expect(errors.some((e) => e.startsWith('/runs/0/results/2/locations/0/physicalLocation/region'))).toBe(
      true,
    );
  });
});

describe('Function: renderSarif for GitHub code scanning', () => {
  it('gives every result a physical location GitHub displays, and keeps the logical one', () => {
    // Act
    const log = renderSarif(partial, { includeUnknown: true });

    // Assess
    expectGitHubReady(log);
    const results = log.runs[0].results;
    expect(results).toHaveLength(11);
    expect(results.some((r) => r.kind === 'open')).toBe(true);
    expect(results.some((r) => r.suppressions)).toBe(true);
    expect(
      results.find((r) => r.ruleId === 'mq-retired-check')!.locations[0]!.physicalLocation,
    ).toBeDefined();
  });

  it('locates a finding in its broker: mq/<account>/<region>/<broker name> at line 1', () => {
    // Act
    const [result] = renderSarif(makeReport([fresh])).runs[0].results;

    // Assess
    expect(result!.locations).toEqual([
      {
        physicalLocation: {
          artifactLocation: { uri: 'mq/123456789012/us-east-1/orders' },
          region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
        },
        logicalLocations: [
          {
            fullyQualifiedName: 'arn:aws:mq:us-east-1:123456789012:broker:orders:b-orders',
            name: 'orders',
            kind: 'resource',
          },
        ],
      },
    ]);
    expect(result!.partialFingerprints).toEqual({ 'mqops/v1': fresh.fingerprint });
    expect(BROKER_REGION.startLine).toBe(1);
  });

  it('keeps locations and fingerprints stable across runs, and apart for brokers of the same name elsewhere', () => {
    // Prepare: the next run finds the same failures in another order, with one more.
    const next = [...FINDINGS].reverse().concat(east('orders', 'mq-general-logs', { severity: 'MEDIUM' }));
    const where = (log: SarifLog) =>
      new Map(
        log.runs[0].results.map((r) => [
          r.partialFingerprints['mqops/v1'],
          r.locations[0]!.physicalLocation.artifactLocation.uri,
        ]),
      );

    // Act
    const first = where(renderSarif(partial));
    const second = where(
      renderSarif(withOutcome(makeReport(next), { status: 'complete', covered: 5, gaps: [] })),
    );

    // Assess
    for (const [fingerprint, uri] of first) expect(second.get(fingerprint)).toBe(uri);
    const events = [...first.values()].filter((uri) => uri.endsWith('/events'));
    expect(new Set(events)).toEqual(
      new Set(['mq/123456789012/eu-west-1/events', 'mq/210987654321/eu-west-1/events']),
    );
    expect(new Set(first.values()).size).toBe(5); // orders, payments, legacy, events twice
  });

  it('encodes each path segment, so any broker name makes a valid URI reference', () => {
    // Act
    const uri = brokerArtifactUri({ accountId: '123456789012', region: 'us-east-1', name: 'a b/c#d?e%' });
    const log = renderSarif(
      makeReport([east('x', 'mq-public-access', { broker: { ...fresh.broker, name: 'a b/c#d?e%' } })]),
    );

    // Assess
    expect(uri).toBe('mq/123456789012/us-east-1/a%20b%2Fc%23d%3Fe%25');
    expect(log.runs[0].results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe(uri);
    expect(schemaErrors(log)).toEqual([]);
  });

  it('names the project at an absolute https address, overridable', () => {
    // Act
    const driver = renderSarif(makeReport([])).runs[0].tool.driver;
    const custom = renderSarif(makeReport([]), { informationUri: 'https://mqops.example.org/docs' }).runs[0]
      .tool.driver;

    // Assess
    expect(driver.informationUri).toBe(MQOPS_INFORMATION_URI);
    const url = new URL(driver.informationUri);
    expect(url.protocol).toBe('https:');
    expect(url.hostname).not.toMatch(/(^|\.)(example\.(com|org|net)|localhost)$/);
    expect(driver.informationUri).not.toMatch(/todo|placeholder|your-org/i);
    expect(custom.informationUri).toBe('https://mqops.example.org/docs');
  });
});

describe('Function: renderSarif invocation', () => {
  it('is successful with no notification when the outcome is complete', () => {
    // Act
    const [invocation] = renderSarif(
      withOutcome(makeReport(FINDINGS), { status: 'complete', covered: 5, gaps: [] }),
    ).runs[0].invocations;

    // Assess
    expect(invocation).toMatchObject({ executionSuccessful: true, toolExecutionNotifications: [] });
  });

  it('is unsuccessful for a partial audit, with one notification per gap naming target, broker, check and reason', () => {
    // Act
    const [invocation] = renderSarif(
      withOutcome(makeReport(FINDINGS), { status: 'partial', covered: 4, gaps: GAPS }),
    ).runs[0].invocations;

    // Assess
    expect(invocation!.executionSuccessful).toBe(false);
    expect(invocation!.toolExecutionNotifications).toEqual([
      {
        level: 'error',
        message: { text: 'Not covered: 345678901234/ap-southeast-2: not listed: AccessDeniedException' },
        locations: [
          { logicalLocations: [{ fullyQualifiedName: '345678901234/ap-southeast-2', kind: 'resource' }] },
        ],
      },
      {
        level: 'warning',
        message: {
          text: 'Not covered: 123456789012/us-east-1 broker b-ghost: not audited: NotFoundException',
        },
        locations: [
          { logicalLocations: [{ fullyQualifiedName: '123456789012/us-east-1/b-ghost', kind: 'resource' }] },
        ],
      },
      {
        level: 'warning',
        message: {
          text: 'Not covered: 123456789012/eu-west-1 broker events check mq-rabbitmq-queue-backlog: management API unreachable',
        },
        locations: [
          { logicalLocations: [{ fullyQualifiedName: '123456789012/eu-west-1/events', kind: 'resource' }] },
        ],
        associatedRule: { id: 'mq-rabbitmq-queue-backlog' },
      },
    ]);
  });

  it('makes every gap of a failed audit an error, and says it failed even without gaps', () => {
    // Act
    const withGaps = renderSarif(withOutcome(makeReport([]), { status: 'failed', covered: 0, gaps: GAPS }));
    const bare = renderSarif(withOutcome(makeReport([]), { status: 'failed', covered: 0, gaps: [] }));

    // Assess
    const notifications = withGaps.runs[0].invocations[0]!.toolExecutionNotifications;
    expect(withGaps.runs[0].invocations[0]!.executionSuccessful).toBe(false);
    expect(notifications.map((n) => n.level)).toEqual(['error', 'error', 'error']);
    expect(bare.runs[0].invocations[0]).toMatchObject({
      executionSuccessful: false,
      toolExecutionNotifications: [{ level: 'error', message: { text: expect.stringContaining('failed') } }],
    });
    expect(schemaErrors(bare)).toEqual([]);
  });
});
