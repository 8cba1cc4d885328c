/**
 * Invokes one Lambda handler in this (fresh) process, as the Lambda runtime would: `node --import tsx
 * test/helpers/invoke-handler.ts functions/audit.ts` with the event as JSON on stdin. Prints the handler's result
 * as one JSON line prefixed `RESULT ` (or `ERROR <name>: <message>` and exit 1). Used by tests that run real
 * handlers in separate processes at once.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lambdaContext } from './lambda';

const [file = '', functionName = 'mqops-test'] = process.argv.slice(2);
const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const event = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
const module = (await import(pathToFileURL(resolve(file)).href)) as {
  handler: (event: unknown, context: unknown) => Promise<unknown>;
};
try {
  const result = await module.handler(event, lambdaContext(functionName));
  process.stdout.write(`\nRESULT ${JSON.stringify(result)}\n`);
} catch (error) {
  const e = error as Error;
  process.stdout.write(`\nERROR ${e.name}: ${e.message}\n`);
  process.exitCode = 1;
}
