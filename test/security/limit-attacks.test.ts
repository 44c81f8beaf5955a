/**
 * The attacks on the query limits (issue 25, defect 2), each with variations, refused over
 * HTTP (Apollo's path and the known-operations path) and graphql-ws before any backend call:
 * - fragments that spread each other twice over (`F0 { ...F1 ...F1 } ... F59 { leaf }`): the
 *   measure is linear in the document, so this test would not finish if it were not;
 * - introspection fields (`__schema`, `__type`) aliased hundreds of times, and `__typename`;
 * - a page size hidden in a variable's default value;
 * - `_service { sdl }` while introspection is off.
 */
import { getIntrospectionQuery, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/gateway/schema.js';
import { federationModules } from '../../src/federation/schema.js';
import { DEFAULT_LIMITS } from '../../src/security/config.js';
import { checkOperation, measureOperation } from '../../src/security/limits.js';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { startTestGateway } from '../support/gateway.js';
import { fragmentBomb } from './attacks.js';
import { handshake, post, subscribeOnce } from './support.js';

const LEAVES = ['__typename', 'backends { name }', 'tasks(first: 1) { nodes { id } }', '__type(name: "Task") { name }'];
const SHAPES: Array<{ name: string; options: Parameters<typeof fragmentBomb>[2] }> = [
  { name: 'two spreads', options: {} },
  { name: 'three spreads', options: { fanout: 3 } },
  { name: 'spreads in inline fragments', options: { wrap: (s) => `... on Query { ${s} } ... { ${s} }` } },
  { name: 'an aliased root field', options: { root: 'query { a: __typename ...F0 }' } },
];

describe('measuring attacks', () => {
  const schema = buildSchema();
  const limits = { ...DEFAULT_LIMITS, introspection: true };

  it('measures fragments spread twice over in linear time, and refuses them on cost', () => {
    for (const leaf of LEAVES) {
      for (const { name, options } of SHAPES) {
        const doc = parse(fragmentBomb(60, leaf, options));
        const measured = measureOperation(schema, doc, null, {})!;
        expect(measured.cost, `${name}, ${leaf}`).toBeGreaterThanOrEqual(2 ** 60);
        expect(checkOperation(schema, doc, null, {}, limits)?.extensions, `${name}, ${leaf}`).toMatchObject({ limit: 'limits.maxCost' });
      }
    }
  });

  it('counts introspection fields and their aliases, and refuses their fan-out', () => {
    const aliased = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
    for (const field of ['__schema { types { name } }', '__type(name: "Task") { fields { name } }', '__typename']) {
      expect(checkOperation(schema, parse(aliased(700, field)), null, {}, limits)?.extensions).toMatchObject({ limit: 'limits.maxAliases', actual: 700 });
    }
    // The introspection query of GraphiQL and codegen fits the default limits; twenty of it do not.
    for (const options of [{}, { descriptions: true, inputValueDeprecation: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true }]) {
      expect(checkOperation(schema, parse(getIntrospectionQuery(options)), null, {}, limits)).toBeNull();
    }
    const text = getIntrospectionQuery();
    const start = text.indexOf('__schema {');
    let end = text.indexOf('{', start);
    for (let open = 1; open > 0; ) open += text[++end] === '{' ? 1 : text[end] === '}' ? -1 : 0;
    const schemaField = text.slice(start, end + 1);
    const twenty = text.replace(schemaField, Array.from({ length: 20 }, (_, i) => `s${i}: ${schemaField}`).join('\n'));
    expect(checkOperation(schema, parse(twenty), null, {}, limits)?.extensions).toMatchObject({ limit: 'limits.maxCost' });
  });

  it('reads the page size of a variable from its default value when the request leaves it out', () => {
    const cases = [
      'query($n: Int = 1000) { tasks(first: $n) { nodes { id subtasks { nodes { id status } } } } }',
      'query Q($pageSize: Int! = 1000) { tasks(last: $pageSize) { edges { node { id subtasks { nodes { id status } } } } } }',
      'query($a: Int = 1000, $b: Int = 1000) { tasks(first: 1) { nodes { subtasks(first: $a) { nodes { subtasks(first: $b) { nodes { id } } } } } } }',
      `query($r: [_Any!]! = [${Array.from({ length: 600 }, (_, i) => `{ __typename: "Task", id: "${i}" }`).join(',')}]) { _entities(representations: $r) { ... on Task { subtasks { nodes { id status operation description progress } } } } }`,
    ];
    for (const text of cases) {
      expect(checkOperation(schema, parse(text), null, {}, limits)?.extensions, text.slice(0, 60)).toMatchObject({ limit: 'limits.maxCost' });
      // The request's own value wins over the default.
      expect(checkOperation(schema, parse(text), null, { n: 1, pageSize: 1, a: 1, b: 1, r: [] }, limits), text.slice(0, 60)).toBeNull();
    }
  });

  it('refuses _service with introspection off, unless federationSdl says a router needs it', () => {
    const doc = parse('{ _service { sdl } }');
    expect(checkOperation(schema, doc, null, {}, { ...limits, introspection: false })?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'limits.federationSdl' });
    const nested = parse('query { ...S } fragment S on Query { s: _service { sdl } }');
    expect(checkOperation(schema, nested, null, {}, { ...limits, introspection: false })?.extensions).toMatchObject({ limit: 'limits.federationSdl' });
    expect(checkOperation(schema, doc, null, {}, { ...limits, introspection: false, federationSdl: true })).toBeNull();
    expect(checkOperation(schema, doc, null, {}, limits)).toBeNull();
  });
});

describe('attacks at the edge', () => {
  let sim: PrismSimulator;
  let gw: GatewayServer;
  const ask = (query: string, variables?: Record<string, unknown>) => post(gw.url, { query, variables });

  beforeAll(async () => {
    sim = await startPrismSimulator({ seed: 4 });
    sim.world.backfill(8);
    gw = await startTestGateway([sim.backendConfig('pc')], { limits: { introspection: false } });
  });
  afterAll(async () => {
    await gw?.stop();
    await sim?.close();
  });

  async function refused(res: ReturnType<typeof post>, limit: string) {
    const { status, body } = await res;
    expect(status).toBe(400);
    expect(body.errors[0].extensions.limit).toBe(`limits.${limit}`);
    expect(body.data).toBeUndefined();
  }

  it('refuses each attack over HTTP before any backend call, also for a text answered before', async () => {
    sim.server.resetCounts();
    await refused(ask(fragmentBomb(40, 'backends { name }')), 'maxCost');
    await refused(ask(fragmentBomb(40, '__typename', { fanout: 3 })), 'maxCost');
    await refused(ask(`{ ${Array.from({ length: 700 }, (_, i) => `a${i}: __typename`).join(' ')} }`), 'maxAliases');
    await refused(ask('{ _service { sdl } }'), 'federationSdl');
    const text = 'query($n: Int = 1000) { tasks(first: $n) { nodes { id subtasks { nodes { id status } } } } }';
    // Answered once with a small page: the known-operations path takes the next requests.
    expect((await ask(text, { n: 2 })).body.errors).toBeUndefined();
    const upstream = sim.server.total();
    await refused(ask(text), 'maxCost');
    await refused(ask(text, {}), 'maxCost');
    expect(sim.server.total()).toBe(upstream);
  });

  it('refuses each attack over graphql-ws', async () => {
    const ws = await handshake(gw.wsUrl);
    if (!ws.acked) throw new Error('not acked');
    const limitOf = async (query: string, variables: Record<string, unknown> = {}) => {
      const [message] = await subscribeOnce(ws.socket, query, variables);
      expect(message.type).toBe('error');
      return message.payload[0].extensions.limit;
    };
    expect(await limitOf(fragmentBomb(40, 'backends { name }'))).toBe('limits.maxCost');
    expect(await limitOf(fragmentBomb(40, 'task { id }', { root: 'subscription { taskEvents { ...F0 } }' }).replace(/on Query/g, 'on TaskEvent'))).toBe('limits.maxCost');
    expect(await limitOf('subscription($n: Int = 1000) { taskEvents { task { subtasks(first: $n) { nodes { subtasks(first: $n) { nodes { id } } } } } } }')).toBe('limits.maxCost');
    expect(await limitOf('{ _service { sdl } }')).toBe('limits.federationSdl');
    ws.socket.close();
  });
});
