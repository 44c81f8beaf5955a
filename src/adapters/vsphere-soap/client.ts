/**
 * vim25 transport: `POST /sdk` with `SOAPAction: urn:vim25/<version>` and
 * `Content-Type: text/xml; charset="utf-8"` (govmomi `vim25/soap/client.go`), the session
 * (RetrieveServiceContent, SessionManager.Login, the `vmware_soap_session` cookie kept in the
 * transport's cookie jar and replayed as the server set it, quoted or not, as govmomi's
 * `http.Client` jar does), the request id in the SOAP Header `operationID`, and
 * RetrievePropertiesEx with ContinueRetrievePropertiesEx. Returns wire types only.
 *
 * A lost session (NotAuthenticated, as a fault or, from vcsim, inside a missingSet) is renewed
 * once and transparently by `run`: concurrent calls share one Login.
 */
import type { CallContext } from '../contract.js';
import { BackendError, badResponse } from '../errors.js';
import { createTransport, type HttpResponse, type TlsOptions } from '../http.js';
import type { Secret } from '../../model/secret.js';
import type { XmlElement } from '../xml.js';
import { faultError, isSessionLoss } from './faults.js';
import { el, node, readEnvelope, requestEnvelope, returnvals, type MoRef, type Part } from './soap.js';
import { readRetrieveResult, readServiceContent, type ObjectContent, type ServiceContent } from './wire.js';

export const SESSION_COOKIE = 'vmware_soap_session';

export interface VimClientOptions {
  backend: string;
  /** Server origin, e.g. https://vc.example.com (the client posts to `/sdk`). */
  baseUrl: string;
  /** The version in `SOAPAction: urn:vim25/<version>`. */
  apiVersion: string;
  username: string;
  password: Secret;
  timeoutMs: number;
  tls?: TlsOptions;
}

/** One logged-in session (its cookie is in the transport's jar). Collectors and filters belong to it and die with it. */
export interface VimSession {
  readonly content: ServiceContent;
  /** Whether CreateCollectorForTasks works here; learned once per session. */
  collectors: 'unknown' | 'yes' | 'no';
  lost: boolean;
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

const ROOT: MoRef = { type: 'ServiceInstance', value: 'ServiceInstance' };

/**
 * Methods that read or set an absolute state, safe to send again when no answer came: the
 * transport retries them as it retries GETs. Not CreateCollectorForTasks (a lost answer would
 * leak a collector of the session's few), nor Read{Next,Previous}Tasks (they move the
 * collector's cursor), nor ContinueRetrievePropertiesEx (its token may be spent), nor any
 * method that changes a task.
 */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['RetrieveServiceContent', 'RetrievePropertiesEx', 'SetCollectorPageSize', 'ResetCollector']);

/** The `name=value` pair of our session cookie from Set-Cookie headers, value kept verbatim. */
export function sessionCookieOf(setCookie: string | string[] | undefined): string | null {
  for (const header of [setCookie ?? []].flat()) {
    const pair = header.split(';')[0]!.trim();
    if (pair.startsWith(`${SESSION_COOKIE}=`) && pair.length > SESSION_COOKIE.length + 1) return pair;
  }
  return null;
}

export class VimClient {
  readonly backend: string;
  readonly #options: VimClientOptions;
  readonly #transport;
  #current: Promise<VimSession> | null = null;
  /** The session #current resolved to, so invalidation is synchronous. */
  #resolved: VimSession | null = null;
  #closed = false;
  /** ServiceContent does not change between sessions; read once. */
  #content: ServiceContent | null = null;

  constructor(options: VimClientOptions) {
    this.backend = options.backend;
    this.#options = options;
    this.#transport = createTransport({ backend: options.backend, baseUrl: options.baseUrl, timeoutMs: options.timeoutMs, tls: options.tls, cookies: true });
  }

  /** One SOAP call; returns the `<MethodResponse>` element, throws BackendError (VimFaultError for faults). */
  async call(_session: VimSession | null, method: string, self: MoRef, args: Part[], ctx: CallContext, options: CallOptions = {}): Promise<XmlElement> {
    return (await this.#post(method, self, args, ctx, options)).response;
  }

  async #post(method: string, self: MoRef, args: Part[], ctx: CallContext, options: CallOptions) {
    const res = await this.#transport.request({
      method: 'POST',
      path: '/sdk',
      headers: { 'content-type': 'text/xml; charset="utf-8"', soapaction: `urn:vim25/${this.#options.apiVersion}` },
      body: requestEnvelope(method, self, args, ctx.requestId),
      operation: method,
      signal: options.signal ?? ctx.signal,
      timeoutMs: options.timeoutMs,
      idempotent: IDEMPOTENT_METHODS.has(method),
    });
    return { response: this.#read(method, res), cookie: sessionCookieOf(res.headers['set-cookie']) };
  }

  #read(method: string, res: HttpResponse): XmlElement {
    const { backend } = this;
    if (res.status !== 200 && res.status !== 500) {
      const code = res.status === 401 || res.status === 403 ? 'BACKEND_AUTH_FAILED' : res.status >= 502 && res.status <= 504 ? 'BACKEND_UNAVAILABLE' : 'BACKEND_ERROR';
      throw new BackendError(code, backend, `${backend}: ${method} failed: HTTP ${res.status}`, { status: res.status });
    }
    let result;
    try {
      result = readEnvelope(res.text());
    } catch (err) {
      if (res.status === 500) throw new BackendError('BACKEND_ERROR', backend, `${backend}: ${method} failed: HTTP 500`, { status: 500 });
      throw badResponse(backend, `${method}: ${(err as Error).message}`, err);
    }
    if (!result.ok) throw faultError(backend, method, result.fault, res.status);
    return result.body;
  }

  /** The current session, logging in when there is none; concurrent callers share one Login. */
  session(ctx: CallContext): Promise<VimSession> {
    if (this.#closed) return Promise.reject(new BackendError('BACKEND_UNAVAILABLE', this.backend, `${this.backend}: adapter is closed`));
    if (!this.#current) {
      // The login is shared: one caller giving up must not abort it for the others.
      const login = this.#login({ requestId: ctx.requestId });
      this.#current = login;
      login.then(
        (s) => {
          if (this.#current === login) this.#resolved = s;
        },
        () => {
          if (this.#current === login) this.#current = null;
        },
      );
    }
    return this.#current;
  }

  /** Forgets a session that the server no longer knows, unless a newer one replaced it already. */
  invalidate(session: VimSession): void {
    session.lost = true;
    if (this.#resolved === session) {
      this.#resolved = null;
      this.#current = null;
    }
  }

  /** Runs `fn` with a session; on session loss logs in again and runs it once more. */
  async run<T>(ctx: CallContext, fn: (session: VimSession) => Promise<T>): Promise<T> {
    const session = await this.session(ctx);
    try {
      return await fn(session);
    } catch (err) {
      if (!isSessionLoss(err)) throw err;
      this.invalidate(session);
      return fn(await this.session(ctx));
    }
  }

  async #serviceContent(ctx: CallContext): Promise<ServiceContent> {
    if (this.#content) return this.#content;
    const sc = await this.call(null, 'RetrieveServiceContent', ROOT, [], ctx);
    try {
      this.#content = readServiceContent(returnvals(sc)[0]);
    } catch (err) {
      throw badResponse(this.backend, `RetrieveServiceContent: ${(err as Error).message}`, err);
    }
    return this.#content;
  }

  async #login(ctx: CallContext): Promise<VimSession> {
    const content = await this.#serviceContent(ctx);
    const { cookie } = await this.#post(
      'Login',
      content.sessionManager,
      [el('userName', this.#options.username), el('password', this.#options.password.reveal())],
      ctx,
      {},
    );
    if (!cookie) throw badResponse(this.backend, `Login: no ${SESSION_COOKIE} cookie in the response`);
    return { content, collectors: 'unknown', lost: false };
  }

  /**
   * RetrievePropertiesEx of `specSet` (serialized PropertyFilterSpecs), following tokens with
   * ContinueRetrievePropertiesEx. A NotAuthenticated in a missingSet (vcsim answers property
   * reads without a session that way) is raised as session loss.
   */
  async retrieve(session: VimSession, specSet: string, maxObjects: number, ctx: CallContext): Promise<ObjectContent[]> {
    const pc = session.content.propertyCollector;
    const first = await this.call(session, 'RetrievePropertiesEx', pc, [specSet, node('options', [el('maxObjects', maxObjects)])], ctx);
    let page = this.#result('RetrievePropertiesEx', first);
    const out = [...page.objects];
    for (let i = 0; page.token && i < 10_000; i++) {
      const next = await this.call(session, 'ContinueRetrievePropertiesEx', pc, [el('token', page.token)], ctx);
      page = this.#result('ContinueRetrievePropertiesEx', next);
      out.push(...page.objects);
    }
    for (const o of out) {
      const lost = o.missing.find((m) => m.fault?.type === 'NotAuthenticated');
      if (lost) throw faultError(this.backend, 'RetrievePropertiesEx', { type: 'NotAuthenticated', message: lost.fault?.localizedMessage ?? '', detail: undefined });
    }
    return out;
  }

  #result(method: string, response: XmlElement) {
    try {
      return readRetrieveResult(returnvals(response)[0]);
    } catch (err) {
      throw badResponse(this.backend, `${method}: ${(err as Error).message}`, err);
    }
  }

  /** Logs out (best effort) and releases connections; later calls fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const current = this.#current;
    this.#current = null;
    this.#resolved = null;
    const session = await current?.catch(() => null);
    if (session && !session.lost) {
      await this.call(session, 'Logout', session.content.sessionManager, [], { requestId: 'taskgraph-logout' }, { timeoutMs: 5_000 }).catch(() => undefined);
    }
    this.#transport.close();
  }
}
