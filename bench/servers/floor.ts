/**
 * The floor: the least work any Node.js gateway does for the benchmarks' task lists, with no
 * GraphQL at all. node:http in; the same upstream list requests taskgraph sends (in parallel
 * over keep-alive connections); JSON.parse; the newest `first` tasks of all answers merged by
 * time; the query's fields picked into taskgraph's answer shape; JSON.stringify; write. It
 * ignores the request body (the query is fixed), so its CPU and latency per query are a lower
 * bound for these lists on this machine: the "physical limit" other rows are compared with.
 *
 * With `graphql`, it is the GraphQL floor: the same, but the answer comes from running the
 * request's query, compiled once by graphql-jit, on taskgraph's own schema over the merged
 * tasks (no request pipeline, no validation after the first time, no gateway engine): the
 * least any GraphQL gateway adds to the floor.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { CompiledQuery } from 'graphql-jit';
import { serveCalls } from '../lib/ipc.js';
import { httpPhases } from '../lib/http-phases.js';
import { loadTypeDefs } from '../../src/gateway/schema.js';
import { mapStatus } from '../../src/adapters/prism/map.js';
import { encodeTaskId } from '../../src/model/global-id.js';
import { isTerminal } from '../../src/model/task.js';

// graphql-jit and @apollo/subgraph load graphql's CommonJS build; so must this file (one realm).
const require = createRequire(import.meta.url);
const { parse } = require('graphql') as typeof import('graphql');
const { compileQuery, isCompiledQuery } = require('graphql-jit') as typeof import('graphql-jit');
const { buildSubgraphSchema } = require('@apollo/subgraph') as typeof import('@apollo/subgraph');

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

/** One upstream list request: its absolute URL and headers (as a gateway sent it), and the backend's name. */
export interface FloorUpstream {
  url: string;
  headers: Record<string, string>;
  backend: string;
}

export interface FloorOptions {
  /** The answer's fields without `graphql`: `list` (the peers' list query) or `view` (bench/lib/queries.ts TASK_LIST). */
  shape: 'list' | 'view';
  /** Run the request's query with graphql-jit instead of picking fields by hand. */
  graphql?: boolean;
  /**
   * A relay, not a floor: after every upstream answered, send the first one's body as it came
   * (no parse, no merge, no answer of its own). With one upstream it is the cost of one more
   * process between the client and the backend; with three, that of waiting for all three.
   */
  relay?: boolean;
}

/** The fields of the peers' list query (bench/peers.ts TG_FIELDS). */
function listNode(t: PrismTask) {
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

type ViewTask = PrismTask & { backend: string };

/**
 * Every field a list view reads (TASK_LIST), as taskgraph answers it: status, and (viewAnswer)
 * the global id and the cursor. Plain data: an object literal with a getter is a
 * dictionary-mode object in V8, slow to read (src/gateway/connection.ts Edge).
 */
function viewFields(t: ViewTask) {
  const status = mapStatus(t.status);
  return {
    backend: t.backend,
    nativeId: t.extId,
    operation: t.operation ?? null,
    description: t.operationDescription ?? null,
    status,
    nativeStatus: t.status ?? '',
    progress: t.progressPercentage ?? null,
    createdAt: t.createdTime ?? null,
    startedAt: t.startedTime ?? null,
    completedAt: t.completedTime ?? null,
    isTerminal: isTerminal(status),
    isCancelable: (t.isCancelable ?? false) && !isTerminal(status),
    initiatedBy: t.ownedBy?.name ? { kind: 'USER', name: t.ownedBy.name } : null,
    entitiesAffected: (t.entitiesAffected ?? []).map((e) => ({ nativeId: e.extId ?? '', type: e.rel ?? null, name: e.name ?? null })),
    errors: (t.errorMessages ?? []).map((e) => ({ message: e.message ?? '', code: e.code ?? null })),
  };
}

/** An opaque cursor of taskgraph's size and cost (base64url of the task's sort key). */
function cursorOf(t: ViewTask): string {
  return Buffer.from(JSON.stringify({ v: 1, t: Date.parse(t.createdTime ?? ''), b: t.backend, i: t.extId, f: 'floor0000000' }), 'utf8').toString('base64url');
}

/** A page of the view: its edges, made by `edgeOf`, and the page info the view reads. */
function viewPage<E>(tasks: ViewTask[], more: boolean, edgeOf: (t: ViewTask) => E) {
  const last = tasks[tasks.length - 1];
  return { tasks: { edges: tasks.map(edgeOf), pageInfo: { hasNextPage: more, endCursor: last ? cursorOf(last) : null } } };
}

/** The answer picked by hand: the view's fields, id and cursor included (the view reads them). */
const viewAnswer = (tasks: ViewTask[], more: boolean) =>
  viewPage(tasks, more, (t) => ({ cursor: cursorOf(t), node: { id: encodeTaskId(t.backend, t.extId), ...viewFields(t) } }));

/** The root the compiled query runs on: id and cursor are resolvers, as in taskgraph (computed when read). */
const viewRoot = (tasks: ViewTask[], more: boolean) => viewPage(tasks, more, (t) => ({ task: t, node: viewFields(t) }));

/** Runs each distinct query text compiled (graphql-jit), on taskgraph's schema: default resolvers, and id and cursor computed when read, as taskgraph does. */
function compiledRunner(): (body: { query?: string; variables?: Record<string, unknown> }, root: unknown) => Promise<unknown> {
  const schema = buildSubgraphSchema([
    {
      typeDefs: loadTypeDefs(),
      resolvers: {
        Task: { id: (node: { backend: string; nativeId: string }) => encodeTaskId(node.backend, node.nativeId) },
        TaskEdge: { cursor: (edge: { task: ViewTask }) => cursorOf(edge.task) },
      },
    },
  ]);
  const compiled = new Map<string, CompiledQuery>();
  return async (body, root) => {
    const text = body.query ?? '';
    let query = compiled.get(text);
    if (!query) {
      const result = compileQuery(schema, parse(text));
      if (!isCompiledQuery(result)) throw new Error(`floor: cannot compile the query: ${JSON.stringify(result.errors)}`);
      compiled.set(text, (query = result));
    }
    return query.query(root, null, body.variables ?? {});
  };
}

async function startFloor(upstreams: FloorUpstream[], first: number, options: FloorOptions): Promise<{ url: string }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const fetchBody = (upstream: FloorUpstream) =>
    new Promise<Buffer>((resolve, reject) => {
      const req = http.get(upstream.url, { agent, headers: upstream.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      });
      req.on('error', reject);
    });
  const list = async (upstream: FloorUpstream) => {
    const tasks = (JSON.parse((await fetchBody(upstream)).toString('utf8')) as { data?: ViewTask[] }).data ?? [];
    for (const t of tasks) t.backend = upstream.backend;
    return tasks;
  };
  const newestFirst = (a: PrismTask, b: PrismTask) => ((a.createdTime ?? '') < (b.createdTime ?? '') ? 1 : -1);
  const run = options.graphql ? compiledRunner() : null;
  const server = http.createServer((req, res) => {
    if (options.relay) {
      req.resume();
      Promise.all(upstreams.map(fetchBody)).then(
        ([body]) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': body!.length });
          res.end(body);
        },
        (err: Error) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(err.message);
        },
      );
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      Promise.all(upstreams.map(list))
        .then(async (pages) => {
          const merged = upstreams.length === 1 ? pages[0]! : pages.flat().sort(newestFirst);
          const tasks = merged.slice(0, first);
          const more = merged.length > first;
          if (run) return run(JSON.parse(Buffer.concat(chunks).toString('utf8')), viewRoot(tasks, more));
          return { data: options.shape === 'view' ? viewAnswer(tasks, more) : { tasks: { edges: tasks.map((t) => ({ node: listNode(t) })) } } };
        })
        .then(
          (answer) => {
            const body = JSON.stringify(answer);
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

const phases = httpPhases();
serveCalls({ start: startFloor, recordTimings: () => phases.record(), timings: () => phases.take() });
