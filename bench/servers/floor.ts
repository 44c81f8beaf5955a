/**
 * The floor: the least work any Node.js gateway does for the benchmarks' task lists, with no
 * GraphQL at all. node:http in; the same upstream list requests taskgraph sends (in parallel
 * over keep-alive connections); JSON.parse; the newest `first` tasks of all answers merged by
 * time; the list fields picked into taskgraph's answer shape; JSON.stringify; write. It ignores
 * the request body (the query is fixed), so its CPU and latency per query are a lower bound
 * for these lists on this machine: the "physical limit" other rows are compared with.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveCalls } from '../lib/ipc.js';

interface PrismTask {
  extId: string;
  operation?: string;
  operationDescription?: string;
  status?: string;
  progressPercentage?: number;
  createdTime?: string;
  startedTime?: string;
  completedTime?: string;
  isCancelable?: boolean;
  ownedBy?: { name?: string };
  entitiesAffected?: Array<{ extId?: string; name?: string; rel?: string }>;
  errorMessages?: Array<{ message?: string; code?: string }>;
}

/** One upstream list request: its absolute URL and headers (as a gateway sent it). */
export interface FloorUpstream {
  url: string;
  headers: Record<string, string>;
}

function node(t: PrismTask) {
  return {
    nativeId: t.extId,
    operation: t.operation ?? null,
    description: t.operationDescription ?? null,
    status: t.status ?? null,
    progress: t.progressPercentage ?? null,
    createdAt: t.createdTime ?? null,
    startedAt: t.startedTime ?? null,
    completedAt: t.completedTime ?? null,
    isCancelable: t.isCancelable ?? false,
    initiatedBy: t.ownedBy ? { name: t.ownedBy.name ?? null } : null,
    entitiesAffected: (t.entitiesAffected ?? []).map((e) => ({ nativeId: e.extId ?? null, name: e.name ?? null, type: e.rel ?? null })),
    errors: (t.errorMessages ?? []).map((e) => ({ message: e.message ?? null, code: e.code ?? null })),
  };
}

async function startFloor(upstreams: FloorUpstream[], first: number): Promise<{ url: string }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const list = (upstream: FloorUpstream) =>
    new Promise<PrismTask[]>((resolve, reject) => {
      const req = http.get(upstream.url, { agent, headers: upstream.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: PrismTask[] }).data ?? []);
          } catch (err) {
            reject(err as Error);
          }
        });
        res.on('error', reject);
      });
      req.on('error', reject);
    });
  const newestFirst = (a: PrismTask, b: PrismTask) => ((a.createdTime ?? '') < (b.createdTime ?? '') ? 1 : -1);
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      Promise.all(upstreams.map(list)).then(
        (pages) => {
          const tasks = upstreams.length === 1 ? pages[0]!.slice(0, first) : pages.flat().sort(newestFirst).slice(0, first);
          const body = JSON.stringify({ data: { tasks: { edges: tasks.map((t) => ({ node: node(t) })) } } });
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
          res.end(body);
        },
        (err: Error) => {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errors: [{ message: err.message }] }));
        },
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

serveCalls({ start: startFloor });
