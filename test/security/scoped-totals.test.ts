/**
 * `totalCount` never counts other tenants' tasks (issue 25, defect 7): a Prism Central that
 * ignores the cluster scope of `$filter` answers every tenant's tasks; the adapter drops the
 * foreign ones, and the total it was given is withheld (null), whatever the page size. A
 * backend that applies the scope keeps its exact total.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { startTestGateway } from '../support/gateway.js';
import { apiKeyEntry, post } from './support.js';

const C1 = '0005f1e2-8a6c-4d1b-9c33-3f2b7a9e6d10';
const KEY = 'tenant-a-key-0123456789';

/** A proxy that removes the cluster clause from `$filter`, as a Prism ignoring it would. */
async function scopeIgnoringProxy(target: string) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, target);
    const filter = url.searchParams.get('$filter');
    if (filter) {
      const rest = filter.replace(/clusterExtIds\/any\([^)]*\)/g, '').replace(/^\s*and\s+|\s+and\s*$/g, '').replace(/\s+and\s+and\s+/g, ' and ').replace(/^\(\s*\)$/, '').trim();
      if (rest && rest !== '()') url.searchParams.set('$filter', rest);
      else url.searchParams.delete('$filter');
    }
    const upstream = http.request(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (up) => {
      res.writeHead(up.statusCode!, up.headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(r)) };
}

describe('scoped totals', () => {
  let sim: PrismSimulator;
  let proxy: Awaited<ReturnType<typeof scopeIgnoringProxy>>;
  let gw: GatewayServer;
  let ofC1: number;

  beforeAll(async () => {
    sim = await startPrismSimulator({ seed: 12 });
    sim.world.backfill(30);
    ofC1 = sim.world.list().filter((t) => t.tenant === C1).length;
    proxy = await scopeIgnoringProxy(sim.server.url);
    const scope = { backends: ['*'], prismClusters: [C1] };
    gw = await startTestGateway([{ ...sim.backendConfig('ignoring'), url: proxy.url }, sim.backendConfig('honest')], {
      auth: { mode: 'apiKey', apiKeys: [apiKeyEntry('tenant-a', KEY, scope)] },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await proxy?.close();
    await sim?.close();
  });

  const count = async (backend: string, first: number, extra = '') => {
    const res = await post(gw.url, { query: `{ tasks(first: ${first}, filter: { backend: ["${backend}"] ${extra} }) { totalCount nodes { tenant } } }` }, { 'x-api-key': KEY });
    expect(res.body.errors).toBeUndefined();
    for (const node of res.body.data.tasks.nodes) expect(node.tenant).toBe(C1);
    return res.body.data.tasks.totalCount;
  };

  it('withholds the total of a backend that ignored the scope, for any page size and filter', async () => {
    expect(sim.world.list().length).toBeGreaterThan(ofC1);
    for (const first of [1, 5, 1000]) {
      expect(await count('ignoring', first), `first: ${first}`).toBeNull();
      expect(await count('ignoring', first, 'status: [SUCCEEDED, FAILED, RUNNING, QUEUED, CANCELED, CANCELING]'), `first: ${first}, status`).toBeNull();
    }
  });

  it('keeps the exact total of a backend that applied the scope', async () => {
    for (const first of [1, 1000]) expect(await count('honest', first)).toBe(ofC1);
  });
});
