/**
 * Versions, logins, logout, the session and the org documents (reference §1.1, §1.3).
 */
import type { SimRequest, SimResponse } from '../harness.js';
import { checkBasic, type SessionStore, type SimSession } from './auth.js';
import { isSystem, ORGS, orgByUuid } from './directory.js';
import { renderOrg, renderOrgList, renderSession, renderVersions } from './render.js';
import { empty, noAccess, vcdError, xml } from './respond.js';

export interface VersionEntry {
  version: string;
  deprecated: boolean;
}

export interface CellState {
  sessions: SessionStore;
  versions: VersionEntry[];
}

export function versionsRoute(req: SimRequest, cell: CellState, origin: string): SimResponse {
  return xml(req, 200, renderVersions(cell.versions, origin), 'application/vnd.vmware.vcloud.versions+xml', undefined, 'versions');
}

/** Legacy `POST /api/sessions`: a missing Authorization header is 403 (programming guide 1.5 p. 25). */
export function legacyLogin(req: SimRequest, cell: CellState, origin: string, version: string): SimResponse {
  const basic = checkBasic(req.headers);
  const route = 'login (legacy)';
  if (basic === 'missing') return vcdError(req, 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN', 'This operation is denied.', route, version);
  if (basic === 'refused') return vcdError(req, 401, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN', 'Invalid username or password.', route, version);
  const session = cell.sessions.create(basic.user, basic.org, 'legacy');
  return xml(req, 200, renderSession(basic.user, basic.org, origin), 'application/vnd.vmware.vcloud.session+xml', version, route, {
    'x-vcloud-authorization': session.token,
    'set-cookie': `vcloud-token=${session.token}; Secure; Path=/`,
  });
}

/**
 * `POST /cloudapi/1.0.0/sessions` and `/sessions/provider`. A failed login is 401 with no body
 * structure (reference §1.1); System accounts must use /provider and tenants must not.
 */
export function cloudLogin(req: SimRequest, cell: CellState, provider: boolean, version: string | undefined): SimResponse {
  const basic = checkBasic(req.headers);
  const route = provider ? 'login (cloudapi provider)' : 'login (cloudapi)';
  if (basic === 'missing' || basic === 'refused' || isSystem(basic.org) !== provider) {
    return { status: 401, route, headers: { 'content-type': 'application/json' }, body: '' };
  }
  const session = cell.sessions.create(basic.user, basic.org, 'bearer');
  const body = {
    id: `urn:vcloud:session:${session.id}`,
    site: { name: 'vcd-sim', id: 'urn:vcloud:site:00000000-0000-4000-8000-000000000001' },
    user: { name: basic.user.name, id: `urn:vcloud:user:${basic.user.uuid}` },
    org: { name: basic.org.name, id: `urn:vcloud:org:${basic.org.uuid}` },
    operatingOrg: { name: basic.org.name, id: `urn:vcloud:org:${basic.org.uuid}` },
    location: 'vcd-sim',
    roles: [provider ? 'System Administrator' : 'Organization Administrator'],
    roleRefs: [],
    sessionIdleTimeoutMinutes: 30,
  };
  return {
    status: 200,
    route,
    body: JSON.stringify(body),
    headers: {
      'content-type': `application/json;version=${version ?? '36.0'}`,
      'x-vmware-vcloud-access-token': session.token,
      'x-vmware-vcloud-token-type': 'Bearer',
    },
  };
}

export function sessionRoute(req: SimRequest, session: SimSession, origin: string, version: string): SimResponse {
  return xml(req, 200, renderSession(session.user, session.org, origin), 'application/vnd.vmware.vcloud.session+xml', version, 'session');
}

export function logoutRoute(req: SimRequest, cell: CellState, session: SimSession): SimResponse {
  cell.sessions.remove(session);
  return empty(req, 204, undefined, 'logout');
}

/** `GET /api/org/` (what the user may see) and `GET /api/org/{uuid}` (with its tasksList link). */
export function orgRoute(req: SimRequest, session: SimSession, origin: string, version: string, uuid: string | undefined): SimResponse {
  if (!uuid) {
    const orgs = isSystem(session.org) ? ORGS : [session.org];
    return xml(req, 200, renderOrgList(orgs, origin), 'application/vnd.vmware.vcloud.orgList+xml', version, 'list orgs');
  }
  const org = orgByUuid(uuid);
  if (!org || (!isSystem(session.org) && org !== session.org)) return noAccess(req, 'org', uuid, 'read org', version);
  return xml(req, 200, renderOrg(org, origin), 'application/vnd.vmware.vcloud.org+xml', version, 'read org');
}
