/**
 * Query limits: how depth, aliases and cost are measured, and each limit refused over HTTP
 * and graphql-ws with an error naming it, before any backend is called. CSRF prevention on.
 */
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/gateway/schema.js';
import { DEFAULT_LIMITS } from '../../src/security/config.js';
import { countTokens, measureOperation } from '../../src/security/limits.js';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { startTestGateway } from '../support/gateway.js';
import { handshake, post, subscribeOnce } from './support.js';

describe('measuring an operation', () => {
  const schema = buildSchema();
  const measure = (query: string, variables: Record<string, unknown> = {}) => measureOperation(schema, parse(query), null, variables)!;

  it('counts depth in fields, through fragments, but not inside __schema', () => {
    expect(measure('{ tasks { edges { node { id } } } }').depth).toBe(4);
    expect(measure('query { task(id: "x") { ...F } } fragment F on Task { parent { ... on Task { root { id } } } }').depth).toBe(4);
    const introspection = measure('{ __schema { types { fields { type { ofType { name } } } } } }');
    expect(introspection).toMatchObject({ depth: 0, introspection: true });
    expect(measure('{ __type(name: "Task") { fields { type { ofType { name } } } } }').depth).toBe(5);
    expect(introspection.cost).toBeGreaterThan(100);
    expect(measure('{ __typename backends { name } }')).toMatchObject({ depth: 2, cost: 3, introspection: false });
  });

  it('counts aliases, each time a fragment is spread', () => {
    expect(measure('{ a: backends { n: name } b: backends { name } }').aliases).toBe(3);
    expect(measure('{ x: task(id: "1") { ...F } y: task(id: "2") { ...F } } fragment F on Task { i: id }').aliases).toBe(4);
    expect(measure('{ a: __typename b: __schema { queryType { name } } }').aliases).toBe(2);
  });

  it('multiplies each subtree by the page size around it: first/last, 50 by default, representations for _entities', () => {
    expect(measure('{ tasks(first: 10) { edges { node { id status } } } }').cost).toBe(1 + 10 * 4);
    expect(measure('{ tasks { nodes { id } } }').cost).toBe(1 + 50 * 2);
    expect(measure('query($n: Int) { tasks(last: $n) { nodes { id } } }', { n: 7 }).cost).toBe(1 + 7 * 2);
    expect(measure('{ tasks(first: 10) { nodes { id subtasks { nodes { id } } } } }').cost).toBe(1 + 10 * (3 + 50 * 2));
    const reps = Array.from({ length: 20 }, (_, i) => ({ __typename: 'Task', id: String(i) }));
    expect(measure('query($r: [_Any!]!) { _entities(representations: $r) { ... on Task { id status } } }', { r: reps }).cost).toBe(1 + 20 * 2);
  });

  it('counts tokens as the parser does, stopping early on huge documents', () => {
    const doc = '{ tasks(first: 1) { nodes { id } } } # comment';
    expect(countTokens(doc, 1000)).toBe(14);
    expect(() => parse(doc, { maxTokens: 14 })).not.toThrow();
    expect(() => parse(doc, { maxTokens: 13 })).toThrow('13 tokens');
    expect(countTokens(`{ ${'a '.repeat(100_000)} }`, 100)).toBe(101);
  });
});

describe('limits at the edge', () => {
  let sim: PrismSimulator;
  let gw: GatewayServer;
  let plain: GatewayServer;
  const limited = { maxDepth: 6, maxAliases: 3, maxTokens: 200, maxCost: 5000, maxFirst: 100, maxBatch: 2, introspection: false };
  const ask = (query: string, variables?: Record<string, unknown>) => post(gw.url, { query, variables });

  beforeAll(async () => {
    sim = await startPrismSimulator({ seed: 4 });
    sim.world.backfill(8);
    gw = await startTestGateway([sim.backendConfig('pc')], { limits: limited });
    plain = await startTestGateway([sim.backendConfig('pc')]);
  });
  afterAll(async () => {
    await gw?.stop();
    await plain?.stop();
    await sim?.close();
  });

  /**
   * Asserts a 400 naming the limit, with no upstream call made, refused before Apollo Server
   * parses and validates the text (on both paths): only Apollo's request log echoes a request id.
   */
  async function refused(res: Promise<Awaited<ReturnType<typeof post>>>, limit: string, code = 'QUERY_LIMIT_EXCEEDED') {
    sim.server.resetCounts();
    const { status, body, headers } = await res;
    expect(status).toBe(400);
    expect(headers.get('x-request-id')).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions).toMatchObject({ code, limit: `limits.${limit}` });
    expect(body.errors[0].message).toContain(`limits.${limit}`);
    expect(body.data).toBeUndefined();
    expect(sim.server.total()).toBe(0);
    return body.errors[0];
  }

  it('refuses operations nested deeper than maxDepth', async () => {
    const err = await refused(ask('{ tasks { edges { node { parent { parent { parent { id } } } } } } }'), 'maxDepth');
    expect(err.extensions).toMatchObject({ max: 6, actual: 7 });
    expect((await ask('{ tasks(first: 1) { edges { node { parent { parent { id } } } } } }')).status).toBe(200);
  });

  it('refuses more aliases than maxAliases', async () => {
    await refused(ask('{ a: backends { name } b: backends { name } c: backends { name } d: backends { name } }'), 'maxAliases');
    expect((await ask('{ a: backends { name } b: backends { name } }')).body.errors).toBeUndefined();
  });

  it('refuses documents of more than maxTokens tokens before parsing them', async () => {
    await refused(ask(`{ backends { ${'name '.repeat(300)} } }`), 'maxTokens');
    await refused(ask(`{ backends { ${'name '.repeat(300)} `), 'maxTokens'); // not even valid: never parsed
  });

  it('refuses operations costing more than maxCost, page sizes from literals and variables', async () => {
    const err = await refused(ask('{ tasks(first: 100) { nodes { id subtasks(first: 100) { nodes { id } } } } }'), 'maxCost');
    expect(err.message).toContain('first/last, default 50');
    await refused(ask('query($n: Int) { tasks(first: $n) { nodes { id subtasks { nodes { id status } } } } }', { n: 100 }), 'maxCost');
    expect((await ask('query($n: Int) { tasks(first: $n) { nodes { id subtasks(first: 2) { nodes { id } } } } }', { n: 20 })).body.errors).toBeUndefined();
  });

  it('checks a query text it has answered before on every request (known operations skip Apollo, not the limits)', async () => {
    const text = 'query($n: Int) { tasks(first: $n) { nodes { id subtasks { nodes { id status } } } } }';
    for (let i = 0; i < 2; i++) expect((await ask(text, { n: 2 })).body.errors).toBeUndefined();
    await refused(ask(text, { n: 100 }), 'maxCost');
    for (let i = 0; i < 2; i++) await refused(ask('{ __schema { queryType { name } } }'), 'introspection', 'GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses pages larger than maxFirst', async () => {
    const list = await ask('{ tasks(first: 101) { nodes { id } } }');
    expect(list.body.errors[0]).toMatchObject({ message: 'first must be at most 100; page with after/before instead', extensions: { code: 'BAD_USER_INPUT', limit: 100 } });
    const sub = await ask('{ tasks(first: 1) { nodes { subtasks(first: 101) { nodes { id } } } } }');
    expect(sub.body.errors[0]).toMatchObject({ message: 'first must be between 0 and 100', extensions: { code: 'BAD_USER_INPUT', limit: 100 } });
  });

  it('turns introspection off when configured, and leaves it on by default', async () => {
    await refused(ask('{ __schema { queryType { name } } }'), 'introspection', 'GRAPHQL_VALIDATION_FAILED');
    await refused(ask('query { ...F } fragment F on Query { __type(name: "Task") { name } }'), 'introspection', 'GRAPHQL_VALIDATION_FAILED');
    expect((await ask('{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
    const open = await post(plain.url, { query: '{ __schema { queryType { name } } }' });
    expect(open.body.data.__schema.queryType.name).toBe('Query');
  });

  it('allows batches up to maxBatch, and none on a default server', async () => {
    const two = await post(gw.url, [{ query: '{ backends { name } }' }, { query: '{ __typename }' }]);
    expect(two.status).toBe(200);
    expect(two.body).toHaveLength(2);
    await refused(post(gw.url, [{ query: '{ __typename }' }, { query: '{ __typename }' }, { query: '{ __typename }' }]), 'maxBatch');
    const batch = await post(plain.url, [{ query: '{ __typename }' }, { query: '{ __typename }' }]);
    expect(batch.status).toBe(400);
    expect(batch.body.errors[0].extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'limits.maxBatch', max: 1 });
  });

  it('keeps CSRF prevention on: simple requests a browser could forge are refused', async () => {
    const form = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(form.status).toBe(400);
    expect(await form.text()).toContain('CSRF');
    const get = await fetch(`${gw.url}?query=${encodeURIComponent('{ __typename }')}`);
    expect(get.status).toBe(400);
    const preflighted = await fetch(`${gw.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'yes' } });
    expect(preflighted.status).toBe(200);
  });

  it('applies the same limits to graphql-ws operations', async () => {
    const ws = await handshake(gw.wsUrl);
    expect(ws.acked).toBe(true);
    if (!ws.acked) return;
    const errorOf = async (query: string) => {
      const [message] = await subscribeOnce(ws.socket, query);
      expect(message.type).toBe('error');
      return message.payload[0];
    };
    expect((await errorOf('subscription { taskEvents { task { parent { parent { parent { parent { id } } } } } } }')).extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'limits.maxDepth' });
    expect((await errorOf('{ __schema { queryType { name } } }')).extensions).toMatchObject({ limit: 'limits.introspection' });
    expect((await errorOf(`subscription { taskEvents { type ${'type '.repeat(300)} } }`)).extensions).toMatchObject({ limit: 'limits.maxTokens' });
    ws.socket.close();
  });
});
