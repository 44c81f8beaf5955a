/**
 * A/B of one change: the same list load against a gateway from another checkout (BASE, e.g. a
 * `git worktree` of the commit before) and one from this checkout, interleaved round by round
 * on the same simulator (Prism unless KIND names another type), printing RPS, p50 and the
 * gateway's CPU per query of each.
 *
 *   git worktree add /tmp/base <commit> && ln -s "$PWD/node_modules" /tmp/base/node_modules
 *   BASE=/tmp/base TASKGRAPH_COALESCE=off npx tsx bench/ab.ts      # R=8 for more rounds
 *   KIND=vsphere-soap C=8 BASE=... npx tsx bench/ab.ts              # another backend type, 8 connections
 *   BASE=$PWD ...                                                   # no change: one type's cost, twice
 *   N=3 BASE=... npx tsx bench/ab.ts                                # a page merged over 3 backends of the type
 *   DISTINCT=1 BASE=... npx tsx bench/ab.ts                         # each request its own createdAfter (as bench/peers.ts)
 *
 * TASKGRAPH_COALESCE=off is config `server.shareInFlight: false` for both gateways
 * (lib/gateway-host.ts), so a BASE from before the option reads it too.
 * Sharing off measures the engine alone (every query does its own work). The machine's noise
 * is a few percent between identical builds: trust differences larger than that, over 6+ rounds.
 */
import { startChild } from './lib/ipc.js';
import { interleave } from './lib/interleave.js';
import type { StartedSim } from './lib/sim-host.js';

const base = process.env.BASE;
if (!base) throw new Error('BASE=<path of the other checkout> is required');
const FIELDS = `nativeId operation description status progress createdAt startedAt completedAt isCancelable
  initiatedBy { name } entitiesAffected { nativeId name type } errors { message code }`;
// DISTINCT: every request its own `createdAfter` (an instant before every task, pushed upstream),
// so nothing can be shared or remembered between requests (bench/lib/load-host.ts `vary`).
const VARY = '__INSTANT__';
const distinct = process.env.DISTINCT === '1';
const query =
  process.env.Q ??
  (distinct
    ? `query Tasks($after: DateTime!) { tasks(first: 50, filter: { createdAfter: $after }) { edges { node { ${FIELDS} } } } }`
    : `{ tasks(first: 50) { edges { node { ${FIELDS} } } } }`);

const sims = await startChild(new URL('./lib/sim-host.ts', import.meta.url));
const specs = Array.from({ length: Number(process.env.N ?? 1) }, (_, i) => ({ kind: process.env.KIND ?? 'prism', name: `pc${i + 1}`, seed: 7 + i, backfill: 120, latencyMs: 5 }));
const backends = (await sims.call<StartedSim[]>('start', specs)).map((s) => s.backend);
const a = await startChild(new URL(`file://${base}/bench/lib/gateway-host.ts`));
const b = await startChild(new URL('./lib/gateway-host.ts', import.meta.url));
const load = await startChild(new URL('./lib/load-host.ts', import.meta.url));
try {
  const spec = async (gateway: typeof a) => ({
    url: (await gateway.call<{ url: string }>('start', { backends })).url,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(distinct ? { query, variables: { after: VARY } } : { query }),
    ...(distinct ? { vary: { placeholder: VARY, before: '2000-01-01T00:00:00.000Z' } } : {}),
  });
  const targets = [
    { label: 'base', spec: await spec(a), pid: a.pid },
    { label: 'this', spec: await spec(b), pid: b.pid },
  ];
  const figures = await interleave(load, targets, { connections: Number(process.env.C ?? 16), durationMs: 3000, warmupMs: 700, rounds: Number(process.env.R ?? 6) }, { backend: sims.pid });
  for (const f of figures) {
    console.log(`${f.label.padEnd(5)} RPS ${f.rps}  p50 ${f.p50} ms  gateway CPU ${f.cpuMsPerQuery.server} ms/query  rounds ${f.rounds.map((r) => r.rps).join(' ')}`);
  }
} finally {
  for (const c of [load, a, b, sims]) await c.stop();
}
