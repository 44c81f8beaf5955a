/**
 * Select pushdown, one backend type at a time: upstream bytes and requests per list query, and
 * the gateway's CPU per query, for a gateway from another checkout (BASE, e.g. a `git worktree`
 * of the commit before) and one from this checkout, on the same simulator. Every request carries
 * its own `createdAfter` (an instant before every task, pushed upstream), so nothing is shared.
 *
 *   git worktree add /tmp/base <commit> && ln -s "$PWD/node_modules" /tmp/base/node_modules
 *   (cd /tmp/base && npm run build) && npm run build
 *   KIND=vcd BASE=/tmp/base npx tsx bench/select-pushdown.ts          # the thin and the wide list
 *   KIND=vsphere-soap BASE=$PWD npx tsx bench/select-pushdown.ts      # no change: where the bytes go
 *   COLLECTORS=off KIND=vsphere-soap ...                              # vim without history collectors (vcsim, ESXi)
 *   R=6 ... (rounds of the CPU runs), K=40 ... (queries counted for the bytes)
 *
 * Bytes are counted by a proxy in this process between the gateways and the simulator, by
 * upstream call (vCD: query / task GET; vim: SOAP method; for RetrievePropertiesEx also the
 * part of the body that is `Task.info` read live rather than a history collector's page).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startChild } from './lib/ipc.js';
import { interleave } from './lib/interleave.js';
import { simulator } from '../src/simulators/registry.js';
import { round } from './lib/stats.js';

const base = process.env.BASE;
if (!base) throw new Error('BASE=<path of the other checkout> is required');
const kind = process.env.KIND ?? 'vcd';
const VARY = '@@AFTER@@';
const BEFORE_EVERY_TASK = '2000-01-01T00:00:00.000Z';
const WIDE = `nativeId operation description status progress createdAt startedAt completedAt isCancelable
  initiatedBy { name } entitiesAffected { nativeId name type } errors { message code }`;
const SHAPES: Record<string, string> = { thin: 'nativeId status progress', wide: WIDE };

/** Bytes and requests by upstream call label (a label starting with spaces is a part of another). */
type Counts = Map<string, { requests: number; bytes: number }>;

function add(counted: Counts, label: string, bytes: number): void {
  const entry = counted.get(label) ?? { requests: 0, bytes: 0 };
  entry.requests += label.startsWith('  ') ? 0 : 1;
  entry.bytes += bytes;
  counted.set(label, entry);
}

function labelOf(path: string, body: string): string {
  if (kind === 'vcd') return path.startsWith('/api/query') ? 'query' : path.startsWith('/api/task/') ? 'task GET' : 'other';
  return /Body>\s*<(?:\w+:)?(\w+)/.exec(body)?.[1] ?? 'other';
}

/** An HTTP proxy to `target` counting what it answers into `counted`. */
async function startProxy(target: URL, counted: Counts): Promise<string> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const up = http.request({ hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (c: Buffer) => parts.push(c));
        answer.on('end', () => {
          const out = Buffer.concat(parts);
          const label = labelOf(req.url ?? '', body.toString());
          add(counted, label, out.length);
          if (label === 'RetrievePropertiesEx') {
            // The live Task.info part (objects of type Task), apart from collector pages.
            const live = out.toString().match(/<objects><obj type="Task">[\s\S]*?<\/objects>/g) ?? [];
            add(counted, '  of which live Task.info', live.reduce((n, s) => n + Buffer.byteLength(s), 0));
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(out);
        });
      });
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// The simulator runs in this process (with the proxies), so that it can be started with
// options: COLLECTORS=off is a vim server without task history collectors (vcsim, ESXi).
const start = simulator(kind);
if (!start) throw new Error(`unknown simulator ${kind}`);
const sim = await start({ seed: 7, ...(process.env.COLLECTORS === 'off' ? { collectors: false } : {}) } as Parameters<typeof start>[0]);
sim.world.backfill(120);
sim.server.setFaults({ latencyMs: 5 });
const backend = sim.backendConfig('b1');
// One proxy per gateway, so that both can be counted over the same queries, interleaved.
const counts: Counts[] = [new Map(), new Map()];
const proxied = await Promise.all(counts.map(async (c) => ({ ...backend, url: await startProxy(new URL(sim.server.url), c) })));
const a = await startChild(new URL(`file://${base}/bench/lib/gateway-host.ts`));
const b = await startChild(new URL('./lib/gateway-host.ts', import.meta.url));
const load = await startChild(new URL('./lib/load-host.ts', import.meta.url));
let sent = 0;
try {
  const gateways = [
    { label: 'base', url: (await a.call<{ url: string }>('start', { backends: [proxied[0]] })).url, pid: a.pid, counted: counts[0]! },
    { label: 'this', url: (await b.call<{ url: string }>('start', { backends: [proxied[1]] })).url, pid: b.pid, counted: counts[1]! },
  ];
  for (const [shape, fields] of Object.entries(SHAPES)) {
    const query = `query Tasks($after: DateTime!) { tasks(first: 50, filter: { createdAfter: $after }) { edges { node { ${fields} } } } }`;
    // Upstream bytes: K distinct queries one at a time, to each gateway in turn (the backend's
    // tasks change as time goes: both see the same states).
    const k = Number(process.env.K ?? 30);
    for (let i = 0; i < 5; i++) for (const g of gateways) await post(g.url, query); // sessions, caches, kept collectors
    for (const g of gateways) g.counted.clear();
    for (let i = 0; i < k; i++) for (const g of gateways) await post(g.url, query);
    for (const g of gateways) {
      const total = [...g.counted.values()].reduce((n, e) => n + (e.requests ? e.bytes : 0), 0);
      const parts = [...g.counted].map(([label, e]) => `${label.trim()} ${round(e.bytes / k / 1024, 1)} KiB${e.requests ? ` (${round(e.requests / k, 2)} req)` : ''}`);
      console.log(`${shape} ${g.label.padEnd(4)} upstream ${round(total / k / 1024, 1)} KiB/query: ${parts.join(', ')}`);
    }
    // Gateway CPU: interleaved load runs, every request its own createdAfter.
    const targets = gateways.map((g) => ({
      label: g.label,
      pid: g.pid,
      spec: { url: g.url, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables: { after: VARY } }), vary: { placeholder: VARY, before: BEFORE_EVERY_TASK } },
    }));
    const figures = await interleave(load, targets, { connections: Number(process.env.C ?? 8), durationMs: 3000, warmupMs: 500, rounds: Number(process.env.R ?? 4) }, { backend: process.pid });
    for (const f of figures) {
      const cpu = f.rounds.length ? f.cpuMsPerQuery.server : NaN;
      console.log(`${shape} ${f.label.padEnd(4)} RPS ${f.rps}  p50 ${f.p50} ms  gateway CPU ${cpu} ms/query (median of ${f.rounds.length})  errors ${f.errors}${f.firstError ? ` ${f.firstError}` : ''}`);
    }
  }
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  for (const c of [load, a, b]) await c.stop();
  await sim.close();
  // The proxy's keep-alive sockets would hold the process open.
  process.exit();
}

/** One query with its own createdAfter; fails loudly on an error answer. */
async function post(url: string, query: string): Promise<void> {
  const after = new Date(Date.parse(BEFORE_EVERY_TASK) - 10_000_000 - ++sent).toISOString();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables: { after } }) });
  const text = await res.text();
  if (res.status !== 200 || (JSON.parse(text) as { errors?: unknown }).errors) throw new Error(`query failed: ${text.slice(0, 300)}`);
}

