import type { AuditReport, Finding } from '../audit';
import { type Check, SEVERITY_ORDER, type Severity } from '../check';
import { CHECKS } from '../checks';
import { gapPlace } from '../outcome';
import type { AuditDiff, SuppressedFinding } from '../state';

/** The SARIF 2.1.0 JSON schema (OASIS standard, errata 01). */
export const SARIF_SCHEMA =
  'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/**
 * Where people learn about mqops (the SARIF `tool.driver.informationUri`, an absolute URI).
 * No package.json or README of this repository declares a public address (`repository`, `homepage`): this is the
 * expected GitHub home and must be confirmed when the project is published; override with `informationUri` meanwhile.
 */
export const MQOPS_INFORMATION_URI = 'https://github.com/mqops/mqops';

/**
 * The synthetic artifact a broker's results are located in, for consumers that require a physical location (GitHub
 * code scanning rejects a result without `physicalLocation.artifactLocation.uri`): `mq/<account>/<region>/<broker>`.
 * Brokers are not files, so this is a relative URI reference that names the broker, not a file of the repository:
 * - account and region first, so brokers of the same name in other accounts or regions never share a path;
 * - the broker name, not its id: readable in the alert list, and an Amazon MQ broker's name cannot change and is
 *   unique in its account and region (the id, in the ARN of the logical location, changes only when the broker is
 *   recreated);
 * - each segment percent-encoded, so the path is always a valid URI reference;
 * - no `uriBaseId`: GitHub reads a relative URI as a path from the repository root whatever its base, a
 *   `%SRCROOT%` would claim the path is a source file, and a base of our own would mean nothing to any viewer.
 * Stable across runs as long as the broker exists, so GitHub keeps matching its alerts to the same location.
 */
export function brokerArtifactUri(broker: Pick<Finding['broker'], 'accountId' | 'region' | 'name'>): string {
  return ['mq', broker.accountId || 'unknown-account', broker.region || 'unknown-region', broker.name]
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/**
 * Limits of GitHub code scanning, the most common SARIF consumer: uploads with more results per run are rejected,
 * and only this many tags per rule are kept.
 */
export const SARIF_LIMITS = { resultsPerRun: 25_000, tagsPerRule: 20 } as const;

export type SarifLevel = 'error' | 'warning' | 'note' | 'none';

/** SARIF `level` of a severity: CRITICAL/HIGH → error, MEDIUM → warning, LOW/INFO → note. */
export const SARIF_LEVEL: Record<Severity, SarifLevel> = {
  CRITICAL: 'error',
  HIGH: 'error',
  MEDIUM: 'warning',
  LOW: 'note',
  INFO: 'note',
};

/** GitHub's `security-severity` score (0.0–10.0, CVSS bands) of a severity. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  CRITICAL: '9.5',
  HIGH: '8.0',
  MEDIUM: '5.5',
  LOW: '3.0',
  INFO: '0.0',
};

interface SarifMessage {
  text: string;
  markdown?: string;
}

export interface SarifRule {
  id: string;
  name: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  help: SarifMessage;
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[]; 'security-severity': string; precision: 'very-high' };
}

/**
 * Where a result is: the broker's synthetic artifact ({@link brokerArtifactUri}) at its first line and column
 * ({@link BROKER_REGION}), and the broker ARN as a logical location.
 */
export interface SarifLocation {
  physicalLocation: { artifactLocation: { uri: string }; region: typeof BROKER_REGION };
  logicalLocations: { fullyQualifiedName: string; name: string; kind: 'resource' }[];
}

/**
 * The region of every result: the start of its broker's artifact. A broker has no lines, but GitHub code scanning
 * displays a result only with a region and documents start line, start column, end line and end column as
 * required, so all four are given (an empty region at 1:1, as other tools whose findings are not in files do).
 */
export const BROKER_REGION = { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 } as const;

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  /** `fail` for a failing check, `open` for one mqops could not evaluate (UNKNOWN). */
  kind: 'fail' | 'open';
  level: SarifLevel;
  message: SarifMessage;
  locations: SarifLocation[];
  partialFingerprints: { 'mqops/v1': string };
  /** A suppressed finding: accepted until a date, from a broker tag or the mqops configuration. */
  suppressions?: { kind: 'external'; status: 'accepted'; justification: string }[];
  /** Against the previous run, when the report carries a diff. */
  baselineState?: 'new' | 'unchanged';
  properties: {
    severity: Severity;
    brokerId: string;
    brokerName: string;
    region: string;
    accountId: string;
    /** Absent for a remembered finding not evaluated this run. */
    engine?: string;
  };
}

export interface SarifNotification {
  level: 'error' | 'warning' | 'note';
  message: SarifMessage;
  /** The target (`account/region`) or broker not covered, as a logical location. */
  locations?: { logicalLocations: { fullyQualifiedName: string; kind: 'resource' }[] }[];
  /** The check that could not be evaluated, for a gap of one check. */
  associatedRule?: { id: string };
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: [
    {
      tool: { driver: { name: 'mqops'; informationUri: string; version?: string; rules: SarifRule[] } };
      automationDetails: { id: string };
      invocations: {
        executionSuccessful: boolean;
        startTimeUtc: string;
        endTimeUtc: string;
        toolExecutionNotifications: SarifNotification[];
      }[];
      results: SarifResult[];
    },
  ];
}

/** Options of {@link renderSarif}. */
export interface SarifOptions {
  /**
   * The run's category (`automationDetails.id`), for a run that covers part of the fleet (`--broker`): code scanning
   * closes, as fixed, the alerts of its category that an upload no longer has. Default `mqops/audit/`.
   */
  category?: string;
  /** The rules to describe; default every built-in check (`CHECKS`). Checks a result names are always added. */
  checks?: readonly Check[];
  /**
   * Also report what could not be evaluated (SARIF `kind: 'open'`, level `none`): UNKNOWN results, and findings
   * remembered as failing that this run could not evaluate (the report's diff). Default true: a code scanning
   * service closes an alert whose result is missing from the next upload, and a finding that was not evaluated is
   * not fixed. `false` lists failures only.
   */
  includeUnknown?: boolean;
  /** `tool.driver.informationUri`; default {@link MQOPS_INFORMATION_URI}. */
  informationUri?: string;
  /** `tool.driver.version`. */
  toolVersion?: string;
}

/** `mq-public-access` → `MqPublicAccess` (SARIF rule names are identifier-like). */
function ruleName(id: string): string {
  return id
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

function controlIds(check: Pick<Check, 'controls'>): string[] {
  const { securityHub, awsConfig } = check.controls ?? {};
  return [
    ...(securityHub ? securityHub.split('/').map((s) => `security-hub/${s.trim()}`) : []),
    ...(awsConfig ? awsConfig.split('/').map((s) => `aws-config/${s.trim()}`) : []),
  ].filter((t) => !t.endsWith('/'));
}

function toRule(
  check: Pick<Check, 'id' | 'title' | 'severity' | 'rationale' | 'remediation' | 'controls' | 'appliesTo'>,
): SarifRule {
  const tags = [
    'security',
    'amazon-mq',
    ...(check.appliesTo?.engines ?? []).map((e) => e.toLowerCase()),
    ...controlIds(check),
  ].slice(0, SARIF_LIMITS.tagsPerRule);
  return {
    id: check.id,
    name: ruleName(check.id),
    shortDescription: { text: check.title },
    fullDescription: { text: check.rationale || check.title },
    help: { text: check.remediation, markdown: check.remediation },
    defaultConfiguration: { level: SARIF_LEVEL[check.severity] },
    properties: { tags, 'security-severity': SECURITY_SEVERITY[check.severity], precision: 'very-high' },
  };
}

/**
 * A finding remembered as failing that this run could not evaluate, as an UNKNOWN result at its broker (its broker
 * and region read from the ARN), so a code scanning service keeps its alert open instead of closing it as fixed.
 */
function notEvaluatedResult(f: AuditDiff['notEvaluated'][number]): Finding {
  const [, , , region = '', accountId = '', , name = f.brokerName, id = ''] = f.brokerArn.split(':');
  const { suppression } = f as Partial<SuppressedFinding>;
  return {
    fingerprint: f.fingerprint,
    checkId: f.checkId,
    title: f.checkId,
    severity: (SEVERITY_ORDER as readonly string[]).includes(f.severity) ? (f.severity as Severity) : 'INFO',
    status: 'UNKNOWN',
    message: `Not evaluated this run (${f.reason}); it failed before: ${f.message}`,
    remediation: '',
    // Remembered as suppressed: still dismissed, not an alert that comes back each time evaluation fails.
    ...(suppression ? { suppressed: suppression } : {}),
    // The engine is not remembered; renderSarif leaves it out of this result's properties.
    broker: { id, name, arn: f.brokerArn, region, accountId, engine: 'ACTIVEMQ' },
  };
}

/**
 * Whether the audit did all it was asked, and a notification per thing it did not do: successful only when the
 * report's outcome is complete, and one notification per coverage gap, an error when the audit failed or a whole
 * target was not covered, a warning for a broker or a check of one.
 */
function execution(report: AuditReport): {
  executionSuccessful: boolean;
  notifications: SarifNotification[];
} {
  const { outcome } = report;
  const notifications = outcome.gaps.map(
    (gap): SarifNotification => ({
      level: outcome.status === 'failed' || !(gap.broker || gap.check) ? 'error' : 'warning',
      message: { text: `Not covered: ${gapPlace(gap)}: ${gap.reason}` },
      locations: [
        {
          logicalLocations: [
            { fullyQualifiedName: gap.broker ? `${gap.target}/${gap.broker}` : gap.target, kind: 'resource' },
          ],
        },
      ],
      ...(gap.check ? { associatedRule: { id: gap.check } } : {}),
    }),
  );
  if (outcome.status !== 'complete' && notifications.length === 0)
    notifications.push({
      level: outcome.status === 'failed' ? 'error' : 'warning',
      message: { text: `The audit is ${outcome.status}: not everything asked was covered.` },
    });
  return { executionSuccessful: outcome.status === 'complete', notifications };
}

/**
 * The audit as a SARIF 2.1.0 log (for GitHub code scanning, Azure DevOps and other SARIF viewers): one run whose
 * driver lists every check as a rule (title, rationale, remediation, Security Hub / AWS Config controls as tags,
 * level from severity), and one result per failing finding. Brokers are not files, so each result is located in its
 * broker's synthetic artifact `mq/<account>/<region>/<broker>` at line 1 ({@link brokerArtifactUri}), which GitHub
 * code scanning requires, and at the broker ARN as a logical location (kind `resource`).
 * `partialFingerprints['mqops/v1']` is the finding's stable fingerprint, so a viewer tracks a finding across runs. A
 * suppressed finding carries an `accepted` external suppression with its reason; with a diff, results say whether
 * they are new (`baselineState`). The invocation is successful only when the audit covered everything asked (the
 * report's outcome is complete), and each coverage gap is a tool execution notification.
 * At most {@link SARIF_LIMITS}.resultsPerRun results, most severe first (a notification says how many were cut).
 *
 * @example
 * await writeFile('mqops.sarif', JSON.stringify(renderSarif(report), null, 2));
 */
export function renderSarif(report: AuditReport, options: SarifOptions = {}): SarifLog {
  const rules: SarifRule[] = [];
  const index = new Map<string, number>();
  const addRule = (rule: SarifRule) => {
    if (index.has(rule.id)) return;
    index.set(rule.id, rules.length);
    rules.push(rule);
  };
  for (const check of options.checks ?? CHECKS) addRule(toRule(check));

  // Suppressed failures are results too, marked with a suppression, so a viewer shows them as dismissed.
  const open = options.includeUnknown !== false;
  const wanted = (f: Finding) => f.status === 'FAIL' || (open && f.status === 'UNKNOWN');
  const newOnes = new Set(report.diff?.new.map((f) => f.fingerprint));
  const rank = (f: Finding) =>
    SEVERITY_ORDER.indexOf(f.severity) + (f.status === 'FAIL' ? 0 : SEVERITY_ORDER.length);
  const present = new Set(report.results.map((f) => f.fingerprint));
  const notEvaluated = open
    ? (report.diff?.notEvaluated ?? []).filter((f) => !present.has(f.fingerprint)).map(notEvaluatedResult)
    : [];
  const remembered = new Set(notEvaluated.map((f) => f.fingerprint));
  const selected = [...report.results.filter(wanted), ...notEvaluated].sort((a, b) => rank(a) - rank(b));
  const kept = selected.slice(0, SARIF_LIMITS.resultsPerRun);

  const results = kept.map((f): SarifResult => {
    // A finding of a check outside the catalog still gets a rule, from what the finding carries.
    if (!index.has(f.checkId))
      addRule(
        toRule({
          id: f.checkId,
          title: f.title,
          severity: f.severity,
          rationale: '',
          remediation: f.remediation,
        }),
      );
    const unknown = f.status === 'UNKNOWN';
    return {
      ruleId: f.checkId,
      ruleIndex: index.get(f.checkId)!,
      kind: unknown ? 'open' : 'fail',
      // SARIF: a result whose kind is not `fail` must have level `none`.
      level: unknown ? 'none' : SARIF_LEVEL[f.severity],
      message: { text: f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: brokerArtifactUri(f.broker) },
            region: BROKER_REGION,
          },
          logicalLocations: [{ fullyQualifiedName: f.broker.arn, name: f.broker.name, kind: 'resource' }],
        },
      ],
      partialFingerprints: { 'mqops/v1': f.fingerprint },
      ...(f.suppressed
        ? {
            suppressions: [
              {
                kind: 'external' as const,
                status: 'accepted' as const,
                justification: `${f.suppressed.reason} (until ${f.suppressed.expires}, from ${f.suppressed.source})`,
              },
            ],
          }
        : {}),
      ...(report.diff && f.status === 'FAIL' && !f.suppressed
        ? { baselineState: newOnes.has(f.fingerprint) ? ('new' as const) : ('unchanged' as const) }
        : {}),
      properties: {
        severity: f.severity,
        brokerId: f.broker.id,
        brokerName: f.broker.name,
        region: f.broker.region,
        accountId: f.broker.accountId,
        // A remembered finding not evaluated this run does not know its broker's engine.
        ...(remembered.has(f.fingerprint) ? {} : { engine: f.broker.engine }),
      },
    };
  });

  const { executionSuccessful, notifications } = execution(report);
  if (kept.length < selected.length) {
    notifications.push({
      level: 'warning',
      message: {
        text: `${selected.length - kept.length} of ${selected.length} results were left out to stay within ${SARIF_LIMITS.resultsPerRun} results per run (least severe first).`,
      },
    });
  }

  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'mqops',
            informationUri: options.informationUri ?? MQOPS_INFORMATION_URI,
            ...(options.toolVersion ? { version: options.toolVersion } : {}),
            rules,
          },
        },
        // One category for every full audit, so a manual run supersedes a scheduled one (and fixed findings close);
        // a run of some brokers only has its own (`category`), so it never closes the alerts of the others.
        automationDetails: { id: options.category ?? 'mqops/audit/' },
        invocations: [
          {
            executionSuccessful,
            startTimeUtc: report.startedAt,
            endTimeUtc: report.finishedAt,
            toolExecutionNotifications: notifications,
          },
        ],
        results,
      },
    ],
  };
}
