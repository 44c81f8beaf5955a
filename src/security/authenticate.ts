/**
 * Authentication: credentials (from HTTP headers or a graphql-ws `connection_init` payload)
 * -> a principal, or a refusal. 401 means "who are you?" (no, bad, expired credentials);
 * 403 means the caller is known but may see nothing here.
 */
import type { AuthConfig, JwtConfig } from './config.js';
import { createApiKeyStore } from './api-keys.js';
import { verifyJwt, type JwtClaims } from './jwt.js';
import { loadKeySet } from './jwt-keys.js';
import { scopeDimensions } from '../adapters/registry.js';
import { ANONYMOUS, isEmptyGrant, scopeOf, type Principal } from './principal.js';

export interface Credentials {
  /** The token of `Authorization: Bearer <token>`. */
  bearer?: string;
  /** The value of `X-API-Key`. */
  apiKey?: string;
}

export type AuthOutcome =
  | { ok: true; principal: Principal }
  /** `presented`: credentials were sent (RFC 6750: error="invalid_token"), or none at all. */
  | { ok: false; status: 401; reason: string; presented: boolean }
  | { ok: false; status: 403; reason: string };

export interface Authenticator {
  readonly mode: AuthConfig['mode'];
  /** Settles with the outcome (a JWKS URL may have to be fetched); never rejects. */
  authenticate(credentials: Credentials): Promise<AuthOutcome>;
}

const missing = (reason: string): AuthOutcome => ({ ok: false, status: 401, reason, presented: false });
const invalid = (reason: string): AuthOutcome => ({ ok: false, status: 401, reason, presented: true });

/** A known principal allowed no backend at all is refused outright (4403 / 403). */
function admit(principal: Principal): AuthOutcome {
  if (isEmptyGrant(principal.scope.backends)) return { ok: false, status: 403, reason: `${principal.id} may not see any backend` };
  return { ok: true, principal };
}

/** A claim as a list: a JSON array of strings, or one space-separated string (OAuth `scope` style). */
function claimList(claims: JwtClaims, name: string): string[] {
  const value = claims[name];
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** The claim a dimension's values are read from (`auth.jwt.claims`, defaulted per dimension). */
function claimNameOf(names: JwtConfig['claims'], dimension: string): string {
  return String((names as Record<string, unknown>)[dimension]);
}

/** The principal a verified token stands for; absent claims grant nothing. */
export function principalFromClaims(claims: JwtClaims, names: JwtConfig['claims'], clockSkewSeconds = 0): Principal | null {
  const subject = claims[names.subject];
  if (typeof subject !== 'string' || !subject) return null;
  return {
    id: subject,
    kind: 'jwt',
    ...(typeof claims.exp === 'number' ? { expiresAt: (claims.exp + clockSkewSeconds) * 1000 } : {}),
    scope: scopeOf({
      backends: claimList(claims, names.backends),
      actions: claimList(claims, names.actions),
      ...Object.fromEntries(scopeDimensions().map((d) => [d.name, claimList(claims, claimNameOf(names, d.name))])),
    }),
  };
}

/**
 * Builds the authenticator of an `auth:` section. Reads key files now, so a missing or wrong
 * file fails at start-up (KeyConfigError naming the field), not at the first request.
 */
export function createAuthenticator(config: AuthConfig, now: () => number = Date.now): Authenticator {
  switch (config.mode) {
    case 'none':
      return { mode: 'none', authenticate: async () => ({ ok: true, principal: ANONYMOUS }) };
    case 'apiKey': {
      const store = createApiKeyStore(config.apiKeys);
      return {
        mode: 'apiKey',
        async authenticate({ bearer, apiKey }) {
          const key = apiKey ?? bearer;
          if (!key) return missing('an API key is required (X-API-Key or Authorization: Bearer)');
          const principal = store.lookup(key);
          return principal ? admit(principal) : invalid('unknown API key');
        },
      };
    }
    case 'jwt': {
      const jwt = config.jwt;
      const check = {
        keys: loadKeySet(jwt, 'auth.jwt', now),
        algorithms: jwt.algorithms,
        issuer: jwt.issuer,
        audience: jwt.audience,
        clockSkewSeconds: jwt.clockSkewSeconds,
        now,
      };
      return {
        mode: 'jwt',
        async authenticate({ bearer }) {
          if (!bearer) return missing('a bearer token is required (Authorization: Bearer <JWT>)');
          const result = await verifyJwt(bearer, check);
          if (!result.ok) return invalid(result.reason);
          const principal = principalFromClaims(result.claims, jwt.claims, jwt.clockSkewSeconds);
          return principal ? admit(principal) : invalid(`token has no ${jwt.claims.subject} claim`);
        },
      };
    }
  }
}

/** Credentials of an HTTP request. */
export function credentialsFromHeaders(headers: Record<string, string | string[] | undefined>): Credentials {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  return fromValues(first(headers.authorization), first(headers['x-api-key']));
}

/**
 * Credentials of a graphql-ws `connection_init` payload: `{ "authorization": "Bearer ..." }`
 * or `{ "apiKey": "..." }` (key names case-insensitive; `X-API-Key` too). Browsers cannot set
 * headers on a WebSocket, and cookies are never read, so a foreign page cannot ride on a
 * user's session (cross-site WebSocket hijacking).
 */
export function credentialsFromPayload(payload: Record<string, unknown> | undefined): Credentials {
  if (!payload) return {};
  let authorization: string | undefined;
  let apiKey: string | undefined;
  for (const [k, v] of Object.entries(payload)) {
    if (typeof v !== 'string') continue;
    const key = k.toLowerCase();
    if (key === 'authorization') authorization = v;
    else if (key === 'apikey' || key === 'x-api-key') apiKey = v;
  }
  return fromValues(authorization, apiKey);
}

function fromValues(authorization: string | undefined, apiKey: string | undefined): Credentials {
  const out: Credentials = {};
  const bearer = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
  if (bearer) out.bearer = bearer;
  if (apiKey?.trim()) out.apiKey = apiKey.trim();
  return out;
}
