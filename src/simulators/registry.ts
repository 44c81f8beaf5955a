/**
 * The simulators taskgraph ships, one per backend type of the adapter registry (each adapter
 * module declares its own), for `taskgraph simulate <type>`, `taskgraph demo` and tests.
 */
import { adapterModule, adapterTypes } from '../adapters/registry.js';
import type { StartSimulator } from './types.js';

export type { RunningSimulator, SimulatorOptions, StartSimulator } from './types.js';

export function simulatorNames(): string[] {
  return adapterTypes();
}

/** The simulator of a backend type, or undefined for an unknown type. */
export function simulator(name: string): StartSimulator | undefined {
  const module = adapterModule(name);
  return module ? (options) => module.simulator().then((start) => start(options)) : undefined;
}
