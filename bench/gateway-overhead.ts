/**
 * Benchmark 1 (issue 11): gateway overhead. `tasks(first: 50)` with the fields of a list view,
 * merged across three simulated Prism Centrals that each answer after a fixed latency,
 * against calling one of those backends directly with exactly the request the adapter sends
 * (captured from the simulator), at the same concurrency. All three backends have the same
 * latency, so any of them is "the slowest"; the gateway fans out to them in parallel.
 */
import { startChild, type ChildService } from './lib/ipc.js';
import { post } from './lib/graphql.js';
import { interleave, type Target } from './lib/interleave.js';
import { TASK_LIST } from './lib/queries.js';
import { ratio } from './lib/stats.js';
import { table, verdict } from './lib/table.js';
import type { BenchOptions, BenchResult } from './lib/bench.js';
import type { CapturedRequest, StartedSim } from './lib/sim-host.js';

export async function run(options: BenchOptions): Promise<BenchResult> {
  const latencyMs = 20;
  const connections = 8;
  const settings = { connections, durationMs: options.quick ? 3000 : 8000, warmupMs: options.quick ? 500 : 1500, rounds: 2 };
  const children: ChildService[] = [];
  try {
    const sims = await startChild(new URL('./lib/sim-host.ts', import.meta.url));
    children.push(sims);
    const started = await sims.call<StartedSim[]>(
      'start',
      ['pc1', 'pc2', 'pc3'].map((name, i) => ({ kind: 'prism', name, seed: 11 + i, backfill: 60, latencyMs })),
    );
    const gateway = await startChild(new URL('./lib/gateway-host.ts', import.meta.url), { profile: true, execArgv: ['--expose-gc'] });
    children.push(gateway);
    const { url } = await gateway.call<{ url: string }>('start', { backends: started.map((s) => s.backend) });
    const load = await startChild(new URL('./lib/load-host.ts', import.meta.url));
    children.push(load);

    // The direct call: the list request the Prism adapter sent for this page, replayed as is.
    await sims.call('reset');
    const first = await post(url, TASK_LIST, { first: 50 });
    if (first.body.errors) throw new Error(`gateway: ${first.body.errors[0]!.message}`);
    const [captured] = await sims.call<CapturedRequest[]>('lastRequests', 'pc1', 1);
    if (!captured) throw new Error('no request captured on pc1');
    const upstream = async () => Object.values(await sims.call<Record<string, number>>('totals')).reduce((a, b) => a + b, 0);
    const targets: Target[] = [
      { label: 'direct: one Prism list call', spec: { url: started[0]!.url + captured.path, method: 'GET', headers: captured.headers }, upstream },
      {
        label: 'taskgraph: tasks(first: 50), 3 backends',
        spec: { url, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: TASK_LIST, variables: { first: 50 } }) },
        upstream,
      },
    ];
    const [direct, gw] = await interleave(load, targets, settings);
    for (const f of [direct!, gw!]) if (f.errors) throw new Error(`${f.label}: ${f.errors} errors, first: ${f.firstError}`);
    const p50Ratio = ratio(gw!.p50, direct!.p50);
    const rows = [direct!, gw!].map((f) => [f.label, f.rps, f.p50, f.p99, f.upstreamPerRequest, f.requests]);
    rows.push(['ratio taskgraph / direct', ratio(gw!.rps, direct!.rps), p50Ratio, ratio(gw!.p99, direct!.p99), null, null]);
    return {
      name: 'gateway-overhead',
      title: `Gateway overhead: 3 Prism simulators at ${latencyMs} ms latency, ${connections} connections, ${settings.rounds} interleaved rounds of ${settings.durationMs / 1000} s`,
      text: table(['target', 'RPS', 'p50 ms', 'p99 ms', 'upstream/req', 'requests'], rows),
      goals: [{ goal: `p50 within 1.15x of the direct call (${p50Ratio}x)`, ok: p50Ratio <= 1.15 }],
      data: { latencyMs, settings, direct, gateway: gw, p50Ratio, memory: await gateway.call('memory') },
    };
  } finally {
    for (const c of children.reverse()) await c.stop();
  }
}
