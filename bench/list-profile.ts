/**
 * Where one list query's CPU goes in the gateway, by layer: the distinct flat list of
 * bench/peers.ts (50 Prism tasks, each request its own `createdAfter`), measured unprofiled for
 * the CPU per query, then profiled over a second window of the same load; each layer's share of
 * the profile's busy time is applied to the unprofiled CPU (the profiler's own cost spreads
 * over all layers). Layers also present in the floor (bench/servers/floor.ts) are marked.
 * docs/performance.md, "The distinct flat list: where a request's CPU goes".
 *
 *   npx tsx bench/list-profile.ts                   # DISTINCT=0: the same text, sharing off
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startChild } from './lib/ipc.js';
import { cpuLayers, FLOOR_LAYERS, type CpuProfile } from './lib/cpu-layers.js';
import { treeCpuMs } from './lib/proc-cpu.js';
import type { LoadResult } from './lib/load-host.js';
import type { StartedSim } from './lib/sim-host.js';

const FIELDS = `nativeId operation description status progress createdAt startedAt completedAt isCancelable
  initiatedBy { name } entitiesAffected { nativeId name type } errors { message code }`;
const distinct = process.env.DISTINCT !== '0';
const VARY = '__INSTANT__';
const query = distinct
  ? `query Tasks($after: DateTime!) { tasks(first: 50, filter: { createdAfter: $after }) { edges { node { ${FIELDS} } } } }`
  : `{ tasks(first: 50) { edges { node { ${FIELDS} } } } }`;

const sims = await startChild(new URL('./lib/sim-host.ts', import.meta.url));
const gateway = await startChild(new URL('./lib/gateway-host.ts', import.meta.url), { env: distinct ? {} : { TASKGRAPH_COALESCE: 'off' } });
const load = await startChild(new URL('./lib/load-host.ts', import.meta.url));
try {
  const [prism] = await sims.call<StartedSim[]>('start', [{ kind: 'prism', name: 'pc', seed: 7, backfill: 120, latencyMs: 5 }]);
  const { url } = await gateway.call<{ url: string }>('start', { backends: [prism!.backend] });
  const spec = {
    url,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(distinct ? { query, variables: { after: VARY } } : { query }),
    ...(distinct ? { vary: { placeholder: VARY, before: '2000-01-01T00:00:00.000Z' } } : {}),
    connections: 16,
  };
  const durationMs = Number(process.env.SECONDS ?? 5) * 1000;
  await load.call('run', { ...spec, durationMs: 6000 }); // warm-up: JIT, pools, caches

  const cpuBefore = treeCpuMs(gateway.pid)!;
  const plain = await load.call<LoadResult>('run', { ...spec, durationMs });
  const cpuPerQuery = (treeCpuMs(gateway.pid)! - cpuBefore) / plain.requests;

  await gateway.call('profileStart');
  const profiled = await load.call<LoadResult>('run', { ...spec, durationMs });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'list-profile-')), 'gateway.cpuprofile');
  await gateway.call('profileStop', file);
  const { busyMs, layers } = cpuLayers(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile);

  console.log(`${distinct ? 'distinct' : 'same text, sharing off'}: ${plain.rps} RPS, gateway CPU ${cpuPerQuery.toFixed(2)} ms/query unprofiled (${profiled.rps} RPS profiled; profile ${file})`);
  console.log(`${'layer'.padEnd(44)} share   ms/query  in the floor`);
  let own = 0;
  for (const [layer, ms] of [...layers].sort((a, b) => b[1] - a[1])) {
    const share = ms / busyMs;
    if (!FLOOR_LAYERS.has(layer)) own += share;
    console.log(`${layer.padEnd(44)} ${(100 * share).toFixed(1).padStart(5)}%  ${(share * cpuPerQuery).toFixed(3).padStart(7)}   ${FLOOR_LAYERS.has(layer) ? 'yes' : ''}`);
  }
  console.log(`layers the floor does not have: ${(100 * own).toFixed(0)}%, ${(own * cpuPerQuery).toFixed(2)} ms/query`);
} finally {
  for (const c of [load, gateway, sims]) await c.stop();
}
