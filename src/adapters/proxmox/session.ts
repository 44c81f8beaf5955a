/**
 * How requests to a Proxmox VE API authenticate (pve-manager `PVE/HTTPServer.pm`
 * auth_handler, pve-http-server `src/PVE/APIServer/AnyEvent.pm`):
 * - an API token: `Authorization: PVEAPIToken=<user@realm!tokenname>=<secret>` on every call,
 *   stateless, no CSRF token ("one of the design goals of API tokens was to provide stateless
 *   API access without requiring round-trips to get such CSRF tokens");
 * - a ticket: `POST /access/ticket` with `username` and `password` (form-encoded, as
 *   proxmoxer's ProxmoxHTTPAuth sends them) answers `ticket` and `CSRFPreventionToken`; later
 *   calls send the ticket as the cookie `PVEAuthCookie` (URI-escaped, as pve-http-server's
 *   create_auth_cookie does when it proxies) and every call but a GET also the header
 *   `CSRFPreventionToken`. A ticket lives 2 hours (pve-access-control `$ticket_lifetime`).
 *   It is renewed after an hour, as proxmoxer does (`renew_age`), because a refused call costs
 *   3 s: pveproxy delays every unauthorized answer by that much. A 401 all the same (the
 *   cluster's auth key rotated, the simulator forgot it) renews it once, shared by all callers.
 */
import { BackendError } from '../errors.js';
import type { HttpResponse, Transport } from '../http.js';
import type { Secret } from '../../model/secret.js';
import type { CallContext } from '../contract.js';
import { narrowEnvelope, narrowTicket } from './wire.js';

export type ProxmoxAuth =
  | { kind: 'token'; tokenId: string; secret: Secret }
  | { kind: 'ticket'; username: string; password: Secret };

/** Proactive renewal age: half the ticket's 2 hour lifetime (proxmoxer's renew_age). */
export const TICKET_RENEW_MS = 3_600_000;

interface Ticket {
  ticket: string;
  csrfToken: string;
  issuedAt: number;
}

export interface Session {
  /** The credentials to send; a login first when there is no ticket (or an old one). */
  credentials(ctx: CallContext): Promise<Credentials>;
  /** After a 401 with `used`: fresh credentials (one login for all callers), or null when a token was refused. */
  renew(used: Credentials, ctx: CallContext): Promise<Credentials | null>;
}

export interface Credentials {
  /** Headers for a request with this method. */
  headers(method: string): Record<string, string>;
}

function tokenCredentials(tokenId: string, secret: Secret): Credentials {
  const value = `PVEAPIToken=${tokenId}=${secret.reveal()}`;
  return { headers: () => ({ Authorization: value }) };
}

function ticketCredentials(ticket: Ticket): Credentials & { ticket: Ticket } {
  const cookie = `PVEAuthCookie=${encodeURIComponent(ticket.ticket)}`;
  return {
    ticket,
    headers: (method): Record<string, string> => (method === 'GET' ? { Cookie: cookie } : { Cookie: cookie, CSRFPreventionToken: ticket.csrfToken }),
  };
}

export function createSession(backend: string, transport: Transport, auth: ProxmoxAuth, now: () => number = Date.now): Session {
  if (auth.kind === 'token') {
    const credentials = tokenCredentials(auth.tokenId, auth.secret);
    return { credentials: async () => credentials, renew: async () => null };
  }
  const { username, password } = auth;
  let current: (Credentials & { ticket: Ticket }) | null = null;
  let login: Promise<Credentials & { ticket: Ticket }> | null = null;

  function loginOnce(ctx: CallContext): Promise<Credentials & { ticket: Ticket }> {
    login ??= openTicket(ctx).then(
      (fresh) => {
        current = fresh;
        login = null;
        return fresh;
      },
      (err: unknown) => {
        login = null;
        throw err;
      },
    );
    return login;
  }

  async function openTicket(ctx: CallContext): Promise<Credentials & { ticket: Ticket }> {
    const body = new URLSearchParams({ username, password: password.reveal() }).toString();
    const res = await transport.request({
      method: 'POST',
      path: '/access/ticket',
      operation: 'login',
      signal: ctx.signal,
      body,
      headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    if (res.status === 401 || res.status === 403) {
      throw new BackendError('BACKEND_AUTH_FAILED', backend, `${backend}: login failed: HTTP ${res.status} authentication failure; check username (user@realm) and password`, {
        status: res.status,
      });
    }
    if (res.status !== 200) throw loginError(res);
    const envelope = parseJson(res);
    const ticket = envelope ? narrowTicket(envelope.data) : undefined;
    if (!ticket) throw new BackendError('BACKEND_BAD_RESPONSE', backend, `${backend}: malformed response: login: no ticket in the answer`, { status: res.status });
    if (ticket.needTfa) {
      throw new BackendError('BACKEND_AUTH_FAILED', backend, `${backend}: login: the account has two-factor authentication; use an API token (tokenId, tokenSecret) instead`, {
        status: res.status,
      });
    }
    return ticketCredentials({ ticket: ticket.ticket, csrfToken: ticket.csrfToken, issuedAt: now() });
  }

  function loginError(res: HttpResponse): BackendError {
    const message = parseJson(res)?.message;
    const code = res.status >= 500 ? 'BACKEND_UNAVAILABLE' : 'BACKEND_ERROR';
    return new BackendError(code, backend, `${backend}: login failed: HTTP ${res.status}${message ? ` ${message}` : ''}`, { status: res.status });
  }

  return {
    credentials(ctx) {
      if (current && now() - current.ticket.issuedAt < TICKET_RENEW_MS) return Promise.resolve(current);
      return loginOnce(ctx);
    },
    renew(used, ctx) {
      // Another caller renewed it already: use theirs.
      if (current && current !== used) return Promise.resolve(current);
      if (current === used) current = null;
      return loginOnce(ctx);
    },
  };
}

function parseJson(res: HttpResponse): ReturnType<typeof narrowEnvelope> {
  try {
    return narrowEnvelope(JSON.parse(res.text()));
  } catch {
    return undefined;
  }
}
