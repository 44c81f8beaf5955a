/**
 * Verification keys for JWTs, from a shared secret (HS256), a PEM public key or certificate
 * (RS256 / ES256), a JWKS file or a JWKS URL over HTTPS (RFC 7517; jose's local and remote key
 * sets, with caching and key rotation). Each key is bound to one algorithm when it is loaded,
 * so a token cannot pick another one for it (no RS256 key used as an HMAC secret).
 */
import { createPublicKey, createSecretKey, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors as joseErrors, type FetchImplementation, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { JwtAlgorithm, JwtConfig } from './config.js';

export interface VerificationKey {
  alg: JwtAlgorithm;
  /** The JWKS `kid`, when the key came from a JWKS file. */
  kid?: string;
  key: KeyObject;
}

export interface KeySet {
  /** The key that may have signed a token with this header (jose's JWTVerifyGetKey: by `alg`, then `kid`). */
  getKey: JWTVerifyGetKey;
}

/** A key file that cannot be used; the message names the config field. */
export class KeyConfigError extends Error {
  override name = 'KeyConfigError';
}

function readText(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new KeyConfigError(`${field}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** The algorithm a public key can verify: RSA -> RS256, EC P-256 -> ES256. */
function algorithmOf(key: KeyObject): JwtAlgorithm | null {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return null;
}

function pemKey(path: string, field: string, algorithms: readonly JwtAlgorithm[]): VerificationKey {
  const text = readText(path, field);
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new KeyConfigError(`${field}: ${path} holds a private key; give the public key (openssl pkey -pubout) so the gateway cannot sign`);
  }
  let key: KeyObject;
  try {
    key = text.includes('-----BEGIN CERTIFICATE-----') ? new X509Certificate(text).publicKey : createPublicKey(text);
  } catch {
    throw new KeyConfigError(`${field}: ${path} is not a PEM public key or certificate`);
  }
  const alg = algorithmOf(key);
  if (!alg) throw new KeyConfigError(`${field}: ${path}: only RSA (RS256) and EC P-256 (ES256) keys are supported`);
  if (!algorithms.includes(alg)) throw new KeyConfigError(`${field}: ${path} is an ${alg} key, but auth.jwt.algorithms does not list ${alg}`);
  return { alg, key };
}

function jwksKeys(path: string, field: string, algorithms: readonly JwtAlgorithm[]): VerificationKey[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readText(path, field));
  } catch (err) {
    if (err instanceof KeyConfigError) throw err;
    throw new KeyConfigError(`${field}: ${path} is not JSON`);
  }
  const keys = (doc as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) throw new KeyConfigError(`${field}: ${path} has no "keys" array (expected a JWKS document, RFC 7517 §5)`);
  const out: VerificationKey[] = [];
  keys.forEach((jwk: unknown, i) => {
    if (!jwk || typeof jwk !== 'object') return;
    const k = jwk as JsonWebKey & { kid?: unknown; use?: unknown; alg?: unknown };
    if (k.use !== undefined && k.use !== 'sig') return;
    const kid = typeof k.kid === 'string' ? k.kid : undefined;
    let entry: VerificationKey | null = null;
    try {
      if (k.kty === 'oct' && typeof k.k === 'string') {
        entry = { alg: 'HS256', kid, key: createSecretKey(Buffer.from(k.k, 'base64url')) };
      } else if (k.kty === 'RSA' || k.kty === 'EC') {
        const { kid: _kid, use: _use, alg: _alg, d: _private, ...pub } = k;
        const key = createPublicKey({ key: pub as JsonWebKey, format: 'jwk' });
        const alg = algorithmOf(key);
        if (alg) entry = { alg, kid, key };
      }
    } catch {
      throw new KeyConfigError(`${field}: ${path}: keys[${i}] is not a valid JWK`);
    }
    if (!entry || !algorithms.includes(entry.alg)) return;
    if (typeof k.alg === 'string' && k.alg !== entry.alg) return;
    out.push(entry);
  });
  if (!out.length) throw new KeyConfigError(`${field}: ${path} has no signing key for ${algorithms.join(', ')}`);
  return out;
}

/** How often a JWKS file may be re-read when a token names an unknown `kid` (key rotation). */
const JWKS_RELOAD_MS = 30_000;

/** How a JWKS URL is cached: fetched again after `cacheMs`, or for an unknown `kid` at most every `cooldownMs`. */
export interface RemoteJwksTimings {
  cacheMs: number;
  cooldownMs: number;
  timeoutMs: number;
}

export const REMOTE_JWKS_TIMINGS: RemoteJwksTimings = { cacheMs: 10 * 60_000, cooldownMs: 30_000, timeoutMs: 5_000 };

function jwksDocument(path: string, field: string): JSONWebKeySet {
  return JSON.parse(readText(path, field)) as JSONWebKeySet;
}

/** A JWKS file's keys (checked as at start), re-read on an unknown `kid` at most every 30 s when the file changed. */
function fileJwks(path: string, field: string, algorithms: readonly JwtAlgorithm[], now: () => number): JWTVerifyGetKey {
  jwksKeys(path, field, algorithms);
  let local = createLocalJWKSet(jwksDocument(path, field));
  let loadedAt = now();
  let mtime = statSync(path).mtimeMs;
  const reload = (): boolean => {
    if (now() - loadedAt < JWKS_RELOAD_MS) return false;
    loadedAt = now();
    try {
      const m = statSync(path).mtimeMs;
      if (m === mtime) return false;
      jwksKeys(path, field, algorithms);
      local = createLocalJWKSet(jwksDocument(path, field));
      mtime = m;
      return true;
    } catch {
      // A file being rewritten keeps the keys already loaded.
      return false;
    }
  };
  return async (header, token) => {
    try {
      return await local(header, token);
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSNoMatchingKey) || !reload()) throw err;
      return local(header, token);
    }
  };
}

/** A fetch for jose that trusts `ca` (a private CA's PEM) for the JWKS URL, with a cap on the answer's size. */
function fetchTrusting(ca: Buffer): FetchImplementation {
  const MAX_JWKS_BYTES = 1024 * 1024;
  return (url, init) =>
    new Promise((resolve, reject) => {
      const req = https.get(url, { ca, headers: Object.fromEntries(new Headers(init.headers).entries()), signal: init.signal }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_JWKS_BYTES) req.destroy(new Error(`JWKS larger than ${MAX_JWKS_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0 })));
        res.on('error', reject);
      });
      req.on('error', reject);
    });
}

function urlJwks(config: JwtConfig, field: string, timings: RemoteJwksTimings): JWTVerifyGetKey {
  const url = config.jwksUrl!;
  const ca = config.jwksCaFile ? Buffer.from(readText(config.jwksCaFile, `${field}.jwksCaFile`)) : undefined;
  return createRemoteJWKSet(new URL(url), {
    cacheMaxAge: timings.cacheMs,
    cooldownDuration: timings.cooldownMs,
    timeoutDuration: timings.timeoutMs,
    ...(ca ? { [customFetch]: fetchTrusting(ca) } : {}),
  });
}

/** The keys of an `auth.jwt` section; key files are read now (KeyConfigError naming the field). */
export function loadKeySet(config: JwtConfig, field = 'auth.jwt', now: () => number = Date.now, timings: RemoteJwksTimings = REMOTE_JWKS_TIMINGS): KeySet {
  const fixed = new Map<JwtAlgorithm, KeyObject>();
  if (config.secret) fixed.set('HS256', createSecretKey(Buffer.from(config.secret.reveal(), 'utf8')));
  if (config.secretFile) {
    const secret = readText(config.secretFile, `${field}.secretFile`).replace(/\r?\n$/, '');
    if (secret.length < 32) throw new KeyConfigError(`${field}.secretFile: the secret must be at least 32 characters`);
    fixed.set('HS256', createSecretKey(Buffer.from(secret, 'utf8')));
  }
  if (config.publicKeyFile) {
    const { alg, key } = pemKey(config.publicKeyFile, `${field}.publicKeyFile`, config.algorithms);
    fixed.set(alg, key);
  }
  const jwks = config.jwksFile ? fileJwks(config.jwksFile, `${field}.jwksFile`, config.algorithms, now) : config.jwksUrl ? urlJwks(config, field, timings) : null;
  return {
    // Each key is bound to its algorithm: an RSA key is never an HMAC secret.
    async getKey(header, token) {
      const key = fixed.get(header.alg as JwtAlgorithm);
      if (key) return key;
      if (!jwks) throw new joseErrors.JWKSNoMatchingKey();
      return jwks(header, token);
    },
  };
}
