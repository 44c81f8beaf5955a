/**
 * What every simulator offers, for `taskgraph simulate <type>`, `taskgraph demo` and tests.
 * A backend type's simulator is declared by its adapter module (src/adapters/registry.ts).
 */
import type { SimulatorServer } from './harness.js';
import type { SimTask, TaskWorld } from './task-world.js';

export interface SimulatorOptions {
  port?: number;
  host?: string;
  /** Spawn a new task this often; 0 for none (tests). */
  spawnEveryMs?: number;
  /** Tasks created at start. */
  initialTasks?: number;
  seed?: number;
  /** Manual clock for deterministic tests. */
  now?: () => number;
  /** Serve https with a self-signed certificate; `backendConfig` then carries its `tls.caFile`. */
  tls?: boolean;
}

export interface RunningSimulator {
  readonly name: string;
  readonly server: SimulatorServer;
  readonly world: TaskWorld;
  /** A taskgraph backend config entry pointing at this simulator (with its credentials). */
  backendConfig(name: string): Record<string, unknown>;
  /** The native id the adapter gives a task of this simulator (what the backend calls it on the wire). */
  nativeIdOf(task: SimTask): string;
  /** An operation whose tasks report progress while they run, where most of the backend's do not. */
  readonly progressOperation?: string;
  close(): Promise<void>;
}

export type StartSimulator = (options?: SimulatorOptions) => Promise<RunningSimulator>;
