/**
 * JWKS over HTTPS (`auth.jwt.jwksUrl`, jose's remote key set): a private CA trusted through
 * `jwksCaFile`, keys cached (one fetch for many tokens), a new `kid` fetched again (key
 * rotation), an untrusted certificate or plain HTTP refused, and the whole path over HTTP.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtSchema, type JwtConfig } from '../../src/security/config.js';
import { loadKeySet } from '../../src/security/jwt-keys.js';
import { verifyJwt } from '../../src/security/jwt.js';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { startTestGateway } from '../support/gateway.js';
import { AUDIENCE, claims, ecKeys, ISSUER, post, rsaKeys, signJwt } from './support.js';

const fixtures = new URL('./__fixtures__/', import.meta.url).pathname;
const CA = `${fixtures}self-signed-localhost.cert.pem`;

describe('JWKS over HTTPS', () => {
  const first = rsaKeys();
  const second = ecKeys();
  const jwk = (k: typeof first.publicKey, kid: string) => ({ ...k.export({ format: 'jwk' }), kid, use: 'sig' });
  let keys = [jwk(first.publicKey, 'k1')];
  let fetches = 0;
  let server: https.Server;
  let url: string;

  beforeAll(async () => {
    server = https.createServer({ key: readFileSync(`${fixtures}self-signed-localhost.key.pem`), cert: readFileSync(CA) }, (_req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://localhost:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  const config = (fields: Record<string, unknown>): JwtConfig => jwtSchema.parse({ issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256', 'ES256'], ...fields });
  const check = (cfg: JwtConfig, cooldownMs = 30_000) => ({
    keys: loadKeySet(cfg, 'auth.jwt', Date.now, { cacheMs: 600_000, cooldownMs, timeoutMs: 5_000 }),
    algorithms: cfg.algorithms,
    issuer: cfg.issuer,
    audience: cfg.audience,
    clockSkewSeconds: 30,
  });
  const rs = (kid: string) => signJwt({ alg: 'RS256', key: first.privateKey }, claims(), { kid });
  const es = (kid: string) => signJwt({ alg: 'ES256', key: second.privateKey }, claims(), { kid });

  it('verifies tokens with keys fetched once from a server signed by a private CA', async () => {
    fetches = 0;
    keys = [jwk(first.publicKey, 'k1')];
    const c = check(config({ jwksUrl: url, jwksCaFile: CA }));
    for (let i = 0; i < 5; i++) expect(await verifyJwt(rs('k1'), c)).toMatchObject({ ok: true, claims: { sub: 'alice' } });
    expect(fetches).toBe(1);
    expect(await verifyJwt(signJwt({ alg: 'RS256', key: rsaKeys().privateKey }, claims(), { kid: 'k1' }), c)).toEqual({ ok: false, reason: 'invalid signature' });
  });

  it('fetches the keys again for a new kid (rotation), at most once per cool-down', async () => {
    fetches = 0;
    keys = [jwk(first.publicKey, 'k1')];
    const c = check(config({ jwksUrl: url, jwksCaFile: CA }), 0);
    expect((await verifyJwt(rs('k1'), c)).ok).toBe(true);
    keys = [jwk(first.publicKey, 'k1'), jwk(second.publicKey, 'k2')];
    expect((await verifyJwt(es('k2'), c)).ok).toBe(true);
    expect(fetches).toBe(2);
    const slow = check(config({ jwksUrl: url, jwksCaFile: CA }));
    keys = [jwk(first.publicKey, 'k1')];
    expect((await verifyJwt(rs('k1'), slow)).ok).toBe(true);
    keys = [jwk(second.publicKey, 'k2')];
    expect(await verifyJwt(es('k2'), slow)).toEqual({ ok: false, reason: 'no signing key matches the token' });
  });

  it('refuses keys from a server it cannot trust, and a JWKS URL over plain HTTP', async () => {
    const untrusted = check(config({ jwksUrl: url }));
    expect(await verifyJwt(rs('k1'), untrusted)).toEqual({ ok: false, reason: 'the signing keys could not be fetched' });
    const wrongCa = check(config({ jwksUrl: url, jwksCaFile: `${fixtures}other-ca.cert.pem` }));
    expect(await verifyJwt(rs('k1'), wrongCa)).toEqual({ ok: false, reason: 'the signing keys could not be fetched' });
    const plain = jwtSchema.safeParse({ issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256'], jwksUrl: 'http://idp.example.com/jwks.json' });
    expect(plain.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([expect.stringMatching(/^jwksUrl: https only/)]);
    const both = jwtSchema.safeParse({ issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256'], jwksUrl: url, jwksFile: '/x.json' });
    expect(both.success).toBe(false);
  });

  describe('through the gateway', () => {
    let sim: PrismSimulator;
    let gw: GatewayServer;
    beforeAll(async () => {
      sim = await startPrismSimulator({ seed: 2 });
      sim.world.backfill(3);
      keys = [jwk(first.publicKey, 'k1')];
      gw = await startTestGateway([sim.backendConfig('pc')], { auth: { mode: 'jwt', jwt: { algorithms: ['RS256'], jwksUrl: url, jwksCaFile: CA, issuer: ISSUER, audience: AUDIENCE } } });
    });
    afterAll(async () => {
      await gw?.stop();
      await sim?.close();
    });

    it('admits a token signed with a key of the JWKS URL, and refuses others', async () => {
      const token = signJwt({ alg: 'RS256', key: first.privateKey }, claims({ taskgraph_backends: ['*'] }), { kid: 'k1' });
      const ok = await post(gw.url, { query: '{ backends { name } }' }, { authorization: `Bearer ${token}` });
      expect(ok.body).toEqual({ data: { backends: [{ name: 'pc' }] } });
      const forged = signJwt({ alg: 'RS256', key: rsaKeys().privateKey }, claims({ taskgraph_backends: ['*'] }), { kid: 'k1' });
      expect((await post(gw.url, { query: '{ backends { name } }' }, { authorization: `Bearer ${forged}` })).status).toBe(401);
    });
  });
});
