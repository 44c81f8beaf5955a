/**
 * Backend-derived text is capped (issue 25, defect 5): a backend answering 500 with an 8 MB
 * message gives every caller a small GraphQL error, and `/readyz` (unauthenticated) stays
 * small, for the vCD XML and the Prism JSON error formats alike; so do the log lines.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendError, capBackendText, MAX_BACKEND_TEXT } from '../../src/adapters/errors.js';
import { createLogger, setProcessLogger } from '../../src/server/plugins/logging.js';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { errorBody as prismError } from '../../src/simulators/prism/render.js';
import { startVcdSimulator, type VcdSimulator } from '../../src/simulators/vcd/index.js';
import { renderError as vcdError } from '../../src/simulators/vcd/render.js';
import { gql, startTestGateway } from '../support/gateway.js';

const HUGE = 8 * 1024 * 1024;

/** A proxy in front of a simulator that, while `hostile`, answers every request 500 with `body`. */
async function hostileProxy(target: string, body: () => { type: string; text: string }) {
  const state = { hostile: false };
  const server = http.createServer((req, res) => {
    if (state.hostile) {
      const { type, text } = body();
      res.writeHead(500, { 'content-type': type });
      res.end(text);
      return;
    }
    const upstream = http.request(new URL(req.url!, target), { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (up) => {
      res.writeHead(up.statusCode!, up.headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(r)) };
}

describe('backend text', () => {
  let pc: PrismSimulator;
  let vcd: VcdSimulator;
  let pcProxy: Awaited<ReturnType<typeof hostileProxy>>;
  let vcdProxy: Awaited<ReturnType<typeof hostileProxy>>;
  let gw: GatewayServer;
  const lines: string[] = [];

  beforeAll(async () => {
    pc = await startPrismSimulator({ seed: 1 });
    vcd = await startVcdSimulator({ seed: 1 });
    pc.world.backfill(4);
    vcd.world.backfill(4);
    const message = 'x'.repeat(HUGE);
    pcProxy = await hostileProxy(pc.server.url, () => ({ type: 'application/json', text: prismError('v4.0', 'PRISM-50000', message) }));
    vcdProxy = await hostileProxy(vcd.server.url, () => ({ type: 'application/vnd.vmware.vcloud.error+xml', text: vcdError(500, 'INTERNAL_SERVER_ERROR', message) }));
    setProcessLogger(createLogger({ level: 'trace', destination: new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }) }));
    gw = await startTestGateway([
      { ...pc.backendConfig('pc'), url: pcProxy.url, retry: { attempts: 1 } },
      { ...vcd.backendConfig('vcd'), url: vcdProxy.url, retry: { attempts: 1 } },
    ]);
    await gql(gw.url, '{ tasks(first: 1) { nodes { id } } }'); // sessions, before the backends turn hostile
  });
  afterAll(async () => {
    await gw?.stop();
    setProcessLogger(createLogger({ level: 'silent' }));
    await Promise.all([pc?.close(), vcd?.close(), pcProxy?.close(), vcdProxy?.close()]);
  });

  it('answers a small error for each backend, and keeps /readyz and the logs small', async () => {
    pcProxy.state.hostile = true;
    vcdProxy.state.hostile = true;
    for (const query of ['{ tasks(first: 5) { nodes { id } } }', 'query($id: ID!) { task(id: $id) { id } }']) {
      const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables: { id: 'VGFzazpwYzpaWEpuYjI0PTph' } }) });
      const text = await res.text();
      expect(text.length).toBeLessThan(8 * MAX_BACKEND_TEXT);
      const body = JSON.parse(text);
      expect(body.errors.length).toBeGreaterThan(0);
      for (const e of body.errors) expect(e.message.length).toBeLessThan(MAX_BACKEND_TEXT + 100);
    }
    const ready = await (await fetch(gw.url.replace('/graphql', '/readyz'))).text();
    expect(ready.length).toBeLessThan(8 * MAX_BACKEND_TEXT);
    expect(JSON.parse(ready).backends.every((b: any) => b.lastError && b.lastError.length < MAX_BACKEND_TEXT + 100)).toBe(true);
    const backends = await gql(gw.url, '{ backends { name lastError } }');
    for (const b of backends.data.backends) expect(b.lastError.length).toBeLessThan(MAX_BACKEND_TEXT + 100);
    for (const line of lines) expect(line.length).toBeLessThan(16 * MAX_BACKEND_TEXT);
  });

  it('caps the text of every BackendError, and of a vendor code, in one place', () => {
    const e = new BackendError('BACKEND_ERROR', 'b', 'y'.repeat(HUGE), { vendorCode: 'z'.repeat(10_000) });
    expect(e.message).toBe(capBackendText('y'.repeat(HUGE)));
    expect(e.message.length).toBeLessThan(MAX_BACKEND_TEXT + 50);
    expect(e.message).toMatch(/… \(\d+ more characters\)$/);
    expect(e.vendorCode!.length).toBeLessThan(150);
    expect(capBackendText('short')).toBe('short');
  });
});
