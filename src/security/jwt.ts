/**
 * JWT (RFC 7519) verification with node:crypto only: compact JWS (RFC 7515) signed with
 * HS256, RS256 or ES256 (RFC 7518 §3). Checked, in order: shape and size, `alg` against the
 * configured list (never `none`), unknown `crit` headers, the signature, then `exp` (required),
 * `nbf`, `iat`, `iss` and `aud`, with a small clock skew.
 */
import { createHmac, timingSafeEqual, verify as verifySignature } from 'node:crypto';
import type { JwtAlgorithm } from './config.js';
import type { KeySet, VerificationKey } from './jwt-keys.js';

export interface JwtCheck {
  keys: KeySet;
  algorithms: readonly JwtAlgorithm[];
  issuer: string;
  audience: string;
  clockSkewSeconds: number;
  /** Milliseconds since the epoch (injectable for tests). */
  now?: () => number;
}

export type JwtClaims = Record<string, unknown>;

/** Why a token was refused, in words safe to send back (RFC 6750 error_description). */
export type JwtResult = { ok: true; claims: JwtClaims } | { ok: false; reason: string };

/** Tokens larger than this are refused before any parsing. */
const MAX_TOKEN_LENGTH = 8192;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

function decodeJson(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function signatureValid(candidate: VerificationKey, input: Buffer, signature: Buffer): boolean {
  try {
    return checkSignature(candidate, input, signature);
  } catch {
    return false;
  }
}

function checkSignature(candidate: VerificationKey, input: Buffer, signature: Buffer): boolean {
  switch (candidate.alg) {
    case 'HS256': {
      const expected = createHmac('sha256', candidate.key).update(input).digest();
      return expected.length === signature.length && timingSafeEqual(expected, signature);
    }
    case 'RS256':
      return verifySignature('sha256', input, candidate.key, signature);
    case 'ES256':
      // JWS carries ES256 as the raw 64-byte r || s (RFC 7518 §3.4), not DER.
      return signature.length === 64 && verifySignature('sha256', input, { key: candidate.key, dsaEncoding: 'ieee-p1363' }, signature);
  }
}

const fail = (reason: string): JwtResult => ({ ok: false, reason });

export function verifyJwt(token: string, check: JwtCheck): JwtResult {
  if (token.length > MAX_TOKEN_LENGTH) return fail('token too large');
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) return fail('malformed token');
  const [h, p, s] = parts as [string, string, string];
  const header = decodeJson(h);
  const claims = decodeJson(p);
  if (!header || !claims) return fail('malformed token');
  const alg = header.alg;
  if (typeof alg !== 'string' || !(check.algorithms as readonly string[]).includes(alg)) return fail('token algorithm not accepted');
  if (header.crit !== undefined) return fail('unsupported critical header');
  const kid = typeof header.kid === 'string' ? header.kid : undefined;

  const input = Buffer.from(`${h}.${p}`, 'ascii');
  const signature = Buffer.from(s, 'base64url');
  const keys = check.keys.candidates(alg as JwtAlgorithm, kid);
  if (!keys.some((k) => signatureValid(k, input, signature))) return fail('invalid signature');

  const now = (check.now ?? Date.now)() / 1000;
  const skew = check.clockSkewSeconds;
  const { exp, nbf, iat, iss, aud } = claims;
  if (typeof exp !== 'number') return fail('token has no exp');
  if (now >= exp + skew) return fail('token expired');
  if (nbf !== undefined && (typeof nbf !== 'number' || now + skew < nbf)) return fail('token not valid yet');
  if (iat !== undefined && (typeof iat !== 'number' || now + skew < iat)) return fail('token issued in the future');
  if (iss !== check.issuer) return fail('token issuer not accepted');
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(check.audience)) return fail('token audience not accepted');
  return { ok: true, claims };
}
