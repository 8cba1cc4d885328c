/**
 * `npm run iam`: prints, for every deployed function, the IAM statements `sst deploy` grants — the actions derived
 * from its code (and the file each comes from), the resources and conditions each is granted on, and for every
 * action left on `*` AWS's reason (infra/iam-access.ts) — then asserts that no write action is granted on `*`.
 * Exits 1 when a function cannot be deployed (an action missing from infra/iam-access.ts, a write without a scope).
 */

import { deriveActions, planPermissions } from './iam';
import { ACTION_ACCESS, isWriteAction } from './iam-access';
import { stack } from './index';
import type { EnvValue, IamCondition } from './types';

const show = (value: EnvValue): string => {
  if ('literal' in value) return value.literal;
  if ('defaultBus' in value) return '<default event bus>';
  return `<${value.ref}.${value.attribute}>${value.suffix ?? ''}`;
};

const showCondition = (condition: IamCondition): string =>
  Object.entries(condition)
    .flatMap(([test, keys]) =>
      Object.entries(keys).map(([key, values]) => `${test} ${key} ${JSON.stringify(values)}`),
    )
    .join(' and ');

const problems: string[] = [];
const writesOnStar: string[] = [];
for (const fn of stack.functions) {
  const { sources } = deriveActions(fn.handler);
  const plan = planPermissions(fn);
  problems.push(...plan.problems);
  const count = plan.statements.length + (fn.deadLetterQueue ? 1 : 0);
  console.log(`${fn.name} (${fn.handler}): ${count} statements`);
  for (const statement of plan.statements) {
    const star = statement.resources.some((r) => 'literal' in r && r.literal === '*');
    console.log(`  on ${statement.resources.map(show).join(', ')}`);
    if (statement.condition) console.log(`    when ${showCondition(statement.condition)}`);
    for (const action of statement.actions) {
      const level = ACTION_ACCESS[action]?.level ?? '?';
      const from = (sources[action] ?? []).join(', ');
      console.log(`    ${action.padEnd(40)} ${level.padEnd(8)} ${from}`);
      if (star) {
        console.log(`      * because ${plan.wildcards[action] ?? '(no reason recorded)'}`);
        if (isWriteAction(action) && !statement.condition) writesOnStar.push(`${fn.name}: ${action}`);
      }
    }
  }
  if (fn.deadLetterQueue) console.log(`  on <${fn.deadLetterQueue}.arn>\n    sqs:SendMessage (dead letters)`);
}

for (const problem of problems) console.log(`PROBLEM ${problem}`);
if (writesOnStar.length > 0) console.log(`WRITE ACTIONS ON *: ${writesOnStar.join('; ')}`);
else console.log('No write action (Write, Permissions management, Tagging) is granted on *.');
if (problems.length > 0 || writesOnStar.length > 0) process.exitCode = 1;
