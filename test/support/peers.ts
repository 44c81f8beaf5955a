/**
 * System programs some tests need (redis-server, chromium, vcsim). Locally a missing one
 * skips its tests with a printed reason; with TASKGRAPH_REQUIRE_PEERS=1 (CI) it fails them.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const requirePeers = process.env.TASKGRAPH_REQUIRE_PEERS === '1';

/** The program's path, or null (after printing why the tests skip) when it is not installed. */
export function findProgram(name: string, candidates: string[] = []): string | null {
  for (const path of candidates) if (existsSync(path)) return path;
  const which = spawnSync('which', [name], { encoding: 'utf8' });
  const found = which.status === 0 ? which.stdout.trim() : '';
  if (found) return found;
  if (requirePeers) throw new Error(`${name} is required (TASKGRAPH_REQUIRE_PEERS=1) but not installed`);
  console.warn(`skipping tests that need ${name}: not installed (apt-get install it, or see .ci/run)`);
  return null;
}
