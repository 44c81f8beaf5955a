/**
 * Verification keys for JWTs, from a shared secret (HS256), a PEM public key or certificate
 * (RS256 / ES256), or a JWKS file (RFC 7517). Each key is bound to one algorithm when it is
 * loaded, so a token cannot pick another one for it (no RS256 key used as an HMAC secret).
 */
import { createPublicKey, createSecretKey, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { JwtAlgorithm, JwtConfig } from './config.js';

export interface VerificationKey {
  alg: JwtAlgorithm;
  /** The JWKS `kid`, when the key came from a JWKS file. */
  kid?: string;
  key: KeyObject;
}

export interface KeySet {
  /** Keys that may have signed a token with this header (by `alg`, then `kid`). */
  candidates(alg: JwtAlgorithm, kid: string | undefined): VerificationKey[];
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

export function loadKeySet(config: JwtConfig, field = 'auth.jwt', now: () => number = Date.now): KeySet {
  const fixed: VerificationKey[] = [];
  if (config.secret) fixed.push({ alg: 'HS256', key: createSecretKey(Buffer.from(config.secret.reveal(), 'utf8')) });
  if (config.secretFile) {
    const secret = readText(config.secretFile, `${field}.secretFile`).replace(/\r?\n$/, '');
    if (secret.length < 32) throw new KeyConfigError(`${field}.secretFile: the secret must be at least 32 characters`);
    fixed.push({ alg: 'HS256', key: createSecretKey(Buffer.from(secret, 'utf8')) });
  }
  if (config.publicKeyFile) fixed.push(pemKey(config.publicKeyFile, `${field}.publicKeyFile`, config.algorithms));

  const jwksFile = config.jwksFile;
  let jwks = jwksFile ? jwksKeys(jwksFile, `${field}.jwksFile`, config.algorithms) : [];
  let loadedAt = now();
  let mtime = jwksFile ? statSync(jwksFile).mtimeMs : 0;

  function reloadJwks(): void {
    if (!jwksFile || now() - loadedAt < JWKS_RELOAD_MS) return;
    loadedAt = now();
    try {
      const m = statSync(jwksFile).mtimeMs;
      if (m === mtime) return;
      jwks = jwksKeys(jwksFile, `${field}.jwksFile`, config.algorithms);
      mtime = m;
    } catch {
      // A file being rewritten keeps the keys already loaded.
    }
  }

  return {
    candidates(alg, kid) {
      if (kid !== undefined && jwksFile && !jwks.some((k) => k.kid === kid)) reloadJwks();
      const all = [...fixed, ...jwks].filter((k) => k.alg === alg);
      if (kid === undefined) return all;
      const named = all.filter((k) => k.kid === kid);
      return named.length ? named : all.filter((k) => k.kid === undefined);
    },
  };
}
