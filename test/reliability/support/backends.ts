/**
 * Every backend type of the registry as the reliability tests drive it: a simulator, an
 * adapter made from its config (through the real config schema), and what its module's testing
 * support says (its cancel call, its logins, its read path: src/adapters/testing.ts).
 */
import type { TaskAdapter } from '../../../src/adapters/contract.js';
import { adapterModule, adapterModules, adapterTypes } from '../../../src/adapters/registry.js';
import type { BackendTesting } from '../../../src/adapters/testing.js';
import { createBackendSet, type BackendSet, type BackendSetOptions } from '../../../src/gateway/backends.js';
import type { BackendEntry } from '../../../src/server/config.js';
import { simulator, type RunningSimulator, type SimulatorOptions } from '../../../src/simulators/registry.js';

export const BACKEND_TYPES: readonly string[] = adapterTypes();
export type BackendTypeName = string;

const TESTING = new Map<string, BackendTesting>(await Promise.all(adapterModules().map(async (m) => [m.type, await m.testing()] as const)));

/** What a backend type's module gives the shared test suites. */
export function testingOf(type: BackendTypeName): BackendTesting {
  const testing = TESTING.get(type);
  if (!testing) throw new Error(`no backend type ${type}`);
  return testing;
}

/** Every simulator can end its sessions, as an idle timeout or a restart does. */
export interface TestSimulator extends RunningSimulator {
  expireSessions(): unknown;
}

export async function startSim(type: BackendTypeName, options: SimulatorOptions = {}): Promise<TestSimulator> {
  const start = simulator(type);
  if (!start) throw new Error(`no simulator ${type}`);
  const sim = (await start({ spawnEveryMs: 0, initialTasks: 0, seed: 5, ...options })) as TestSimulator;
  if (typeof sim.expireSessions !== 'function') throw new Error(`the ${type} simulator cannot expire sessions`);
  return sim;
}

/** A backend config entry for `sim` (through `url` when a proxy stands in front), with overrides. */
export function configFor(sim: RunningSimulator, name: string, overrides: Record<string, unknown> = {}, url?: string): Record<string, unknown> {
  return { ...sim.backendConfig(name), ...(url ? { url } : {}), ...overrides };
}

/** An adapter built the way the gateway builds it: config validated by the type's schema. */
export function createAdapter(config: Record<string, unknown>): TaskAdapter {
  const module = adapterModule(String(config.type));
  if (!module) throw new Error(`no adapter ${String(config.type)}`);
  return module.create(module.configSchema.parse(config));
}

/** A backend set as the gateway builds it (adapters, resilience settings from config), with test clocks. */
export function createTestBackendSet(configs: Array<Record<string, unknown>>, options: BackendSetOptions = {}): BackendSet {
  return createBackendSet(
    configs.map((config) => {
      const module = adapterModule(String(config.type));
      if (!module) throw new Error(`no adapter ${String(config.type)}`);
      const parsed = module.configSchema.parse(config) as BackendEntry['config'];
      return { adapter: module.create(parsed), knownAs: parsed.knownAs, resilience: parsed };
    }),
    options,
  );
}

/** Whether a request (as the fault proxy logs it) is the vendor's cancel call. */
export function isCancelRequest(type: BackendTypeName, req: { method: string; url: string; body: string }): boolean {
  return testingOf(type).isCancelRequest(req);
}

/** Logins the simulator has served since its counts were last reset. */
export function logins(type: BackendTypeName, sim: RunningSimulator): number {
  return testingOf(type).logins(sim);
}

/** A task that runs until canceled, marked by a unique operation name so a listing finds it. */
export function startLongTask(sim: RunningSimulator, marker: string): void {
  sim.world.create({ operation: marker, description: marker, cancelable: true, plan: { queuedMs: 0, runMs: 1e9 } });
}

export const ctx = { requestId: 'reliability-test' };
