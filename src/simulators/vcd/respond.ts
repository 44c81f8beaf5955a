/** Response helpers: vCD media types carry `;version=`, errors are `<Error>` documents. */
import { randomUUID } from 'node:crypto';
import type { SimRequest, SimResponse } from '../harness.js';
import { ERROR_TYPE, renderError } from './render.js';

/** The API version a request asked for in `Accept: ...;version=X`, if any. */
export function acceptVersion(req: SimRequest): string | undefined {
  return /version\s*=\s*([0-9]+\.[0-9]+(?:\.[0-9]+)?(?:-[\w.]+)?)/i.exec(String(req.headers.accept ?? ''))?.[1];
}

/**
 * X-VMWARE-VCLOUD-REQUEST-ID: the client's X-VMWARE-VCLOUD-CLIENT-REQUEST-ID (first 128
 * characters), a dash and a server UUID; only the UUID without one (govcd api.go comment).
 */
function requestId(req: SimRequest): string {
  const client = String(req.headers['x-vmware-vcloud-client-request-id'] ?? '');
  const ok = /^[A-Za-z0-9-]*[A-Za-z0-9][A-Za-z0-9-]*$/.test(client);
  return ok ? `${client.slice(0, 128)}-${randomUUID()}` : randomUUID();
}

export function xml(req: SimRequest, status: number, body: string, mediaType: string, version: string | undefined, route: string, extra: Record<string, string> = {}): SimResponse {
  return {
    status,
    route,
    body,
    headers: {
      'content-type': version ? `${mediaType};version=${version}` : mediaType,
      'x-vmware-vcloud-request-id': requestId(req),
      ...extra,
    },
  };
}

export function empty(req: SimRequest, status: number, version: string | undefined, route: string, extra: Record<string, string> = {}): SimResponse {
  return { status, route, headers: { 'x-vmware-vcloud-request-id': requestId(req), ...extra } };
}

/** An `<Error>` body with the documented minor codes (reference §1.2, Error element). */
export function vcdError(req: SimRequest, status: number, minor: string, message: string, route: string, version?: string): SimResponse {
  return xml(req, status, renderError(status, minor, message), ERROR_TYPE, version, route);
}

export function minorFor(status: number): string {
  switch (status) {
    case 400:
      return 'BAD_REQUEST';
    case 401:
    case 403:
      return 'ACCESS_TO_RESOURCE_IS_FORBIDDEN';
    case 404:
      return 'RESOURCE_NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 409:
      return 'CONFLICT';
    default:
      return 'INTERNAL_SERVER_ERROR';
  }
}

/**
 * What a cell answers, with 403, for an entity that is missing or not visible: it does not
 * tell the two apart (jclouds vcloud-director UserClientLiveTest, against a live cell:
 * `No access to entity "(com.vmware.vcloud.entity.user:<uuid>)".`, 403, ACCESS_TO_RESOURCE_IS_FORBIDDEN).
 */
export function noAccess(req: SimRequest, kind: 'task' | 'org', uuid: string, route: string, version?: string): SimResponse {
  return vcdError(req, 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN', `[ ${randomUUID()} ] No access to entity "(com.vmware.vcloud.entity.${kind}:${uuid})".`, route, version);
}
