/**
 * Benchmark 2 (issues 5 and 11): upstream requests per query and latency, for pages of 10,
 * 100 and 1000 tasks with parent, root and subtasks, batched (taskgraph's per-request
 * DataLoaders) against what a resolver without batching sends (one call per relation field,
 * counted from the answer) and against the same gateway with its loaders' batching off (one
 * call per distinct key; the transport still shares identical GETs in flight, so this is
 * fewer than one per field). Two Prism Centrals, where every request can be classified, then
 * one backend of each type for a page of 100.
 */
import { startChild, type ChildService } from './lib/ipc.js';
import { post } from './lib/graphql.js';
import { median, ratio, round } from './lib/stats.js';
import { table } from './lib/table.js';
import type { CapturedRequest, SimSpec, StartedSim } from './lib/sim-host.js';
import type { BenchOptions, BenchResult } from './lib/bench.js';
import { decodeTaskId } from '../src/model/global-id.js';

const DEEP = `query($first: Int) {
  tasks(first: $first) { edges { node {
    id parent { id status } root { id operation }
    subtasks(first: 10) { totalCount edges { node { progress } } }
  } } }
}`;

/** Prism's `$limit` cap: tasks per list page and ids per batched get. */
const PRISM_CAP = 100;

interface Edge {
  node: { id: string; parent: { id: string } | null; root: { id: string } | null; subtasks: { totalCount: number | null } };
}

/**
 * The fewest requests a backend can be asked for this page: its list pages, one batched
 * level for parents and roots not on the page, and the subtask lists of the page's parents
 * (grouped as the loader groups them: up to `cap` parents per filtered list).
 */
function floorFor(backend: string, edges: Edge[], asked: number, available: number, cap: number): number {
  const mine = edges.filter((e) => decodeTaskId(e.node.id)?.backend === backend);
  const onPage = new Set(mine.map((e) => e.node.id));
  const missing = new Set<string>();
  for (const e of mine) for (const rel of [e.node.parent, e.node.root]) if (rel && !onPage.has(rel.id)) missing.add(rel.id);
  const parents = mine.filter((e) => (e.node.subtasks.totalCount ?? 0) > 0).map((e) => e.node.subtasks.totalCount!);
  let subtaskCalls = 0;
  for (let i = 0; i < parents.length; i += cap) {
    const children = parents.slice(i, i + cap).reduce((a, b) => a + b, 0);
    subtaskCalls += Math.max(1, Math.ceil((children + 1) / cap));
  }
  return Math.max(1, Math.ceil(Math.min(asked, available) / cap)) + Math.ceil(missing.size / cap) + subtaskCalls;
}

function kindOf(r: CapturedRequest): 'list' | 'by-id' | 'by-parent' | 'get' {
  if (/\/tasks\/[^/?]+(\?|$)/.test(r.path)) return 'get';
  const filter = new URL(r.path, 'http://x').searchParams.get('$filter') ?? '';
  if (filter.startsWith('extId eq') || filter.includes(' or extId eq')) return 'by-id';
  if (filter.includes('parentTask/extId')) return 'by-parent';
  return 'list';
}

async function measure(gw: string, sims: ChildService, names: string[], first: number, repeats: number) {
  await sims.call('reset');
  const res = await post<{ tasks: { edges: Edge[] } }>(gw, DEEP, { first });
  if (res.body.errors) throw new Error(`page of ${first}: ${res.body.errors[0]!.message}`);
  const totals = await sims.call<Record<string, number>>('totals');
  const kinds: Record<string, number> = { list: 0, 'by-id': 0, 'by-parent': 0, get: 0 };
  for (const name of names) for (const r of await sims.call<CapturedRequest[]>('lastRequests', name, 500)) kinds[kindOf(r)]!++;
  const times = [res.ms];
  for (let i = 1; i < repeats; i++) times.push((await post(gw, DEEP, { first })).ms);
  return { edges: res.body.data!.tasks.edges, totals, kinds, ms: round(median(times), 1) };
}

/**
 * What a resolver without batching or deduplication sends: the list pages, then one call per
 * resolved relation field (a parent, a root, a subtask list), whatever repeats.
 */
function perFieldCount(edges: Edge[], listPages: number): number {
  let n = listPages;
  for (const e of edges) {
    if (e.node.parent) n++;
    if (e.node.root) n++;
    if ((e.node.subtasks.totalCount ?? 0) > 0) n++;
  }
  return n;
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const latencyMs = 5;
  const repeats = options.quick ? 1 : 3;
  const sims = await startChild(new URL('./lib/sim-host.ts', import.meta.url));
  const gateways: ChildService[] = [];
  try {
    // ~1,450 tasks each (top-level tasks plus their subtasks): enough for a page of 1000 on either.
    const specs: SimSpec[] = [
      { kind: 'prism', name: 'pcA', seed: 31, backfill: 900, latencyMs },
      { kind: 'prism', name: 'pcB', seed: 32, backfill: 900, latencyMs },
    ];
    const started = await sims.call<StartedSim[]>('start', specs);
    // A deep page of 1000 reads its parents, roots and subtasks by id: more than the default
    // limits.maxReadsPerBackend (200), raised here as an operator would for such pages.
    const config = { backends: started.map((s) => s.backend), limits: { maxReadsPerBackend: 5000 } };
    const batchedGw = await startChild(new URL('./lib/gateway-host.ts', import.meta.url), { profile: true });
    const naiveGw = await startChild(new URL('./lib/gateway-host.ts', import.meta.url), { profile: true });
    gateways.push(batchedGw, naiveGw);
    const batched = (await batchedGw.call<{ url: string }>('start', config)).url;
    const naive = (await naiveGw.call<{ url: string }>('start', config, { batch: false })).url;
    // Warm both (sessions, JIT) before counting.
    for (const url of [batched, naive]) await post(url, DEEP, { first: 10 });

    const rows: Array<Array<string | number>> = [];
    const json: Record<string, unknown>[] = [];
    let allAtFloor = true;
    for (const first of [10, 100, 1000]) {
      const names = started.map((s) => s.name);
      const b = await measure(batched, sims, names, first, repeats);
      const { kinds } = b;
      const n = await measure(naive, sims, names, first, options.quick && first === 1000 ? 1 : repeats);
      const floor = started.reduce((sum, s) => sum + floorFor(s.name, b.edges, first, s.tasks, PRISM_CAP), 0);
      const sum = (t: Record<string, number>) => Object.values(t).reduce((a, c) => a + c, 0);
      const batchedCalls = sum(b.totals);
      const naiveCalls = sum(n.totals);
      allAtFloor &&= batchedCalls <= floor;
      const perField = perFieldCount(b.edges, b.kinds.list);
      rows.push([
        first,
        `${batchedCalls} (${kinds.list} list, ${kinds['by-id'] + kinds.get} by id, ${kinds['by-parent']} subtasks)`,
        floor,
        perField,
        ratio(perField, batchedCalls),
        naiveCalls,
        b.ms,
        n.ms,
        ratio(n.ms, b.ms),
      ]);
      json.push({ first, backends: started.length, batched: { requests: b.totals, kinds, ms: b.ms }, floor, perField, naive: { requests: n.totals, ms: n.ms } });
    }
    const main = table(
      ['page', 'upstream requests, batched', 'floor', 'one call per field', 'ratio', 'batching off', 'batched ms', 'batching off ms', 'ratio'],
      rows.map((r) => r.map(String)),
    );

    // One backend of each type, page of 100.
    for (const g of gateways.splice(0)) await g.stop();
    await sims.stop();
    const mixed = await startChild(new URL('./lib/sim-host.ts', import.meta.url));
    const mixedGws: ChildService[] = [];
    let mixedTable = '';
    const mixedJson: Record<string, unknown>[] = [];
    try {
      const kinds = ['prism', 'vcd', 'vsphere-rest', 'vsphere-soap'];
      const ms = await mixed.call<StartedSim[]>('start', kinds.map((kind, i) => ({ kind, name: kind.replace('-', ''), seed: 40 + i, backfill: 150, latencyMs })));
      const cfg = { backends: ms.map((s) => s.backend) };
      const bg = await startChild(new URL('./lib/gateway-host.ts', import.meta.url), { profile: true });
      const ng = await startChild(new URL('./lib/gateway-host.ts', import.meta.url), { profile: true });
      mixedGws.push(bg, ng);
      const bUrl = (await bg.call<{ url: string }>('start', cfg)).url;
      const nUrl = (await ng.call<{ url: string }>('start', cfg, { batch: false })).url;
      for (const url of [bUrl, nUrl]) await post(url, DEEP, { first: 10 });
      const b = await measure(bUrl, mixed, [], 100, repeats);
      const n = await measure(nUrl, mixed, [], 100, repeats);
      const perBackend = ms.map((s) => {
        const onPage = b.edges.filter((e) => decodeTaskId(e.node.id)?.backend === s.name).length;
        return [s.kind, onPage, b.totals[s.name] ?? 0, n.totals[s.name] ?? 0, ratio(n.totals[s.name] ?? 0, b.totals[s.name] ?? 0)];
      });
      mixedTable = table(['backend', 'tasks on page', 'batched', 'batching off', 'off / batched'], perBackend.map((r) => r.map(String)));
      mixedTable += `\nlatency of the page: batched ${b.ms} ms, batching off ${n.ms} ms (${ratio(n.ms, b.ms)}x)`;
      mixedJson.push({ backends: perBackend, batchedMs: b.ms, naiveMs: n.ms });
    } finally {
      for (const g of mixedGws) await g.stop();
      await mixed.stop();
    }

    return {
      name: 'upstream-requests',
      title: `Upstream requests per query (2 Prism Centrals, ~1,450 tasks each, ${latencyMs} ms backend latency; deep query: parent, root, subtasks(first: 10))`,
      text: `${main}\n\nOne backend of each type, page of 100:\n${mixedTable}`,
      goals: [{ goal: 'batched requests at the floor (one list page per backend per 100 tasks, one batch per relation level)', ok: allAtFloor }],
      data: { prism: json, mixed: mixedJson },
    };
  } finally {
    for (const g of gateways) await g.stop();
    await sims.stop();
  }
}
