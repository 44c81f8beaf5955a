/**
 * The four backend types as the reliability tests drive them: a simulator, an adapter made
 * from its config (through the real config schema), and what each counts as a login.
 */
import type { TaskAdapter } from '../../../src/adapters/contract.js';
import { adapterModule } from '../../../src/adapters/registry.js';
import { createBackendSet, type BackendSet, type BackendSetOptions } from '../../../src/gateway/backends.js';
import type { BackendEntry } from '../../../src/server/config.js';
import { countOf } from '../../../src/simulators/harness.js';
import { simulator, type RunningSimulator, type SimulatorOptions } from '../../../src/simulators/registry.js';

export const BACKEND_TYPES = ['prism', 'vcd', 'vsphere-rest', 'vsphere-soap'] as const;
export type BackendTypeName = (typeof BACKEND_TYPES)[number];

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
  switch (type) {
    case 'prism':
      return req.method === 'POST' && req.url.includes('/$actions/cancel');
    case 'vcd':
      return req.method === 'POST' && req.url.includes('/action/cancel');
    case 'vsphere-rest':
      return req.method === 'POST' && req.url.includes('action=cancel');
    case 'vsphere-soap':
      return req.body.includes('CancelTask');
  }
}

/** Logins the simulator has served since its counts were last reset. */
export function logins(type: BackendTypeName, sim: RunningSimulator): number {
  switch (type) {
    case 'prism':
      // Prism has no login call: a request with Basic credentials opens a session (cookie).
      return sim.server.recent().filter((r) => String(r.headers.authorization ?? '').startsWith('Basic ')).length;
    case 'vcd':
      return countOf(sim.server, 'login');
    case 'vsphere-rest':
      return sim.server.counts.get('create session') ?? 0;
    case 'vsphere-soap':
      return sim.server.counts.get('Login') ?? 0;
  }
}

/** A task that runs until canceled, marked by a unique operation name so a listing finds it. */
export function startLongTask(sim: RunningSimulator, marker: string): void {
  sim.world.create({ operation: marker, description: marker, cancelable: true, plan: { queuedMs: 0, runMs: 1e9 } });
}

export const ctx = { requestId: 'reliability-test' };
