/**
 * POST /graphql with a JSON body, served without express (src/fast-path/graphql-post.ts): the
 * same answers as the express chain for what clients send, clear JSON refusals for what they
 * must not, and everything else left to express. The "fast-path-off" project runs these
 * against the express chain alone, so both answer them the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { startTestGateway } from '../support/gateway.js';

describe('POST /graphql', () => {
  let pc: PrismSimulator;
  let gw: GatewayServer;

  beforeAll(async () => {
    pc = await startPrismSimulator({ seed: 3 });
    pc.world.backfill(5);
    gw = await startTestGateway([pc.backendConfig('pc')]);
  });
  afterAll(async () => {
    await gw?.stop();
    await pc?.close();
  });

  const post = (body: string, headers: Record<string, string> = {}, url = gw.url) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('answers a query, with a charset parameter and a query string alike', async () => {
    for (const [headers, url] of [[{}, gw.url], [{ 'content-type': 'application/json; charset=utf-8' }, gw.url], [{}, `${gw.url}?trace=1`]] as const) {
      const res = await post(JSON.stringify({ query: '{ backends { name } }' }), headers, url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
      expect(await res.json()).toEqual({ data: { backends: [{ name: 'pc' }] } });
    }
  });

  it('refuses a body that is not JSON with a 400 in GraphQL shape', async () => {
    const res = await post('{ "query": ');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errors: [{ message: 'the request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('refuses a body over 1 MB with a 413, before parsing it', async () => {
    const res = await post(JSON.stringify({ query: '{ backends { name } }', variables: { pad: 'x'.repeat(1024 * 1024) } }));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('hands operations with variables and names to Apollo as sent', async () => {
    const res = await post(JSON.stringify({ query: 'query Q($n: Int) { tasks(first: $n) { nodes { id } } } query Other { __typename }', operationName: 'Q', variables: { n: 2 } }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { tasks: { nodes: unknown[] } } }).data.tasks.nodes).toHaveLength(2);
  });

  it('answers an operation name the document does not define with a 400 naming it (not a masked 500)', async () => {
    const res = await post(JSON.stringify({ query: 'subscription Live { taskEvents { type } } query Q { backends { name } }', operationName: 'RecentTasks' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errors: [{ message: 'Unknown operation named "RecentTasks".', extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }] });
  });

  it('reads a body as express.json() does: an empty one is an empty object, a JSON string or null is not JSON', async () => {
    const empty = await post('');
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ errors: [{ message: 'POST body missing, invalid Content-Type, or JSON object has no keys.', extensions: { code: 'BAD_REQUEST' } }] });
    for (const body of ['"{ backends { name } }"', 'null', '5']) {
      const res = await post(body);
      expect(res.status, body).toBe(400);
      expect(await res.json()).toEqual({ errors: [{ message: 'the request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
    }
  });

  it('refuses what express cannot read in the same JSON shape, never an HTML page', async () => {
    const latin1 = await post(JSON.stringify({ query: '{ backends { name } }' }), { 'content-type': 'application/json; charset=latin1' });
    expect(latin1.status).toBe(415);
    expect(await latin1.json()).toEqual({ errors: [{ message: 'unsupported charset "LATIN1"', extensions: { code: 'BAD_REQUEST' } }] });
    const gzip = await post(JSON.stringify({ query: '{ backends { name } }' }), { 'content-encoding': 'gzip' });
    expect(gzip.status).toBe(400);
    expect(gzip.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('refuses a subscription with a 400 naming graphql-ws (not a masked internal error)', async () => {
    const res = await post(JSON.stringify({ query: 'subscription { taskEvents { type } }' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errors: [{ message: 'subscriptions are served over graphql-ws (a WebSocket on this path), not over HTTP; subscribe there', extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('leaves other content types to the express chain (Apollo refuses a simple request as CSRF)', async () => {
    const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/CSRF|content-type/i);
  });
});
