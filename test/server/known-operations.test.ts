/**
 * Known operations (src/fast-path/known-operations.ts) answer a query seen before without Apollo
 * Server's request pipeline. They must not change a single byte of any answer: two gateways
 * over the same backends, one with the path and one without, get the same corpus of requests
 * (each twice: the first teaches the path, the second may take it) and must answer the same
 * status, headers and body, write the same request lines and count the same metrics. The
 * path's own counter shows which requests took it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayServer } from '../../src/server/http.js';
import { createLogger, setProcessLogger } from '../../src/server/plugins/logging.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { manualClock, metricValue, startTestGateway } from '../support/gateway.js';
import { memoryLog } from '../support/memory-log.js';

const LIST = '{ tasks(first: 8) { edges { cursor node { id backend status nativeStatus progress createdAt completedAt isTerminal initiatedBy { kind name } entitiesAffected { nativeId type name } } } pageInfo { hasNextPage endCursor } } }';
const NAMED = 'query Recent($n: Int!) { tasks(first: $n) { nodes { id status createdAt } } } query Backends { backends { name type } }';

interface Case {
  name: string;
  body: unknown;
  headers?: Record<string, string>;
  /** Answers of the repeated request that take the known-operations path (0, 1, or 2 when the first is known already). */
  known: number;
}

const CASES: Case[] = [
  { name: 'list', body: { query: LIST }, known: 1 },
  { name: 'named operation with variables', body: { query: NAMED, operationName: 'Recent', variables: { n: 3 } }, known: 1 },
  { name: 'other operation of the same text', body: { query: NAMED, operationName: 'Backends' }, known: 1 },
  { name: 'same text, other variables', body: { query: NAMED, operationName: 'Recent', variables: { n: 2 } }, known: 2 },
  { name: 'fragments, aliases, __typename', body: { query: 'query { a: tasks(first: 2) { nodes { ...T } } b: backends { __typename name } } fragment T on Task { id __typename createdAt }' }, known: 1 },
  { name: 'introspection', body: { query: '{ __schema { queryType { name } } __type(name: "Task") { fields { name } } }' }, known: 1 },
  { name: 'null extensions and variables', body: { query: LIST, extensions: null, variables: null, operationName: null }, known: 2 },
  { name: 'graphql-response+json accepted', body: { query: LIST }, headers: { accept: 'application/graphql-response+json' }, known: 2 },
  { name: 'negotiated accept', body: { query: LIST }, headers: { accept: 'application/json;q=0.5, application/graphql-response+json' }, known: 2 },
  { name: 'accept nothing Apollo answers (406)', body: { query: LIST }, headers: { accept: 'text/html' }, known: 0 },
  { name: 'variable of the wrong type (400)', body: { query: NAMED, operationName: 'Recent', variables: { n: 'three' } }, known: 0 },
  { name: 'missing variable (400)', body: { query: NAMED, operationName: 'Recent' }, known: 0 },
  { name: 'over a limit (400)', body: { query: NAMED, operationName: 'Recent', variables: { n: 5000 } }, known: 0 },
  { name: 'resolver error (a bad cursor)', body: { query: '{ backends { name } tasks(first: 2, after: "bogus") { nodes { id } } }' }, known: 0 },
  { name: 'unknown operation name', body: { query: NAMED, operationName: 'Nope' }, known: 0 },
  { name: 'mutation', body: { query: 'mutation { cancelTask(id: "not-a-task-id") { error { code } } }' }, known: 0 },
  { name: 'persisted query extension', body: { query: LIST, extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } }, known: 0 },
  { name: 'batch', body: [{ query: LIST }], known: 0 },
];

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Requests the backends received for it (a query run twice would show here). */
  upstream: number;
}


describe('known operations', () => {
  const log = memoryLog();
  const clock = manualClock();
  let good: PrismSimulator;
  let bad: PrismSimulator;
  let on: GatewayServer;
  let off: GatewayServer;

  beforeAll(async () => {
    setProcessLogger(createLogger({ level: 'info', destination: log.stream }));
    good = await startPrismSimulator({ seed: 71, now: clock.fn, initialTasks: 12 });
    bad = await startPrismSimulator({ seed: 72, now: clock.fn, initialTasks: 12 });
    const backends = [good.backendConfig('good'), bad.backendConfig('bad')];
    on = await startTestGateway(backends);
    off = await startTestGateway(backends, { server: { host: '127.0.0.1', port: 0, knownOperations: false } });
  });
  afterAll(async () => {
    await on?.stop();
    await off?.stop();
    await good?.close();
    await bad?.close();
  });

  const upstreamCount = () => good.server.total() + bad.server.total();

  async function send(gw: GatewayServer, body: unknown, headers: Record<string, string>): Promise<Answer> {
    const before = upstreamCount();
    const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const answerHeaders = Object.fromEntries([...res.headers].filter(([name]) => name !== 'date'));
    return { status: res.status, headers: answerHeaders, body: await res.text(), upstream: upstreamCount() - before };
  }

  const metric = (gw: GatewayServer, series: string) => metricValue(gw.url, series);

  const KNOWN = 'taskgraph_graphql_known_operation_answers_total';

  /** Each request twice on both gateways (same request ids); the answers of both gateways, in order. */
  async function both(c: Case, tag: string): Promise<{ on: Answer[]; off: Answer[]; known: number }> {
    const before = await metric(on, KNOWN);
    const answers: { on: Answer[]; off: Answer[] } = { on: [], off: [] };
    for (let i = 0; i < 2; i++) {
      const headers = { ...c.headers, 'x-request-id': `${tag}-${i}` };
      answers.on.push(await send(on, c.body, headers));
      answers.off.push(await send(off, c.body, headers));
    }
    return { ...answers, known: (await metric(on, KNOWN)) - before };
  }

  for (const [index, c] of CASES.entries()) {
    it(`answers the same with and without the path: ${c.name}`, async () => {
      const answers = await both(c, `case${index}`);
      expect(answers.on).toEqual(answers.off);
      expect(answers.known).toBe(c.known);
      expect(answers.on[1]!.headers['x-request-id'] ?? `case${index}-1`).toBe(`case${index}-1`);
    });
  }

  it('compares real answers: a page of data, errors, refusals', async () => {
    const status = async (c: Case) => (await both(c, 'check')).on[1]!;
    const list = await status(CASES[0]!);
    expect(list.status).toBe(200);
    expect((JSON.parse(list.body) as { data: { tasks: { edges: unknown[] } } }).data.tasks.edges).toHaveLength(8);
    expect((await status(CASES.find((c) => c.name.includes('406'))!)).status).toBe(406);
    expect((await status(CASES.find((c) => c.name.includes('wrong type'))!)).status).toBe(400);
    const cursor = JSON.parse((await status(CASES.find((c) => c.name.includes('bad cursor'))!)).body) as { errors: Array<{ extensions: { code: string } }> };
    expect(cursor.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
  });

  it("hands a backend's partial error to Apollo: data and error as without the path", async () => {
    bad.server.setFaults({ failNext: 1000, failStatus: 503 });
    try {
      const answers = await both({ name: 'partial', body: { query: LIST }, known: 0 }, 'partial');
      expect(answers.on).toEqual(answers.off);
      expect(answers.known).toBe(0);
      const body = JSON.parse(answers.on[1]!.body) as { data: unknown; errors: Array<{ extensions: { backend: string } }> };
      expect(body.data).not.toBeNull();
      expect(body.errors.map((e) => e.extensions.backend)).toContain('bad');
    } finally {
      bad.server.setFaults({ failNext: 0 });
    }
  });

  it('writes the same request lines and counts the same metrics', async () => {
    const strip = ({ time: _t, durationMs: _d, ...line }: Record<string, unknown>) => line;
    const linesOf = (id: string) => log.parsed().filter((l) => l.requestId === id && l.msg === 'graphql request').map(strip);
    for (const tag of [...CASES.keys()].map((i) => `case${i}`).concat('partial')) {
      for (const i of [0, 1]) {
        const id = `${tag}-${i}`;
        // Each request id was sent to both gateways: two equal lines, or none for refusals before Apollo.
        const lines = linesOf(id);
        if (lines.length) expect(lines).toEqual([lines[0], lines[0]]);
      }
    }
    expect(linesOf('case0-1')).toHaveLength(2);
    for (const series of [
      'taskgraph_graphql_requests_total{operation_type="query",outcome="ok"}',
      'taskgraph_graphql_requests_total{operation_type="query",outcome="error"}',
      'taskgraph_graphql_requests_total{operation_type="mutation",outcome="error"}',
      'taskgraph_graphql_errors_total{code="BAD_USER_INPUT"}',
      'taskgraph_graphql_errors_total{code="BACKEND_UNAVAILABLE"}',
    ]) {
      expect(await metric(on, series), series).toBe(await metric(off, series));
    }
    expect(await metric(on, 'taskgraph_graphql_requests_total{operation_type="query",outcome="ok"}')).toBeGreaterThan(10);
    expect(await metric(off, KNOWN)).toBe(0);
  });
});
