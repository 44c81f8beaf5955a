/**
 * Sessions as vcsim keeps them (govmomi `simulator/session_manager.go`): Login checks the
 * credentials and sets `vmware_soap_session=<uuid>; HttpOnly` (unquoted, as vcsim does; vCenter
 * quotes the value); the cookie maps each request to its session; Logout and TerminateSession
 * end one. Session-scoped objects (collectors, filters, retrieve tokens) die with it.
 */
import { randomUUID } from 'node:crypto';
import type { HistoryCollector } from './history.js';
import type { PropertyCollectorState } from './property-collector.js';
import type { SimView } from './views.js';

export const SESSION_COOKIE = 'vmware_soap_session';

export interface SimSession {
  key: string;
  userName: string;
  loginTime: Date;
  lastActiveTime: Date;
  callCount: number;
  userAgent: string | null;
  ended: boolean;
  /** TaskHistoryCollectors by moref value. */
  history: Map<string, HistoryCollector>;
  /** PropertyCollectors created by CreatePropertyCollector, by moref value. */
  collectors: Map<string, PropertyCollectorState>;
  /** ContinueRetrievePropertiesEx tokens: the ObjectContent elements still to send. */
  tokens: Map<string, string[]>;
  /** ListViews and ContainerViews by moref value (views.ts). */
  views: Map<string, SimView>;
}

export class Sessions {
  readonly #sessions = new Map<string, SimSession>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  create(userName: string, userAgent: string | null): SimSession {
    const now = new Date(this.#now());
    const session: SimSession = {
      key: randomUUID(),
      userName,
      loginTime: now,
      lastActiveTime: now,
      callCount: 0,
      userAgent,
      ended: false,
      history: new Map(),
      collectors: new Map(),
      tokens: new Map(),
      views: new Map(),
    };
    this.#sessions.set(session.key, session);
    return session;
  }

  /** The session named by the request's cookie, quoted or not. */
  fromCookie(header: string | undefined): SimSession | undefined {
    const match = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}="?([^";]+)"?`).exec(header ?? '');
    const session = match ? this.#sessions.get(match[1]!) : undefined;
    if (session) {
      session.lastActiveTime = new Date(this.#now());
      session.callCount++;
    }
    return session;
  }

  setCookie(session: SimSession): string {
    return `${SESSION_COOKIE}=${session.key}; HttpOnly`;
  }

  end(key: string): boolean {
    const session = this.#sessions.get(key);
    if (!session) return false;
    session.ended = true;
    this.#sessions.delete(key);
    return true;
  }

  endAll(): number {
    const keys = [...this.#sessions.keys()];
    for (const key of keys) this.end(key);
    return keys.length;
  }

  get(key: string): SimSession | undefined {
    return this.#sessions.get(key);
  }

  list(): SimSession[] {
    return [...this.#sessions.values()];
  }
}

/** A session-scoped moref value, as vcsim makes them: `session[<key>]<uuid>`. */
export function sessionRef(session: SimSession): string {
  return `session[${session.key}]${randomUUID()}`;
}
