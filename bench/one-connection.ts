/**
 * The one-connection phases of the gateway-overhead benchmark, for one gateway or two builds
 * alternated: `tasks(first: 50)` over three Prism simulators at 20 ms, one request at a time,
 * and per round the p50 at the load generator with the gateway's own medians of each phase
 * (arrival -> first upstream write -> last answer read -> response written).
 *
 *   npx tsx bench/one-connection.ts                           # this checkout, 3 rounds of 5 s
 *   BASE=/tmp/base npx tsx bench/one-connection.ts            # another checkout, alternated (see bench/ab.ts)
 *   R=6 MS=3000 npx tsx bench/one-connection.ts               # rounds and their length
 *   BENCH_CPU_PROF=/tmp/prof npx tsx bench/one-connection.ts  # V8 profiles of the gateways
 *
 * Faster than the whole benchmark for looking at one phase; its figures move with the
 * machine as much as the benchmark's do, so compare builds alternated, never across runs.
 */
import { startChild, type ChildService } from './lib/ipc.js';
import { TASK_LIST } from './lib/queries.js';
import type { StartedSim } from './lib/sim-host.js';

const rounds = Number(process.env.R ?? 3);
const durationMs = Number(process.env.MS ?? 5000);
const builds = [
  ...(process.env.BASE ? [{ label: 'base', host: new URL(`file://${process.env.BASE}/bench/lib/gateway-host.ts`) }] : []),
  { label: 'this', host: new URL('./lib/gateway-host.ts', import.meta.url) },
];

const children: ChildService[] = [];
try {
  // One simulator process each, as in the benchmark: three answers built on separate cores' time.
  const backends: unknown[] = [];
  for (const [i, name] of ['pc1', 'pc2', 'pc3'].entries()) {
    const sim = await startChild(new URL('./lib/sim-host.ts', import.meta.url));
    children.push(sim);
    const [started] = await sim.call<StartedSim[]>('start', [{ kind: 'prism', name, seed: 11 + i, backfill: 60, latencyMs: 20 }]);
    backends.push(started!.backend);
  }
  const load = await startChild(new URL('./lib/load-host.ts', import.meta.url));
  children.push(load);
  const body = JSON.stringify({ query: TASK_LIST, variables: { first: 50 } });
  const targets: Array<{ label: string; gateway: ChildService; url: string }> = [];
  for (const build of builds) {
    const gateway = await startChild(build.host, { profile: true });
    children.push(gateway);
    const { url } = await gateway.call<{ url: string }>('start', { backends });
    targets.push({ label: build.label, gateway, url });
  }
  const run = (url: string, ms: number) =>
    load.call<{ p50: number; requests: number }>('run', { url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: 1, durationMs: ms });
  for (const t of targets) await run(t.url, 3000); // warm-up, not counted
  for (let r = 0; r < rounds; r++) {
    for (const t of targets) {
      await t.gateway.call('recordTimings');
      const res = await run(t.url, durationMs);
      const phases = await t.gateway.call<Record<string, number>>('timings');
      const figures = Object.entries(phases).map(([name, ms]) => `${name} ${ms}`).join(', ');
      console.log(`${t.label} round ${r + 1}: p50 ${res.p50} ms (${res.requests} requests); ${figures}`);
    }
  }
} finally {
  for (const c of children.reverse()) await c.stop();
}
