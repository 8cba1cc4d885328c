import { InvalidInputError } from '../errors';
import { casItem, type KeyValueStore } from '../kv';
import {
  assertWithinLimits,
  clip,
  MAX_REQUEST_CHARS,
  MAX_REQUEST_STRING,
  MAX_SECRET_ID_LENGTH,
  MQ_BROKER_NAME_CHARS,
  refusal,
  S3_KEY_BYTES,
} from '../limits';
import { errorText, type NoticeLevel, type NoticeSink, postNotice } from '../notices';
import * as v from '../schema';
import type { RunbookPorts } from './ports';
import type { RunbookDefinition, RunContext, RunStatus } from './types';

/** The longest runbook name. */
const RUNBOOK_NAME = 64;

/** What the Runbook function is invoked with. */
const RequestSchema = v.strictObject({
  runbook: v.pipe(v.string(), v.minLength(1), v.maxLength(RUNBOOK_NAME)),
  payload: v.optional(v.record(v.string(), v.unknown())),
  /** Without it (or false) the run is a dry run. */
  execute: v.optional(v.boolean()),
  /** Who asks (the CLI sends the caller's IAM ARN); default `unknown`. */
  by: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(256))),
});

export interface RunbookRequest<P = unknown> {
  definition: RunbookDefinition<P>;
  payload: unknown;
  execute: boolean;
  by: string;
}

const issuesOf = (issues: v.Issues) => v.issueLines(issues, '(payload)');

/** The valid runbooks, one per line, for errors and help. */
export function runbookList(runbooks: readonly RunbookDefinition<never>[]): string {
  return runbooks.map((r) => `${r.name} ${r.usage} — ${r.summary}`).join('; ');
}

/** The valid runbooks' names, for a refusal (which must stay short: `mqops run --help` has the rest). */
export function runbookNames(runbooks: readonly { name: string }[]): string {
  return runbooks.map((r) => r.name).join(' | ');
}

/**
 * The payload fields that name an AWS resource, and AWS's limit on them (limits.ts), checked on every payload before
 * its runbook's own schema runs: a runbook's schema may check a field's shape only (safe-reboot's `brokerId`), and
 * these values become keys (the trail, a plan, a safe-reboot state in DynamoDB) and AWS call parameters.
 */
export const PAYLOAD_FIELD_LIMITS: Readonly<Record<string, number>> = {
  /** A broker id (38 characters) or, where a runbook takes one, a broker name (50). */
  brokerId: MQ_BROKER_NAME_CHARS,
  /** Each of a list of brokers, ids or names. */
  brokers: MQ_BROKER_NAME_CHARS,
  secretId: MAX_SECRET_ID_LENGTH,
  /** An S3 object key, in bytes of UTF-8. */
  key: S3_KEY_BYTES,
};

const utf8Length = (text: string) => new TextEncoder().encode(text).length;

/** The payload fields over {@link PAYLOAD_FIELD_LIMITS}, as issue lines (their length, never their value). */
function payloadFieldIssues(payload: Record<string, unknown>): string[] {
  const issues: string[] = [];
  for (const [field, max] of Object.entries(PAYLOAD_FIELD_LIMITS)) {
    const value = payload[field];
    const items = Array.isArray(value) ? value : [value];
    items.forEach((item, i) => {
      if (typeof item !== 'string') return;
      const length = field === 'key' ? utf8Length(item) : item.length;
      if (length > max)
        issues.push(
          `${field}${Array.isArray(value) ? `.${i}` : ''}: ${length} ${field === 'key' ? 'bytes' : 'characters'} (at most ${max})`,
        );
    });
  }
  return issues;
}

/**
 * Reads a runbook request: `{"runbook": "safe-reboot", "payload": {"brokerId": "b-…"}, "execute": true}`.
 *
 * Bounded at the edge (limits.ts): a request over {@link MAX_REQUEST_CHARS} characters of JSON, nested deeper than
 * 32 levels or holding a string over {@link MAX_REQUEST_STRING} characters is refused before any schema reads it;
 * then the request's fields, the payload fields of {@link PAYLOAD_FIELD_LIMITS}, and the runbook's own payload
 * schema. Every refusal is at most 300 characters and repeats no long value.
 * @throws InvalidInputError naming the problem and the valid runbooks (nothing was called, nothing written).
 */
export function parseRunbookRequest<P>(
  event: unknown,
  runbooks: readonly RunbookDefinition<P>[],
): RunbookRequest<P> {
  const valid = runbookNames(runbooks);
  const notARequest = `not a runbook request {"runbook", "payload", "execute", "by"}; runbooks: ${valid}`;
  assertWithinLimits(event, notARequest, MAX_REQUEST_CHARS, MAX_REQUEST_STRING);
  const parsed = v.safeParse(RequestSchema, event);
  if (!parsed.success) throw refusal(notARequest, v.issueLines(parsed.issues, '(request)'));
  const request = parsed.output;
  const definition = runbooks.find((r) => r.name === request.runbook);
  if (!definition) throw refusal(`unknown runbook ${clip(request.runbook)}; runbooks: ${valid}`);
  const bad = `bad payload for runbook ${definition.name} (expected ${definition.usage})`;
  const tooLong = payloadFieldIssues(request.payload ?? {});
  if (tooLong.length) throw refusal(bad, tooLong);
  const payload = v.safeParse(definition.payload, request.payload ?? {});
  if (!payload.success) throw refusal(bad, issuesOf(payload.issues));
  return {
    definition,
    payload: payload.output,
    execute: request.execute ?? false,
    by: request.by ?? 'unknown',
  };
}

/** One run, as the trail keeps it (`runbookrun#<started>#<id>`, kept 400 days). */
/** A run in one line: `safe-reboot: dry run`, `safe-reboot (dry run): refused`, `safe-reboot: started`. */
export function runTitle(record: Pick<RunRecord, 'runbook' | 'dryRun' | 'status'>): string {
  if (record.status === 'dry-run') return `${record.runbook}: dry run`;
  return `${record.runbook}${record.dryRun ? ' (dry run)' : ''}: ${record.status}`;
}

export interface RunRecord {
  id: string;
  runbook: string;
  by: string;
  dryRun: boolean;
  payload: unknown;
  startedAt: string;
  finishedAt?: string;
  status: RunStatus | 'running';
  summary: string;
  details: Record<string, unknown>;
  brokers: string[];
  continues?: { kind: string; key: string };
}

export const RUN_KEY_PREFIX = 'runbookrun#';
const TRAIL_DAYS = 400;
const runKey = (record: Pick<RunRecord, 'startedAt' | 'id'>) =>
  `${RUN_KEY_PREFIX}${record.startedAt}#${record.id}`;

export interface RunbookDeps<P> {
  runbooks: readonly RunbookDefinition<P>[];
  ports: P;
  store: KeyValueStore;
  sinks: readonly NoticeSink[];
  now?: () => Date;
  newId?: () => string;
}

const LEVEL: Record<RunRecord['status'], NoticeLevel> = {
  'dry-run': 'info',
  done: 'info',
  started: 'info',
  running: 'info',
  refused: 'warning',
  failed: 'warning',
};

/**
 * Runs one runbook request: validates it (InvalidInputError before anything else), records the run in the trail,
 * runs it (a dry run unless `execute`), records the result and posts it to chat. A runbook that throws is recorded
 * as failed and re-thrown.
 *
 * The trail records runs, not refused requests: a request {@link parseRunbookRequest} refuses (an unknown runbook, a
 * bad or oversized payload) writes nothing and posts nothing. The invoke is synchronous and made by a person, so
 * the refusal is the answer they see (a bounded InvalidInputError), and the function's log and `Rejected` metric
 * count it; a record would have to hold the hostile payload, or a cut one that is no longer the request.
 */
export async function runRunbook<P = RunbookPorts>(event: unknown, deps: RunbookDeps<P>): Promise<RunRecord> {
  const request = parseRunbookRequest(event, deps.runbooks);
  const now = deps.now ?? (() => new Date());
  const started = now();
  const record: RunRecord = {
    id: (deps.newId ?? (() => globalThis.crypto.randomUUID()))(),
    runbook: request.definition.name,
    by: request.by,
    dryRun: !request.execute,
    payload: request.payload,
    startedAt: started.toISOString(),
    status: 'running',
    summary: 'running',
    details: {},
    brokers: [],
  };
  const key = runKey(record);
  const expiresAt = Math.floor(started.getTime() / 1000) + TRAIL_DAYS * 86_400;
  await casItem<RunRecord, void>(deps.store, key, () => ({ write: record, result: undefined }), {
    expiresAt,
  });
  const ctx: RunContext = {
    runId: record.id,
    by: record.by,
    dryRun: record.dryRun,
    now,
    store: deps.store,
    sinks: deps.sinks,
  };
  let failure: unknown;
  try {
    const outcome = await request.definition.run(request.payload, ctx, deps.ports);
    Object.assign(record, {
      status: outcome.status,
      summary: outcome.summary,
      details: outcome.details,
      brokers: outcome.brokers ?? [],
      ...(outcome.continues ? { continues: outcome.continues } : {}),
    });
  } catch (error) {
    failure = error;
    Object.assign(record, { status: 'failed', summary: errorText(error) });
  }
  record.finishedAt = now().toISOString();
  // The run owns its record: whatever version is stored, its outcome is written over it.
  await casItem<RunRecord, void>(deps.store, key, () => ({ write: record, result: undefined }), {
    expiresAt,
  });
  await postNotice(
    deps.sinks,
    {
      kind: 'runbook',
      level: LEVEL[record.status],
      title: runTitle(record),
      text: record.summary,
      fields: {
        by: record.by,
        mode: record.dryRun ? 'dry run (add "execute": true to act)' : 'execute',
        run: record.id,
        ...(record.brokers.length ? { brokers: record.brokers.join(', ') } : {}),
      },
      key: `runbook:${record.id}`,
    },
    { store: deps.store, now },
  );
  if (failure !== undefined) throw failure;
  return record;
}

/** The trail, newest first. */
export async function listRuns(store: KeyValueStore, limit = 50): Promise<RunRecord[]> {
  const items = await store.list<RunRecord>(RUN_KEY_PREFIX);
  return items
    .map((i) => i.item.value)
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
    .slice(0, limit);
}

/** A runbook that needs a port the deployment did not wire: fails clearly before any call. */
export function requirePort<T>(port: T | undefined, runbook: string, what: string): T {
  if (port === undefined)
    throw new InvalidInputError(`runbook ${runbook} is not available here: ${what} is not configured`);
  return port;
}
