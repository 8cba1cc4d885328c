import { mapBounded } from '../concurrency';
import { BrokerNotFoundError, InvalidInputError } from '../errors';
import { brokerRefSchema, clip, refusal, S3_KEY_BYTES } from '../limits';
import type { Broker, Engine } from '../model';
import { errorText } from '../notices';
import { selectBrokers } from '../ports';
import * as v from '../schema';
import type { RunbookPorts } from './ports';
import { requirePort } from './run';
import type { RunbookDefinition, RunOutcome } from './types';

/**
 * backup-config and restore-config: a broker's configuration, saved as one JSON object per broker and run in an S3
 * bucket, and compared with the broker as it is now.
 *
 * - ActiveMQ: the configuration revision the broker runs (and one waiting for a reboot) with its XML, the newest
 *   revisions' XML, and the users with their groups and console access. Never passwords: Amazon MQ never returns
 *   them.
 * - RabbitMQ: the definitions from the management API (users, vhosts, permissions, topic permissions, parameters,
 *   policies, queues, exchanges, bindings), plus the broker's configuration when it has one. Users' password hashes
 *   are stripped unless the run asks for them; passwords inside shovel and federation URIs are always masked.
 *
 * restore-config never changes a broker: it shows what changed since a backup (a unified diff of the configuration,
 * users or definitions added, removed and changed) and how to put the backup back by hand.
 */

/** The format of a backup object. */
export const BACKUP_FORMAT = 'mqops-backup/1';
/** Backups live under `backups/<broker name>/<ISO time>.json`. */
export const BACKUP_PREFIX = 'backups/';

/** Defaults of the backup runbooks. */
export const BACKUP_DEFAULTS = {
  /** Newest configuration revisions whose text is kept, besides the current and pending ones. */
  revisions: 5,
  /** Brokers read at once (the MQ API's rate is shared by the account: pacing does the rest). */
  concurrency: 4,
  /** Lines of context around each change in a unified diff. */
  diffContext: 3,
  /** Lines of a unified diff kept in a run's details (the trail is one DynamoDB item, at most 400 KB). */
  diffLines: 1_000,
  /** Entries of each added / removed / changed list kept in a run's details. */
  entries: 200,
} as const;

// ---- what a backup holds ----------------------------------------------------------------------------------------

/** One revision of a configuration. */
export interface ConfigurationRevisionBackup {
  revision: number;
  created?: string;
  description?: string;
  /** The revision's text (ActiveMQ XML, RabbitMQ cuttlefish); absent for a revision listed but not kept. */
  data?: string;
}

/** A broker's configuration: what it runs, what waits for a reboot, and the configuration's history. */
export interface ConfigurationBackup {
  /** The configuration the broker runs. */
  id: string;
  /** The revision the broker runs. */
  revision: number;
  /** That revision's text. */
  data: string;
  /** A configuration revision set with UpdateBroker that applies at the next reboot. */
  pending?: { id: string; revision: number; data: string };
  /** The configuration's newest revision. */
  latest: number;
  /** Every revision of the configuration, newest first; the text of the newest ones (and the current) kept. */
  revisions: ConfigurationRevisionBackup[];
}

/** An ActiveMQ user as Amazon MQ describes it (never a password). */
export interface ActiveMqUserBackup {
  username: string;
  consoleAccess: boolean;
  groups: string[];
  replicationUser: boolean;
  /** A change that waits for the next reboot, with the values it sets. */
  pending?: { change: string; consoleAccess?: boolean; groups?: string[] };
}

/** One item of a definitions list, as RabbitMQ exports it. */
export type DefinitionItem = Record<string, unknown>;

/** The kinds of RabbitMQ definitions a backup keeps and compares, in the order RabbitMQ imports them. */
export const DEFINITION_KINDS = [
  'users',
  'vhosts',
  'permissions',
  'topic_permissions',
  'parameters',
  'global_parameters',
  'policies',
  'queues',
  'exchanges',
  'bindings',
] as const;
export type DefinitionKind = (typeof DEFINITION_KINDS)[number];

/** RabbitMQ definitions (`GET /api/definitions`): the lists by kind, plus the version that exported them. */
export type RabbitMqDefinitions = Partial<Record<DefinitionKind, DefinitionItem[]>> & {
  rabbit_version?: string;
  rabbitmq_version?: string;
  product_name?: string;
  product_version?: string;
};

/** The broker a backup is of. */
export interface BackupBrokerSummary {
  id: string;
  arn: string;
  name: string;
  region: string;
  engine: Engine;
  engineVersion: string;
  deploymentMode: string;
  instanceType: string;
  authenticationStrategy: string;
  state: string;
}

/** One backup object: `backups/<broker name>/<ISO time>.json`. */
export interface BrokerBackup {
  format: typeof BACKUP_FORMAT;
  takenAt: string;
  /** Who ran the backup. */
  by: string;
  broker: BackupBrokerSummary;
  /** The broker's configuration (every ActiveMQ broker has one; RabbitMQ brokers may). */
  configuration?: ConfigurationBackup;
  /** ActiveMQ users. */
  users?: ActiveMqUserBackup[];
  /** RabbitMQ definitions. */
  definitions?: RabbitMqDefinitions;
  /** RabbitMQ: whether the users' `password_hash` was kept (`includePasswordHashes`) or stripped (default). */
  passwordHashes?: 'included' | 'stripped';
}

// ---- ports ------------------------------------------------------------------------------------------------------

/** Reads what a backup holds from a broker (the MQ API, the RabbitMQ management API). */
export interface BackupSource {
  /**
   * The configuration the broker runs and the one pending, with their text, and the configuration's revisions with
   * the text of the newest `keep` of them. Undefined when the broker has no configuration.
   */
  configuration(broker: Broker, keep: number): Promise<ConfigurationBackup | undefined>;
  /** Every ActiveMQ user of the broker, described (groups, console access, pending changes; never a password). */
  activeMqUsers(broker: Broker): Promise<ActiveMqUserBackup[]>;
  /** The RabbitMQ broker's definitions, as the management API exports them (password hashes included). */
  rabbitDefinitions(broker: Broker): Promise<RabbitMqDefinitions>;
}

/** An object in the backup store. */
export interface BackupObject {
  key: string;
  /** Bytes. */
  size?: number;
  lastModified?: Date;
}

/** Where backups are kept (an S3 bucket). */
export interface BackupStore {
  /** Where, for messages: `s3://bucket`. */
  readonly location: string;
  put(key: string, json: string): Promise<void>;
  /** The object's text; undefined when there is no such object. */
  get(key: string): Promise<string | undefined>;
  /** Every object whose key starts with `prefix`, across all pages. */
  list(prefix: string): Promise<BackupObject[]>;
}

/** The ports of backup-config and restore-config. */
export interface BackupPorts {
  source: BackupSource;
  store: BackupStore;
}

/** The ports the backup runbooks run with. */
export type BackupRunbookPorts = RunbookPorts & { backup?: BackupPorts };

// ---- pure helpers -----------------------------------------------------------------------------------------------

/** The key of a broker's backup taken at `at`: `backups/<broker name>/<ISO time>.json`. */
export function backupKey(brokerName: string, at: Date): string {
  return `${BACKUP_PREFIX}${brokerName}/${at.toISOString()}.json`;
}

/** The newest backup among `keys` (ISO times sort as they happened), or undefined. */
export function latestBackupKey(keys: readonly string[]): string | undefined {
  return keys
    .filter((k) => k.endsWith('.json'))
    .sort()
    .at(-1);
}

const URI_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@/\s]*@/gi;

/** Masks the password of every `scheme://user:password@host` inside a value (shovel and federation URIs). */
export function maskUriPasswords<T>(value: T): T {
  if (typeof value === 'string') return value.replace(URI_PASSWORD, '$1***@') as T;
  if (Array.isArray(value)) return value.map((v) => maskUriPasswords(v)) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskUriPasswords(v)])) as T;
  return value;
}

/**
 * The definitions as a backup keeps them: only the known kinds and the version fields; users' `password_hash`
 * removed unless `includePasswordHashes`; passwords in parameter URIs (shovels, federation upstreams) masked.
 */
export function sanitiseDefinitions(
  definitions: RabbitMqDefinitions,
  options: { includePasswordHashes: boolean },
): RabbitMqDefinitions {
  const out: RabbitMqDefinitions = {};
  for (const field of ['rabbit_version', 'rabbitmq_version', 'product_name', 'product_version'] as const) {
    const value = definitions[field];
    if (typeof value === 'string') out[field] = value;
  }
  for (const kind of DEFINITION_KINDS) {
    const items = definitions[kind];
    if (!Array.isArray(items)) continue;
    out[kind] = items.map((item) => {
      if (kind === 'users' && !options.includePasswordHashes) {
        const { password_hash: _dropped, ...rest } = item;
        return rest;
      }
      return kind === 'parameters' || kind === 'global_parameters' ? maskUriPasswords(item) : { ...item };
    });
  }
  return out;
}

// ---- line diff --------------------------------------------------------------------------------------------------

/** One line of an edit script: kept (` `), only in the first text (`-`), only in the second (`+`). */
export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
}

/** Above this many cells (lines × lines of the differing middle), the diff is coarse: all removed, then all added. */
const LCS_CELLS = 4_000_000;

const linesOf = (text: string): string[] => {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
};

/** The edit script from `a` to `b`: a longest common subsequence of lines, after trimming common ends. */
export function lineDiff(a: readonly string[], b: readonly string[]): DiffLine[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: DiffLine[] = a.slice(0, start).map((text) => ({ op: ' ', text }));
  const n = endA - start;
  const m = endB - start;
  if (n * m > LCS_CELLS) {
    for (let i = start; i < endA; i++) out.push({ op: '-', text: a[i] as string });
    for (let j = start; j < endB; j++) out.push({ op: '+', text: b[j] as string });
  } else {
    // lengths[i * (m + 1) + j]: the LCS of a[start + i …] and b[start + j …].
    const width = m + 1;
    const lengths = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lengths[i * width + j] =
          a[start + i] === b[start + j]
            ? (lengths[(i + 1) * width + j + 1] as number) + 1
            : Math.max(lengths[(i + 1) * width + j] as number, lengths[i * width + j + 1] as number);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[start + i] === b[start + j]) {
        out.push({ op: ' ', text: a[start + i] as string });
        i++;
        j++;
      } else if (
        j >= m ||
        (i < n && (lengths[(i + 1) * width + j] as number) >= (lengths[i * width + j + 1] as number))
      ) {
        out.push({ op: '-', text: a[start + i] as string });
        i++;
      } else {
        out.push({ op: '+', text: b[start + j] as string });
        j++;
      }
    }
  }
  for (let i = endA; i < a.length; i++) out.push({ op: ' ', text: a[i] as string });
  return out;
}

/** Options of {@link unifiedDiff}. */
export interface UnifiedDiffOptions {
  /** The `---` line's label. */
  fromLabel: string;
  /** The `+++` line's label. */
  toLabel: string;
  /** Lines of context around changes; default 3. */
  context?: number;
}

/**
 * A unified diff (as `diff -u` writes it) from `from` to `to`, line by line; '' when the texts have the same lines.
 *
 * @example
 * unifiedDiff('<a/>\n<b/>\n', '<a/>\n<c/>\n', { fromLabel: 'backup', toLabel: 'live' });
 * // --- backup\n+++ live\n@@ -1,2 +1,2 @@\n <a/>\n-<b/>\n+<c/>\n
 */
export function unifiedDiff(from: string, to: string, options: UnifiedDiffOptions): string {
  const context = options.context ?? BACKUP_DEFAULTS.diffContext;
  const script = lineDiff(linesOf(from), linesOf(to));
  const changes = script.flatMap((line, i) => (line.op === ' ' ? [] : [i]));
  if (changes.length === 0) return '';
  // Line numbers (1-based) in `from` and `to` where each script line starts.
  const aAt: number[] = [];
  const bAt: number[] = [];
  let a = 1;
  let b = 1;
  for (const line of script) {
    aAt.push(a);
    bAt.push(b);
    if (line.op !== '+') a++;
    if (line.op !== '-') b++;
  }
  const out = [`--- ${options.fromLabel}`, `+++ ${options.toLabel}`];
  let k = 0;
  while (k < changes.length) {
    let last = changes[k] as number;
    let next = k + 1;
    while (next < changes.length && (changes[next] as number) - last <= 2 * context + 1) {
      last = changes[next] as number;
      next++;
    }
    const first = Math.max(0, (changes[k] as number) - context);
    const end = Math.min(script.length, last + context + 1);
    const hunk = script.slice(first, end);
    const aCount = hunk.filter((l) => l.op !== '+').length;
    const bCount = hunk.filter((l) => l.op !== '-').length;
    const aStart = (aAt[first] as number) - (aCount === 0 ? 1 : 0);
    const bStart = (bAt[first] as number) - (bCount === 0 ? 1 : 0);
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const line of hunk) out.push(`${line.op}${line.text}`);
    k = next;
  }
  return `${out.join('\n')}\n`;
}

// ---- comparing ----------------------------------------------------------------------------------------------------

/** One field that differs between the backup and the broker now. */
export interface FieldChange {
  field: string;
  backup: unknown;
  live: unknown;
}

/** ActiveMQ users since a backup: `added` exist now and not in the backup, `removed` the other way round. */
export interface UsersDiff {
  added: string[];
  removed: string[];
  changed: { username: string; fields: FieldChange[] }[];
}

/** A definition, named: its kind, its vhost (for vhost-scoped kinds) and its name. */
export interface DefinitionRef {
  kind: DefinitionKind;
  vhost?: string;
  name: string;
}

/** Definitions since a backup: `added` exist now and not in the backup, `removed` the other way round. */
export interface DefinitionsDiff {
  added: DefinitionRef[];
  removed: DefinitionRef[];
  changed: (DefinitionRef & { fields: FieldChange[] })[];
}

/** JSON with object keys sorted, for comparing values whatever order they came in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sameValue = (x: unknown, y: unknown) => canonical(x) === canonical(y);

/** The values a user will have after the next reboot (a pending DELETE: none). */
function effectiveUser(user: ActiveMqUserBackup): Omit<ActiveMqUserBackup, 'pending'> | undefined {
  if (user.pending?.change === 'DELETE') return undefined;
  return {
    username: user.username,
    consoleAccess: user.pending?.consoleAccess ?? user.consoleAccess,
    groups: [...(user.pending?.groups ?? user.groups)].sort(),
    replicationUser: user.replicationUser,
  };
}

/** ActiveMQ users now compared with a backup's, each as it will be after the next reboot. */
export function diffActiveMqUsers(
  backup: readonly ActiveMqUserBackup[],
  live: readonly ActiveMqUserBackup[],
): UsersDiff {
  const index = (users: readonly ActiveMqUserBackup[]) =>
    new Map(users.flatMap((u) => effectiveUser(u) ?? []).map((u) => [u.username, u]));
  const before = index(backup);
  const after = index(live);
  const diff: UsersDiff = { added: [], removed: [], changed: [] };
  for (const [name, user] of after) {
    const old = before.get(name);
    if (!old) {
      diff.added.push(name);
      continue;
    }
    const fields = (['consoleAccess', 'groups', 'replicationUser'] as const)
      .filter((f) => !sameValue(old[f], user[f]))
      .map((f) => ({ field: f, backup: old[f], live: user[f] }));
    if (fields.length) diff.changed.push({ username: name, fields });
  }
  for (const name of before.keys()) if (!after.has(name)) diff.removed.push(name);
  diff.added.sort();
  diff.removed.sort();
  diff.changed.sort((x, y) => x.username.localeCompare(y.username));
  return diff;
}

const str = (value: unknown) =>
  typeof value === 'string' ? value : value === undefined ? '' : canonical(value);

/** How a definition is named (and matched): vhost and name; bindings by everything they are made of. */
function refOf(kind: DefinitionKind, item: DefinitionItem): DefinitionRef & { key: string } {
  const vhost = typeof item.vhost === 'string' ? item.vhost : undefined;
  let name: string;
  switch (kind) {
    case 'permissions':
      name = str(item.user);
      break;
    case 'topic_permissions':
      name = `${str(item.user)} on exchange ${str(item.exchange)}`;
      break;
    case 'parameters':
      name = `${str(item.component)}/${str(item.name)}`;
      break;
    case 'bindings': {
      const args =
        item.arguments && Object.keys(item.arguments).length ? ` ${canonical(item.arguments)}` : '';
      name = `${str(item.source)} → ${str(item.destination_type) || 'queue'} ${str(item.destination)} [${str(item.routing_key)}]${args}`;
      break;
    }
    default:
      name = str(item.name);
  }
  return { kind, ...(vhost !== undefined ? { vhost } : {}), name, key: `${vhost ?? ''}\u0000${name}` };
}

/** A definition's fields as compared: user tags as a sorted list, whatever form the version answered. */
function comparable(kind: DefinitionKind, item: DefinitionItem): DefinitionItem {
  if (kind !== 'users') return item;
  const tags = Array.isArray(item.tags) ? item.tags : String(item.tags ?? '').split(',');
  return {
    ...item,
    tags: tags
      .map((t) => String(t).trim())
      .filter(Boolean)
      .sort(),
  };
}

/** A field value as shown in a diff: password hashes are never shown, only that they differ. */
const shown = (field: string, value: unknown) =>
  field === 'password_hash' && value !== undefined ? '(hash)' : value;

/**
 * RabbitMQ definitions now compared with a backup's, kind by kind and name by name, with the fields that changed.
 * Both sides must have been sanitised the same way (see {@link sanitiseDefinitions}).
 */
export function diffDefinitions(backup: RabbitMqDefinitions, live: RabbitMqDefinitions): DefinitionsDiff {
  const diff: DefinitionsDiff = { added: [], removed: [], changed: [] };
  for (const kind of DEFINITION_KINDS) {
    const index = (items: DefinitionItem[] | undefined) =>
      new Map((items ?? []).map((item) => [refOf(kind, item).key, item]));
    const before = index(backup[kind]);
    const after = index(live[kind]);
    const ref = (item: DefinitionItem): DefinitionRef => {
      const { key: _key, ...rest } = refOf(kind, item);
      return rest;
    };
    for (const [key, item] of after) {
      const old = before.get(key);
      if (!old) {
        diff.added.push(ref(item));
        continue;
      }
      const x = comparable(kind, old);
      const y = comparable(kind, item);
      const fields = [...new Set([...Object.keys(x), ...Object.keys(y)])]
        .sort()
        .filter((f) => !sameValue(x[f], y[f]))
        .map((f) => ({ field: f, backup: shown(f, x[f]), live: shown(f, y[f]) }));
      if (fields.length) diff.changed.push({ ...ref(item), fields });
    }
    for (const [key, item] of before) if (!after.has(key)) diff.removed.push(ref(item));
  }
  return diff;
}

// ---- reading a broker -------------------------------------------------------------------------------------------

function summaryOf(broker: Broker): BackupBrokerSummary {
  return {
    id: broker.id,
    arn: broker.arn,
    name: broker.name,
    region: broker.region,
    engine: broker.engine,
    engineVersion: broker.engineVersion,
    deploymentMode: broker.deploymentMode,
    instanceType: broker.instanceType,
    authenticationStrategy: broker.authenticationStrategy,
    state: broker.state,
  };
}

/** Reads one broker's backup through the source. */
export async function readBackup(
  broker: Broker,
  source: BackupSource,
  options: { at: Date; by: string; revisions: number; includePasswordHashes: boolean },
): Promise<BrokerBackup> {
  const configuration = await source.configuration(broker, options.revisions);
  const backup: BrokerBackup = {
    format: BACKUP_FORMAT,
    takenAt: options.at.toISOString(),
    by: options.by,
    broker: summaryOf(broker),
    ...(configuration ? { configuration } : {}),
  };
  if (broker.engine === 'ACTIVEMQ') {
    backup.users = await source.activeMqUsers(broker);
  } else {
    backup.definitions = sanitiseDefinitions(await source.rabbitDefinitions(broker), options);
    backup.passwordHashes = options.includePasswordHashes ? 'included' : 'stripped';
  }
  return backup;
}

/** What a backup holds, counted (for the dry run and the run's details). */
export function contentsOf(backup: BrokerBackup): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  const c = backup.configuration;
  if (c) {
    out.configuration = `${c.id} revision ${c.revision}${c.pending ? ` (revision ${c.pending.revision} pending)` : ''}`;
    out.revisionsKept = c.revisions.filter((r) => r.data !== undefined).length;
    out.revisions = c.revisions.length;
  }
  if (backup.users) out.users = backup.users.length;
  if (backup.definitions) {
    for (const kind of DEFINITION_KINDS) {
      const items = backup.definitions[kind];
      if (items) out[kind] = items.length;
    }
    out.passwordHashes = backup.passwordHashes ?? 'stripped';
  }
  return out;
}

const BackupDocument = v.looseObject({
  format: v.literal(BACKUP_FORMAT),
  takenAt: v.string(),
  by: v.optional(v.string()),
  broker: v.looseObject({ id: v.string(), name: v.string(), engine: v.picklist(['ACTIVEMQ', 'RABBITMQ']) }),
  configuration: v.optional(
    v.looseObject({
      id: v.string(),
      revision: v.number(),
      data: v.string(),
      pending: v.optional(v.object({ id: v.string(), revision: v.number(), data: v.string() })),
      latest: v.number(),
      revisions: v.array(v.looseObject({ revision: v.number() })),
    }),
  ),
  users: v.optional(
    v.array(
      v.looseObject({
        username: v.string(),
        consoleAccess: v.boolean(),
        groups: v.array(v.string()),
        replicationUser: v.boolean(),
      }),
    ),
  ),
  definitions: v.optional(v.record(v.string(), v.unknown())),
  passwordHashes: v.optional(v.picklist(['included', 'stripped'])),
});

/**
 * Reads a backup object's text.
 * @throws InvalidInputError when it is not JSON or not a backup of this format.
 */
export function parseBackup(text: string, key: string): BrokerBackup {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidInputError(`${clip(key, 120)} is not JSON: not an mqops backup`);
  }
  const parsed = v.safeParse(BackupDocument, json);
  if (!parsed.success)
    throw refusal(
      `${clip(key, 120)} is not an mqops backup (${BACKUP_FORMAT})`,
      v.issueLines(parsed.issues, '(document)'),
    );
  return parsed.output as unknown as BrokerBackup;
}

// ---- runbooks ---------------------------------------------------------------------------------------------------

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const byteLength = (text: string) => new TextEncoder().encode(text).length;

/** Up to 100 brokers, each an id or a name within Amazon MQ's limits (limits.ts). */
const brokersField = v.pipe(v.array(brokerRefSchema()), v.minLength(1), v.maxLength(100));

/** The payload of backup-config. */
export interface BackupConfigPayload {
  brokers?: string[];
  includePasswordHashes?: boolean;
  revisions?: number;
}

/**
 * backup-config: one JSON object per broker in the backup bucket (`backups/<broker name>/<ISO time>.json`). The dry
 * run reads the brokers and lists what it would save, with sizes; nothing is written.
 */
export const backupConfig: RunbookDefinition<BackupRunbookPorts, BackupConfigPayload> = {
  name: 'backup-config',
  summary:
    'save ActiveMQ configuration revisions and users, and RabbitMQ definitions, of one broker, several or all to the backup bucket',
  usage: '{"brokers"?: ["name or b-…"], "includePasswordHashes"?: false, "revisions"?: 5}',
  payload: v.strictObject({
    brokers: v.optional(brokersField),
    /** RabbitMQ users' password hashes are stripped unless this is true. */
    includePasswordHashes: v.optional(v.boolean()),
    /** Newest configuration revisions whose text is kept (the current and pending ones always are). */
    revisions: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(300))),
  }),
  async run(payload, ctx, ports) {
    const inventory = requirePort(ports.inventory, 'backup-config', 'the broker inventory');
    const { source, store } = requirePort(ports.backup, 'backup-config', 'the backup bucket');
    const refs = selectBrokers(await inventory.list(), payload.brokers);
    const at = ctx.now();
    const includePasswordHashes = payload.includePasswordHashes ?? false;
    const results = await mapBounded(refs, BACKUP_DEFAULTS.concurrency, async (ref) => {
      try {
        const broker = await inventory.describe(ref.id);
        const backup = await readBackup(broker, source, {
          at,
          by: ctx.by,
          revisions: payload.revisions ?? BACKUP_DEFAULTS.revisions,
          includePasswordHashes,
        });
        const json = JSON.stringify(backup, null, 2);
        const key = backupKey(broker.name, at);
        if (!ctx.dryRun) await store.put(key, json);
        return {
          ok: true as const,
          entry: {
            broker: broker.name,
            brokerId: broker.id,
            engine: broker.engine,
            key,
            bytes: byteLength(json),
            contents: contentsOf(backup),
          },
        };
      } catch (error) {
        return {
          ok: false as const,
          failure: { broker: ref.name, brokerId: ref.id, error: errorText(error) },
        };
      }
    });
    const saved = results.flatMap((r) => (r.ok ? [r.entry] : []));
    const failed = results.flatMap((r) => (r.ok ? [] : [r.failure]));
    const bytes = saved.reduce((sum, s) => sum + s.bytes, 0);
    const details = {
      location: store.location,
      passwordHashes: includePasswordHashes ? 'included' : 'stripped',
      backups: saved,
      ...(failed.length ? { failed } : {}),
    };
    const brokers = refs.map((r) => r.id);
    const failures = failed.length
      ? `; ${plural(failed.length, 'broker')} could not be read: ${failed.map((f) => `${f.broker} (${f.error})`).join('; ')}`
      : '';
    const hashes =
      saved.some((s) => s.engine === 'RABBITMQ') && !includePasswordHashes
        ? ' (RabbitMQ password hashes stripped)'
        : '';
    if (ctx.dryRun)
      return {
        status: failed.length && !saved.length ? 'failed' : 'dry-run',
        summary: `would save ${plural(saved.length, 'backup')} (${kb(bytes)}) to ${store.location}/${BACKUP_PREFIX}: ${saved.map((s) => `${s.broker} ${kb(s.bytes)}`).join(', ') || 'none'}${hashes}${failures}`,
        details,
        brokers,
      };
    return {
      status: failed.length ? 'failed' : 'done',
      summary: `saved ${plural(saved.length, 'backup')} (${kb(bytes)}) to ${store.location}: ${saved.map((s) => s.key).join(', ') || 'none'}${hashes}${failures}`,
      details: { ...details, keys: saved.map((s) => s.key) },
      brokers,
    };
  },
};

const clipList = <T>(items: readonly T[]) => items.slice(0, BACKUP_DEFAULTS.entries);

const clipDiff = (diff: string) => {
  const lines = diff.split('\n');
  if (lines.length <= BACKUP_DEFAULTS.diffLines) return diff;
  return `${lines.slice(0, BACKUP_DEFAULTS.diffLines).join('\n')}\n… ${lines.length - BACKUP_DEFAULTS.diffLines} more lines\n`;
};

const KIND_LABEL: Record<DefinitionKind, string> = {
  users: 'user',
  vhosts: 'vhost',
  permissions: 'permission of',
  topic_permissions: 'topic permission of',
  parameters: 'parameter',
  global_parameters: 'global parameter',
  policies: 'policy',
  queues: 'queue',
  exchanges: 'exchange',
  bindings: 'binding',
};

const refText = (r: DefinitionRef) => `${KIND_LABEL[r.kind]} ${r.name}`;

/** The first few of a list, for a one-sentence summary. */
const firstFew = (items: readonly string[]) =>
  `${items.slice(0, 3).join(', ')}${items.length > 3 ? ` and ${items.length - 3} more` : ''}`;

/** The revision a broker is set to run: the pending one when a reboot waits, else the current one. */
const effectiveRevision = (c: ConfigurationBackup) =>
  c.pending ?? { id: c.id, revision: c.revision, data: c.data };

/** The payload of restore-config. */
export interface RestoreConfigPayload {
  brokerId: string;
  key?: string;
}

/**
 * restore-config: what changed on a broker since a backup (the latest of that broker by default), as a dry run
 * only: a unified diff of the configuration, and the users or RabbitMQ definitions added, removed and changed, with
 * how to put the backup back by hand. `execute: true` is refused: mqops never overwrites a broker's configuration.
 */
export const restoreConfig: RunbookDefinition<BackupRunbookPorts, RestoreConfigPayload> = {
  name: 'restore-config',
  summary:
    'show what changed on a broker since a backup (a diff; always a dry run, nothing is restored automatically)',
  usage: '{"brokerId": "b-… or name", "key"?: "backups/<broker>/<time>.json (default: the latest)"}',
  payload: v.strictObject({
    brokerId: brokerRefSchema(),
    /** An S3 key (at most 1,024 bytes) under `backups/<broker name>/`: a broker name is at most 50 characters. */
    key: v.optional(
      v.pipe(
        v.string(),
        v.check(
          (key) => new TextEncoder().encode(key).length <= S3_KEY_BYTES,
          `longer than S3's ${S3_KEY_BYTES} bytes`,
        ),
        v.regex(
          /^backups\/[A-Za-z0-9_-]{1,50}\/[^/]+\.json$/,
          'a backup key: backups/<broker name>/<ISO time>.json',
        ),
      ),
    ),
  }),
  async run(payload, ctx, ports): Promise<RunOutcome> {
    if (!ctx.dryRun)
      return {
        status: 'refused',
        summary:
          'restore-config only shows a diff and never changes a broker: run it without "execute" to see what changed since the backup, then apply what you want by hand (see the diff\'s howTo)',
        details: { brokerId: payload.brokerId, ...(payload.key ? { key: payload.key } : {}) },
        brokers: [payload.brokerId],
      };
    const inventory = requirePort(ports.inventory, 'restore-config', 'the broker inventory');
    const { source, store } = requirePort(ports.backup, 'restore-config', 'the backup bucket');
    const [ref] = selectBrokers(await inventory.list(), [payload.brokerId]);
    if (!ref) throw new BrokerNotFoundError(payload.brokerId);
    const prefix = `${BACKUP_PREFIX}${ref.name}/`;
    const key = payload.key ?? latestBackupKey((await store.list(prefix)).map((o) => o.key));
    if (!key)
      return {
        status: 'refused',
        summary: `no backup of broker ${ref.name} under ${store.location}/${prefix}: run backup-config with "execute": true first`,
        details: { location: store.location, prefix },
        brokers: [ref.id],
      };
    const text = await store.get(key);
    if (text === undefined)
      return {
        status: 'refused',
        summary: `no backup ${key} in ${store.location}`,
        details: { location: store.location, key },
        brokers: [ref.id],
      };
    const backup = parseBackup(text, key);
    const broker = await inventory.describe(ref.id);
    if (backup.broker.engine !== broker.engine)
      return {
        status: 'refused',
        summary: `backup ${key} is of ${backup.broker.engine} broker ${backup.broker.name}; broker ${broker.name} runs ${broker.engine}`,
        details: { key, backupOf: backup.broker },
        brokers: [broker.id],
      };
    const live = await readBackup(broker, source, {
      at: ctx.now(),
      by: ctx.by,
      revisions: 0,
      includePasswordHashes: backup.passwordHashes === 'included',
    });

    const parts: string[] = [];
    const details: Record<string, unknown> = {
      key,
      takenAt: backup.takenAt,
      direction: 'from the backup (---) to the broker now (+++): "added" exists now and not in the backup',
      ...(backup.broker.id !== broker.id
        ? { backupOf: { id: backup.broker.id, name: backup.broker.name } }
        : {}),
    };

    const before = backup.configuration && effectiveRevision(backup.configuration);
    const after = live.configuration && effectiveRevision(live.configuration);
    if (before || after) {
      const diff = unifiedDiff(before?.data ?? '', after?.data ?? '', {
        fromLabel: before
          ? `backup ${before.id} revision ${before.revision} (${backup.takenAt})`
          : 'backup (none)',
        toLabel: after
          ? `broker ${after.id} revision ${after.revision}${live.configuration?.pending ? ' (pending reboot)' : ''}`
          : 'broker (none)',
      });
      const lines = diff.split('\n');
      const added = lines.filter((l) => l.startsWith('+') && !l.startsWith('+++')).length;
      const removed = lines.filter((l) => l.startsWith('-') && !l.startsWith('---')).length;
      details.configuration = {
        backup: before ? { id: before.id, revision: before.revision } : undefined,
        live: after
          ? { id: after.id, revision: after.revision, pending: Boolean(live.configuration?.pending) }
          : undefined,
        linesAdded: added,
        linesRemoved: removed,
        diff: clipDiff(diff),
      };
      const revisions =
        before && after && (before.id !== after.id || before.revision !== after.revision)
          ? ` ${before.id === after.id ? '' : `${before.id} `}revision ${before.revision} → ${after.id === before.id ? '' : `${after.id} `}revision ${after.revision}`
          : '';
      if (diff) parts.push(`configuration${revisions}: +${added} −${removed} lines`);
      else if (revisions) parts.push(`configuration${revisions} with the same text`);
    }

    if (broker.engine === 'ACTIVEMQ') {
      const users = diffActiveMqUsers(backup.users ?? [], live.users ?? []);
      details.users = {
        added: clipList(users.added),
        removed: clipList(users.removed),
        changed: clipList(users.changed),
      };
      const count = users.added.length + users.removed.length + users.changed.length;
      if (count)
        parts.push(
          `users: ${[
            users.added.length ? `added ${firstFew(users.added)}` : '',
            users.removed.length ? `removed ${firstFew(users.removed)}` : '',
            users.changed.length ? `changed ${firstFew(users.changed.map((u) => u.username))}` : '',
          ]
            .filter(Boolean)
            .join('; ')}`,
        );
      details.howTo = [
        'configuration: aws mq update-configuration --configuration-id <id> --data <base64 of the backup XML>, then aws mq update-broker --configuration Id=<id>,Revision=<new revision> and reboot',
        'users: aws mq create-user / update-user / delete-user (backups hold no passwords: set new ones); user changes apply at the next reboot',
      ];
    } else {
      const defs = diffDefinitions(backup.definitions ?? {}, live.definitions ?? {});
      details.definitions = {
        added: clipList(defs.added),
        removed: clipList(defs.removed),
        changed: clipList(defs.changed),
        counts: { added: defs.added.length, removed: defs.removed.length, changed: defs.changed.length },
      };
      const names = (refs: readonly DefinitionRef[]) => firstFew(refs.map(refText));
      const groups = [
        defs.added.length ? `added ${names(defs.added)}` : '',
        defs.removed.length ? `removed ${names(defs.removed)}` : '',
        defs.changed.length ? `changed ${names(defs.changed)}` : '',
      ].filter(Boolean);
      if (groups.length) parts.push(`definitions: ${groups.join('; ')}`);
      details.passwordHashes = backup.passwordHashes ?? 'stripped';
      details.howTo = [
        'definitions: POST the backup\'s "definitions" to the management API (/api/definitions, an administrator): an import adds and updates but never deletes, so remove what was added since the backup by hand',
        backup.passwordHashes === 'included'
          ? 'users keep their passwords (the backup holds their hashes)'
          : 'users in this backup have no password hash: set their passwords after importing',
        'shovel and federation URIs in the backup have their passwords masked (***): put them back before importing',
      ];
    }

    return {
      status: 'dry-run',
      summary: parts.length
        ? `broker ${broker.name} since backup ${key}: ${parts.join('; ')} (nothing restored: apply by hand, see howTo)`
        : `broker ${broker.name} matches backup ${key}: nothing changed since ${backup.takenAt}`,
      details,
      brokers: [broker.id],
    };
  },
};
