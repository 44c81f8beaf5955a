/**
 * Each authentication mode over HTTP (401 + WWW-Authenticate, 403) and over graphql-ws
 * (`connection_init` payload; close codes 4401 and 4403), against a real gateway.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeTaskId } from '../../src/model/global-id.js';
import type { GatewayServer } from '../../src/server/http.js';
import { isLoopback, warnIfOpen } from '../../src/server/plugins/auth.js';
import { createAuthenticator } from '../../src/security/authenticate.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { startTestGateway } from '../support/gateway.js';
import { apiKeyEntry, AUDIENCE, claims, handshake, ISSUER, post, rsaKeys, signJwt, subscribeOnce, tempDir, writeFile } from './support.js';

const QUERY = { query: '{ tasks(first: 2) { edges { node { id } } } }' };
const OPS_KEY = 'ops-key-0123456789abcdef';
const IDLE_KEY = 'idle-key-0123456789abcdef';
const SECRET = 'the-hs256-secret-of-this-test-suite-0123';

describe('authentication', () => {
  let sim: PrismSimulator;
  beforeAll(async () => {
    sim = await startPrismSimulator({ seed: 3 });
    sim.world.backfill(5);
  });
  afterAll(async () => sim?.close());

  describe('mode none', () => {
    let gw: GatewayServer;
    beforeAll(async () => {
      gw = await startTestGateway([sim.backendConfig('pc')]);
    });
    afterAll(async () => gw?.stop());

    it('lets every caller in, over HTTP and WebSocket', async () => {
      const res = await post(gw.url, QUERY);
      expect(res.status).toBe(200);
      expect(res.body.data.tasks.edges).toHaveLength(2);
      const ws = await handshake(gw.wsUrl);
      expect(ws.acked).toBe(true);
      if (ws.acked) ws.socket.close();
    });

    it('warns loudly on stderr when bound beyond loopback, and only then', async () => {
      const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        const open = await startTestGateway([sim.backendConfig('pc')], { server: { host: '0.0.0.0', port: 0 } });
        await open.stop();
        const text = write.mock.calls.map((c) => String(c[0])).join('');
        expect(text).toContain('WARNING: authentication is OFF (auth.mode: none) and the server listens on 0.0.0.0');
      } finally {
        write.mockRestore();
      }
      const lines: string[] = [];
      const none = createAuthenticator({ mode: 'none' });
      for (const host of ['127.0.0.1', '::1', 'localhost', '127.1.2.3']) warnIfOpen(none, host, (t) => lines.push(t));
      warnIfOpen(createAuthenticator({ mode: 'apiKey', apiKeys: [{ name: 'k', hash: `sha256:${'0'.repeat(64)}`, backends: ['*'], vcdOrgs: [], prismClusters: [], actions: [] }] }), '0.0.0.0', (t) => lines.push(t));
      expect(lines).toEqual([]);
      expect(['0.0.0.0', '::', '10.0.0.5', 'gateway.example.com'].some(isLoopback)).toBe(false);
    });
  });

  describe('mode apiKey', () => {
    let gw: GatewayServer;
    beforeAll(async () => {
      gw = await startTestGateway([sim.backendConfig('pc')], {
        auth: {
          mode: 'apiKey',
          apiKeys: [
            apiKeyEntry('ops', OPS_KEY, { backends: ['*'], prismClusters: ['*'], actions: ['*'] }),
            apiKeyEntry('idle', IDLE_KEY, { backends: [] }),
          ],
        },
      });
    });
    afterAll(async () => gw?.stop());

    it('answers 401 with a Bearer challenge when no key is sent, or a wrong one', async () => {
      const none = await post(gw.url, QUERY);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="taskgraph"');
      expect(none.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      const wrong = await post(gw.url, QUERY, { 'x-api-key': 'not-the-key-0123456789' });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="taskgraph", error="invalid_token", error_description="unknown API key"');
      expect(wrong.text).not.toContain('not-the-key-0123456789');
      const get = await fetch(`${gw.url}?query=${encodeURIComponent('{ backends { name } }')}`, { headers: { 'apollo-require-preflight': '1' } });
      expect(get.status).toBe(401);
      expect((await fetch(gw.url.replace('/graphql', '/healthz'))).status).toBe(200);
    });

    it('accepts the key in X-API-Key or as a bearer token', async () => {
      for (const headers of [{ 'x-api-key': OPS_KEY }, { authorization: `Bearer ${OPS_KEY}` }] as Array<Record<string, string>>) {
        const res = await post(gw.url, QUERY, headers);
        expect(res.status).toBe(200);
        expect(res.body.data.tasks.edges).toHaveLength(2);
      }
    });

    it('answers 403 to a known key that may see no backend', async () => {
      const res = await post(gw.url, QUERY, { 'x-api-key': IDLE_KEY });
      expect(res.status).toBe(403);
      expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
    });

    it('closes WebSockets with 4401 without a valid key and 4403 for a key allowed nothing', async () => {
      expect(await handshake(gw.wsUrl)).toMatchObject({ acked: false, code: 4401 });
      expect(await handshake(gw.wsUrl, { apiKey: 'not-the-key-0123456789' })).toMatchObject({ acked: false, code: 4401 });
      expect(await handshake(gw.wsUrl, { authorization: 'Basic b3BzOmtleQ==' })).toMatchObject({ acked: false, code: 4401 });
      expect(await handshake(gw.wsUrl, { apiKey: IDLE_KEY })).toMatchObject({ acked: false, code: 4403 });
    });

    it('serves subscriptions once connection_init carries the key', async () => {
      const task = sim.world.list()[0]!;
      for (const payload of [{ apiKey: OPS_KEY }, { Authorization: `Bearer ${OPS_KEY}` }]) {
        const ws = await handshake(gw.wsUrl, payload);
        expect(ws.acked).toBe(true);
        if (!ws.acked) return;
        const messages = await subscribeOnce(ws.socket, 'subscription($id: ID!) { taskUpdated(id: $id) { id } }', { id: encodeTaskId('pc', `ZXJnb24=:${task.id}`) }, (m) => m.length > 0);
        expect(messages[0].type).toBe('next');
        ws.socket.close();
      }
    });
  });

  describe('mode jwt', () => {
    let gw: GatewayServer;
    const { publicKey, privateKey } = rsaKeys();
    const rs = (extra: Record<string, unknown>) => signJwt({ alg: 'RS256', key: privateKey }, claims(extra), { kid: 'idp-1' });
    const hs = (extra: Record<string, unknown>) => signJwt({ alg: 'HS256', secret: SECRET }, claims(extra));
    const allowed = { taskgraph_backends: ['pc'], taskgraph_prism_clusters: ['*'] };

    beforeAll(async () => {
      const jwks = writeFile(tempDir(), 'jwks.json', JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'idp-1', alg: 'RS256', use: 'sig' }] }));
      process.env.TG_TEST_JWT_SECRET = SECRET;
      gw = await startTestGateway([sim.backendConfig('pc')], {
        auth: { mode: 'jwt', jwt: { algorithms: ['RS256', 'HS256'], jwksFile: jwks, secret: '${TG_TEST_JWT_SECRET}', issuer: ISSUER, audience: AUDIENCE } },
      });
    });
    afterAll(async () => gw?.stop());

    it('accepts RS256 (JWKS) and HS256 bearer tokens over HTTP', async () => {
      for (const token of [rs(allowed), hs(allowed)]) {
        const res = await post(gw.url, QUERY, { authorization: `Bearer ${token}` });
        expect(res.status).toBe(200);
        expect(res.body.data.tasks.edges).toHaveLength(2);
      }
    });

    it('answers 401 naming why a token was refused, and 403 when its claims grant no backend', async () => {
      const expired = await post(gw.url, QUERY, { authorization: `Bearer ${rs({ ...allowed, exp: Math.floor(Date.now() / 1000) - 3600 })}` });
      expect(expired.status).toBe(401);
      expect(expired.headers.get('www-authenticate')).toContain('error="invalid_token", error_description="token expired"');
      const audience = await post(gw.url, QUERY, { authorization: `Bearer ${rs({ ...allowed, aud: 'another-api' })}` });
      expect(audience.status).toBe(401);
      expect(audience.body.errors[0].message).toBe('Unauthenticated: token audience not accepted');
      expect((await post(gw.url, QUERY, { 'x-api-key': rs(allowed) })).status).toBe(401);
      expect((await post(gw.url, QUERY, { authorization: `Bearer ${rs({})}` })).status).toBe(403);
    });

    it('authenticates WebSockets from connection_init: 4401 for a bad token, 4403 without scope', async () => {
      const ok = await handshake(gw.wsUrl, { authorization: `Bearer ${rs(allowed)}` });
      expect(ok.acked).toBe(true);
      if (ok.acked) ok.socket.close();
      expect(await handshake(gw.wsUrl, { authorization: `Bearer ${rs({ ...allowed, iss: 'https://evil.example.com/' })}` })).toMatchObject({ acked: false, code: 4401 });
      expect(await handshake(gw.wsUrl, { authorization: `Bearer ${rs({ ...allowed, exp: 1 })}` })).toMatchObject({ acked: false, code: 4401 });
      expect(await handshake(gw.wsUrl, {})).toMatchObject({ acked: false, code: 4401 });
      expect(await handshake(gw.wsUrl, { authorization: `Bearer ${rs({})}` })).toMatchObject({ acked: false, code: 4403 });
    });
  });
});
