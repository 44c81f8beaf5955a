/**
 * Benchmark 1 (issue 11): gateway overhead. `tasks(first: 50)` with the fields of a list view,
 * merged across three simulated Prism Centrals that each answer after a fixed latency,
 * against calling one of those backends directly with exactly the request the adapter sends
 * (captured from the simulator), at the same concurrency. All three backends have the same
 * latency, so any of them is "the slowest"; the gateway fans out to them in parallel. That
 * worst case (three answers landing at once) is what the goal is judged on; a last run with one
 * connection sets the backends apart (20 / 15 / 10 ms, the direct call to the 20 ms one).
 * Two relays (bench/servers/floor.ts) show what this machine charges any gateway before it
 * does anything: one more process on the way (relay to one backend, its bytes sent back as
 * they came), then waiting for the slowest of three (the same, asking all three). Two floors
 * send the same three requests: one answers with no GraphQL at all, the other runs the query
 * compiled (graphql-jit) with no request pipeline and no gateway engine, so the table shows
 * what GraphQL itself costs and what taskgraph adds.
 */
import http from 'node:http';
import { startChild, type ChildService } from './lib/ipc.js';
import { post } from './lib/graphql.js';
import { interleave, type TargetFigures as Figures, type Target } from './lib/interleave.js';
import { TASK_LIST } from './lib/queries.js';
import { ratio } from './lib/stats.js';
import { table, type Cell } from './lib/table.js';
import type { BenchOptions, BenchResult } from './lib/bench.js';
import type { CapturedRequest, StartedSim } from './lib/sim-host.js';
import type { FloorOptions } from './servers/floor.js';

/** What two TASK_LIST answers must share: the task ids in order, and every field path. */
function sameness(data: unknown): { ids: unknown[]; paths: string[] } {
  const paths = new Set<string>();
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) value.forEach((v) => walk(v, `${path}[]`));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
    else paths.add(path);
  };
  walk(data, '');
  const edges = (data as { tasks?: { edges?: Array<{ node: { id: unknown } }> } } | undefined)?.tasks?.edges ?? [];
  return { ids: edges.map((e) => e.node.id), paths: [...paths].sort() };
}

/**
 * What one write to a client costs on this machine: a bare server's `res.end` (bench/servers/bare.ts)
 * when the client process sleeps between requests (one connection, 20 ms apart) and when it
 * does not (back to back), for a small answer and one of a page's size.
 */
async function writeCost(children: ChildService[]): Promise<{ text: string; data: Array<{ bytes: number; asleepMs: number; awakeMs: number }> }> {
  const bare = await startChild(new URL('./servers/bare.ts', import.meta.url));
  children.push(bare);
  const { url } = await bare.call<{ url: string }>('start');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = () =>
    new Promise<void>((resolve, reject) => {
      http.get(url, { agent }, (res) => res.resume().on('end', resolve).on('error', reject)).on('error', reject);
    });
  const medianEnd = async (bytes: number, pauseMs: number) => {
    for (let i = 0; i < 10; i++) await get();
    await bare.call('answerWith', bytes);
    for (let i = 0; i < 100; i++) {
      await get();
      if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    }
    return bare.call<number>('medianEnd');
  };
  const data = [];
  for (const bytes of [200, 40_000]) data.push({ bytes, asleepMs: await medianEnd(bytes, 20), awakeMs: await medianEnd(bytes, 0) });
  agent.destroy();
  const text = table(
    ['a bare node:http server, one connection: median res.end (ms)', 'client asleep (requests 20 ms apart)', 'client awake (back to back)'],
    data.map((d) => [`${d.bytes} bytes`, d.asleepMs, d.awakeMs]),
  );
  return { text, data };
}

/** The phases timed in each of the five servers, in the order of `timed`. */
function byServer(phases: Array<Record<string, number>>) {
  const [relay, fanOutRelay, floor, graphqlFloor, gateway] = phases;
  return { relay: relay!, fanOutRelay: fanOutRelay!, floor: floor!, graphqlFloor: graphqlFloor!, gateway: gateway! };
}

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
    // The floors: the same three requests, merged with no GraphQL, or with compiled execution only.
    const floorUpstreams = captures.map((c, i) => ({ url: started[i]!.url + c!.path, headers: c!.headers, backend: started[i]!.backend.name }));
    const startFloor = async (options: FloorOptions, upstreams = floorUpstreams) => {
      const floor = await startChild(new URL('./servers/floor.ts', import.meta.url));
      children.push(floor);
      return { floor, url: (await floor.call<{ url: string }>('start', upstreams, 50, options)).url };
    };
    // The relays: one more process on the way (to one backend, or waiting for all three), nothing else.
    const { floor: relay, url: relayUrl } = await startFloor({ shape: 'view', relay: true }, floorUpstreams.slice(0, 1));
    const { floor: fanOutRelay, url: fanOutRelayUrl } = await startFloor({ shape: 'view', relay: true });
    const { floor, url: floorUrl } = await startFloor({ shape: 'view' });
    const { floor: graphqlFloor, url: graphqlFloorUrl } = await startFloor({ shape: 'view', graphql: true });
    // With one connection, every server times the phases of its own requests (they never overlap).
    const timed = [relay, fanOutRelay, floor, graphqlFloor, gateway];
    const listRequest = { method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: TASK_LIST, variables: { first: 50 } }) };
    // The floors answer the same tasks, in the same order, with the same fields (the values
    // move: the simulated tasks run meanwhile).
    const expected = JSON.stringify(sameness(first.body.data));
    for (const target of [floorUrl, graphqlFloorUrl]) {
      const answer = await post(target, TASK_LIST, { first: 50 });
      if (JSON.stringify(sameness(answer.body.data)) !== expected) throw new Error(`floor at ${target}: not the gateway's tasks and fields`);
    }
    const upstream = async () => {
      let n = 0;
      for (const sim of sims) for (const v of Object.values(await sim.call<Record<string, number>>('totals'))) n += v;
      return n;
    };
    const targets: Target[] = [
      { label: 'direct: one Prism list call', spec: { url: started[0]!.url + captured.path, method: 'GET', headers: captured.headers }, upstream },
      { label: 'relay: node:http to 1 backend, its bytes back', spec: { url: relayUrl, method: 'GET' }, upstream },
      { label: 'relay: the same, waits for all 3', spec: { url: fanOutRelayUrl, method: 'GET' }, upstream },
      { label: 'floor: node:http fan-out to the 3, no GraphQL', spec: { url: floorUrl, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, upstream },
      { label: 'GraphQL floor: the same, the query run compiled (graphql-jit)', spec: { url: graphqlFloorUrl, ...listRequest }, upstream },
      { label: 'taskgraph: tasks(first: 50), 3 backends', spec: { url, ...listRequest }, upstream },
    ];
    const rows: Cell[][] = [];
    const goals: BenchResult['goals'] = [];
    const data: Record<string, unknown>[] = [];
    const strip = (f: Figures) => ({ ...f, sample: undefined });
    /** One concurrency level: every target in interleaved rounds, plus the phases inside each server with one connection. */
    const measure = async (connections: number, levelLabel: string) => {
      if (connections === 1) for (const server of timed) await server.call('recordTimings');
      const figures = await interleave(load, targets, { ...settings, connections });
      const phases = connections === 1 ? await Promise.all(timed.map((server) => server.call<Record<string, number>>('timings'))) : [];
      for (const f of figures) if (f.errors) throw new Error(`${f.label}: ${f.errors} errors, first: ${f.firstError}`);
      const [direct, relayFigures, fanOutRelayFigures, floorFigures, graphqlFloorFigures, gw] = figures as [Figures, Figures, Figures, Figures, Figures, Figures];
      for (const f of figures) rows.push([levelLabel, f.label, f.rps, f.p50, f.p99, f.upstreamPerRequest, f.requests]);
      const ratioRow = (label: string, a: Figures, b: Figures): Cell[] => [levelLabel, label, ratio(a.rps, b.rps), ratio(a.p50, b.p50), ratio(a.p99, b.p99), null, null];
      rows.push(ratioRow('ratio relay to 1 / direct', relayFigures, direct));
      rows.push(ratioRow('ratio relay waiting for 3 / direct', fanOutRelayFigures, direct));
      rows.push(ratioRow('ratio floor / direct', floorFigures, direct));
      rows.push(ratioRow('ratio GraphQL floor / direct', graphqlFloorFigures, direct));
      rows.push(ratioRow('ratio taskgraph / direct', gw, direct));
      rows.push(ratioRow('ratio taskgraph / GraphQL floor', gw, graphqlFloorFigures));
      const p50Ratio = ratio(gw.p50, direct.p50);
      // What the goal would take on this machine in this run: the least any GraphQL gateway does.
      const floorRatios = { floor: ratio(floorFigures.p50, direct.p50), graphqlFloor: ratio(graphqlFloorFigures.p50, direct.p50) };
      const levelData = { connections, direct: strip(direct), relay: strip(relayFigures), fanOutRelay: strip(fanOutRelayFigures), floor: strip(floorFigures), graphqlFloor: strip(graphqlFloorFigures), gateway: strip(gw), p50Ratio, floorRatios };
      return { p50Ratio, floorRatios, phases: phases.length ? byServer(phases) : undefined, levelData };
    };
    // Where the time goes with one connection: the same phases timed inside each server,
    // request by request, over the same rounds (warm-ups included) as the p50 above.
    const phaseTable = (title: string, level: Record<'direct' | 'relay' | 'fanOutRelay' | 'floor' | 'graphqlFloor' | 'gateway', { p50: number }>, phases: ReturnType<typeof byServer>) => {
      const { relay: r1, fanOutRelay: r3, floor: f, graphqlFloor: g, gateway: tg } = phases;
      const phase = (label: string, key: string): Cell[] => [label, r1[key]!, r3[key]!, f[key]!, g[key]!, tg[key]!];
      return table(
        [title, 'relay to 1', 'relay, 3', 'floor', 'GraphQL floor', 'taskgraph'],
        [
          [`p50 at the load generator (direct call: ${level.direct.p50})`, level.relay.p50, level.fanOutRelay.p50, level.floor.p50, level.graphqlFloor.p50, level.gateway.p50],
          phase('request arrived -> first upstream request written', 'beforeUpstream'),
          phase('first upstream request written -> last answer read', 'upstream'),
          phase('last upstream answer read -> response written', 'afterUpstream'),
          phase('request arrived -> response written', 'total'),
          ['fastest upstream call (HTTP, parse, mapping)', null, null, null, null, tg.fastestUpstream!],
          ['slowest upstream call (HTTP, parse, mapping)', null, null, null, null, tg.slowestUpstream!],
        ],
      );
    };
    let oneConnectionPhases: ReturnType<typeof byServer> | undefined;
    let breakdown = '';
    for (const connections of levels) {
      const level = await measure(connections, String(connections));
      const { floor: f, graphqlFloor: g } = level.floorRatios;
      goals.push({
        // The GraphQL floor over the goal means no GraphQL server could meet it in these rounds.
        goal: `${connections} connection${connections > 1 ? 's' : ''}: p50 within 1.15x of the direct call (${level.p50Ratio}x; floors in the same rounds: ${f}x without GraphQL, ${g}x with it${g > 1.15 ? ', so no GraphQL server meets it on this machine now' : ''})`,
        ok: level.p50Ratio <= 1.15,
      });
      data.push(level.levelData);
      if (level.phases) {
        oneConnectionPhases = level.phases;
        breakdown = phaseTable('one connection, medians of the rounds above (ms)', level.levelData, level.phases);
      }
    }
    // Backends that differ, as real ones do: the directly called backend (pc1, 20 ms) is then
    // the slowest by far, and the others' answers are read while it is still answering.
    // Information beside the goal, which is judged on the worst case above (three answers at once).
    const distinctMs = [latencyMs, (latencyMs * 3) / 4, latencyMs / 2];
    for (const [i, sim] of sims.entries()) await sim.call('setLatency', distinctMs[i]);
    const distinct = await measure(1, `1, ${distinctMs.join('/')} ms`);
    for (const sim of sims) await sim.call('setLatency', latencyMs);
    const distinctBreakdown = phaseTable(`one connection, backends at ${distinctMs.join(' / ')} ms (ms)`, distinct.levelData, distinct.phases!);
    const writes = await writeCost(children);
    return {
      name: 'gateway-overhead',
      title: `Gateway overhead: 3 Prism simulators (one process each) at ${latencyMs} ms latency, ${settings.rounds} interleaved rounds of ${settings.durationMs / 1000} s per concurrency (medians)`,
      text: `${table(['connections', 'target', 'RPS', 'p50 ms', 'p99 ms', 'upstream/req', 'requests'], rows)}\n\n${breakdown}\n\n${distinctBreakdown}\n\n${writes.text}`,
      goals,
      data: { latencyMs, settings, writeCost: writes.data, levels: data, oneConnectionPhases, distinctLatencies: { latenciesMs: distinctMs, ...distinct.levelData, phases: distinct.phases }, memory: await gateway.call('memory') },
    };
  } finally {
    for (const c of children.reverse()) await c.stop();
  }
}
