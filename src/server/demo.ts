/**
 * `taskgraph demo`: every simulator taskgraph ships, with live tasks, behind one gateway.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkVcdToVsphere } from '../simulators/links.js';
import { simulator, simulatorNames, type RunningSimulator } from '../simulators/registry.js';
import { parseConfig } from './config.js';
import { startGateway } from './gateway.js';
import type { GatewayServer } from './http.js';

export interface Demo {
  gateway: GatewayServer;
  simulators: RunningSimulator[];
  stop(): Promise<void>;
}

export interface DemoOptions {
  port?: number;
  host?: string;
  /** How often each simulator starts a new task. */
  spawnEveryMs?: number;
  initialTasks?: number;
  /** Config `server.fastPath` (default true). */
  fastPath?: boolean;
}

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const simulators: RunningSimulator[] = [];
  // Task history in a throw-away embedded store (the simulators start afresh each time too).
  const historyDir = mkdtempSync(join(tmpdir(), 'taskgraph-demo-'));
  const dropHistory = () => rmSync(historyDir, { recursive: true, force: true });
  try {
    for (const [i, name] of simulatorNames().entries()) {
      const start = simulator(name)!;
      simulators.push(await start({ spawnEveryMs: options.spawnEveryMs ?? 4000, initialTasks: 0, seed: 100 + i }));
    }
    // Cloud Director tasks drive tasks on the vSphere simulator, as a cell drives its vCenter.
    const vcd = simulators.find((s) => s.name === 'vcd');
    const vsphere = simulators.find((s) => s.name === 'vsphere-soap');
    const aliases = vcd && vsphere ? linkVcdToVsphere(vcd, vsphere) : { knownAs: [] };
    for (const sim of simulators) sim.world.backfill(options.initialTasks ?? 25);
    const config = parseConfig({
      server: { host: options.host ?? '127.0.0.1', port: options.port ?? 4000, ...(options.fastPath === undefined ? {} : { fastPath: options.fastPath }) },
      backends: simulators.map((s) => ({ ...s.backendConfig(`${s.name}-sim`), ...(s === vsphere ? aliases : {}) })),
      history: { path: join(historyDir, 'history.db'), pollIdleBackends: 5000 },
    });
    const gateway = await startGateway(config);
    return {
      gateway,
      simulators,
      stop: async () => {
        await gateway.stop();
        await Promise.all(simulators.map((s) => s.close()));
        dropHistory();
      },
    };
  } catch (err) {
    await Promise.all(simulators.map((s) => s.close()));
    dropHistory();
    throw err;
  }
}
