/**
 * Finding the vendors' own clients for the tests of test/vendor-clients: Debian's python3 with
 * pyVmomi (python3-pyvmomi) and the govmomi program scripts/govmomi-tasks/build.sh builds.
 * Missing ones skip their tests with a printed reason, or fail them with
 * TASKGRAPH_REQUIRE_PEERS=1 (test/support/peers.ts).
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findProgram, requirePeers } from '../support/peers.js';

function unavailable(what: string, fix: string): null {
  if (requirePeers) throw new Error(`${what} is required (TASKGRAPH_REQUIRE_PEERS=1) but missing: ${fix}`);
  console.warn(`skipping tests that need ${what}: ${fix}`);
  return null;
}

/** A python3 that imports pyVmomi (Debian's, not a pyenv or venv one without it), or null. */
export function pythonWithPyvmomi(): string | null {
  const python = findProgram('python3', ['/usr/bin/python3']);
  if (!python) return null;
  const probe = spawnSync(python, ['-c', 'import pyVim.connect, pyVmomi'], { encoding: 'utf8' });
  return probe.status === 0 ? python : unavailable('pyVmomi', `${python} cannot import it (apt-get install python3-pyvmomi)`);
}

/** The govmomi tasks program, or null. */
export function govmomiTasksProgram(): string | null {
  const path = new URL('../../.govmomi-tasks/govmomi-tasks', import.meta.url).pathname;
  return existsSync(path) ? path : unavailable('the govmomi tasks program', 'run scripts/govmomi-tasks/build.sh (see .ci/run)');
}

/** Runs a program without blocking the event loop (the simulator answers it from this process). */
export function run(program: string, args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(program, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
