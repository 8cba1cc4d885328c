/**
 * `npm run iam`: prints, for every deployed function, the IAM actions derived from its code and where each comes
 * from — what `sst deploy` grants (before narrowing to the stack's resources).
 */

import { deriveActions } from './iam';
import { stack } from './index';

for (const fn of stack.functions) {
  const { actions, sources } = deriveActions(fn.handler);
  console.log(`${fn.name} (${fn.handler}): ${actions.length} actions`);
  for (const action of actions) {
    const scope = fn.scopes?.[action] ? '  [scoped]' : '';
    console.log(`  ${action.padEnd(42)} ${(sources[action] ?? []).join(', ')}${scope}`);
  }
}
