#!/usr/bin/env node
// Loads the TypeScript CLI in-process through tsx, so `npx taskgraph` needs no build step
// and signals (SIGTERM for graceful shutdown) reach the server directly.
import { register } from 'tsx/esm/api';

register();
await import('../src/server/cli.ts');
