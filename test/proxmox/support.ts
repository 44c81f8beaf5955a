/**
 * A Proxmox VE simulator on a manual clock, and adapters made from its config entries the
 * way the gateway makes them (through the config schema).
 */
import type { TaskAdapter } from '../../src/adapters/contract.js';
import { proxmoxAdapter } from '../../src/adapters/proxmox/index.js';
import { startProxmoxSimulator, type ProxmoxSimulator } from '../../src/simulators/proxmox/index.js';

export interface Fixture {
  sim: ProxmoxSimulator;
  clock: { now: number };
  adapter(overrides?: Record<string, unknown>, token?: boolean): TaskAdapter;
  /** Requests the simulator received since `mark()` (the last 500), as `METHOD path?query`. */
  requests(): string[];
  mark(): void;
  close(): Promise<void>;
}

export const ctx = { requestId: 'proxmox-test' };

export async function startFixture(): Promise<Fixture> {
  const clock = { now: Date.parse('2026-03-01T10:00:00.000Z') };
  const sim = await startProxmoxSimulator({ seed: 11, spawnEveryMs: 0, initialTasks: 0, now: () => clock.now });
  const adapters: TaskAdapter[] = [];
  const seen = () => sim.server.recent().map((r) => `${r.method} ${r.path.replace('/api2/json', '')}${r.query.size ? `?${r.query}` : ''}`);
  return {
    sim,
    clock,
    adapter(overrides = {}, token = false) {
      const config = proxmoxAdapter.configSchema.parse({ ...(token ? sim.tokenConfig('pve') : sim.backendConfig('pve')), ...overrides });
      const adapter = proxmoxAdapter.create(config);
      adapters.push(adapter);
      return adapter;
    },
    requests: seen,
    mark: () => sim.server.resetCounts(),
    async close() {
      await Promise.all(adapters.map((a) => a.close()));
      await sim.close();
    },
  };
}

/** Spawns `count` tasks a second apart from the simulator's catalog. */
export function spawn(f: Fixture, count: number, gapMs = 1000): void {
  for (let i = 0; i < count; i++) {
    f.sim.world.spawn();
    f.clock.now += gapMs;
  }
}
