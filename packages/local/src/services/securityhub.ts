import type { Scenario } from '../scenario';
import type { LocalRequest, LocalResponse, ServiceContext, ServiceEmulator } from '../types';
import type { WorldOptions } from '../world';

/**
 * AWS Security Hub (CSPM) findings, on its REST-JSON protocol (member names as in the model, PascalCase):
 * BatchImportFindings (`POST /findings/import`) and GetFindings (`POST /findings`). Findings are stored by
 * ProductArn and Id and upserted the way Security Hub does it: an update keeps the finding's workflow status
 * (and Note, UserDefinedFields, VerificationState) except for Security Hub's own reset to NEW when a finding comes
 * back (ARCHIVED → ACTIVE, or PASSED → FAILED/WARNING/NOT_AVAILABLE). Invalid findings are refused one by one with
 * `InvalidInput` and a message in Security Hub's words; the rest of the batch is imported.
 */

type Json = Record<string, unknown>;

/** A stored finding: what was imported plus the fields Security Hub adds. */
export type StoredFinding = Json & {
  Id: string;
  ProductArn: string;
  Workflow: { Status: string };
  RecordState: string;
};

export const SECURITY_HUB_LIMITS = {
  findingsPerBatch: 100,
  findingBytes: 240 * 1024,
  maxResults: 100,
  title: 256,
  description: 1024,
  recommendationText: 512,
  id: 512,
  resources: 32,
} as const;

const SEVERITY_LABELS = new Set(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
const COMPLIANCE_STATUSES = new Set(['PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE']);
const WORKFLOW_STATUSES = new Set(['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED']);
const RECORD_STATES = new Set(['ACTIVE', 'ARCHIVED']);
const REQUIRED = [
  'AwsAccountId',
  'CreatedAt',
  'Description',
  'GeneratorId',
  'Id',
  'ProductArn',
  'Resources',
  'SchemaVersion',
  'Title',
  'Types',
  'UpdatedAt',
] as const;
/** Fields only customers change (BatchUpdateFindings); an import does not overwrite them once a finding exists. */
const CUSTOMER_FIELDS = ['Workflow', 'Note', 'UserDefinedFields', 'VerificationState'] as const;

/** An error of the whole request (Security Hub's modelled errors carry `Message` and `Code`). */
class SecurityHubError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'SecurityHubError';
  }
}

const invalid = (message: string) => new SecurityHubError(400, 'InvalidInputException', message);

function errorResponse(status: number, type: string, message: string): LocalResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
    body: JSON.stringify({ Message: message, Code: type }),
  };
}

const ok = (body: unknown): LocalResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const get = (v: unknown, key: string): unknown => (isObject(v) ? v[key] : undefined);

/** The first way a finding breaks the ASFF schema or Security Hub's rules, as Security Hub words it. */
function asffProblem(f: unknown, ctx: { accountId: string; region: string }): string | undefined {
  if (!isObject(f)) return 'data should be object';
  for (const key of REQUIRED) if (f[key] === undefined) return `data should have required property '${key}'`;
  for (const key of [
    'AwsAccountId',
    'CreatedAt',
    'Description',
    'GeneratorId',
    'Id',
    'ProductArn',
    'SchemaVersion',
    'Title',
    'UpdatedAt',
  ])
    if (typeof f[key] !== 'string' || (f[key] as string).length === 0)
      return `data.${key} should be a string of at least 1 character`;
  const longer = (path: string, value: unknown, max: number) =>
    typeof value === 'string' && Array.from(value).length > max
      ? `data.${path} should NOT be longer than ${max} characters`
      : undefined;
  const tooLong =
    longer('Id', f.Id, SECURITY_HUB_LIMITS.id) ??
    longer('GeneratorId', f.GeneratorId, SECURITY_HUB_LIMITS.id) ??
    longer('Title', f.Title, SECURITY_HUB_LIMITS.title) ??
    longer('Description', f.Description, SECURITY_HUB_LIMITS.description);
  if (tooLong) return tooLong;
  if (f.SchemaVersion !== '2018-10-08')
    return 'data.SchemaVersion should be equal to one of the allowed values';
  if (!/^\d{12}$/.test(f.AwsAccountId as string)) return 'data.AwsAccountId should match pattern "^\\d{12}$"';
  for (const key of ['CreatedAt', 'UpdatedAt'] as const)
    if (Number.isNaN(Date.parse(f[key] as string))) return `data.${key} should match format "date-time"`;
  const types = f.Types;
  if (
    !Array.isArray(types) ||
    types.length === 0 ||
    types.some((t) => typeof t !== 'string' || t.length === 0)
  )
    return 'data.Types should be a non-empty array of strings';
  const resources = f.Resources;
  if (!Array.isArray(resources) || resources.length === 0)
    return 'data.Resources should NOT have fewer than 1 items';
  if (resources.length > SECURITY_HUB_LIMITS.resources)
    return `data.Resources should NOT have more than ${SECURITY_HUB_LIMITS.resources} items`;
  for (const [i, r] of resources.entries()) {
    if (typeof get(r, 'Type') !== 'string' || !get(r, 'Type'))
      return `data.Resources[${i}] should have required property 'Type'`;
    if (typeof get(r, 'Id') !== 'string' || !get(r, 'Id'))
      return `data.Resources[${i}] should have required property 'Id'`;
  }
  // Severity: the top-level one or the finding provider's (anyOf in the schema).
  const severity = get(f, 'Severity');
  const providerSeverity = get(get(f, 'FindingProviderFields'), 'Severity');
  if (severity === undefined && providerSeverity === undefined)
    return "data should have required property 'FindingProviderFields', data should match some schema in anyOf";
  for (const [path, s] of [
    ['Severity', severity],
    ['FindingProviderFields.Severity', providerSeverity],
  ] as const) {
    const label = get(s, 'Label');
    if (label !== undefined && !SEVERITY_LABELS.has(String(label)))
      return `data.${path}.Label should be equal to one of the allowed values`;
    if (
      s !== undefined &&
      label === undefined &&
      get(s, 'Normalized') === undefined &&
      get(s, 'Product') === undefined
    )
      return `data.${path} should have required property 'Label'`;
  }
  const text = get(get(get(f, 'Remediation'), 'Recommendation'), 'Text');
  if (text !== undefined) {
    if (typeof text !== 'string' || text.length === 0)
      return 'data.Remediation.Recommendation.Text should NOT be shorter than 1 characters';
    const long = longer('Remediation.Recommendation.Text', text, SECURITY_HUB_LIMITS.recommendationText);
    if (long) return long;
  }
  const enumProblem = (path: string, value: unknown, allowed: Set<string>) =>
    value !== undefined && !allowed.has(String(value))
      ? `data.${path} should be equal to one of the allowed values`
      : undefined;
  const badEnum =
    enumProblem('Compliance.Status', get(get(f, 'Compliance'), 'Status'), COMPLIANCE_STATUSES) ??
    enumProblem('Workflow.Status', get(get(f, 'Workflow'), 'Status'), WORKFLOW_STATUSES) ??
    enumProblem('RecordState', f.RecordState, RECORD_STATES);
  if (badEnum) return badEnum;
  if (Buffer.byteLength(JSON.stringify(f)) > SECURITY_HUB_LIMITS.findingBytes)
    return `finding is larger than ${SECURITY_HUB_LIMITS.findingBytes} bytes`;
  const product = /^arn:[\w-]+:securityhub:([\w-]+):(\d{12})?:product\/([^/]+)\/(.+)$/.exec(
    f.ProductArn as string,
  );
  if (!product) return `ProductArn ${f.ProductArn} is not a valid product ARN`;
  if (product[1] !== ctx.region) return `ProductArn ${f.ProductArn} is not in region ${ctx.region}`;
  return undefined;
}

/** The Security Hub state that persists (see {@link SecurityHubState.snapshot}). */
export interface SecurityHubSnapshot {
  findings: [string, StoredFinding][];
}

/** The Security Hub part of the local cloud's state: imported findings by ProductArn and Id. */
export class SecurityHubState {
  readonly accountId: string;
  readonly region: string;
  /** Findings by `ProductArn Id`, in the order they were first imported. */
  readonly findings = new Map<string, StoredFinding>();
  private readonly clock: WorldOptions['clock'];

  constructor(_scenario: Scenario, options: WorldOptions) {
    this.accountId = options.accountId;
    this.region = options.region;
    this.clock = options.clock;
  }

  /** What outlives the process (../persistence.ts): the imported findings. */
  snapshot(): SecurityHubSnapshot {
    return { findings: [...this.findings] };
  }

  /** Puts back what {@link snapshot} kept. */
  restore(saved: SecurityHubSnapshot): void {
    this.findings.clear();
    for (const [key, finding] of saved.findings) this.findings.set(key, finding);
  }

  /** Imports findings: each is created or updated, or refused with a reason (never the whole batch). */
  batchImport(
    findings: unknown[],
    ctx: { accountId: string; region: string },
  ): {
    SuccessCount: number;
    FailedCount: number;
    FailedFindings: { Id: string; ErrorCode: string; ErrorMessage: string }[];
  } {
    const failed: { Id: string; ErrorCode: string; ErrorMessage: string }[] = [];
    let success = 0;
    for (const raw of findings) {
      const id = typeof get(raw, 'Id') === 'string' ? (get(raw, 'Id') as string) : '';
      const problem = asffProblem(raw, ctx);
      if (problem) {
        failed.push({
          Id: id,
          ErrorCode: 'InvalidInput',
          ErrorMessage: `Finding does not adhere to Amazon Finding Format. ${problem}.`,
        });
        continue;
      }
      const f = raw as Json;
      // With a product ARN of the caller's own (default) product, only the caller's account's findings are taken.
      if (f.AwsAccountId !== ctx.accountId) {
        failed.push({
          Id: id,
          ErrorCode: 'AccessDeniedException',
          ErrorMessage: `Account ${ctx.accountId} is not allowed to import findings for account ${f.AwsAccountId}.`,
        });
        continue;
      }
      this.upsert(f, ctx.region);
      success++;
    }
    return { SuccessCount: success, FailedCount: failed.length, FailedFindings: failed };
  }

  private upsert(input: Json, region: string): void {
    const key = `${input.ProductArn} ${input.Id}`;
    const previous = this.findings.get(key);
    const provider = isObject(input.FindingProviderFields) ? input.FindingProviderFields : {};
    const stored: StoredFinding = {
      ...structuredClone(input),
      Id: input.Id as string,
      ProductArn: input.ProductArn as string,
      // A new finding starts where the import says (NEW by default); an update keeps the stored status (below).
      Workflow: { Status: (get(input.Workflow, 'Status') as string | undefined) ?? 'NEW' },
      // The finding provider's severity and types are what the finding shows (Security Hub keeps them in step).
      ...(provider.Severity ? { Severity: structuredClone(provider.Severity) } : {}),
      ...(provider.Types ? { Types: structuredClone(provider.Types) } : {}),
      FindingProviderFields: {
        ...structuredClone(provider),
        Severity: structuredClone(provider.Severity ?? input.Severity),
        Types: structuredClone(provider.Types ?? input.Types),
      },
      Region: region,
      CompanyName: 'Personal',
      ProductName: 'Default',
      ProcessedAt: this.clock.now().toISOString(),
      RecordState: (input.RecordState as string | undefined) ?? 'ACTIVE',
    };
    if (previous) {
      const fields: Json = stored;
      for (const field of CUSTOMER_FIELDS) {
        if (previous[field] === undefined) delete fields[field];
        else fields[field] = structuredClone(previous[field]);
      }
      const reopened =
        (previous.RecordState === 'ARCHIVED' && stored.RecordState === 'ACTIVE') ||
        (get(previous.Compliance, 'Status') === 'PASSED' &&
          ['FAILED', 'WARNING', 'NOT_AVAILABLE'].includes(String(get(stored.Compliance, 'Status'))));
      if (reopened && ['NOTIFIED', 'RESOLVED'].includes(previous.Workflow.Status))
        stored.Workflow = { Status: 'NEW' };
    }
    this.findings.set(key, stored);
  }

  /** GetFindings: the findings that match every filtered field, a page at a time. */
  getFindings(request: Json): { Findings: StoredFinding[]; NextToken?: string } {
    const maxResults =
      request.MaxResults === undefined ? SECURITY_HUB_LIMITS.maxResults : Number(request.MaxResults);
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > SECURITY_HUB_LIMITS.maxResults)
      throw invalid(`MaxResults must be between 1 and ${SECURITY_HUB_LIMITS.maxResults}`);
    const matches = filterFindings([...this.findings.values()], request.Filters);
    sortFindings(matches, request.SortCriteria);
    let offset = 0;
    if (request.NextToken !== undefined) {
      const decoded = Number(Buffer.from(String(request.NextToken), 'base64url').toString('utf8'));
      if (!Number.isInteger(decoded) || decoded < 0) throw invalid('The NextToken is not valid.');
      offset = decoded;
    }
    const page = matches.slice(offset, offset + maxResults).map((f) => structuredClone(f));
    const next = offset + maxResults;
    return {
      Findings: page,
      ...(next < matches.length ? { NextToken: Buffer.from(String(next)).toString('base64url') } : {}),
    };
  }
}

/** The string filter fields the local Security Hub supports, and how to read them off a finding. */
const FILTER_FIELDS: Record<string, (f: StoredFinding) => string[]> = {
  Id: (f) => [f.Id],
  ProductArn: (f) => [f.ProductArn],
  GeneratorId: (f) => [String(f.GeneratorId)],
  AwsAccountId: (f) => [String(f.AwsAccountId)],
  Region: (f) => [String(f.Region)],
  Title: (f) => [String(f.Title)],
  ComplianceStatus: (f) => strings(get(f.Compliance, 'Status')),
  RecordState: (f) => [f.RecordState],
  WorkflowStatus: (f) => [f.Workflow.Status],
  SeverityLabel: (f) => strings(get(f.Severity, 'Label')),
  ResourceId: (f) => (Array.isArray(f.Resources) ? f.Resources.map((r) => String(get(r, 'Id'))) : []),
  ResourceType: (f) => (Array.isArray(f.Resources) ? f.Resources.map((r) => String(get(r, 'Type'))) : []),
};

const strings = (v: unknown): string[] => (v === undefined ? [] : [String(v)]);

const POSITIVE: Record<string, (value: string, wanted: string) => boolean> = {
  EQUALS: (v, w) => v === w,
  PREFIX: (v, w) => v.startsWith(w),
  CONTAINS: (v, w) => v.includes(w),
};
const NEGATIVE: Record<string, (value: string, wanted: string) => boolean> = {
  NOT_EQUALS: (v, w) => v !== w,
  PREFIX_NOT_EQUALS: (v, w) => !v.startsWith(w),
  NOT_CONTAINS: (v, w) => !v.includes(w),
};

/**
 * Security Hub's string filter rules: filters on different fields must all match; on one field, the positive
 * comparisons (EQUALS, PREFIX, CONTAINS) match when any does and the negative ones when all do.
 */
function filterFindings(findings: StoredFinding[], filters: unknown): StoredFinding[] {
  if (filters === undefined) return findings;
  if (!isObject(filters)) throw invalid('Filters must be an object');
  const tests: ((f: StoredFinding) => boolean)[] = [];
  for (const [field, list] of Object.entries(filters)) {
    if (!Array.isArray(list) || list.length === 0) continue;
    const read = FILTER_FIELDS[field];
    if (!read) throw invalid(`Filter ${field} is not supported by the local Security Hub`);
    const positive: [(v: string, w: string) => boolean, string][] = [];
    const negative: [(v: string, w: string) => boolean, string][] = [];
    for (const filter of list) {
      const comparison = String(get(filter, 'Comparison'));
      const value = get(filter, 'Value');
      if (typeof value !== 'string') throw invalid(`Filter ${field} needs a Value`);
      if (POSITIVE[comparison]) positive.push([POSITIVE[comparison], value]);
      else if (NEGATIVE[comparison]) negative.push([NEGATIVE[comparison], value]);
      else throw invalid(`Filter ${field} has an invalid Comparison ${comparison}`);
    }
    tests.push((f) => {
      const values = read(f);
      const anyPositive =
        positive.length === 0 || positive.some(([test, w]) => values.some((v) => test(v, w)));
      const allNegative = negative.every(([test, w]) => values.every((v) => test(v, w)));
      return anyPositive && allNegative;
    });
  }
  return findings.filter((f) => tests.every((test) => test(f)));
}

function sortFindings(findings: StoredFinding[], criteria: unknown): void {
  if (!Array.isArray(criteria) || criteria.length === 0) return;
  const keys = criteria.map((c) => ({
    field: String(get(c, 'Field')),
    sign: String(get(c, 'SortOrder') ?? 'asc').toLowerCase() === 'desc' ? -1 : 1,
  }));
  findings.sort((a, b) => {
    for (const { field, sign } of keys) {
      const read = FILTER_FIELDS[field] ?? ((f: StoredFinding) => strings(f[field]));
      const d = (read(a)[0] ?? '').localeCompare(read(b)[0] ?? '');
      if (d !== 0) return d * sign;
    }
    return 0;
  });
}

function route(req: LocalRequest): string | undefined {
  const path = req.path.replace(/\/+$/, '');
  if (req.method === 'POST' && path === '/findings/import') return 'BatchImportFindings';
  if (req.method === 'POST' && path === '/findings') return 'GetFindings';
  return undefined;
}

function parseBody(req: LocalRequest): Json {
  if (req.body.length === 0) return {};
  try {
    const body: unknown = JSON.parse(req.body.toString('utf8'));
    if (!isObject(body)) throw invalid('The request body must be a JSON object.');
    return body;
  } catch (error) {
    if (error instanceof SecurityHubError) throw error;
    throw invalid('The request body is not valid JSON.');
  }
}

/** AWS Security Hub: BatchImportFindings and GetFindings, signing name `securityhub`. */
export const securityHubEmulator: ServiceEmulator = {
  signingNames: ['securityhub'],
  operation: route,
  handle(operation, req, ctx: ServiceContext) {
    const state = ctx.world.securityhub;
    try {
      const body = parseBody(req);
      if (operation === 'BatchImportFindings') {
        const findings = body.Findings;
        if (!Array.isArray(findings)) throw invalid('Findings is required.');
        if (findings.length < 1 || findings.length > SECURITY_HUB_LIMITS.findingsPerBatch)
          throw invalid(
            `Findings must contain between 1 and ${SECURITY_HUB_LIMITS.findingsPerBatch} findings; got ${findings.length}.`,
          );
        return ok(state.batchImport(findings, { accountId: ctx.accountId, region: ctx.region }));
      }
      if (operation === 'GetFindings') return ok(state.getFindings(body));
      return errorResponse(404, 'ResourceNotFoundException', `No such operation ${req.method} ${req.path}`);
    } catch (error) {
      if (error instanceof SecurityHubError) return errorResponse(error.status, error.type, error.message);
      throw error;
    }
  },
  throttled: () => errorResponse(429, 'LimitExceededException', 'Rate exceeded'),
  failure: (_operation, message) => errorResponse(500, 'InternalException', message),
  denied: (operation) =>
    errorResponse(403, 'AccessDeniedException', `User is not authorized to perform securityhub:${operation}`),
};
