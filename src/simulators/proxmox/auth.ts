/**
 * The simulator's authentication, as pveproxy does it (pve-manager `PVE/HTTPServer.pm`
 * auth_handler, pve-access-control `PVE/API2/AccessControl.pm` create_ticket, pve-common
 * `PVE/Ticket.pm`):
 * - `POST /access/ticket` (username, password; `realm` appended when given) answers a ticket
 *   `PVE:<user>:<hex time>::<signature>` and a CSRF token `<hex time>:<signature>`; a wrong
 *   password is 401 "authentication failure". A valid ticket as password renews it.
 * - a call presents the ticket in the `PVEAuthCookie` cookie (URI-escaped), or an API token in
 *   `Authorization: PVEAPIToken=<user@realm!name>=<secret>`; none is 401 "No ticket", a bad
 *   one 401 "Authentication failed!". A ticket lives 2 hours.
 * - any call but a GET with a ticket needs the `CSRFPreventionToken` header, else 401
 *   "Permission denied - invalid csrf token". API tokens need none.
 * 401 answers have the reason in the status line and no body.
 */
import { randomBytes } from 'node:crypto';
import type { SimRequest } from '../harness.js';

export const PROXMOX_USER = 'root@pam';
export const PROXMOX_PASSWORD = 'tg-sim-proxmox-pw';
export const PROXMOX_TOKEN_ID = 'root@pam!taskgraph';
export const PROXMOX_TOKEN_SECRET = '5f1c2d3e-7a8b-4c9d-8e0f-112233445566';

/** pve-access-control `$ticket_lifetime`. */
const TICKET_LIFETIME_MS = 2 * 3600_000;

export type AuthResult = { ok: true; user: string; viaToken: boolean } | { ok: false; reason: string };

function hex8(ms: number): string {
  return Math.floor(ms / 1000).toString(16).toUpperCase().padStart(8, '0');
}

/** A cookie or header value as pve-http-server's extract_auth_value reads it. */
function authValue(header: string | undefined, key: string): string | undefined {
  if (!header) return undefined;
  const m = new RegExp(`(?:^|\\s)${key}(?:=| )([^;]*)`).exec(header);
  return m?.[1] ? decodeURIComponent(m[1]) : undefined;
}

export interface SimAuth {
  /** `POST /access/ticket`: the answer's data, or null for "authentication failure". */
  login(form: URLSearchParams): { ticket: string; CSRFPreventionToken: string; username: string } | null;
  check(req: SimRequest): AuthResult;
  /** Forgets every ticket, as an auth key rotation or a restart does. */
  expire(): void;
  /** Tickets issued so far. */
  readonly issued: number;
}

export function createSimAuth(now: () => number): SimAuth {
  const tickets = new Map<string, { user: string; at: number; csrf: string }>();
  let issued = 0;

  function valid(ticket: string | undefined): { user: string; csrf: string } | undefined {
    const entry = ticket === undefined ? undefined : tickets.get(ticket);
    if (!entry || now() - entry.at >= TICKET_LIFETIME_MS) return undefined;
    return entry;
  }

  return {
    login(form) {
      const realm = form.get('realm');
      const username = (form.get('username') ?? '') + (realm ? `@${realm}` : '');
      const password = form.get('password') ?? '';
      const renewing = valid(password);
      if (username !== PROXMOX_USER || (password !== PROXMOX_PASSWORD && renewing?.user !== username)) return null;
      const at = now();
      const ticket = `PVE:${username}:${hex8(at)}::${randomBytes(48).toString('base64')}`;
      const csrf = `${hex8(at)}:${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
      tickets.set(ticket, { user: username, at, csrf });
      issued++;
      return { ticket, CSRFPreventionToken: csrf, username };
    },
    check(req) {
      const cookie = authValue(req.headers.cookie, 'PVEAuthCookie') ?? authValue(req.headers.authorization, 'PVEAuthCookie');
      if (cookie !== undefined) {
        const entry = valid(cookie);
        if (!entry) return { ok: false, reason: 'Authentication failed!' };
        if (req.method !== 'GET' && req.headers.csrfpreventiontoken !== entry.csrf) return { ok: false, reason: 'Permission denied - invalid csrf token' };
        return { ok: true, user: entry.user, viaToken: false };
      }
      const token = authValue(req.headers.authorization, 'PVEAPIToken');
      if (token === undefined) return { ok: false, reason: 'No ticket' };
      const split = token.indexOf('=');
      if (token.slice(0, split) !== PROXMOX_TOKEN_ID || token.slice(split + 1) !== PROXMOX_TOKEN_SECRET) return { ok: false, reason: 'Authentication failed!' };
      return { ok: true, user: PROXMOX_TOKEN_ID, viaToken: true };
    },
    expire() {
      tickets.clear();
    },
    get issued() {
      return issued;
    },
  };
}
