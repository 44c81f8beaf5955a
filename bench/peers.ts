/**
 * Benchmark 4 (issue 11): peers on the same data in the same run. One Prism simulator served
 * by taskgraph, by Hive Gateway over a GraphQL Mesh composition of a hand-written OpenAPI
 * source, and by a plain Apollo Server whose resolvers fetch per field. Two queries: a list
 * of 50 tasks, and the same list with each task's parent; each sent in two modes (issue 31):
 * the same text on every request (dashboards, where identical work in flight may be shared),
 * and distinct requests (each its own `createdAfter`, pushed into Prism's `$filter` by every
 * server, so nothing can be shared: the engine itself). Interleaved runs, same connections and
 * duration; upstream requests counted exactly for one query and averaged under load.
 */
import { startChild, type ChildService } from './lib/ipc.js';
import { post } from './lib/graphql.js';
import { interleave, type Target, type TargetFigures } from './lib/interleave.js';
import { composeSupergraph, ensurePeersInstalled, startHiveGateway, type HiveGateway } from './lib/peer-tools.js';
import { ratio } from './lib/stats.js';
import { table } from './lib/table.js';
import type { BenchOptions, BenchResult } from './lib/bench.js';
import type { CapturedRequest, StartedSim } from './lib/sim-host.js';

const MESH_FIELDS = `extId operation operationDescription status progressPercentage createdTime startedTime completedTime isCancelable
  ownedBy { name } entitiesAffected { extId name rel } errorMessages { message code }`;
const TG_FIELDS = `nativeId operation description status progress createdAt startedAt completedAt isCancelable
  initiatedBy { name } entitiesAffected { nativeId name type } errors { message code }`;

/** A query as one server is sent it: its text and, for distinct requests, its variables. */
interface Request {
  query: string;
  variables?: Record<string, string>;
}

type Shape = 'list' | 'nested';
type Mode = 'same' | 'distinct';

/**
 * Replaced by the load generator with an instant of each request's own (bench/lib/load-host.ts
 * `vary`), always before every task: every answer is the same 50 tasks, but both taskgraph and
 * the peers push the instant into Prism's `$filter`, so no two requests can share anything.
 */
const VARY = '__INSTANT__';
const BEFORE_EVERY_TASK = '2000-01-01T00:00:00.000Z';

const TG_PARENT = 'parent { nativeId status operation }';
const MESH_PARENT = 'parentTask { extId task { extId status operation } }';

/**
 * The same query for every request (dashboards: identical work in flight may be shared), or a
 * distinct one per request (each its own `createdAfter`, pushed upstream: nothing can be shared).
 */
function requestsFor(shape: Shape, mode: Mode): { taskgraph: Request; mesh: Request } {
  const tgFields = shape === 'nested' ? `${TG_FIELDS} ${TG_PARENT}` : TG_FIELDS;
  const meshFields = shape === 'nested' ? `${MESH_FIELDS} ${MESH_PARENT}` : MESH_FIELDS;
  if (mode === 'same') {
    return {
      taskgraph: { query: `{ tasks(first: 50) { edges { node { ${tgFields} } } } }` },
      mesh: { query: `{ listTasks(_DOLLAR_limit: 50, _DOLLAR_orderby: "createdTime desc") { data { ${meshFields} } } }` },
    };
  }
  return {
    taskgraph: {
      query: `query Tasks($after: DateTime!) { tasks(first: 50, filter: { createdAfter: $after }) { edges { node { ${tgFields} } } } }`,
      variables: { after: VARY },
    },
    mesh: {
      query: `query Tasks($filter: String) { listTasks(_DOLLAR_limit: 50, _DOLLAR_filter: $filter, _DOLLAR_orderby: "createdTime desc") { data { ${meshFields} } } }`,
      variables: { filter: `createdTime ge ${VARY}` },
    },
  };
}

/** The request with its placeholder filled, for the single checked calls outside the load runs. */
function concrete(request: Request): Request {
  if (!request.variables) return request;
  return { ...request, variables: Object.fromEntries(Object.entries(request.variables).map(([k, v]) => [k, v.replace(VARY, BEFORE_EVERY_TASK)])) };
}

/** taskgraph with `server.shareInFlight: false`: nothing shared between concurrent queries. */
const ALONE = 'taskgraph, sharing off';

/** The task ids a response lists, in order, whatever the schema. */
function idsOf(sample: string): string[] {
  const body = JSON.parse(sample) as { data?: { listTasks?: { data: Array<{ extId: string }> }; tasks?: { edges: Array<{ node: { nativeId: string } }> } } };
  return body.data?.listTasks?.data.map((t) => t.extId) ?? body.data?.tasks?.edges.map((e) => e.node.nativeId) ?? [];
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  ensurePeersInstalled();
  const latencyMs = 5;
  const connections = 16;
  const settings = { connections, durationMs: options.quick ? 3000 : 5000, warmupMs: options.quick ? 500 : 1000, rounds: options.quick ? 2 : 4 };
  const children: ChildService[] = [];
  let hive: HiveGateway | null = null;
  try {
    const sims = await startChild(new URL('./lib/sim-host.ts', import.meta.url));
    children.push(sims);
    const [prism] = await sims.call<StartedSim[]>('start', [{ kind: 'prism', name: 'pc', seed: 7, backfill: 120, latencyMs }]);
    const backend = prism!.backend as { url: string; username: string; password: string };
    const authorization = `Basic ${Buffer.from(`${backend.username}:${backend.password}`).toString('base64')}`;

    const tg = await startChild(new URL('./lib/gateway-host.ts', import.meta.url), { profile: true });
    children.push(tg);
    const tgUrl = (await tg.call<{ url: string }>('start', { backends: [prism!.backend] })).url;
    // The same gateway with sharing of identical work in flight turned off: the engine alone,
    // since all 16 connections send the same query and share most of it otherwise.
    const alone = await startChild(new URL('./lib/gateway-host.ts', import.meta.url));
    children.push(alone);
    const aloneUrl = (await alone.call<{ url: string }>('start', { server: { shareInFlight: false }, backends: [prism!.backend] })).url;
    const apollo = await startChild(new URL('./servers/plain-apollo.ts', import.meta.url));
    children.push(apollo);
    const apolloUrl = (await apollo.call<{ url: string }>('start', backend.url, authorization)).url;
    hive = await startHiveGateway(composeSupergraph(backend.url, authorization));
    // The floors send the very list request taskgraph sends for the list query (same $limit, $select, headers).
    await post(tgUrl, requestsFor('list', 'same').taskgraph.query);
    const [captured] = await sims.call<CapturedRequest[]>('lastRequests', 'pc', 1);
    if (!captured) throw new Error('no list request captured on pc');
    const startFloor = async (graphql: boolean) => {
      const floor = await startChild(new URL('./servers/floor.ts', import.meta.url));
      children.push(floor);
      const { url } = await floor.call<{ url: string }>('start', [{ url: backend.url + captured.path, headers: captured.headers, backend: 'pc' }], 50, { shape: 'list', graphql });
      return { url, pid: floor.pid };
    };
    const floor = await startFloor(false);
    const graphqlFloor = await startFloor(true);
    const load = await startChild(new URL('./lib/load-host.ts', import.meta.url));
    children.push(load);

    const upstream = async () => (await sims.call<Record<string, number>>('totals')).pc ?? 0;
    const gateways = [
      { label: 'taskgraph', url: tgUrl, schema: 'taskgraph' as const, pid: tg.pid },
      { label: 'plain Apollo Server', url: apolloUrl, schema: 'mesh' as const, pid: apollo.pid },
      { label: 'Hive Gateway + Mesh', url: hive.url, schema: 'mesh' as const, pid: hive.pid },
      { label: ALONE, url: aloneUrl, schema: 'taskgraph' as const, pid: alone.pid },
    ];
    // The floors answer the list only: with no GraphQL (a fixed answer shape), the least CPU per
    // query; with the query run compiled (graphql-jit, no request pipeline, no engine), the least
    // a GraphQL server adds to it.
    const FLOORS = [
      { label: 'floor: node:http, no GraphQL', url: floor.url, schema: 'taskgraph' as const, pid: floor.pid },
      { label: 'GraphQL floor: the same, query run compiled', url: graphqlFloor.url, schema: 'taskgraph' as const, pid: graphqlFloor.pid },
    ];
    const rows: Array<Array<string | number | null>> = [];
    const engineAlone: string[] = [];
    const data: Record<string, unknown> = {};
    const goals: BenchResult['goals'] = [];
    const SHAPES: Shape[] = ['list', 'nested'];
    const MODES: Mode[] = ['same', 'distinct'];
    for (const mode of MODES) {
      for (const shape of SHAPES) {
        const requests = requestsFor(shape, mode);
        const name = `${shape}, ${mode}`;
        // Distinct requests cannot be shared, so sharing off would measure the same thing again.
        // The floors answer the list only, with one fixed upstream request (they ignore the
        // variable): beside the distinct list they are the least CPU per query any server spends.
        const peers = mode === 'distinct' ? gateways.filter((g) => g.label !== ALONE) : gateways;
        const servers = shape === 'list' ? [...peers, ...FLOORS] : peers;
        // Exact upstream requests for one query, and the answers' task ids (same data for all).
        const exact: Record<string, number> = {};
        const ids: Record<string, string[]> = {};
        for (const s of servers) {
          const one = concrete(requests[s.schema]);
          await post(s.url, one.query, one.variables);
          await sims.call('reset');
          const res = await post(s.url, one.query, one.variables);
          if (res.body.errors) throw new Error(`${s.label} ${name}: ${res.body.errors[0]!.message}`);
          exact[s.label] = await upstream();
          ids[s.label] = idsOf(JSON.stringify(res.body));
        }
        const sameData = Object.values(ids).every((list) => JSON.stringify(list) === JSON.stringify(ids.taskgraph));
        const targets: Target[] = servers.map((s) => {
          const request = requests[s.schema];
          return {
            label: s.label,
            spec: {
              url: s.url,
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(request),
              ...(request.variables ? { vary: { placeholder: VARY, before: BEFORE_EVERY_TASK } } : {}),
            },
            upstream,
            pid: s.pid,
          };
        });
        const figures = await interleave(load, targets, settings, { backend: sims.pid, load: load.pid });
        const by = Object.fromEntries(figures.map((f) => [f.label, f])) as Record<string, TargetFigures>;
        for (const f of figures) if (f.errors) throw new Error(`${name} on ${f.label}: ${f.errors} errors, first: ${f.firstError}`);
        const t = by.taskgraph!;
        const a = by['plain Apollo Server']!;
        const h = by['Hive Gateway + Mesh']!;
        for (const f of figures) {
          const cpu = f.cpuMsPerQuery;
          rows.push([shape, mode, f.label, f.rps, f.p50, f.p99, exact[f.label]!, f.upstreamPerRequest, cpu.server, cpu.backend, cpu.load, ratio(t.rps, f.rps), ratio(t.p99, f.p99), ratio(cpu.server!, t.cpuMsPerQuery.server!)]);
        }
        data[`${shape}-${mode}`] = { figures: figures.map((f) => ({ ...f, sample: undefined })), exactUpstream: exact, sameTasks: sameData };
        if (shape === 'list') {
          goals.push({ goal: `list (${mode}) RPS >= 2.5x plain Apollo (${ratio(t.rps, a.rps)}x)`, ok: t.rps >= 2.5 * a.rps });
          if (mode === 'same') goals.push({ goal: `list (${mode}) RPS >= 4x Hive Gateway (${ratio(t.rps, h.rps)}x)`, ok: t.rps >= 4 * h.rps });
          goals.push({ goal: `list (${mode}) p99 <= 0.5x plain Apollo (${ratio(t.p99, a.p99)}x)`, ok: t.p99 <= 0.5 * a.p99 });
        } else {
          goals.push({ goal: `nested (${mode}) RPS >= 3x plain Apollo (${ratio(t.rps, a.rps)}x)`, ok: t.rps >= 3 * a.rps });
          goals.push({ goal: `nested (${mode}): at most 2 upstream requests per query (${exact.taskgraph})`, ok: exact.taskgraph! <= 2 });
        }
        goals.push({ goal: `${name}: every server listed the same 50 tasks`, ok: sameData });
        const o = by[ALONE];
        if (o) {
          engineAlone.push(
            `${shape}: ${ratio(o.rps, a.rps)}x plain Apollo's RPS, ${ratio(o.rps, h.rps)}x Hive Gateway's, p99 ${ratio(o.p99, a.p99)}x plain Apollo's; ` +
              `server CPU per query ${ratio(a.cpuMsPerQuery.server!, o.cpuMsPerQuery.server!)}x less than plain Apollo's, ${ratio(h.cpuMsPerQuery.server!, o.cpuMsPerQuery.server!)}x less than Hive Gateway's`,
          );
        }
      }
    }
    return {
      name: 'peers',
      title: `Peers on one Prism simulator (${prism!.tasks} tasks, ${latencyMs} ms latency), ${connections} connections, ${settings.rounds} interleaved rounds of ${settings.durationMs / 1000} s (medians); ratios are taskgraph / that row (CPU ratio: that row / taskgraph); CPU is each process's user+system time per answered query`,
      text:
        table(
          ['query', 'requests', 'server', 'RPS', 'p50 ms', 'p99 ms', 'upstream/query (one)', 'upstream/query (load)', 'CPU ms/query server', 'backend', 'load', 'RPS ratio', 'p99 ratio', 'CPU ratio'],
          rows,
        ) + `\n\nEngine alone, same-text requests (${ALONE}):\n${engineAlone.map((line) => `- ${line}`).join('\n')}`,
      goals,
      data,
    };
  } finally {
    await hive?.stop();
    for (const c of children.reverse()) await c.stop();
  }
}
