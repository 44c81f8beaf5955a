/**
 * JWT verification: HS256, RS256 and ES256 with a secret, a PEM key, a certificate or a JWKS
 * file; every claim check; the classic attacks (alg none, algorithm confusion, tampering).
 */
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/security/authenticate.js';
import { grantOn } from '../../src/security/principal.js';
import { jwtSchema, type JwtConfig } from '../../src/security/config.js';
import { loadKeySet } from '../../src/security/jwt-keys.js';
import { verifyJwt } from '../../src/security/jwt.js';
import { AUDIENCE, claims, ecKeys, ISSUER, rsaKeys, signJwt, tempDir, writeFile } from './support.js';

const SECRET = 'a-shared-secret-of-at-least-32-characters!';

function config(fields: Record<string, unknown>): JwtConfig {
  return jwtSchema.parse({ issuer: ISSUER, audience: AUDIENCE, ...fields });
}

function checker(cfg: JwtConfig, now = Date.now) {
  return { keys: loadKeySet(cfg, 'auth.jwt', now), algorithms: cfg.algorithms, issuer: cfg.issuer, audience: cfg.audience, clockSkewSeconds: cfg.clockSkewSeconds, now };
}

describe('JWT verification', () => {
  const hs = checker(config({ algorithms: ['HS256'], secret: SECRET }));

  it('accepts a valid HS256 token and returns its claims', async () => {
    const result = await verifyJwt(signJwt({ alg: 'HS256', secret: SECRET }, claims({ tenant: 'a' })), hs);
    expect(result).toMatchObject({ ok: true, claims: { sub: 'alice', tenant: 'a' } });
  });

  it.each([
    ['expired', claims({ exp: Math.floor(Date.now() / 1000) - 60 }), 'token expired'],
    ['not yet valid', claims({ nbf: Math.floor(Date.now() / 1000) + 600 }), 'token not valid yet'],
    ['issued in the future', claims({ iat: Math.floor(Date.now() / 1000) + 600 }), 'token issued in the future'],
    ['without exp', { ...claims(), exp: undefined }, 'token has no exp'],
    ['from another issuer', claims({ iss: 'https://evil.example.com/' }), 'token issuer not accepted'],
    ['for another audience', claims({ aud: 'other-api' }), 'token audience not accepted'],
    ['for other audiences', claims({ aud: ['a', 'b'] }), 'token audience not accepted'],
  ])('refuses a token %s', async (_what, body, reason) => {
    expect(await verifyJwt(signJwt({ alg: 'HS256', secret: SECRET }, body), hs)).toEqual({ ok: false, reason });
  });

  it('accepts an audience list containing ours, and exp/nbf within the clock skew', async () => {
    const t = Math.floor(Date.now() / 1000);
    expect((await verifyJwt(signJwt({ alg: 'HS256', secret: SECRET }, claims({ aud: ['x', AUDIENCE] })), hs)).ok).toBe(true);
    expect((await verifyJwt(signJwt({ alg: 'HS256', secret: SECRET }, claims({ exp: t - 10, nbf: t + 10 })), hs)).ok).toBe(true);
    expect((await verifyJwt(signJwt({ alg: 'HS256', secret: SECRET }, claims({ exp: t - 31 })), hs)).ok).toBe(false);
  });

  it('refuses alg none, unlisted algorithms, tampering, crit headers and junk', async () => {
    const good = signJwt({ alg: 'HS256', secret: SECRET }, claims());
    const [h, p] = good.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${p}.`;
    expect((await verifyJwt(none, hs)).ok).toBe(false);
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${p}.AAAA`;
    expect(await verifyJwt(unsigned, hs)).toEqual({ ok: false, reason: 'token algorithm not accepted' });
    const admin = Buffer.from(JSON.stringify({ ...claims(), sub: 'admin' })).toString('base64url');
    expect(await verifyJwt(`${h}.${admin}.${good.split('.')[2]}`, hs)).toEqual({ ok: false, reason: 'invalid signature' });
    expect(await verifyJwt(signJwt({ alg: 'HS256', secret: `${SECRET}x` }, claims()), hs)).toEqual({ ok: false, reason: 'invalid signature' });
    expect((await verifyJwt(signJwt({ alg: 'HS256', secret: SECRET }, claims(), { crit: ['exp'] }), hs)).ok).toBe(false);
    for (const junk of ['', 'a.b', 'a.b.c.d', '!!.??.**', `${h}.${p}`, 'x'.repeat(9000)]) expect((await verifyJwt(junk, hs)).ok).toBe(false);
  });

  it('verifies RS256 with a PEM public key, and refuses an HS256 token signed with that public key (algorithm confusion)', async () => {
    const { publicKey, privateKey } = rsaKeys();
    const dir = tempDir();
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const rs = checker(config({ algorithms: ['RS256'], publicKeyFile: writeFile(dir, 'rsa.pem', pem) }));
    expect((await verifyJwt(signJwt({ alg: 'RS256', key: privateKey }, claims()), rs)).ok).toBe(true);
    expect(await verifyJwt(signJwt({ alg: 'HS256', secret: pem }, claims()), rs)).toEqual({ ok: false, reason: 'token algorithm not accepted' });
    // Even with HS256 also accepted, the RSA key is never used as an HMAC secret.
    const both = checker(config({ algorithms: ['HS256', 'RS256'], secret: SECRET, publicKeyFile: join(dir, 'rsa.pem') }));
    expect(await verifyJwt(signJwt({ alg: 'HS256', secret: pem }, claims()), both)).toEqual({ ok: false, reason: 'invalid signature' });
  });

  it('verifies ES256 (JWS r||s signatures, not DER) with a PEM key', async () => {
    const { publicKey, privateKey } = ecKeys();
    const dir = tempDir();
    const es = checker(config({ algorithms: ['ES256'], publicKeyFile: writeFile(dir, 'ec.pem', publicKey.export({ type: 'spki', format: 'pem' }).toString()) }));
    const token = signJwt({ alg: 'ES256', key: privateKey }, claims());
    expect((await verifyJwt(token, es)).ok).toBe(true);
    const [h, p] = token.split('.');
    const der = sign('sha256', Buffer.from(`${h}.${p}`), privateKey).toString('base64url');
    expect(await verifyJwt(`${h}.${p}.${der}`, es)).toEqual({ ok: false, reason: 'invalid signature' });
  });

  it('verifies RS256 with a PEM certificate', async () => {
    const fixtures = new URL('./__fixtures__/', import.meta.url).pathname;
    const key = createPrivateKey(readFileSync(join(fixtures, 'self-signed-localhost.key.pem')));
    const rs = checker(config({ algorithms: ['RS256'], publicKeyFile: join(fixtures, 'self-signed-localhost.cert.pem') }));
    expect((await verifyJwt(signJwt({ alg: 'RS256', key }, claims()), rs)).ok).toBe(true);
  });

  it('picks JWKS keys by kid and re-reads the file when a new kid appears (key rotation)', async () => {
    const first = rsaKeys();
    const second = ecKeys();
    const dir = tempDir();
    const jwk = (k: typeof first.publicKey, kid: string) => ({ ...k.export({ format: 'jwk' }), kid, use: 'sig' });
    const path = writeFile(dir, 'jwks.json', JSON.stringify({ keys: [jwk(first.publicKey, 'k1')] }));
    let now = Date.now();
    const check = checker(config({ algorithms: ['RS256', 'ES256'], jwksFile: path }), () => now);
    expect((await verifyJwt(signJwt({ alg: 'RS256', key: first.privateKey }, claims({}, now), { kid: 'k1' }), check)).ok).toBe(true);
    expect((await verifyJwt(signJwt({ alg: 'RS256', key: first.privateKey }, claims({}, now), { kid: 'nope' }), check)).ok).toBe(false);
    writeFile(dir, 'jwks.json', JSON.stringify({ keys: [jwk(first.publicKey, 'k1'), jwk(second.publicKey, 'k2')] }));
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    const rotated = () => signJwt({ alg: 'ES256', key: second.privateKey }, claims({}, now), { kid: 'k2' });
    expect((await verifyJwt(rotated(), check)).ok).toBe(false); // within 30 s of the last read: not re-read yet
    now += 31_000;
    expect((await verifyJwt(rotated(), check)).ok).toBe(true);
  });

  it('refuses key files that cannot be used, naming the field', async () => {
    const dir = tempDir();
    const { privateKey } = rsaKeys();
    const priv = writeFile(dir, 'priv.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    expect(() => loadKeySet(config({ algorithms: ['RS256'], publicKeyFile: priv }))).toThrow(/auth\.jwt\.publicKeyFile: .* private key/);
    expect(() => loadKeySet(config({ algorithms: ['RS256'], publicKeyFile: join(dir, 'missing.pem') }))).toThrow('auth.jwt.publicKeyFile: cannot read');
    const ec = writeFile(dir, 'ec.pem', ecKeys().publicKey.export({ type: 'spki', format: 'pem' }).toString());
    expect(() => loadKeySet(config({ algorithms: ['RS256'], publicKeyFile: ec }))).toThrow('does not list ES256');
    const jwks = writeFile(dir, 'jwks.json', '{"nokeys": true}');
    expect(() => loadKeySet(config({ algorithms: ['RS256'], jwksFile: jwks }))).toThrow('auth.jwt.jwksFile');
  });

  it('validates the jwt config, naming the field', async () => {
    const errorOf = (fields: Record<string, unknown>) => jwtSchema.safeParse({ issuer: ISSUER, audience: AUDIENCE, ...fields }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(errorOf({ algorithms: ['HS256'], secret: 'short' })).toEqual([expect.stringMatching(/^secret: at least 32 characters/)]);
    expect(errorOf({ algorithms: ['RS256'] })).toEqual(expect.arrayContaining([expect.stringMatching(/RS256 needs publicKeyFile, jwksFile or jwksUrl/)]));
    expect(errorOf({ algorithms: ['none'], secret: SECRET })![0]).toMatch(/^algorithms\.0/);
    expect(jwtSchema.safeParse({ algorithms: ['HS256'], secret: SECRET }).error?.issues.map((i) => i.path.join('.'))).toEqual(['issuer', 'audience']);
  });
});

describe('JWT principals', () => {
  const auth = createAuthenticator({ mode: 'jwt', jwt: config({ algorithms: ['HS256'], secret: SECRET }) });
  const token = (extra: Record<string, unknown>) => signJwt({ alg: 'HS256', secret: SECRET }, claims(extra));

  it('reads the scope from the configured claims: arrays or space-separated strings, * for all', async () => {
    const outcome = await auth.authenticate({ bearer: token({ taskgraph_backends: ['vcd', 'pc'], taskgraph_vcd_orgs: 'acme globex', taskgraph_prism_clusters: ['*'], taskgraph_actions: 'cancel' }) });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.principal.id).toBe('alice');
    const scope = outcome.principal.scope;
    expect(scope.backends).toEqual({ all: false, names: new Set(['vcd', 'pc']) });
    expect(grantOn(scope, 'vcdOrgs')).toEqual({ all: false, names: new Set(['acme', 'globex']) });
    expect(grantOn(scope, 'prismClusters').all).toBe(true);
    expect([...scope.actions]).toEqual(['cancel']);
  });

  it('fails closed: a valid token without scope claims may see no backend (403); no subject is 401', async () => {
    expect(await auth.authenticate({ bearer: token({}) })).toMatchObject({ ok: false, status: 403 });
    expect(await auth.authenticate({ bearer: token({ sub: undefined, taskgraph_backends: ['*'] }) })).toMatchObject({ ok: false, status: 401, reason: 'token has no sub claim' });
    expect(await auth.authenticate({})).toMatchObject({ ok: false, status: 401, presented: false });
    expect(await auth.authenticate({ apiKey: 'not-a-token-but-a-key' })).toMatchObject({ ok: false, status: 401, presented: false });
  });

  it('uses claim names from the config', async () => {
    const custom = createAuthenticator({
      mode: 'jwt',
      jwt: config({ algorithms: ['HS256'], secret: SECRET, claims: { subject: 'email', backends: 'tg/backends' } }),
    });
    const outcome = await custom.authenticate({ bearer: token({ email: 'bob@example.com', 'tg/backends': ['*'] }) });
    expect(outcome).toMatchObject({ ok: true, principal: { id: 'bob@example.com', kind: 'jwt' } });
  });
});
