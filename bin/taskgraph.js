#!/usr/bin/env node
// Runs the compiled CLI (dist/, see bin/built.js) in this process, so signals (SIGTERM for a
// graceful shutdown) reach the server directly. Without a current build it says what to do.
import { builtModule, BuildMissingError } from './built.js';

let cli;
try {
  cli = builtModule('server/cli');
} catch (err) {
  if (!(err instanceof BuildMissingError)) throw err;
  console.error(err.message);
  process.exit(1);
}
await import(cli.href);
