#!/usr/bin/env node
// Runs the compiled CLI (dist/) when it is current, else the TypeScript sources in-process
// through tsx (bin/built.js decides), so `npx taskgraph` works with or without a build and
// signals (SIGTERM for graceful shutdown) reach the server directly.
import { builtModule } from './built.js';

const built = builtModule('server/cli');
if (built) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/server/cli.ts');
}
