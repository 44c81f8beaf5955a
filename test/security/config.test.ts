/**
 * The `auth:` and `limits:` config sections, and API keys stored as hashes.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createApiKeyStore, hashApiKey } from '../../src/security/api-keys.js';
import { createAuthenticator } from '../../src/security/authenticate.js';
import { DEFAULT_LIMITS } from '../../src/security/config.js';
import { securityFromConfig } from '../../src/security/options.js';
import { ConfigError, parseConfig } from '../../src/server/config.js';
import { apiKeyEntry } from './support.js';

const BACKENDS = [
  { name: 'pc', type: 'prism', url: 'https://pc.example.com:9440', username: 'u', password: 'p' },
  { name: 'vcd', type: 'vcd', url: 'https://vcd.example.com', username: 'u', password: 'p', org: 'System' },
];

const errorOf = (raw: Record<string, unknown>) => {
  try {
    parseConfig({ backends: BACKENDS, ...raw });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('API keys', () => {
  it('stores sha256:<hex> of the key, as `printf %s "$KEY" | sha256sum` prints it', () => {
    const key = 'tg_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA';
    const printed = execFileSync('sh', ['-c', 'printf %s "$KEY" | sha256sum'], { env: { KEY: key, PATH: process.env.PATH }, encoding: 'utf8' });
    expect(hashApiKey(key)).toBe(`sha256:${printed.split(' ')[0]}`);
    expect(hashApiKey('abc')).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('finds the principal of a key, and nothing for a wrong, short or long one', () => {
    const store = createApiKeyStore([
      { name: 'team-a', hash: hashApiKey('key-of-team-a-0001'), backends: ['*'], vcdOrgs: [], prismClusters: [], actions: [] },
      { name: 'team-b', hash: hashApiKey('key-of-team-b-0002').toUpperCase().replace('SHA256', 'sha256'), backends: ['pc'], vcdOrgs: [], prismClusters: [], actions: ['cancel'] },
    ]);
    expect(store.lookup('key-of-team-a-0001')?.id).toBe('team-a');
    expect(store.lookup('key-of-team-b-0002')).toMatchObject({ id: 'team-b', kind: 'api-key' });
    expect(store.lookup('key-of-team-a-0002')).toBeNull();
    expect(store.lookup('short')).toBeNull();
    expect(store.lookup('x'.repeat(600))).toBeNull();
  });

  it('takes the key from X-API-Key or Authorization: Bearer; a key allowed nothing is 403', async () => {
    const auth = createAuthenticator({
      mode: 'apiKey',
      apiKeys: [
        { name: 'ops', hash: hashApiKey('ops-key-0123456789'), backends: ['*'], vcdOrgs: ['*'], prismClusters: ['*'], actions: ['*'] },
        { name: 'nothing', hash: hashApiKey('nothing-0123456789'), backends: [], vcdOrgs: [], prismClusters: [], actions: [] },
      ],
    });
    expect(await auth.authenticate({ apiKey: 'ops-key-0123456789' })).toMatchObject({ ok: true, principal: { id: 'ops' } });
    expect(await auth.authenticate({ bearer: 'ops-key-0123456789' })).toMatchObject({ ok: true, principal: { id: 'ops' } });
    expect(await auth.authenticate({ apiKey: 'nothing-0123456789' })).toMatchObject({ ok: false, status: 403 });
    expect(await auth.authenticate({})).toMatchObject({ ok: false, status: 401, presented: false });
    expect(await auth.authenticate({ apiKey: 'wrong-key-0123456789' })).toMatchObject({ ok: false, status: 401, presented: true, reason: 'unknown API key' });
  });
});

describe('auth and limits config', () => {
  it('defaults to no authentication and the default limits', () => {
    const config = parseConfig({ backends: BACKENDS });
    expect(config.auth).toEqual({ mode: 'none' });
    expect(config.limits).toEqual(DEFAULT_LIMITS);
    expect(DEFAULT_LIMITS).toMatchObject({ maxDepth: 12, maxAliases: 30, maxTokens: 5000, maxFirst: 1000, maxBatch: 1, introspection: true });
  });

  it('accepts API keys and partial limits', () => {
    const config = parseConfig({
      backends: BACKENDS,
      auth: { mode: 'apiKey', apiKeys: [apiKeyEntry('team-a', 'key-of-team-a-0001', { backends: ['pc'], prismClusters: ['c1'], actions: ['cancel'] })] },
      limits: { maxDepth: 8, introspection: false },
    });
    expect(config.auth.mode).toBe('apiKey');
    expect(config.limits).toEqual({ ...DEFAULT_LIMITS, maxDepth: 8, introspection: false });
  });

  it('names the field of every mistake', () => {
    expect(errorOf({ auth: { mode: 'ldap' } })).toContain('auth.mode');
    expect(errorOf({ auth: { mode: 'apiKey', apiKeys: [{ name: 'a', hash: 'plaintext-key' }] } })).toContain('auth.apiKeys[0].hash: expected sha256:<64 hex digits>');
    expect(errorOf({ auth: { mode: 'apiKey', apiKeys: [apiKeyEntry('a', 'key-0123456789abcdef', { backends: ['nope'] })] } })).toContain(
      'auth.apiKeys[0] (a).backends: unknown backend nope; configured: pc, vcd',
    );
    const twice = apiKeyEntry('a', 'key-0123456789abcdef', { backends: ['*'] });
    expect(errorOf({ auth: { mode: 'apiKey', apiKeys: [twice, { ...twice, name: 'b' }] } })).toContain('auth.apiKeys[1] (b).hash: the same key is configured twice');
    expect(errorOf({ auth: { mode: 'apiKey', apiKeys: [{ ...twice, actions: ['delete'] }] } })).toContain('auth.apiKeys[0].actions[0]');
    expect(errorOf({ auth: { mode: 'jwt', jwt: { algorithms: ['HS256'], issuer: 'i', audience: 'a' } } })).toContain('auth.jwt.algorithms: HS256 needs secret');
    expect(errorOf({ limits: { maxFirst: 5000 } })).toContain('limits.maxFirst');
    expect(errorOf({ limits: { maxDepht: 5 } })).toContain('limits');
  });

  it('reports an unreadable key file at start-up as a config error naming the field', () => {
    const config = parseConfig({
      backends: BACKENDS,
      auth: { mode: 'jwt', jwt: { algorithms: ['RS256'], publicKeyFile: '/nonexistent/idp.pem', issuer: 'i', audience: 'a' } },
    });
    expect(() => securityFromConfig(config)).toThrow(ConfigError);
    expect(() => securityFromConfig(config)).toThrow('auth.jwt.publicKeyFile: cannot read /nonexistent/idp.pem: ENOENT');
  });

  it('knows the org each vCD backend creates external tasks in', () => {
    const security = securityFromConfig(parseConfig({ backends: BACKENDS }));
    expect(security.accessPolicy.homeScopes).toEqual(new Map([['vcd', { vcdOrgs: 'System' }]]));
  });
});
