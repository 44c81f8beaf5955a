/**
 * The browser-facing routes without a browser: the console page and its modules, graphql-ws'
 * client served from node_modules, GraphiQL only for GETs that prefer HTML (everything else
 * still reaches Apollo), and nothing outside the allow-lists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { startTestGateway } from '../support/gateway.js';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

describe('browser routes', () => {
  let sim: PrismSimulator;
  let gw: GatewayServer;
  let base: string;
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });

  beforeAll(async () => {
    sim = await startPrismSimulator({ initialTasks: 2, seed: 51 });
    gw = await startTestGateway([sim.backendConfig('pc')]);
    base = new URL(gw.url).origin;
  });
  afterAll(async () => {
    await gw?.stop();
    await sim?.close();
  });

  it('serves the console at / with a strict content security policy', async () => {
    const res = await get('/', { accept: BROWSER_ACCEPT });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/console/app.js"></script>');
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('serves every module the console imports, graphql-ws included, as JavaScript', async () => {
    const seen = new Set<string>();
    const queue = ['/console/app.js'];
    while (queue.length) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toMatch(/^(text|application)\/javascript/);
      const source = await res.text();
      for (const m of source.matchAll(/^(?:import|export)\s[^'"\n]*?from\s*['"]([^'"]+)['"]/gm)) queue.push(new URL(m[1]!, `${base}${path}`).pathname);
    }
    expect([...seen]).toEqual(expect.arrayContaining(['/console/api.js', '/console/render.js', '/console/vendor/graphql-ws/client.js']));
    expect([...seen].some((p) => /^\/console\/vendor\/graphql-ws\/common-[\w-]+\.js$/.test(p))).toBe(true);
    expect((await get('/console/console.css')).status).toBe(200);
  });

  it('serves nothing outside its allow-lists', async () => {
    for (const path of [
      '/console/index.html',
      '/console/..%2f..%2fpackage.json',
      '/console/vendor/graphql-ws/server.js',
      '/console/vendor/graphql-ws/..%2fpackage.json',
      '/graphiql/assets/package.json',
      '/graphiql/assets/..%2f..%2fpackage.json',
    ]) {
      expect((await get(path)).status, path).toBe(404);
    }
  });

  it('gives browsers GraphiQL on GET /graphql, with every asset served locally', async () => {
    const res = await get('/graphql', { accept: BROWSER_ACCEPT });
    expect(res.status).toBe(200);
    expect(res.headers.get('vary')).toMatch(/accept/i);
    const html = await res.text();
    expect(html).toContain('<div id="graphiql">');
    const assets = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(
      expect.arrayContaining(['/graphiql/assets/react.production.min.js', '/graphiql/assets/react-dom.production.min.js', '/graphiql/assets/graphiql.min.js', '/graphiql/assets/graphiql.min.css', '/graphiql/setup.js']),
    );
    for (const path of assets) expect((await get(path)).status, path).toBe(200);
    const setup = await (await get('/graphiql/setup.js')).text();
    expect(setup).toContain('subscription LiveEvents');
    expect(setup).toContain('subscriptionUrl');
  });

  it('leaves every other request to /graphql to Apollo', async () => {
    // A client asking for JSON over GET (with Apollo's CSRF preflight header) gets data.
    const json = await get('/graphql?query=%7B__typename%7D', { accept: 'application/json', 'apollo-require-preflight': 'true' });
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({ data: { __typename: 'Query' } });
    // curl's */* is not a browser: Apollo answers (here its CSRF check), not GraphiQL.
    const curl = await get('/graphql?query=%7B__typename%7D', { accept: '*/*' });
    expect(curl.status).toBe(400);
    expect(await curl.text()).toContain('CSRF');
    // POST is untouched, whatever the Accept header.
    const post = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: BROWSER_ACCEPT }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(post.status).toBe(200);
    expect(await post.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
