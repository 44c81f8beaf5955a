// ad-hoc, not committed: profile taskgraph on distinct vs same list requests
import { startChild } from '../lib/ipc.js';
import type { StartedSim } from '../lib/sim-host.js';
const mode = process.argv[2] ?? 'distinct';
const sims = await startChild(new URL('../lib/sim-host.ts', import.meta.url));
const [prism] = await sims.call<StartedSim[]>('start', [{ kind: 'prism', name: 'pc', seed: 7, backfill: 120, latencyMs: 5 }]);
const tg = await startChild(new URL('../lib/gateway-host.ts', import.meta.url));
const { url } = await tg.call<{ url: string }>('start', { backends: [prism!.backend] });
const load = await startChild(new URL('../lib/load-host.ts', import.meta.url));
const F = `nativeId operation description status progress createdAt startedAt completedAt isCancelable initiatedBy { name } entitiesAffected { nativeId name type } errors { message code }`;
const body = mode === 'distinct'
  ? JSON.stringify({ query: `query Tasks($after: DateTime!) { tasks(first: 50, filter: { createdAfter: $after }) { edges { node { ${F} } } } }`, variables: { after: '__I__' } })
  : JSON.stringify({ query: `{ tasks(first: 50) { edges { node { ${F} } } } }` });
const spec = { url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: 16, durationMs: 4000, ...(mode === 'distinct' ? { vary: { placeholder: '__I__', before: '2000-01-01T00:00:00.000Z' } } : {}) };
await load.call('run', { ...spec, durationMs: 3000 });
await tg.call('profileStart');
const r = await load.call<any>('run', spec);
await tg.call('profileStop', `/tmp/prof-${mode}.cpuprofile`);
console.log(mode, 'rps', r.rps, 'p99', r.p99, 'errors', r.errors, r.firstError);
for (const c of [load, tg, sims]) await c.stop();
