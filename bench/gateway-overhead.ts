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
import { table, type Cell } from './lib/table.js';
import type { BenchOptions, BenchResult } from './lib/bench.js';
import type { CapturedRequest, StartedSim } from './lib/sim-host.js';

export async function run(options: BenchOptions): Promise<BenchResult> {
  const latencyMs = 20;
  const levels = [1, 8];
  const settings = { durationMs: options.quick ? 3000 : 5000, warmupMs: options.quick ? 500 : 1000, rounds: options.quick ? 2 : 4 };
  const children: ChildService[] = [];
  try {
    // One process per backend, as three separate systems answer in parallel.
    const sims: ChildService[] = [];
    const started: StartedSim[] = [];
    for (const [i, name] of ['pc1', 'pc2', 'pc3'].entries()) {
      const sim = await startChild(new URL('./lib/sim-host.ts', import.meta.url));
      children.push(sim);
      sims.push(sim);
      started.push(...(await sim.call<StartedSim[]>('start', [{ kind: 'prism', name, seed: 11 + i, backfill: 60, latencyMs }])));
    }
    const gateway = await startChild(new URL('./lib/gateway-host.ts', import.meta.url), { profile: true, execArgv: ['--expose-gc'] });
    children.push(gateway);
    const { url } = await gateway.call<{ url: string }>('start', { backends: started.map((s) => s.backend) });
    const load = await startChild(new URL('./lib/load-host.ts', import.meta.url));
    children.push(load);

    // The direct call: the list request the Prism adapter sent for this page, replayed as is.
    for (const sim of sims) await sim.call('reset');
    const first = await post(url, TASK_LIST, { first: 50 });
    if (first.body.errors) throw new Error(`gateway: ${first.body.errors[0]!.message}`);
    const captures = await Promise.all(sims.map(async (sim, i) => (await sim.call<CapturedRequest[]>('lastRequests', `pc${i + 1}`, 1))[0]));
    const captured = captures[0];
    if (!captured || captures.some((c) => !c)) throw new Error('no list request captured on every backend');
    // The floor: the same three requests, merged with no GraphQL (bench/servers/floor.ts).
    const floor = await startChild(new URL('./servers/floor.ts', import.meta.url));
    children.push(floor);
    const floorUpstreams = captures.map((c, i) => ({ url: started[i]!.url + c!.path, headers: c!.headers }));
    const floorUrl = (await floor.call<{ url: string }>('start', floorUpstreams, 50)).url;
    const upstream = async () => {
      let n = 0;
      for (const sim of sims) for (const v of Object.values(await sim.call<Record<string, number>>('totals'))) n += v;
      return n;
    };
    const targets: Target[] = [
      { label: 'direct: one Prism list call', spec: { url: started[0]!.url + captured.path, method: 'GET', headers: captured.headers }, upstream },
      { label: 'floor: node:http fan-out to the 3, no GraphQL', spec: { url: floorUrl, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, upstream },
      {
        label: 'taskgraph: tasks(first: 50), 3 backends',
        spec: { url, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: TASK_LIST, variables: { first: 50 } }) },
        upstream,
      },
    ];
    const rows: Cell[][] = [];
    const goals: BenchResult['goals'] = [];
    const data: Record<string, unknown>[] = [];
    let t: Record<string, number> | null = null;
    for (const connections of levels) {
      // With one connection, the gateway also times its own requests (they never overlap).
      if (connections === 1) await gateway.call('recordTimings');
      const [direct, floorFigures, gw] = await interleave(load, targets, { ...settings, connections });
      if (connections === 1) t = await gateway.call<Record<string, number>>('timings');
      for (const f of [direct!, floorFigures!, gw!]) if (f.errors) throw new Error(`${f.label}: ${f.errors} errors, first: ${f.firstError}`);
      const p50Ratio = ratio(gw!.p50, direct!.p50);
      for (const f of [direct!, floorFigures!, gw!]) rows.push([connections, f.label, f.rps, f.p50, f.p99, f.upstreamPerRequest, f.requests]);
      rows.push([connections, 'ratio floor / direct', ratio(floorFigures!.rps, direct!.rps), ratio(floorFigures!.p50, direct!.p50), ratio(floorFigures!.p99, direct!.p99), null, null]);
      rows.push([connections, 'ratio taskgraph / direct', ratio(gw!.rps, direct!.rps), p50Ratio, ratio(gw!.p99, direct!.p99), null, null]);
      rows.push([connections, 'ratio taskgraph / floor', ratio(gw!.rps, floorFigures!.rps), ratio(gw!.p50, floorFigures!.p50), ratio(gw!.p99, floorFigures!.p99), null, null]);
      goals.push({ goal: `${connections} connection${connections > 1 ? 's' : ''}: p50 within 1.15x of the direct call (${p50Ratio}x)`, ok: p50Ratio <= 1.15 });
      data.push({ connections, direct: { ...direct, sample: undefined }, floor: { ...floorFigures, sample: undefined }, gateway: { ...gw, sample: undefined }, p50Ratio });
    }
    // Where the time goes with one connection: timed inside the gateway, request by request,
    // over the same rounds (warm-ups included) as the p50 above.
    const one = data[0] as { direct: { p50: number }; floor: { p50: number }; gateway: { p50: number } };
    const breakdown = table(
      ['one connection, medians of the rounds above', 'ms'],
      [
        ['direct call (load generator)', one.direct.p50],
        ['floor: fan-out to the 3, no GraphQL (load generator)', one.floor.p50],
        ['taskgraph (load generator)', one.gateway.p50],
        ['taskgraph: request arrived -> first upstream call sent', t!.beforeUpstream],
        ['taskgraph: fastest upstream call (HTTP, parse, mapping)', t!.fastestUpstream],
        ['taskgraph: slowest upstream call (HTTP, parse, mapping)', t!.slowestUpstream],
        ['taskgraph: first upstream call sent -> last one mapped', t!.upstreamSpan],
        ['taskgraph: last upstream mapped -> response written', t!.afterUpstream],
        ['taskgraph: request arrived -> response written', t!.total],
      ],
    );
    return {
      name: 'gateway-overhead',
      title: `Gateway overhead: 3 Prism simulators (one process each) at ${latencyMs} ms latency, ${settings.rounds} interleaved rounds of ${settings.durationMs / 1000} s per concurrency (medians)`,
      text: `${table(['connections', 'target', 'RPS', 'p50 ms', 'p99 ms', 'upstream/req', 'requests'], rows)}\n\n${breakdown}`,
      goals,
      data: { latencyMs, settings, levels: data, oneConnectionBreakdown: t, memory: await gateway.call('memory') },
    };
  } finally {
    for (const c of children.reverse()) await c.stop();
  }
}
