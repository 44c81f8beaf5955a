/**
 * TLS to backends: certificates are verified by default; `tls.caFile` trusts a private CA;
 * `tls.insecure` (explicit, labs only) skips verification. Through the shared transport and
 * through a whole gateway in front of a Prism simulator behind HTTPS.
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tlsSchema } from '../../src/adapters/config.js';
import { BackendError } from '../../src/adapters/errors.js';
import { createTransport } from '../../src/adapters/http.js';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, PRISM_PASSWORD, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { startTestGateway } from '../support/gateway.js';
import { post } from './support.js';

const FIXTURES = new URL('./__fixtures__/', import.meta.url).pathname;
const CERT = `${FIXTURES}self-signed-localhost.cert.pem`;
const OTHER_CA = `${FIXTURES}other-ca.cert.pem`;

/** An HTTPS front with the self-signed certificate; forwards to `target` when given. */
async function httpsServer(target?: string): Promise<https.Server & { url: string }> {
  const server = https.createServer({ key: readFileSync(`${FIXTURES}self-signed-localhost.key.pem`), cert: readFileSync(CERT) }, (req, res) => {
    if (!target) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    }
    const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(server, { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

describe('TLS to backends', () => {
  let server: Awaited<ReturnType<typeof httpsServer>>;
  beforeAll(async () => {
    server = await httpsServer();
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const get = (tls?: { insecure?: boolean; caFile?: string }) => {
    const transport = createTransport({ backend: 'pc1', baseUrl: server.url, timeoutMs: 5000, tls });
    return transport.request({ method: 'GET', path: '/api', operation: 'probe' }).finally(() => transport.close());
  };

  it('verifies certificates by default: a self-signed one is refused', async () => {
    expect(tlsSchema.parse(undefined)).toEqual({ insecure: false });
    const err = await get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).code).toBe('BACKEND_UNAVAILABLE');
    expect((err as Error).message).toMatch(/^pc1: probe failed: (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)$/);
    await expect(get({ caFile: OTHER_CA })).rejects.toThrow(/pc1: probe failed/);
  });

  it('accepts it with its CA in caFile', async () => {
    const res = await get({ caFile: CERT });
    expect(res.status).toBe(200);
  });

  it('accepts it with the explicit insecure switch', async () => {
    const res = await get({ insecure: true });
    expect(res.status).toBe(200);
  });

  describe('through the gateway', () => {
    let sim: PrismSimulator;
    let front: Awaited<ReturnType<typeof httpsServer>>;
    let gateways: GatewayServer[] = [];
    beforeAll(async () => {
      sim = await startPrismSimulator({ seed: 2 });
      sim.world.backfill(3);
      front = await httpsServer(sim.server.url);
    });
    afterAll(async () => {
      await Promise.all(gateways.map((g) => g.stop()));
      front.closeAllConnections();
      await new Promise((r) => front.close(r));
      await sim.close();
    });

    it('refuses the backend by default and names the certificate problem, never the password', async () => {
      const backend = { ...sim.backendConfig('pc'), url: front.url };
      const strict = await startTestGateway([backend]);
      const trusting = await startTestGateway([{ ...backend, tls: { caFile: CERT } }]);
      const lab = await startTestGateway([{ ...backend, tls: { insecure: true } }]);
      gateways = [strict, trusting, lab];
      const query = { query: '{ tasks(first: 2) { nodes { id } } }' };
      const refused = await post(strict.url, query);
      expect(refused.body.errors[0]).toMatchObject({ extensions: { code: 'BACKEND_UNAVAILABLE', backend: 'pc' } });
      expect(refused.body.errors[0].message).toMatch(/SELF_SIGNED/);
      expect(refused.text).not.toContain(PRISM_PASSWORD);
      for (const gw of [trusting, lab]) expect((await post(gw.url, query)).body.data.tasks.nodes).toHaveLength(2);
    });
  });
});
