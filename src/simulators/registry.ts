/**
 * The simulators taskgraph ships, for `taskgraph simulate <name>`, `taskgraph demo` and tests.
 * Adding one is one line in SIMULATORS plus its folder.
 */
import type { SimulatorServer } from './harness.js';
import type { TaskWorld } from './task-world.js';
import { startPrismSimulator } from './prism/index.js';
import { startVcdSimulator } from './vcd/index.js';
import { startVsphereRestSimulator } from './vsphere-rest/index.js';
import { startVsphereSoapSimulator } from './vsphere-soap/index.js';

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
  close(): Promise<void>;
}

export type StartSimulator = (options?: SimulatorOptions) => Promise<RunningSimulator>;

const SIMULATORS: Record<string, StartSimulator> = {
  prism: startPrismSimulator,
  vcd: startVcdSimulator,
  'vsphere-rest': startVsphereRestSimulator,
  'vsphere-soap': startVsphereSoapSimulator,
};

export function simulatorNames(): string[] {
  return Object.keys(SIMULATORS);
}

export function simulator(name: string): StartSimulator | undefined {
  return SIMULATORS[name];
}
