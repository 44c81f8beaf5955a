/**
 * vCD API version negotiation and login (reference §1.1).
 *
 * - `GET /api/versions` (no auth): the highest non-deprecated version taskgraph supports, as
 *   pyvcloud `get_supported_versions_list` does, or the pinned `apiVersion` if the cell offers it.
 * - From API 33: `POST /cloudapi/1.0.0/sessions` (tenants) or `.../sessions/provider` (System),
 *   Basic `user@org`, token in `X-VMWARE-VCLOUD-ACCESS-TOKEN`, then `Authorization: Bearer`
 *   (pyvcloud `set_credentials`, govcd `vcdCloudApiAuthorize`).
 * - Below 33: `POST /api/sessions`, token in `x-vcloud-authorization`, sent back in the same header.
 * - Logout: `DELETE /cloudapi/1.0.0/sessions/current` for bearer sessions on 34+ (govcd
 *   OpenApiEndpointSessionCurrent, since 34.0), else `DELETE /api/session` (pyvcloud `logout`).
 */
import type { CallContext } from '../contract.js';
import { BackendError, badResponse } from '../errors.js';
import { basicAuth, type HttpResponse, type Transport } from '../http.js';
import { parseXml, XmlError, type XmlElement } from '../xml.js';
import type { Secret } from '../../model/secret.js';
import { compareVersions, versionAtLeast } from './version.js';
import { narrowSession, narrowVersions, type VcdVersionInfo } from './wire.js';

/** API versions taskgraph speaks (task, query, tasksList and cancel exist in all of them; VcTaskList from 33). */
export const SUPPORTED_VERSIONS = [
  '29.0', '30.0', '31.0', '32.0', '33.0', '34.0', '35.0', '36.0', '36.1', '36.2', '36.3',
  '37.0', '37.1', '37.2', '37.3', '38.0', '38.1', '39.0', '39.1',
] as const;

export interface Session {
  scheme: 'bearer' | 'legacy';
  token: string;
  apiVersion: string;
  /** `/api/org/{uuid}` of the logged-in org, when the login answer names it. */
  orgHref: string | null;
  /** `/api/admin/user/{uuid}` of the logged-in user, when known. */
  userHref: string | null;
}

export interface LoginOptions {
  backend: string;
  transport: Transport;
  username: string;
  password: Secret;
  org: string;
}

/** Only alphanumerics and dashes, at most 128 characters (govcd setVcloudClientRequestId). */
export function requestIdHeader(requestId: string): Record<string, string> {
  const clean = requestId.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 128);
  return /[A-Za-z0-9]/.test(clean) ? { 'X-VMWARE-VCLOUD-CLIENT-REQUEST-ID': clean } : {};
}

export function isSystemOrg(org: string): boolean {
  return org.toLowerCase() === 'system';
}

export function parseBody(backend: string, res: HttpResponse, operation: string): XmlElement {
  try {
    return parseXml(res.text());
  } catch (err) {
    if (err instanceof XmlError) throw badResponse(backend, `${operation}: ${err.message}`, err);
    throw err;
  }
}

/** Picks the version to speak: the pin if offered, else the highest non-deprecated supported one. */
export function chooseVersion(backend: string, offered: VcdVersionInfo[], pinned: string | undefined): VcdVersionInfo {
  if (pinned) {
    const hit = offered.find((v) => v.version === pinned);
    if (hit) return hit;
    throw new BackendError(
      'BACKEND_ERROR',
      backend,
      `${backend}: apiVersion ${pinned} is not offered by this vCD (it offers ${offered.map((v) => v.version).join(', ') || 'none'}); change or remove backends.${backend}.apiVersion`,
    );
  }
  const usable = offered
    .filter((v) => !v.deprecated && (SUPPORTED_VERSIONS as readonly string[]).includes(v.version))
    .sort((a, b) => compareVersions(a.version, b.version));
  const best = usable[usable.length - 1];
  if (!best) {
    throw new BackendError(
      'BACKEND_ERROR',
      backend,
      `${backend}: no API version in common (vCD offers ${offered.map((v) => v.version).join(', ') || 'none'}; taskgraph speaks ${SUPPORTED_VERSIONS[0]}-${SUPPORTED_VERSIONS[SUPPORTED_VERSIONS.length - 1]})`,
    );
  }
  return best;
}

export async function negotiateVersion(
  options: Pick<LoginOptions, 'backend' | 'transport'>,
  pinned: string | undefined,
  ctx: CallContext,
): Promise<VcdVersionInfo> {
  const { backend, transport } = options;
  const res = await transport.request({
    method: 'GET',
    path: '/api/versions',
    operation: 'read API versions',
    headers: { Accept: 'application/*+xml', ...requestIdHeader(ctx.requestId) },
    signal: ctx.signal,
  });
  if (res.status !== 200) {
    throw new BackendError('BACKEND_ERROR', backend, `${backend}: read API versions failed: HTTP ${res.status}; is this a VMware Cloud Director URL?`, { status: res.status });
  }
  const versions = narrowVersions(parseBody(backend, res, 'read API versions'));
  if (!versions) throw badResponse(backend, 'read API versions: not a SupportedVersions document');
  return chooseVersion(backend, versions, pinned);
}

function uuidOfUrn(urn: unknown): string | null {
  if (typeof urn !== 'string') return null;
  const m = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(urn);
  return m ? m[1]!.toLowerCase() : null;
}

function authFailed(backend: string, status: number): BackendError {
  return new BackendError(
    'BACKEND_AUTH_FAILED',
    backend,
    `${backend}: login refused (HTTP ${status}); check username, password and org`,
    { status },
  );
}

function header(res: HttpResponse, name: string): string | undefined {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export async function login(options: LoginOptions, version: VcdVersionInfo, ctx: CallContext): Promise<Session> {
  const { backend, transport } = options;
  const authorization = basicAuth(`${options.username}@${options.org}`, options.password.reveal());
  const common = { Authorization: authorization, ...requestIdHeader(ctx.requestId) };
  if (versionAtLeast(version.version, '33.0')) {
    const path = isSystemOrg(options.org) ? '/cloudapi/1.0.0/sessions/provider' : '/cloudapi/1.0.0/sessions';
    const res = await transport.request({
      method: 'POST',
      path,
      operation: 'log in',
      headers: { ...common, Accept: `application/json;version=${version.version}` },
      signal: ctx.signal,
    });
    if (res.status === 401 || res.status === 403) throw authFailed(backend, res.status);
    if (res.status < 200 || res.status >= 300) {
      throw new BackendError('BACKEND_ERROR', backend, `${backend}: log in failed: HTTP ${res.status}`, { status: res.status });
    }
    const token = header(res, 'x-vmware-vcloud-access-token');
    if (!token) throw badResponse(backend, 'log in: no X-VMWARE-VCLOUD-ACCESS-TOKEN header');
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(res.text());
      if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
    } catch {
      // The session body is informative only; the token is what matters.
    }
    const org = body.org as { id?: unknown } | undefined;
    const user = body.user as { id?: unknown } | undefined;
    const orgUuid = uuidOfUrn(org?.id);
    const userUuid = uuidOfUrn(user?.id);
    return {
      scheme: 'bearer',
      token,
      apiVersion: version.version,
      orgHref: orgUuid ? `/api/org/${orgUuid}` : null,
      userHref: userUuid ? `/api/admin/user/${userUuid}` : null,
    };
  }
  // The LoginUrl from /api/versions, when it is on the same origin; else the documented path.
  let path = '/api/sessions';
  if (version.loginUrl) {
    try {
      const url = new URL(version.loginUrl);
      if (url.origin === transport.origin) path = url.href;
    } catch {
      // not a URL: keep the documented path
    }
  }
  const res = await transport.request({
    method: 'POST',
    path,
    operation: 'log in',
    headers: { ...common, Accept: `application/*+xml;version=${version.version}` },
    signal: ctx.signal,
  });
  if (res.status === 401 || res.status === 403) throw authFailed(backend, res.status);
  if (res.status !== 200) {
    throw new BackendError('BACKEND_ERROR', backend, `${backend}: log in failed: HTTP ${res.status}`, { status: res.status });
  }
  const token = header(res, 'x-vcloud-authorization');
  if (!token) throw badResponse(backend, 'log in: no x-vcloud-authorization header');
  const session = narrowSession(parseBody(backend, res, 'log in'));
  const orgLink = session?.links.find(
    (l) => l.type === 'application/vnd.vmware.vcloud.org+xml' && l.name?.toLowerCase() === options.org.toLowerCase(),
  );
  const userUuid = uuidOfUrn(session?.userId);
  return {
    scheme: 'legacy',
    token,
    apiVersion: version.version,
    orgHref: orgLink?.href ?? null,
    userHref: userUuid ? `/api/admin/user/${userUuid}` : null,
  };
}

export function authHeaders(session: Session): Record<string, string> {
  return session.scheme === 'bearer' ? { Authorization: `Bearer ${session.token}` } : { 'x-vcloud-authorization': session.token };
}

/** Best effort: a failed logout only leaves a session to time out on the cell. */
export async function logout(options: Pick<LoginOptions, 'transport'>, session: Session): Promise<void> {
  const cloudapi = session.scheme === 'bearer' && versionAtLeast(session.apiVersion, '34.0');
  try {
    await options.transport.request({
      method: 'DELETE',
      path: cloudapi ? '/cloudapi/1.0.0/sessions/current' : '/api/session',
      operation: 'log out',
      headers: {
        Accept: cloudapi ? `application/json;version=${session.apiVersion}` : `application/*+xml;version=${session.apiVersion}`,
        ...authHeaders(session),
        ...requestIdHeader('taskgraph-logout'),
      },
      timeoutMs: 3000,
    });
  } catch {
    // ignore
  }
}
