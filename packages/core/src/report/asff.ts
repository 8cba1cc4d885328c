import type { AuditReport, Finding } from '../audit';
import type { Check, CheckStatus, Severity } from '../check';
import { checkById } from '../checks';
import type { AuditDiff } from '../state';

/**
 * Limits of AWS Security Hub's BatchImportFindings and of the AWS Security Finding Format: findings per call,
 * bytes per finding and per call, and the longest Title, Description and Remediation.Recommendation.Text
 * (characters). A finding over a limit is rejected by Security Hub with `InvalidInput`.
 */
export const ASFF_LIMITS = {
  findingsPerBatch: 100,
  findingBytes: 240 * 1024,
  batchBytes: 6 * 1024 * 1024,
  id: 512,
  title: 256,
  description: 1024,
  recommendationText: 512,
  productFieldValue: 2048,
} as const;

/** The only ASFF schema version. */
export const ASFF_SCHEMA_VERSION = '2018-10-08';

/** The finding type of every mqops finding (ASFF namespace/category). */
export const ASFF_FINDING_TYPE = 'Software and Configuration Checks/AWS Security Best Practices';

export type AsffSeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
export type AsffComplianceStatus = 'PASSED' | 'WARNING' | 'FAILED' | 'NOT_AVAILABLE';
export type AsffWorkflowStatus = 'NEW' | 'NOTIFIED' | 'RESOLVED' | 'SUPPRESSED';
export type AsffRecordState = 'ACTIVE' | 'ARCHIVED';
export type AsffPartition = 'aws' | 'aws-cn' | 'aws-us-gov';
const PARTITIONS: ReadonlySet<AsffPartition> = new Set(['aws', 'aws-cn', 'aws-us-gov']);

/** ASFF severity label of an mqops severity (ASFF says INFORMATIONAL for INFO). */
export const ASFF_SEVERITY_LABEL: Record<Severity, AsffSeverityLabel> = {
  CRITICAL: 'CRITICAL',
  HIGH: 'HIGH',
  MEDIUM: 'MEDIUM',
  LOW: 'LOW',
  INFO: 'INFORMATIONAL',
};

/**
 * How each result status is told to Security Hub. A passing finding is sent too (PASSED, archived), so a finding
 * fixed since the last run stops being active; an UNKNOWN one (a fact could not be collected) is NOT_AVAILABLE
 * and stays active, so an earlier failure is not hidden by a permissions gap.
 */
export const ASFF_STATE: Record<
  CheckStatus,
  { compliance: AsffComplianceStatus; workflow: AsffWorkflowStatus; record: AsffRecordState }
> = {
  FAIL: { compliance: 'FAILED', workflow: 'NEW', record: 'ACTIVE' },
  PASS: { compliance: 'PASSED', workflow: 'RESOLVED', record: 'ARCHIVED' },
  UNKNOWN: { compliance: 'NOT_AVAILABLE', workflow: 'NEW', record: 'ACTIVE' },
};

/**
 * One finding in the AWS Security Finding Format: the fields mqops sets, a structural subset of the SDK's
 * `AwsSecurityFinding` (so it is passed to BatchImportFindings as it is).
 */
export interface AsffFinding {
  SchemaVersion: string;
  Id: string;
  ProductArn: string;
  GeneratorId: string;
  AwsAccountId: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  Severity: { Label: AsffSeverityLabel; Original: string };
  /** Where a finding provider sets severity and types, so updates to them are applied (ASFF guidance). */
  FindingProviderFields: { Severity: { Label: AsffSeverityLabel; Original: string }; Types: string[] };
  Title: string;
  Description: string;
  Remediation: { Recommendation: { Text: string } };
  ProductFields: Record<string, string>;
  Resources: {
    Type: 'AwsAmazonMqBroker';
    Id: string;
    Partition: AsffPartition;
    Region: string;
    Details: {
      AwsAmazonMqBroker: { BrokerArn: string; BrokerId: string; BrokerName: string; EngineType?: string };
    };
  }[];
  Compliance: { Status: AsffComplianceStatus; RelatedRequirements?: string[] };
  Workflow: { Status: AsffWorkflowStatus };
  RecordState: AsffRecordState;
}

/**
 * What {@link toAsff} reads of an audit report: its results, when it finished and the findings its diff resolved
 * without a check. The Audit function hands this much to the SecurityHub function (functions/securityhub-export.ts).
 */
export interface AsffInput {
  finishedAt: AuditReport['finishedAt'];
  results: AuditReport['results'];
  diff?: { gone: AuditDiff['gone'] };
}

/** Options of {@link toAsff}. */
export interface AsffOptions {
  /**
   * The account that imports the findings, used in the default ProductArn; default each broker's account (the
   * findings of a broker must be imported by the broker's account when the default product ARN is used).
   */
  accountId?: string;
  /** The product ARN; default `arn:aws:securityhub:REGION:ACCOUNT:product/ACCOUNT/default` (custom integration). */
  productArn?: string;
  /** GeneratorId prefix: `<prefix>/<checkId>`; default `mqops`. */
  generatorPrefix?: string;
  /** When each finding was first seen (ISO time, by fingerprint), kept from earlier runs; default this run. */
  firstSeen?: ReadonlyMap<string, string>;
  /** Looks up a check's rationale and controls; default the built-in catalog (`checkById`). */
  lookup?: (checkId: string) => Check | undefined;
}

/** Cuts `text` to `max` characters (code points, as JSON Schema counts), ending with an ellipsis when cut. */
export function clipChars(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`: those ASFF knows); `aws` otherwise. */
function partitionOf(arn: string): AsffPartition {
  const [prefix, partition] = arn.split(':');
  return prefix === 'arn' && PARTITIONS.has(partition as AsffPartition)
    ? (partition as AsffPartition)
    : 'aws';
}

/** Security Hub control ids and AWS Config rule names a check maps to (`MQ.5 / MQ.6` gives two). */
function relatedRequirements(check: Check | undefined): string[] {
  const { securityHub, awsConfig } = check?.controls ?? {};
  return [securityHub, awsConfig]
    .flatMap((c) => (c ? c.split('/') : []))
    .map((c) => c.trim())
    .filter(Boolean);
}

/** What the two kinds of finding (a result of this run, one resolved without a check) say, to {@link asffFinding}. */
interface FindingParts {
  id: string;
  checkId: string;
  brokerArn: string;
  brokerId: string;
  brokerName: string;
  /** Absent for a finding resolved without a check (the state does not remember the engine). */
  engine?: string;
  severity: string;
  createdAt: string;
  title: string;
  description: string;
  remediation: string;
  productFields: Record<string, string>;
  compliance: AsffFinding['Compliance'];
  workflow: AsffFinding['Workflow']['Status'];
  record: AsffFinding['RecordState'];
}

/** One ASFF finding from its parts: the fields every finding mqops imports has, cut to the ASFF limits. */
function asffFinding(parts: FindingParts, report: AsffInput, options: AsffOptions): AsffFinding {
  // arn:PARTITION:mq:REGION:ACCOUNT:broker:NAME:ID
  const [, , , region = '', accountId = ''] = parts.brokerArn.split(':');
  const partition = partitionOf(parts.brokerArn);
  const account = options.accountId ?? accountId;
  const severity = {
    Label: ASFF_SEVERITY_LABEL[parts.severity as Severity] ?? 'INFORMATIONAL',
    Original: parts.severity,
  };
  const types = [ASFF_FINDING_TYPE];
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: parts.id,
    ProductArn:
      options.productArn ?? `arn:${partition}:securityhub:${region}:${account}:product/${account}/default`,
    GeneratorId: `${options.generatorPrefix ?? 'mqops'}/${parts.checkId}`,
    AwsAccountId: accountId,
    Types: types,
    CreatedAt: parts.createdAt,
    UpdatedAt: report.finishedAt,
    Severity: severity,
    FindingProviderFields: { Severity: { ...severity }, Types: [...types] },
    Title: clipChars(parts.title, ASFF_LIMITS.title),
    Description: clipChars(parts.description, ASFF_LIMITS.description),
    Remediation: { Recommendation: { Text: clipChars(parts.remediation, ASFF_LIMITS.recommendationText) } },
    ProductFields: {
      'mqops/CheckId': parts.checkId,
      ...parts.productFields,
      'mqops/BrokerName': clipChars(parts.brokerName, ASFF_LIMITS.productFieldValue),
    },
    Resources: [
      {
        Type: 'AwsAmazonMqBroker',
        Id: parts.brokerArn,
        Partition: partition,
        Region: region,
        Details: {
          AwsAmazonMqBroker: {
            BrokerArn: parts.brokerArn,
            BrokerId: parts.brokerId,
            BrokerName: parts.brokerName,
            ...(parts.engine ? { EngineType: parts.engine } : {}),
          },
        },
      },
    ],
    Compliance: parts.compliance,
    Workflow: { Status: parts.workflow },
    RecordState: parts.record,
  };
}

function toFinding(f: Finding, report: AsffInput, options: AsffOptions): AsffFinding {
  const check = (options.lookup ?? checkById)(f.checkId);
  // A suppressed failure stays an active FAILED finding; a finding Security Hub has not seen yet starts SUPPRESSED.
  const state =
    f.status === 'FAIL' && f.suppressed
      ? { ...ASFF_STATE.FAIL, workflow: 'SUPPRESSED' as const }
      : ASFF_STATE[f.status];
  const requirements = relatedRequirements(check);
  return asffFinding(
    {
      id: f.fingerprint,
      checkId: f.checkId,
      brokerArn: f.broker.arn,
      brokerId: f.broker.id,
      brokerName: f.broker.name,
      engine: f.broker.engine,
      severity: f.severity,
      createdAt: options.firstSeen?.get(f.fingerprint) ?? report.finishedAt,
      title: check?.title ?? f.title,
      description: check?.rationale ? `${f.message} ${check.rationale}` : f.message,
      remediation: f.remediation || check?.remediation || 'See mqops.',
      productFields: {
        'mqops/Status': f.status,
        'mqops/Engine': f.broker.engine,
        ...(f.suppressed
          ? {
              'mqops/Suppressed': clipChars(
                `${f.suppressed.reason} (until ${f.suppressed.expires}, from ${f.suppressed.source})`,
                ASFF_LIMITS.productFieldValue,
              ),
            }
          : {}),
      },
      compliance: {
        Status: state.compliance,
        ...(requirements.length > 0 ? { RelatedRequirements: requirements } : {}),
      },
      workflow: state.workflow,
      record: state.record,
    },
    report,
    options,
  );
}

/**
 * A finding resolved without a check (from the report's diff: its broker was deleted, or its check retired):
 * archived, so it leaves Security Hub's active findings; what the state remembered is all there is (no engine).
 */
function goneFinding(was: AuditDiff['gone'][number], report: AsffInput, options: AsffOptions): AsffFinding {
  const retired = was.reason === 'check-retired';
  return asffFinding(
    {
      id: was.fingerprint,
      checkId: was.checkId,
      brokerArn: was.brokerArn,
      brokerId: was.brokerArn.split(':')[7] ?? '',
      brokerName: was.brokerName,
      severity: was.severity,
      createdAt: was.firstSeen,
      title: (options.lookup ?? checkById)(was.checkId)?.title ?? was.checkId,
      description: `${retired ? `Check ${was.checkId} was retired from mqops` : `Broker ${was.brokerName} was deleted`}, so this finding no longer applies. It read: ${was.message}`,
      remediation: retired
        ? 'Nothing to do: mqops no longer runs this check.'
        : 'Nothing to do: the broker no longer exists.',
      productFields: { 'mqops/Status': 'GONE' },
      compliance: { Status: 'NOT_AVAILABLE' },
      workflow: 'RESOLVED',
      record: 'ARCHIVED',
    },
    report,
    options,
  );
}

/**
 * The audit's results as AWS Security Finding Format findings for Security Hub's BatchImportFindings: FAIL
 * results as active FAILED findings, PASS results as archived PASSED ones (so a finding fixed since the last
 * import stops being active; Security Hub keeps a finding's workflow status on updates, so it changes only for
 * findings it has not seen), UNKNOWN results as active NOT_AVAILABLE ones. `Id` is the finding's fingerprint
 * (`checkId/brokerArn`), stable across runs, so each import updates the same Security Hub finding. Text fields
 * are cut to the ASFF limits. A suppressed failure stays FAILED and active (its workflow starts SUPPRESSED); the
 * findings of brokers deleted since the last run (the report's diff) are archived.
 *
 * @example
 * const findings = toAsff(report);
 * await new SecurityHubExporter().export(findings);
 */
export function toAsff(report: AsffInput, options: AsffOptions = {}): AsffFinding[] {
  const gone = report.diff?.gone ?? [];
  return [
    ...report.results.map((f) => toFinding(f, report, options)),
    ...gone.map((f) => goneFinding(f, report, options)),
  ];
}
