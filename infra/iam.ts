import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ACTION_ACCESS, isWriteAction } from './iam-access';
import type { ActionScope, EnvValue, FunctionSpec, IamCondition, ScopeStatement } from './types';

/**
 * Derives a function's IAM actions from its code: walks the handler's import graph inside this repository and
 * collects every AWS SDK v3 command it constructs (`new DescribeBrokerCommand(…)` → `mq:DescribeBroker`) and every
 * paginator it runs (`paginateListBrokers` → `mq:ListBrokers`). Permissions are never listed by hand.
 */

/** IAM service prefix of each SDK client package. */
const SERVICE_PREFIX: Record<string, string> = {
  '@aws-sdk/client-mq': 'mq',
  '@aws-sdk/client-sns': 'sns',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-sts': 'sts',
  '@aws-sdk/client-securityhub': 'securityhub',
  '@aws-sdk/client-sfn': 'states',
  '@aws-sdk/client-lambda': 'lambda',
  '@aws-sdk/client-pricing': 'pricing',
  '@aws-sdk/client-kms': 'kms',
};

/** Operations whose IAM action is not `prefix:Operation`. */
const ACTION_EXCEPTIONS: Record<string, string> = {
  's3:ListObjectsV2': 's3:ListBucket',
  's3:HeadObject': 's3:GetObject',
  's3:HeadBucket': 's3:ListBucket',
  'sts:GetCallerIdentity': '', // needs no permission
  'lambda:Invoke': 'lambda:InvokeFunction',
};

/** SDK helpers (not commands) that call AWS on the code's behalf, by package: the helper and its IAM action. */
const HELPER_ACTIONS: Record<string, Record<string, string>> = {
  '@aws-sdk/credential-providers': { fromTemporaryCredentials: 'sts:AssumeRole' },
};

const IMPORT =
  /(?:import|export)\s+(type\s+)?([\s\S]*?)\s+from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function resolveModule(specifier: string, fromFile: string, root: string): string | undefined {
  let base: string | undefined;
  if (specifier.startsWith('.')) base = resolve(dirname(fromFile), specifier);
  else {
    const m = /^@mqops\/([^/]+)(?:\/(.+))?$/.exec(specifier);
    if (!m) return undefined;
    base = join(root, 'packages', m[1] ?? '', 'src', m[2] ?? 'index');
  }
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Names a statement imports at run time (type-only names left out). */
function runtimeNames(clause: string): string[] {
  const braces = /\{([\s\S]*)\}/.exec(clause);
  if (!braces?.[1]) return [];
  return braces[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith('type '))
    .map((s) => (s.split(/\s+as\s+/)[1] ?? s).trim());
}

export interface DerivedPermissions {
  /** Sorted, unique IAM actions. */
  actions: string[];
  /** Where each action comes from (file relative to the root). */
  sources: Record<string, string[]>;
  /** Every repository file the handler loads. */
  files: string[];
}

/**
 * The IAM actions a handler's code can call.
 * @param handler `functions/audit.handler` or a file path, relative to `root`.
 */
export function deriveActions(handler: string, root: string = process.cwd()): DerivedPermissions {
  const entry = resolve(
    root,
    handler.endsWith('.ts') ? handler : `${handler.replace(/\.[A-Za-z_$][\w$]*$/, '')}.ts`,
  );
  if (!existsSync(entry)) throw new Error(`handler source not found: ${relative(root, entry)}`);
  const seen = new Set<string>();
  const sources: Record<string, string[]> = {};
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    for (const m of code.matchAll(IMPORT)) {
      const typeOnly = Boolean(m[1]);
      const specifier = m[3] ?? m[4] ?? '';
      const helpers = HELPER_ACTIONS[specifier];
      if (helpers && !typeOnly) {
        for (const name of runtimeNames(m[2] ?? '')) {
          const action = helpers[name];
          if (action && new RegExp(`\\b${name}\\s*\\(`).test(code))
            sources[action] = [...new Set([...(sources[action] ?? []), relative(root, file)])];
        }
        continue;
      }
      const prefix = SERVICE_PREFIX[specifier];
      if (prefix && !typeOnly) {
        for (const name of runtimeNames(m[2] ?? '')) {
          let operation: string | undefined;
          if (name.endsWith('Command') && new RegExp(`new\\s+${name}\\s*\\(`).test(code))
            operation = name.slice(0, -7);
          else if (name.startsWith('paginate') && new RegExp(`\\b${name}\\s*\\(`).test(code))
            operation = name.slice(8);
          if (!operation) continue;
          const raw = `${prefix}:${operation}`;
          const action = raw in ACTION_EXCEPTIONS ? ACTION_EXCEPTIONS[raw] : raw;
          if (!action) continue;
          sources[action] = [...new Set([...(sources[action] ?? []), relative(root, file)])];
        }
        continue;
      }
      if (typeOnly) continue;
      const next = resolveModule(specifier, file, root);
      if (next) queue.push(next);
    }
  }
  return {
    actions: Object.keys(sources).sort(),
    sources,
    files: [...seen].map((f) => relative(root, f)).sort(),
  };
}

/** One IAM statement of a function, in the stack's terms (resources as refs to the stack or literal ARNs). */
export interface PlannedStatement {
  /** Sorted. */
  actions: string[];
  /** `{ literal: '*' }` only for actions infra/iam-access.ts allows on `*`. */
  resources: EnvValue[];
  condition?: IamCondition;
}

/** A function's IAM: its statements, the actions left on `*` with AWS's reason, and what forbids deploying it. */
export interface PermissionPlan {
  statements: PlannedStatement[];
  /** Action → why it can only be granted on `*` (from infra/iam-access.ts). */
  wildcards: Record<string, string>;
  /** Derived actions missing from infra/iam-access.ts, writes without a scope, scopes that name no resource. */
  problems: string[];
}

/** The statements a scope stands for. */
export function scopeStatements(scope: ActionScope): ScopeStatement[] {
  if (!Array.isArray(scope)) return [scope];
  const items = scope as (EnvValue | ScopeStatement)[];
  return items.length > 0 && items.every((item) => 'resources' in item)
    ? (items as ScopeStatement[])
    : [{ resources: items as EnvValue[] }];
}

const STAR: EnvValue = { literal: '*' };
const isStar = (value: EnvValue) => 'literal' in value && value.literal === '*';

/**
 * A function's IAM statements: each derived action on the resources its `scopes` name (with their conditions);
 * without a scope, a metadata read on its whole resource type and an action that supports no resource type on `*`
 * (see infra/iam-access.ts). Statements with the same resources and condition are merged.
 */
export function planPermissions(fn: FunctionSpec, root?: string): PermissionPlan {
  const { actions } = deriveActions(fn.handler, root);
  const problems: string[] = [];
  const wildcards: Record<string, string> = {};
  const grants: { action: string; statement: ScopeStatement }[] = [];
  for (const action of actions) {
    const access = ACTION_ACCESS[action];
    // A function's own dead-letter queue is where its refusals go (functions/lib/refuse.ts): the only queue it may write.
    const scope =
      fn.scopes?.[action] ??
      (action === 'sqs:SendMessage' && fn.deadLetterQueue
        ? [{ ref: fn.deadLetterQueue, attribute: 'arn' as const }]
        : undefined);
    if (!access) {
      problems.push(
        `${fn.name}: ${action} is not in infra/iam-access.ts (add its access level and resource types from the Service Authorization Reference)`,
      );
      continue;
    }
    if (scope) {
      for (const statement of scopeStatements(scope)) {
        if (statement.resources.length === 0)
          problems.push(`${fn.name}: the scope of ${action} names no resource`);
        else if (isWriteAction(action) && !statement.condition && statement.resources.some(isStar))
          problems.push(`${fn.name}: ${action} (${access.level}) is scoped to * without a condition`);
        grants.push({ action, statement });
      }
    } else if (access.anyResource) {
      grants.push({ action, statement: { resources: access.anyResource.map((literal) => ({ literal })) } });
    } else if (access.wildcard && !isWriteAction(action)) {
      wildcards[action] = access.wildcard;
      grants.push({ action, statement: { resources: [STAR] } });
    } else {
      problems.push(
        `${fn.name}: ${action} (${access.level}) needs a scope: the resources the function owns (FunctionSpec.scopes)`,
      );
    }
  }
  const merged = new Map<string, PlannedStatement>();
  for (const { action, statement } of grants) {
    const key = JSON.stringify([statement.resources, statement.condition ?? null]);
    const existing = merged.get(key);
    if (existing) existing.actions.push(action);
    else
      merged.set(key, {
        actions: [action],
        resources: statement.resources,
        ...(statement.condition ? { condition: statement.condition } : {}),
      });
  }
  // The `*` statement first, as IAM policy readers expect the broad grant on top.
  const statements = [...merged.values()].sort(
    (a, b) => Number(b.resources.some(isStar)) - Number(a.resources.some(isStar)),
  );
  return { statements, wildcards, problems };
}
