/**
 * Simulated backends in a child process of their own, driven by the benchmark: start them
 * with data and latency, read and reset their request counts, capture and replay requests,
 * and change tasks at known instants (subscription latency).
 */
import { serveCalls } from './ipc.js';
import { simulator } from '../../src/simulators/registry.js';
import type { RunningSimulator } from '../../src/simulators/registry.js';
import type { SimTask } from '../../src/simulators/task-world.js';

export interface SimSpec {
  /** Simulator name: prism, vcd, vsphere-rest, vsphere-soap. */
  kind: string;
  /** Backend name the gateway gives it. */
  name: string;
  seed?: number;
  /** Top-level tasks (with their subtasks) spread over the past 15 minutes. */
  backfill?: number;
  latencyMs?: number;
}

export interface StartedSim {
  name: string;
  kind: string;
  url: string;
  /** A taskgraph backend config entry for it. */
  backend: Record<string, unknown>;
  tasks: number;
}

/** One request as the backend received it, to replay it directly. */
export interface CapturedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

const sims = new Map<string, RunningSimulator>();
/** Change instants (epoch ms, sub-ms precision) by `${taskId}/${progress}`. */
const changes = new Map<string, number>();
const externals = new Map<string, SimTask[]>();

const wallNow = () => performance.timeOrigin + performance.now();

function sim(name: string): RunningSimulator {
  const s = sims.get(name);
  if (!s) throw new Error(`no simulator ${name}`);
  return s;
}

serveCalls({
  async start(specs: SimSpec[]): Promise<StartedSim[]> {
    const out: StartedSim[] = [];
    for (const spec of specs) {
      const start = simulator(spec.kind);
      if (!start) throw new Error(`unknown simulator ${spec.kind}`);
      const s = await start({ seed: spec.seed ?? 1 });
      if (spec.backfill) s.world.backfill(spec.backfill);
      if (spec.latencyMs) s.server.setFaults({ latencyMs: spec.latencyMs });
      sims.set(spec.name, s);
      out.push({ name: spec.name, kind: spec.kind, url: s.server.url, backend: s.backendConfig(spec.name), tasks: s.world.size });
    }
    return out;
  },
  totals(): Record<string, number> {
    return Object.fromEntries([...sims].map(([name, s]) => [name, s.server.total()]));
  },
  counts(name: string): Record<string, number> {
    return Object.fromEntries(sim(name).server.counts);
  },
  reset(): void {
    for (const s of sims.values()) s.server.resetCounts();
  },
  setLatency(ms: number): void {
    for (const s of sims.values()) s.server.setFaults({ latencyMs: ms });
  },
  /** The last `n` requests a backend received (to replay them as the "direct call"). */
  lastRequests(name: string, n: number): CapturedRequest[] {
    return sim(name)
      .server.recent()
      .slice(-n)
      .map((r) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(r.headers)) if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
        const qs = r.query.toString();
        return { method: r.method, path: qs ? `${r.path}?${qs}` : r.path, headers, body: r.body };
      });
  },
  /** Native tasks of a backend, newest first (ids as the simulator knows them). */
  taskIds(name: string, n: number): string[] {
    return sim(name).world.list().slice(0, n).map((t) => t.id);
  },
  /** Creates external tasks (only API updates change them), so the benchmark owns every change. */
  createExternal(name: string, count: number): string[] {
    const s = sim(name);
    const made = Array.from({ length: count }, (_, i) =>
      s.world.create({ operation: 'kVmMigrate', description: `bench task ${i}`, state: 'running', progress: 1, external: true }),
    );
    externals.set(name, [...(externals.get(name) ?? []), ...made]);
    return made.map((t) => t.id);
  },
  /** Sets a task's progress now and remembers when (the instant the backend changed). */
  setProgress(name: string, id: string, progress: number): number {
    const at = wallNow();
    sim(name).world.update(id, { progress });
    changes.set(`${id}/${progress}`, at);
    return at;
  },
  changeTimes(): Record<string, number> {
    return Object.fromEntries(changes);
  },
  /** CPU time used so far (µs), to tell which process was saturated. */
  cpu(): NodeJS.CpuUsage {
    return process.cpuUsage();
  },
  memory(): NodeJS.MemoryUsage {
    return process.memoryUsage();
  },
});

process.on('SIGTERM', () => {
  void Promise.allSettled([...sims.values()].map((s) => s.close())).then(() => process.exit(0));
});
