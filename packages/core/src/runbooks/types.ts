import type { KeyValueStore } from '../kv';
import type { NoticeSink } from '../notices';
import type * as v from '../schema';

/**
 * Runbooks: operations a person starts by hand (the Runbook function, `aws lambda invoke`, `mqops run`). Every run is
 * a dry run unless `execute` is true, leaves an audit trail (who, what, result) and a chat message.
 */

/** What a run ended as. */
export type RunStatus =
  /** Nothing was changed: what would happen is in `details`. */
  | 'dry-run'
  /** Done within the invocation. */
  | 'done'
  /** Started; the rest runs as durable steps (a tick advances it): see `continues`. */
  | 'started'
  /** Refused by a guard before anything changed (an alarm in ALARM, no standby, …). */
  | 'refused'
  | 'failed';

/** The result of one runbook run. */
export interface RunOutcome {
  status: RunStatus;
  /** One sentence for chat and the CLI. */
  summary: string;
  /** What was found or done, for JSON output and the trail (never a secret). */
  details: Record<string, unknown>;
  /** The brokers the run is about (ids), for the trail and alert suppression. */
  brokers?: string[];
  /** A durable continuation: the tick resumes it (see RunbookTick). */
  continues?: { kind: string; key: string };
}

/** What every runbook gets. */
export interface RunContext {
  /** The run's id (the trail key). */
  runId: string;
  /** Who asked (an IAM ARN, a CLI user, `console`). */
  by: string;
  /** True unless the request said `execute: true`. */
  dryRun: boolean;
  now: () => Date;
  store: KeyValueStore;
  sinks: readonly NoticeSink[];
}

/** One runbook: its name, its payload's schema, and what it does with ports `P`. */
export interface RunbookDefinition<P, Payload = unknown> {
  name: string;
  /** One line for `--help` and the error that lists valid runbooks. */
  summary: string;
  /** The payload's fields, in words (`{"brokerId": "b-…"}`), for errors and help. */
  usage: string;
  /** Reads the payload (anything) into a `Payload`. */
  payload: v.GenericSchema<unknown, Payload>;
  run(payload: Payload, ctx: RunContext, ports: P): Promise<RunOutcome>;
}
