/**
 * Sessions of the simulated cell: the two login flows and their tokens (reference §1.1).
 * - Legacy `POST /api/sessions` answers a Session document and `x-vcloud-authorization`.
 * - `POST /cloudapi/1.0.0/sessions` (tenants) and `/sessions/provider` (System) answer JSON and
 *   a JWT-shaped `X-VMWARE-VCLOUD-ACCESS-TOKEN`, used as `Authorization: Bearer`.
 * Sessions end on logout, after an idle timeout on the world's clock, or when a test expires them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { orgByName, USERS, type SimOrg, type SimUser } from './directory.js';

export interface SimSession {
  id: string;
  token: string;
  scheme: 'bearer' | 'legacy';
  user: SimUser;
  org: SimOrg;
  lastUsed: number;
}

export type Resolved = { session: SimSession } | { session?: undefined; reason: 'missing' | 'invalid' };

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** Checks `Authorization: Basic base64(user@org:password)`; the org is after the last "@". */
export function checkBasic(headers: IncomingHttpHeaders): { user: SimUser; org: SimOrg } | 'missing' | 'refused' {
  const auth = String(headers.authorization ?? '');
  if (!auth.toLowerCase().startsWith('basic ')) return 'missing';
  const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'refused';
  const login = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const at = login.lastIndexOf('@');
  if (at <= 0) return 'refused';
  const org = orgByName(login.slice(at + 1));
  const user = USERS.find((u) => u.name === login.slice(0, at) && org && u.org === org.name);
  if (!org || !user || user.password !== password) return 'refused';
  return { user, org };
}

export class SessionStore {
  readonly #sessions = new Map<string, SimSession>();
  readonly #now: () => number;
  readonly #idleMs: number;

  constructor(now: () => number, idleMs: number) {
    this.#now = now;
    this.#idleMs = idleMs;
  }

  create(user: SimUser, org: SimOrg, scheme: SimSession['scheme']): SimSession {
    const id = randomUUID();
    const token =
      scheme === 'legacy'
        ? randomBytes(32).toString('base64')
        : [b64url(JSON.stringify({ alg: 'RS256' })), b64url(JSON.stringify({ sub: user.name, iss: `${org.uuid}@vcd-sim`, jti: id })), b64url(randomBytes(32))].join('.');
    const session: SimSession = { id, token, scheme, user, org, lastUsed: this.#now() };
    this.#sessions.set(token, session);
    return session;
  }

  /** The session a request carries (Bearer or x-vcloud-authorization), refreshed on use. */
  resolve(headers: IncomingHttpHeaders): Resolved {
    const auth = String(headers.authorization ?? '');
    const bearer = /^bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
    const legacy = headers['x-vcloud-authorization'];
    const token = bearer ?? (typeof legacy === 'string' ? legacy.trim() : undefined);
    if (!token) return { reason: 'missing' };
    const session = this.#sessions.get(token);
    if (!session) return { reason: 'invalid' };
    if (this.#now() - session.lastUsed > this.#idleMs) {
      this.#sessions.delete(token);
      return { reason: 'invalid' };
    }
    session.lastUsed = this.#now();
    return { session };
  }

  remove(session: SimSession): void {
    this.#sessions.delete(session.token);
  }

  expireAll(): void {
    this.#sessions.clear();
  }

  get size(): number {
    return this.#sessions.size;
  }
}
