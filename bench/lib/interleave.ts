/**
 * Interleaved load runs (A B A B ...): every target gets the same connections and duration,
 * rounds alternate so drift (thermal, other processes) hits all targets alike, figures are
 * medians over the rounds, and the
 * backend's request count is read before and after each run.
 */
import type { ChildService } from './ipc.js';
import type { LoadResult, LoadSpec } from './load-host.js';
import { treeCpuMs } from './proc-cpu.js';
import { median, round } from './stats.js';

export interface Target {
  label: string;
  spec: Omit<LoadSpec, 'connections' | 'durationMs' | 'warmupMs'>;
  /** Upstream requests so far (read before and after each run). */
  upstream?: () => Promise<number>;
  /** The server's process: its CPU time per answered request is reported as `server`. */
  pid?: number;
}

export interface TargetFigures {
  label: string;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  firstError: string | null;
  /** Upstream requests per answered request, over all rounds; null when not counted. */
  upstreamPerRequest: number | null;
  rounds: LoadResult[];
  sample: string;
  /** CPU milliseconds per answered request (median over rounds), by process role. */
  cpuMsPerQuery: Record<string, number>;
}

/** CPU ms used so far by each named process (those /proc can read). */
function cpuNow(pids: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [role, pid] of Object.entries(pids)) {
    const ms = treeCpuMs(pid);
    if (ms !== null) out[role] = ms;
  }
  return out;
}

export async function interleave(
  load: ChildService,
  targets: Target[],
  settings: { connections: number; durationMs: number; warmupMs: number; rounds: number },
  /** Processes every target shares (the backend, the load generator), measured per run too. */
  shared: Record<string, number> = {},
): Promise<TargetFigures[]> {
  const runs = new Map<string, { results: LoadResult[]; upstream: number; cpu: Array<Record<string, number>> }>(
    targets.map((t) => [t.label, { results: [], upstream: 0, cpu: [] }]),
  );
  // A longer first warm-up per target: JIT-compiled code, pools and caches settle in every
  // process before any round counts (the first round would otherwise pay for it alone).
  for (const target of targets) {
    if (settings.warmupMs) await load.call('run', { ...target.spec, connections: settings.connections, durationMs: 3 * settings.warmupMs });
  }
  for (let round = 0; round < settings.rounds; round++) {
    for (const target of targets) {
      // Warm-up requests are not counted: read the counter after them, inside the run.
      const spec: LoadSpec = { ...target.spec, connections: settings.connections, durationMs: settings.warmupMs };
      if (settings.warmupMs) await load.call('run', spec);
      const pids = { ...(target.pid ? { server: target.pid } : {}), ...shared };
      const before = (await target.upstream?.()) ?? 0;
      const cpuBefore = cpuNow(pids);
      const result = await load.call<LoadResult>('run', { ...spec, durationMs: settings.durationMs });
      const cpuAfter = cpuNow(pids);
      const after = (await target.upstream?.()) ?? 0;
      const entry = runs.get(target.label)!;
      entry.results.push(result);
      entry.upstream += after - before;
      entry.cpu.push(Object.fromEntries(Object.entries(cpuAfter).map(([role, ms]) => [role, (ms - (cpuBefore[role] ?? ms)) / Math.max(1, result.requests)])));
    }
  }
  return targets.map((t) => {
    const { results, upstream, cpu } = runs.get(t.label)!;
    const requests = results.reduce((s, r) => s + r.requests, 0);
    return {
      label: t.label,
      // Medians over rounds: a round disturbed by other work on the machine does not move them.
      rps: round(median(results.map((r) => r.rps)), 1),
      p50: round(median(results.map((r) => r.p50)), 2),
      p99: round(median(results.map((r) => r.p99)), 2),
      requests,
      errors: results.reduce((s, r) => s + r.errors, 0),
      firstError: results.find((r) => r.firstError)?.firstError ?? null,
      // In-flight requests at the edges of a run make this approximate by at most a few per run.
      upstreamPerRequest: t.upstream ? round(upstream / Math.max(1, requests), 2) : null,
      rounds: results.map((r) => ({ ...r, sample: '' })),
      sample: results.find((r) => r.sample)?.sample ?? '',
      cpuMsPerQuery: Object.fromEntries(Object.keys(cpu[0] ?? {}).map((role) => [role, round(median(cpu.map((c) => c[role] ?? Number.NaN)), 2)])),
    };
  });
}
