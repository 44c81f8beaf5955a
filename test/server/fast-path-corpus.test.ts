/**
 * The fast path (src/fast-path, config `server.fastPath`) changes no answer. Two gateways, one
 * with the fast path and one without, each in front of its own copy of the same backends (same
 * seeds, one manual clock, so mutations change both alike), get the same corpus
 * (fast-path-corpus.cases.ts) over real HTTP and graphql-ws: every request twice (the first
 * teaches the fast path a text, the second may take it). Status, body and the headers a client
 * reads must be equal, as must the subscription events and the request metrics; and with the
 * fast path off nothing is shared in flight.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { startVcdSimulator, type VcdSimulator } from '../../src/simulators/vcd/index.js';
import { manualClock, metricValue, startTestGateway, waitFor } from '../support/gateway.js';
import { apiKeyEntry, handshake } from '../security/support.js';
import { C1, httpCases, KEYS, wsCases, type Facts, type HttpCase, type WsCase } from './fast-path-corpus.cases.js';

/** Headers a client acts on; date, connection and framing headers are left out. */
const RELEVANT_HEADERS = ['content-type', 'x-request-id', 'www-authenticate', 'allow', 'cache-control', 'vary', 'access-control-allow-origin'];

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface Side {
  vcd: VcdSimulator;
  pc: PrismSimulator;
  flaky: PrismSimulator;
  gw: GatewayServer;
  /** The same backends with `limits.introspection: false`. */
  closed: GatewayServer;
}

const clock = manualClock();

async function startSide(fastPath: boolean): Promise<Side> {
  const vcd = await startVcdSimulator({ now: clock.fn, seed: 5 });
  const pc = await startPrismSimulator({ now: clock.fn, seed: 7 });
  const flaky = await startPrismSimulator({ now: clock.fn, seed: 8 });
  vcd.world.backfill(12, 10 * 60_000);
  pc.world.backfill(16, 10 * 60_000);
  flaky.world.backfill(3, 10 * 60_000);
  // Tasks the cases act on, running until told otherwise.
  const forever = { runMs: 1e12 };
  vcd.world.create({ operation: 'corpusCancel', cancelable: true, state: 'running', plan: forever });
  const parent = pc.world.create({ operation: 'corpusParent', state: 'running', plan: forever, tenant: C1 });
  pc.world.create({ operation: 'corpusChild', parentId: parent.id, cancelable: false, state: 'running', plan: forever });
  const backends = [vcd.backendConfig('vcd'), pc.backendConfig('pc'), { ...flaky.backendConfig('flaky'), circuit: { failureThreshold: 1000, openMs: 30_000 } }];
  const config = (introspection: boolean) => ({
    server: { fastPath },
    subscriptions: { pollFastMs: 50, pollIdleMs: 50 },
    federation: { entities: [{ type: 'Vm', resolve: [{ backend: 'pc', pattern: '^(?<id>.+)$' }] }] },
    limits: { introspection },
    auth: {
      mode: 'apiKey',
      apiKeys: [
        apiKeyEntry('root', KEYS.root, { backends: ['*'], vcdOrgs: ['*'], prismClusters: ['*'], actions: ['*'] }),
        apiKeyEntry('tenant', KEYS.tenant, { backends: ['vcd', 'pc'], vcdOrgs: ['acme'], prismClusters: [C1], actions: ['cancel'] }),
        apiKeyEntry('reader', KEYS.reader, { backends: ['*'], vcdOrgs: ['*'], prismClusters: ['*'] }),
      ],
    },
  });
  const gw = await startTestGateway(backends, config(true));
  const closed = await startTestGateway(backends, config(false));
  // The external task the subscriptions watch, created as a service would (vCD POST /api/tasksList/{org}).
  await mutate(gw, 'mutation { createTask(input: { backend: "vcd", operation: "corpusExternal", serviceNamespace: "com.example.corpus", progress: 10 }) { error { message } } }');
  return { vcd, pc, flaky, gw, closed };
}

/** A side's answers with its own backends' URLs (vCD entity hrefs) written as `<vcd>`, `<pc>`, `<flaky>`. */
function normalized(side: Side, text: string): string {
  return text.replaceAll(side.vcd.server.url, '<vcd>').replaceAll(side.pc.server.url, '<pc>').replaceAll(side.flaky.server.url, '<flaky>');
}

/** A mutation by the root key that must succeed. */
async function mutate(gw: GatewayServer, query: string, variables: Record<string, unknown> = {}): Promise<void> {
  const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEYS.root }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: Record<string, { error: unknown } | null>; errors?: unknown };
  const payload = body.data && Object.values(body.data)[0];
  if (res.status !== 200 || body.errors || !payload || payload.error) throw new Error(`${query}: ${JSON.stringify(body)}`);
}

async function send(side: Side, gw: GatewayServer, c: HttpCase, requestId: string): Promise<Answer> {
  const method = c.method ?? 'POST';
  const key = c.key === undefined ? KEYS.root : c.key;
  const headers: Record<string, string> = {
    'x-request-id': requestId,
    ...(key ? { 'x-api-key': key } : {}),
    // A GET needs a header that is not a "simple" one, or CSRF prevention refuses it.
    ...(method === 'GET' ? { 'apollo-require-preflight': 'true' } : { 'content-type': 'application/json' }),
    ...c.headers,
  };
  const body = method === 'GET' ? undefined : (c.raw ?? JSON.stringify(c.body));
  const res = await fetch(gw.url + (c.search ?? ''), { method, headers, body });
  const relevant = Object.fromEntries(RELEVANT_HEADERS.flatMap((name) => (res.headers.has(name) ? [[name, res.headers.get(name)!]] : [])));
  return { status: res.status, headers: relevant, body: normalized(side, await res.text()) };
}

/** One graphql-ws exchange: the messages of one subscribe until complete, error or close (ids fixed, so both sides compare). */
async function exchange(side: Side, c: WsCase): Promise<unknown[]> {
  const hs = await handshake(side.gw.wsUrl, { apiKey: c.key ?? KEYS.root });
  if (!hs.acked) return [{ closed: hs.code, reason: hs.reason }];
  const messages: unknown[] = [];
  let ended = false;
  hs.socket.on('message', (data) => {
    const message = JSON.parse(normalized(side, String(data))) as { type: string };
    messages.push(message);
    if (message.type === 'complete' || message.type === 'error') ended = true;
  });
  // graphql-ws closes the socket (4400) on a document that does not parse.
  hs.socket.on('close', (code, reason) => {
    if (ended) return; // our own close, once the exchange ended
    messages.push({ closed: code, reason: String(reason) });
    ended = true;
  });
  hs.socket.send(JSON.stringify({ id: 'op', type: 'subscribe', payload: { query: c.query, variables: c.variables ?? {}, operationName: c.operationName } }));
  await waitFor(() => ended, `the end of ${c.name}`);
  hs.socket.close();
  return messages;
}

describe('the fast path changes no answer', () => {
  let on: Side;
  let off: Side;
  let facts: Facts;

  beforeAll(async () => {
    [on, off] = await Promise.all([startSide(true), startSide(false)]);
    const query = { name: 'facts', body: { query: '{ tasks(first: 1000) { nodes { id backend operation status isCancelable isTerminal tenant parent { id } subtasks { totalCount } entitiesAffected { nativeId } } } }' } };
    const [res, same] = [await send(on, on.gw, query, 'facts'), await send(off, off.gw, query, 'facts')];
    expect(res).toEqual(same);
    const all = (JSON.parse(res.body) as { data: { tasks: { nodes: any[] } } }).data.tasks.nodes;
    const find = (what: string, test: (t: any) => boolean) => {
      const task = all.find(test);
      if (!task) throw new Error(`the corpus needs ${what}`);
      return task.id as string;
    };
    facts = {
      cancelable: find('a running cancelable vCD task', (t) => t.operation === 'corpusCancel'),
      finished: find('a finished Prism task', (t) => t.backend === 'pc' && t.isTerminal),
      withSubtasks: find('a vCD task with subtasks', (t) => t.backend === 'vcd' && t.subtasks.totalCount > 0),
      subtask: find('a Prism subtask', (t) => t.operation === 'corpusChild'),
      otherTenant: find("another cluster's Prism task", (t) => t.backend === 'pc' && t.tenant !== C1),
      external: find('the external task', (t) => t.operation === 'corpusExternal'),
      entity: (all.find((t) => t.backend === 'pc' && t.entitiesAffected.length)?.entitiesAffected[0].nativeId as string) ?? '',
    };
  });
  afterAll(async () => {
    for (const side of [on, off]) {
      if (!side) continue;
      await side.gw.stop();
      await side.closed.stop();
      await Promise.all([side.vcd.close(), side.pc.close(), side.flaky.close()]);
    }
  });

  /** Both gateways' answers to a request sent twice to each, alternately. */
  async function both(pick: (side: Side) => GatewayServer, c: HttpCase, tag: string): Promise<{ on: Answer[]; off: Answer[] }> {
    const failing = c.name.startsWith('flaky:');
    for (const side of [on, off]) side.flaky.server.setFaults(failing ? { failNext: 1_000_000, failStatus: 500 } : { failNext: 0 });
    const answers: { on: Answer[]; off: Answer[] } = { on: [], off: [] };
    try {
      for (const i of [0, 1]) {
        answers.on.push(await send(on, pick(on), c, `${tag}-${i}`));
        answers.off.push(await send(off, pick(off), c, `${tag}-${i}`));
      }
    } finally {
      for (const side of [on, off]) side.flaky.server.setFaults({ failNext: 0 });
    }
    return answers;
  }

  it('answers every HTTP request of the corpus the same', async () => {
    const differences: string[] = [];
    const answered: Record<string, number> = {};
    for (const [i, c] of httpCases(facts).entries()) {
      const answers = await both((side) => side.gw, c, `http${i}`);
      answered[c.name] = answers.on[1]!.status;
      for (const n of [0, 1]) {
        if (JSON.stringify(answers.on[n]) !== JSON.stringify(answers.off[n])) {
          differences.push(`${c.name} (#${n + 1}):\n  on:  ${JSON.stringify(answers.on[n]).slice(0, 600)}\n  off: ${JSON.stringify(answers.off[n]).slice(0, 600)}`);
        }
      }
    }
    expect(differences).toEqual([]);
    // The corpus holds what it says: answers, refusals and errors, not one kind of status.
    expect(answered).toMatchObject({ 'list page': 200, 'maxDepth': 400, 'over 1 MB': 413, 'no credentials': 401, 'nothing acceptable (406)': 406, 'GET mutation': 405, 'bad variables, several at once': 400 });
  });

  it('answers introspection and the federation SDL the same when introspection is off', async () => {
    for (const [i, c] of httpCases(facts).filter((c) => c.name === 'introspection' || c.name === 'federation SDL' || c.name === 'list page').entries()) {
      const answers = await both((side) => side.closed, c, `closed${i}`);
      expect(answers.on).toEqual(answers.off);
    }
  });

  it('counts the same requests and errors in the metrics', async () => {
    for (const series of [
      'taskgraph_graphql_requests_total{operation_type="query",outcome="ok"}',
      'taskgraph_graphql_requests_total{operation_type="query",outcome="error"}',
      'taskgraph_graphql_requests_total{operation_type="mutation",outcome="ok"}',
      'taskgraph_graphql_requests_total{operation_type="mutation",outcome="error"}',
      'taskgraph_graphql_errors_total{code="BAD_USER_INPUT"}',
      'taskgraph_graphql_errors_total{code="BACKEND_UNAVAILABLE"}',
      'taskgraph_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"}',
    ]) {
      expect(await metricValue(on.gw.url, series), series).toBe(await metricValue(off.gw.url, series));
    }
    expect(await metricValue(on.gw.url, 'taskgraph_graphql_known_operation_answers_total')).toBeGreaterThan(0);
    expect(await metricValue(off.gw.url, 'taskgraph_graphql_known_operation_answers_total')).toBe(0);
  });

  it('answers every graphql-ws exchange of the corpus the same', async () => {
    for (const c of wsCases(facts)) {
      const failing = c.name.startsWith('flaky:');
      for (const side of [on, off]) side.flaky.server.setFaults(failing ? { failNext: 1_000_000, failStatus: 500 } : { failNext: 0 });
      try {
        const [a, b] = [await exchange(on, c), await exchange(off, c)];
        expect(a, c.name).toEqual(b);
        expect(a.length, c.name).toBeGreaterThan(0);
      } finally {
        for (const side of [on, off]) side.flaky.server.setFaults({ failNext: 0 });
      }
    }
    for (const payload of [undefined, { apiKey: 'not-a-key-0123456789' }]) {
      const [a, b] = await Promise.all([handshake(on.gw.wsUrl, payload), handshake(off.gw.wsUrl, payload)]);
      expect(a).toEqual(b);
      expect(a.acked).toBe(false);
    }
  });

  it('shares nothing in flight with the fast path off: identical queries each reach the backend', async () => {
    const query = { name: 'shared', body: { query: '{ tasks(first: 5, filter: { backend: ["pc"] }) { nodes { id status } } }' } };
    const upstream: Record<string, number> = {};
    for (const [name, side] of [['on', on], ['off', off]] as const) {
      // The backend holds its answers until all four queries are in flight.
      side.pc.server.setFaults({ latencyMs: 300 });
      side.pc.server.resetCounts();
      try {
        const answers = await Promise.all([0, 1, 2, 3].map((i) => send(side, side.gw, query, `shared-${name}-${i}`)));
        expect(new Set(answers.map((a) => a.body)).size).toBe(1);
      } finally {
        side.pc.server.setFaults({ latencyMs: 0 });
      }
      upstream[name] = side.pc.server.total();
    }
    expect(upstream).toEqual({ on: 1, off: 4 });
  });

  it('delivers the same subscription events, change by change, until the task ends', async () => {
    type Feed = { messages: Array<{ id: string; type: string; payload?: unknown }>; socket: WebSocket };
    async function subscribe(side: Side): Promise<Feed> {
      const hs = await handshake(side.gw.wsUrl, { apiKey: KEYS.root });
      if (!hs.acked) throw new Error('not acked');
      const feed: Feed = { messages: [], socket: hs.socket };
      hs.socket.on('message', (data) => feed.messages.push(JSON.parse(normalized(side, String(data)))));
      const send = (id: string, query: string, variables: Record<string, unknown>) => hs.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
      send('task', 'subscription($id: ID!) { taskUpdated(id: $id) { id status progress progressMessage isTerminal completedAt } }', { id: facts.external });
      send('events', 'subscription { taskEvents(filter: { backend: ["vcd"], operation: ["corpusExternal", "corpusNew"] }) { type task { id operation status progress } } }', {});
      return feed;
    }
    const feeds = { on: await subscribe(on), off: await subscribe(off) };
    const count = (feed: Feed, id: string) => feed.messages.filter((m) => m.id === id).length;
    /** Waits until both feeds hold `task` and `events` messages, then compares them. */
    async function settled(task: number, events: number, what: string) {
      await waitFor(() => [feeds.on, feeds.off].every((f) => count(f, 'task') >= task && count(f, 'events') >= events), what);
      for (const id of ['task', 'events']) {
        expect(feeds.on.messages.filter((m) => m.id === id), `${what}: ${id}`).toEqual(feeds.off.messages.filter((m) => m.id === id));
      }
    }
    // taskUpdated sends the current state at once.
    await settled(1, 0, 'the current state');
    // Changes come as the service that owns the task makes them: updateTask on each side.
    const change = async (input: string) => {
      clock.advance(1000);
      for (const side of [on, off]) await mutate(side.gw, `mutation($id: ID!) { updateTask(input: { id: $id, ${input} }) { error { message } } }`, { id: facts.external });
    };
    await change('progress: 40');
    await settled(2, 1, 'progress 40');
    await change('progress: 90, details: "almost"');
    await settled(3, 2, 'progress 90');
    for (const side of [on, off]) side.vcd.world.create({ operation: 'corpusNew', external: true, state: 'running' });
    await settled(3, 3, 'a new task');
    await change('status: SUCCEEDED');
    // The terminal state, then complete; the event feed says COMPLETED.
    await settled(5, 4, 'the terminal state');
    expect(feeds.on.messages.find((m) => m.id === 'task' && m.type === 'complete')).toBeDefined();
    for (const feed of [feeds.on, feeds.off]) feed.socket.close();
  });
});
