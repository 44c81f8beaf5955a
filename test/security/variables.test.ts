/**
 * Variables (issue 25, defect 6): a value that does not fit its type is BAD_USER_INPUT (400)
 * on every path (Apollo's, known operations, graphql-ws), the value is never quoted in the
 * answer nor in any log line, and graphql-jit and graphql-js agree on variable coercion,
 * defaults of non-null variables included (a corpus run through both executors).
 */
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationTypeNode } from 'graphql';
import { prismAdapter } from '../../src/adapters/prism/index.js';
import { createBackendSet } from '../../src/gateway/backends.js';
import { createContext } from '../../src/gateway/context.js';
import { buildSchema } from '../../src/gateway/schema.js';
import { encodeTaskId } from '../../src/model/global-id.js';
import { createOperationRunner } from '../../src/fast-path/jit-executor.js';
import type { GatewayServer } from '../../src/server/http.js';
import { createLogger, setProcessLogger } from '../../src/server/plugins/logging.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import type { SubscriptionHub } from '../../src/subscriptions/hub.js';
import { startTestGateway } from '../support/gateway.js';
import { handshake, post, subscribeOnce } from './support.js';

const { execute, parse, getOperationAST } = createRequire(import.meta.url)('graphql') as typeof import('graphql');
const SECRET = 'S3cr3t-do-not-log';

/** Operations whose variables do not fit, each with the argument named in the error. */
const BAD: Array<{ query: string; variables: Record<string, unknown>; argument: string }> = [
  { query: 'query($id: ID!) { task(id: $id) { id } }', variables: { id: { password: SECRET } }, argument: '$id' },
  { query: 'query Q($taskId: ID!) { node(id: $taskId) { id } }', variables: { taskId: [SECRET] }, argument: '$taskId' },
  { query: 'query($n: Int) { tasks(first: $n) { nodes { id } } }', variables: { n: SECRET }, argument: '$n' },
  { query: 'query($f: TaskFilter) { tasks(filter: $f) { nodes { id } } }', variables: { f: { status: [SECRET] } }, argument: '$f' },
  { query: 'query($f: TaskFilter) { tasks(filter: $f) { nodes { id } } }', variables: { f: { createdAfter: SECRET } }, argument: '$f' },
  { query: 'query($o: TaskOrder) { tasks(orderBy: $o) { nodes { id } } }', variables: { o: { direction: SECRET, extra: SECRET } }, argument: '$o' },
  { query: 'query($per: Int!) { tasks(first: $per) { nodes { id } } }', variables: {}, argument: '$per' },
];

describe('bad variables', () => {
  let sim: PrismSimulator;
  let gw: GatewayServer;
  const lines: string[] = [];

  beforeAll(async () => {
    sim = await startPrismSimulator({ seed: 6 });
    sim.world.backfill(6);
    setProcessLogger(createLogger({ level: 'trace', destination: new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }) }));
    gw = await startTestGateway([sim.backendConfig('pc')]);
  });
  afterAll(async () => {
    await gw?.stop();
    setProcessLogger(createLogger({ level: 'silent' }));
    await sim?.close();
  });

  it('answers 400 BAD_USER_INPUT naming the variable, not its value, on the first and the known-operations path', async () => {
    for (const { query, variables, argument } of BAD) {
      // The text answered once without error first: the next requests take the known-operations path.
      await post(gw.url, { query, variables: {} });
      for (let i = 0; i < 2; i++) {
        const res = await post(gw.url, { query, variables });
        expect(res.status, `${query} ${JSON.stringify(variables)}`).toBe(400);
        expect(res.body.errors.map((e: any) => e.extensions.code)).toEqual(res.body.errors.map(() => 'BAD_USER_INPUT'));
        expect(res.body.errors[0].extensions.argument).toBe(argument);
        expect(res.body.data).toBeUndefined();
        expect(res.text).not.toContain(SECRET);
      }
    }
  });

  it('answers the same over graphql-ws', async () => {
    const ws = await handshake(gw.wsUrl);
    if (!ws.acked) throw new Error('not acked');
    for (const { query, variables, argument } of BAD) {
      const [message] = await subscribeOnce(ws.socket, query, variables);
      expect(message.type).toBe('error');
      expect(message.payload[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
      expect(JSON.stringify(message)).not.toContain(SECRET);
    }
    ws.socket.close();
  });

  it('never writes a variable value to the log, whatever the error', async () => {
    await post(gw.url, { query: 'query($b: [String!]) { tasks(filter: { backend: $b }) { nodes { id } } }', variables: { b: [SECRET] } });
    await post(gw.url, { query: 'query($id: ID!) { task(id: $id) { id } }', variables: { id: encodeTaskId('pc', `ZXJnb24=:${SECRET}`) } });
    await post(gw.url, { query: 'mutation($id: ID!) { cancelTask(id: $id) { error { code } } }', variables: { id: encodeTaskId('pc', SECRET) } });
    await post(gw.url, { query: 'query($e: EntityFilter) { tasks(filter: { entity: $e }) { nodes { id } } }', variables: { e: { nativeId: `${SECRET}/x` } } });
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.filter((l) => l.includes(SECRET))).toEqual([]);
  });

  it('uses the default of a non-null variable the request leaves out, on both paths', async () => {
    const query = 'query($per: Int! = 3) { tasks(first: $per) { nodes { id } } }';
    for (let i = 0; i < 2; i++) {
      const res = await post(gw.url, { query });
      expect(res.status).toBe(200);
      expect(res.body.data.tasks.nodes).toHaveLength(3);
    }
  });
});

/** Operations and variables (fitting or not) that graphql-jit compiles: both executors must agree. */
const CORPUS: Array<{ query: string; variables: Array<Record<string, unknown>> }> = [
  { query: 'query($per: Int! = 3) { tasks(first: $per) { nodes { nativeId } } }', variables: [{}, { per: 2 }, { per: null }, { per: 'x' }, { per: 2.5 }] },
  { query: 'query($per: Int = 2) { tasks(first: $per) { nodes { nativeId } } }', variables: [{}, { per: null }, { per: 4 }] },
  { query: 'query($f: TaskFilter = { status: [SUCCEEDED] }) { tasks(first: 5, filter: $f) { nodes { status } } }', variables: [{}, { f: { status: ['RUNNING', 'FAILED'] } }, { f: null }, { f: { status: ['NOPE'] } }, { f: { status: 'SUCCEEDED' } }] },
  { query: 'query($o: TaskOrder! = { direction: ASC }, $n: Int! = 2) { tasks(first: $n, orderBy: $o) { nodes { nativeId } } }', variables: [{}, { o: {} }, { o: { direction: 'DESC' } }, { o: { direction: 'UP' } }, { n: 1 }] },
  { query: 'query($after: DateTime, $n: Int! = 2) { tasks(first: $n, filter: { createdAfter: $after }) { nodes { nativeId } } }', variables: [{}, { after: '2020-01-01T00:00:00Z' }, { after: 'not a date' }, { after: null }] },
  { query: 'query($id: ID! = "VGFzazpwYzpub25l") { task(id: $id) { nativeId } }', variables: [{}, { id: 5 }, { id: null }, { id: { a: 1 } }, { id: 'x' }] },
  { query: 'query Two($a: Int = 1, $b: Int! = 2) { x: tasks(first: $a) { nodes { nativeId } } y: tasks(first: $b) { nodes { nativeId } } }', variables: [{}, { a: 3 }, { b: 0 }, { a: null, b: 1 }, { unknown: 1 }] },
];

describe('graphql-jit and graphql-js agree on variables', () => {
  let sim: PrismSimulator;
  const schema = buildSchema();

  beforeAll(async () => {
    sim = await startPrismSimulator({ seed: 9 });
    sim.world.backfill(12);
  });
  afterAll(async () => sim?.close());

  it('gives the same answer for every operation and variables of the corpus', async () => {
    const backends = createBackendSet([{ adapter: prismAdapter.create(prismAdapter.configSchema.parse(sim.backendConfig('pc'))) }]);
    const runner = createOperationRunner(schema);
    const context = () => createContext(backends, {} as SubscriptionHub);
    const outcome = (r: { data?: unknown; errors?: readonly unknown[] }) => ({ data: r.data ?? null, failed: Boolean(r.errors?.length) });
    for (const { query, variables } of CORPUS) {
      const document = parse(query);
      expect(isCompiledQuery(compileQuery(schema, document)), query).toBe(true);
      const definition = getOperationAST(document)!;
      for (const vars of variables) {
        const jit = await runner.run({ source: query, document, operationName: null, type: 'query' as OperationTypeNode, definition }, vars, context());
        const js = await execute({ schema, document, variableValues: vars, contextValue: context() });
        expect(outcome(jit), `${query} ${JSON.stringify(vars)} ${JSON.stringify(jit.errors)}`).toEqual(outcome(js));
      }
    }
    await backends.close();
  });
});
