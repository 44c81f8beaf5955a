/**
 * history: task history's two figures (docs/history.md, issue 29).
 * 1. Ingest: transitions written per second into the embedded store by the recorder, while
 *    the same gateway serves live list queries (4 connections in a closed loop, from a child
 *    process); the queries' rate and latency are measured without and with the ingest.
 * 2. taskStats grouped by operation over N stored tasks (1,000,000; --quick 100,000), through
 *    GraphQL, for the embedded store and PostgreSQL (TASKGRAPH_PG_URL's server, or a private
 *    one from Debian's binaries), p50 and p95 of sequential queries; also the chart's
 *    grouping (operation and day) and a history page.
 * The gateway, the simulator and the observations' generator share this process; the
 * figures are for one machine and one run; see docs/performance.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import pg from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark } from './lib/bench.js';
import { startChild } from './lib/ipc.js';
import type { LoadResult } from './lib/load-host.js';
import { percentile, round } from './lib/stats.js';
import { table } from './lib/table.js';
import { createBackendSet } from '../src/gateway/backends.js';
import { buildSchema } from '../src/gateway/schema.js';
import { historyResolvers } from '../src/history/resolvers.js';
import { createHistory, type History } from '../src/history/service.js';
import { historySchema } from '../src/history/config.js';
import { openEmbeddedStore } from '../src/history/embedded.js';
import { openPostgresStore } from '../src/history/postgres.js';
import { recordOf } from '../src/history/rows.js';
import type { TaskRecord } from '../src/history/store.js';
import type { TaskModel, TaskStatus } from '../src/model/task.js';
import { parseConfig } from '../src/server/config.js';
import { startGatewayServer, type GatewayServer } from '../src/server/http.js';
import { getProcessLogger } from '../src/server/plugins/logging.js';
import { startPrismSimulator } from '../src/simulators/prism/index.js';
import { prng } from '../src/simulators/task-world.js';
import { startTestPostgres } from '../test/support/postgres.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const DAYS = 60;
const DAY_MS = 86_400_000;
const OPERATIONS = Array.from({ length: 24 }, (_, i) => `op${String(i).padStart(2, '0')}`);

/** A task model as an adapter would map it; `step` 0-10 walks it from RUNNING to a final state. Tasks `spacing` ms apart. */
function syntheticTask(n: number, step: number, random: () => number, spacing = 2500): TaskModel {
  const created = T0 + n * spacing;
  const status: TaskStatus = step < 10 ? 'RUNNING' : random() < 0.8 ? 'SUCCEEDED' : random() < 0.75 ? 'FAILED' : 'CANCELED';
  const duration = Math.round(Math.exp(6 + random() * 6));
  return {
    backend: `pc${n % 4}`,
    backendType: 'prism',
    nativeId: `ZXJnb24=:${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`,
    operation: OPERATIONS[n % OPERATIONS.length]!,
    description: `Task ${n}`,
    status,
    nativeStatus: status,
    progress: step * 10,
    progressMessage: null,
    createdAt: new Date(created),
    startedAt: new Date(created + 100),
    completedAt: step < 10 ? null : new Date(created + 100 + duration),
    lastUpdatedAt: new Date(created + 100 + step * 1000),
    expiresAt: null,
    isCancelable: step < 10,
    cancelRequested: false,
    initiatedBy: { kind: 'USER', name: 'admin', nativeId: null },
    tenant: `cluster-${n % 8}`,
    entitiesAffected: [{ backend: `pc${n % 4}`, nativeId: `vm-${n % 50_000}`, type: 'vmm:ahv:config:vm', name: `vm-${n % 50_000}`, href: null }],
    parentId: null,
    rootId: null,
    embeddedSubtasks: null,
    subtaskCount: 0,
    steps: [],
    errors: status === 'FAILED' ? [{ message: 'Operation failed', code: 'VMM-30100', severity: 'ERROR' }] : [],
    warnings: [],
    result: null,
    completionDetails: [],
    relatedTasks: [],
  };
}

async function post(url: string, query: string): Promise<{ ms: number; body: any }> {
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const body = await res.json();
  return { ms: performance.now() - started, body };
}

async function gatewayWith(config: Record<string, unknown>, backendsRaw: Array<Record<string, unknown>>): Promise<{ server: GatewayServer; history: History }> {
  const parsed = backendsRaw.length ? parseConfig({ backends: backendsRaw }).backends : [];
  const backends = createBackendSet(parsed.map(({ module, config: b }) => ({ adapter: module.create(b) })));
  const history = createHistory(historySchema.parse(config), { backends, logger: getProcessLogger() });
  const server = await startGatewayServer({ schema: buildSchema(historyResolvers(history.store)), backends, processMetrics: false, registerMetrics: history.registerMetrics, cleanup: () => history.close() });
  return { server, history };
}

const LIST = JSON.stringify({ query: '{ tasks(first: 50) { nodes { id status progress createdAt } } }' });

async function measureIngest(seconds: number) {
  const dir = mkdtempSync(join(tmpdir(), 'taskgraph-bench-history-'));
  const sim = await startPrismSimulator({ seed: 3 });
  sim.world.backfill(200, 3_600_000);
  const { server, history } = await gatewayWith({ path: join(dir, 'ingest.db') }, [sim.backendConfig('pc')]);
  // The query clients in a process of their own (closed loop, 4 connections).
  const load = await startChild(new URL('./lib/load-host.ts', import.meta.url));
  const spec = { url: server.url, method: 'POST', headers: { 'content-type': 'application/json' }, body: LIST, connections: 4, durationMs: seconds * 1000, warmupMs: 1000 };
  try {
    const quiet = await load.call<LoadResult>('run', spec);
    const random = prng(7);
    let n = 0;
    let feeding = true;
    // Each observation is a transition: tasks walk RUNNING 0% .. 90%, then a final state.
    const feed = (async () => {
      while (feeding) {
        if (history.recorder.stats().queued < 20_000) {
          const batch: TaskModel[] = [];
          for (let i = 0; i < 250; i++, n++) batch.push(syntheticTask(Math.floor(n / 11), n % 11, random));
          history.recorder.observe(batch);
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    const busy = load.call<LoadResult>('run', spec);
    await new Promise((r) => setTimeout(r, 1000));
    const before = history.recorder.stats();
    const started = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000 - 500));
    const after = history.recorder.stats();
    const elapsed = (performance.now() - started) / 1000;
    const ingesting = await busy;
    feeding = false;
    await feed;
    await history.recorder.flush();
    return {
      transitionsPerSecond: Math.round((after.transitions - before.transitions) / elapsed),
      tasksWrittenPerSecond: Math.round((after.recorded - before.recorded) / elapsed),
      dropped: after.dropped,
      queries: { quiet: { rps: quiet.rps, p50: quiet.p50, p99: quiet.p99 }, ingesting: { rps: ingesting.rps, p50: ingesting.p50, p99: ingesting.p99 } },
    };
  } finally {
    await load.stop();
    await server.stop();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes `rows` tasks (90% finished) spread over DAYS days, through the store's own write; tasks/s. */
async function load(kind: 'embedded' | 'postgres', location: string, rows: number): Promise<number> {
  const store = kind === 'postgres' ? await openPostgresStore({ url: location }) : await openEmbeddedStore(location);
  const random = prng(11);
  const spacing = (DAYS * DAY_MS) / rows;
  const started = performance.now();
  for (let n = 0; n < rows; ) {
    const batch: TaskRecord[] = [];
    for (let i = 0; i < 5000 && n < rows; i++, n++) {
      const t = syntheticTask(n, random() < 0.1 ? 5 : 10, random, spacing);
      batch.push(recordOf(t, t.createdAt!.getTime() + 60_000, { at: (t.completedAt ?? t.lastUpdatedAt)!.getTime(), status: t.status, progress: t.progress }));
    }
    await store.write(batch, []);
  }
  const rate = Math.round(rows / ((performance.now() - started) / 1000));
  await store.close();
  if (kind === 'postgres') {
    // What autovacuum does on its own after a burst of inserts (visibility map, statistics):
    // without it, PostgreSQL cannot answer from the indexes alone.
    const client = new pg.Client({ connectionString: location });
    await client.connect();
    await client.query('VACUUM ANALYZE task');
    await client.end();
  }
  return rate;
}

const QUERIES = {
  'taskStats by operation': '{ taskStats(groupBy: [OPERATION]) { operation count failed failureRate durationMs { count p50 p95 } } }',
  'taskStats by operation and day, last 30 days': `{ taskStats(groupBy: [OPERATION, DAY], since: "${new Date(T0 + (DAYS - 30) * DAY_MS).toISOString()}", until: "${new Date(T0 + DAYS * DAY_MS).toISOString()}") { operation day count failureRate durationMs { p50 } } }`,
  'taskHistory page, one operation failed': '{ taskHistory(first: 50, filter: { operation: ["op03"], status: [FAILED] }) { nodes { id status createdAt } } }',
};

async function measureStats(kind: 'embedded' | 'postgres', location: string, runs: number) {
  const { server } = await gatewayWith(kind === 'postgres' ? { store: 'postgres', url: location } : { path: location }, []);
  try {
    const out: Record<string, { p50: number; p95: number }> = {};
    for (const [name, query] of Object.entries(QUERIES)) {
      const first = await post(server.url, query);
      if (first.body.errors) throw new Error(`${kind} ${name}: ${JSON.stringify(first.body.errors)}`);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push((await post(server.url, query)).ms);
      out[name] = { p50: round(percentile(times, 50), 1), p95: round(percentile(times, 95), 1) };
    }
    return out;
  } finally {
    await server.stop();
  }
}

export const run: Benchmark = async ({ quick }) => {
  const rows = quick ? 100_000 : 1_000_000;
  const runs = quick ? 9 : 21;
  const ingest = await measureIngest(quick ? 4 : 10);
  const dir = mkdtempSync(join(tmpdir(), 'taskgraph-bench-history-'));
  const server = await startTestPostgres().catch((err: unknown) => {
    console.warn(`history: no PostgreSQL (${err instanceof Error ? err.message : String(err)})`);
    return null;
  });
  try {
    const embeddedPath = join(dir, 'stats.db');
    // Both loads at once: most of either is waiting on the other process (worker, server).
    const [embeddedRate, postgresRate] = await Promise.all([load('embedded', embeddedPath, rows), server ? load('postgres', server.url, rows) : Promise.resolve(null)]);
    const embedded = { loadRate: embeddedRate, queries: await measureStats('embedded', embeddedPath, runs) };
    const postgres = server && postgresRate !== null ? { loadRate: postgresRate, queries: await measureStats('postgres', server.url, runs) } : null;
    const statsRows = Object.keys(QUERIES).map((name) => [name, embedded.queries[name]!.p50, embedded.queries[name]!.p95, postgres?.queries[name]!.p50, postgres?.queries[name]!.p95]);
    const text = [
      table(
        ['ingest (embedded store, gateway serving 4 query loops)', 'value'],
        [
          ['transitions written / s', ingest.transitionsPerSecond],
          ['task states written / s', ingest.tasksWrittenPerSecond],
          ['observations dropped', ingest.dropped],
          ['list queries / s, p50 / p99 ms, no ingest', `${ingest.queries.quiet.rps}, ${ingest.queries.quiet.p50} / ${ingest.queries.quiet.p99}`],
          ['list queries / s, p50 / p99 ms, ingesting', `${ingest.queries.ingesting.rps}, ${ingest.queries.ingesting.p50} / ${ingest.queries.ingesting.p99}`],
        ],
      ),
      table([`over ${rows.toLocaleString('en')} stored tasks, ms`, 'embedded p50', 'embedded p95', 'postgres p50', 'postgres p95'], statsRows),
      `loading the stored tasks (both stores at once, through the store's write): embedded ${embedded.loadRate.toLocaleString('en')} tasks/s, postgres ${postgres ? postgres.loadRate.toLocaleString('en') : '–'} tasks/s`,
    ].join('\n\n');
    const statsGoal = (q: { p50: number } | undefined) => q !== undefined && q.p50 < 200;
    return {
      name: 'history',
      title: `history: ingest and taskStats over ${rows.toLocaleString('en')} stored tasks`,
      text,
      goals: [
        { goal: `ingest >= 5,000 transitions/s into the embedded store while serving queries (${ingest.transitionsPerSecond})`, ok: ingest.transitionsPerSecond >= 5000 },
        { goal: `taskStats by operation over ${rows.toLocaleString('en')} tasks, embedded: p50 < 200 ms (${embedded.queries['taskStats by operation']!.p50})`, ok: statsGoal(embedded.queries['taskStats by operation']) },
        { goal: `taskStats by operation over ${rows.toLocaleString('en')} tasks, PostgreSQL: p50 < 200 ms (${postgres?.queries['taskStats by operation']!.p50 ?? 'not run'})`, ok: statsGoal(postgres?.queries['taskStats by operation']) },
      ],
      data: { rows, ingest, embedded, postgres },
    };
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
