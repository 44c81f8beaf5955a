/**
 * JWT (RFC 7519) verification on jose: compact JWS (RFC 7515) signed with HS256, RS256 or
 * ES256 (RFC 7518 §3). Checked: the token's size first, then by jose the shape, `alg` against
 * the configured list (never `none`), unknown `crit` headers, the signature, `exp` (required),
 * `nbf`, `iss` and `aud`, with a small clock skew; then `iat` (jose checks it only with a
 * maximum age), which may not lie in the future.
 */
import { errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type { JwtAlgorithm } from './config.js';
import type { KeySet } from './jwt-keys.js';

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

const fail = (reason: string): JwtResult => ({ ok: false, reason });

const CLAIM_REASONS: Record<string, string> = {
  exp: 'token has no exp',
  nbf: 'token not valid yet',
  iat: 'token issued in the future',
  iss: 'token issuer not accepted',
  aud: 'token audience not accepted',
};

/** jose's refusal in our words (no key material, no token content). */
function reasonOf(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'token expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return CLAIM_REASONS[err.claim] ?? 'token claims not accepted';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm not accepted';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'invalid signature';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no signing key matches the token';
  if (err instanceof joseErrors.JWKSTimeout) return 'the signing keys could not be fetched';
  if (err instanceof joseErrors.JOSEError && /crit/i.test(err.message)) return 'unsupported critical header';
  if (err instanceof joseErrors.JOSENotSupported) return 'token algorithm not accepted';
  if (err instanceof joseErrors.JOSEError) return 'malformed token';
  // A JWKS URL that failed (connection, TLS, status): jose passes the fetch error on.
  return 'the signing keys could not be fetched';
}

async function verifyWithKeys(token: string, check: JwtCheck, options: JWTVerifyOptions): Promise<JWTPayload> {
  try {
    return (await jwtVerify(token, check.keys.getKey, options)).payload;
  } catch (err) {
    // Several keys of a JWKS fit a token without `kid`: each is tried.
    if (!(err instanceof joseErrors.JWKSMultipleMatchingKeys)) throw err;
    let last: unknown = err;
    for await (const key of err) {
      try {
        return (await jwtVerify(token, key, options)).payload;
      } catch (inner) {
        last = inner;
      }
    }
    throw last;
  }
}

export async function verifyJwt(token: string, check: JwtCheck): Promise<JwtResult> {
  if (token.length > MAX_TOKEN_LENGTH) return fail('token too large');
  const now = (check.now ?? Date.now)();
  const options: JWTVerifyOptions = {
    algorithms: [...check.algorithms],
    issuer: check.issuer,
    audience: check.audience,
    clockTolerance: check.clockSkewSeconds,
    requiredClaims: ['exp'],
    currentDate: new Date(now),
  };
  let claims: JWTPayload;
  try {
    claims = await verifyWithKeys(token, check, options);
  } catch (err) {
    return fail(reasonOf(err));
  }
  const { iat } = claims;
  if (iat !== undefined && (typeof iat !== 'number' || now / 1000 + check.clockSkewSeconds < iat)) return fail('token issued in the future');
  return { ok: true, claims };
}
