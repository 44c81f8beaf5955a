/**
 * What the fast path is worth: the same list load against two gateways of this checkout, one
 * with `server.fastPath: true` (the default) and one with `server.fastPath: false` (Apollo
 * Server's own pipeline over express and graphql-js, nothing shared), interleaved round by
 * round on the same simulator, printing RPS, p50 and the gateway's CPU per query of each.
 *
 *   npx tsx bench/fast-path.ts                          # 16 connections, one query text
 *   TASKGRAPH_COALESCE=off npx tsx bench/fast-path.ts   # sharing off on the fast path too: the engines alone
 *   C=1 R=8 npx tsx bench/fast-path.ts                  # one connection, 8 rounds
 *
 * With 16 connections sending the same text, the fast path also shares executions, pages and
 * GETs between them; TASKGRAPH_COALESCE=off (bench/lib/gateway-host.ts) leaves the compiled
 * execution, known operations and the direct POST path to compare with Apollo's pipeline.
 */
import { startChild } from './lib/ipc.js';
import { interleave } from './lib/interleave.js';
import type { StartedSim } from './lib/sim-host.js';

const FIELDS = `nativeId operation description status progress createdAt startedAt completedAt isCancelable
  initiatedBy { name } entitiesAffected { nativeId name type } errors { message code }`;
const query = process.env.Q ?? `{ tasks(first: 50) { edges { node { ${FIELDS} } } } }`;

const sims = await startChild(new URL('./lib/sim-host.ts', import.meta.url));
const specs = [{ kind: process.env.KIND ?? 'prism', name: 'pc1', seed: 7, backfill: 120, latencyMs: 5 }];
const backends = (await sims.call<StartedSim[]>('start', specs)).map((s) => s.backend);
const on = await startChild(new URL('./lib/gateway-host.ts', import.meta.url));
const off = await startChild(new URL('./lib/gateway-host.ts', import.meta.url));
const load = await startChild(new URL('./lib/load-host.ts', import.meta.url));
try {
  const spec = async (gateway: typeof on, server: Record<string, unknown>) => ({
    url: (await gateway.call<{ url: string }>('start', { backends, server })).url,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const targets = [
    { label: 'on', spec: await spec(on, {}), pid: on.pid },
    { label: 'off', spec: await spec(off, { fastPath: false }), pid: off.pid },
  ];
  const figures = await interleave(load, targets, { connections: Number(process.env.C ?? 16), durationMs: 3000, warmupMs: 700, rounds: Number(process.env.R ?? 6) }, { backend: sims.pid });
  for (const f of figures) {
    console.log(`fast path ${f.label.padEnd(3)} RPS ${f.rps}  p50 ${f.p50} ms  gateway CPU ${f.cpuMsPerQuery.server} ms/query  rounds ${f.rounds.map((r) => r.rps).join(' ')}`);
  }
} finally {
  for (const c of [load, on, off, sims]) await c.stop();
}
