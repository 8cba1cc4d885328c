#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step): tsx compiles them on load.
import { register } from 'tsx/esm/api';

// A reader that stops early (`mqops audit --local | head`) closes the pipe: stop quietly, as Unix tools do,
// instead of dying on EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
