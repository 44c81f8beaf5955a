/**
 * The low-cardinality template of an upstream path (OpenTelemetry's `url.template`): every
 * segment that names one object is replaced by `{id}`, so spans group by endpoint and no task,
 * org or session id reaches the tracing backend.
 *
 * The vendors' ids all carry a digit or a separator: UUIDs (`/api/task/8d47a40c-…`, Cloud
 * Director), Prism extIds (`ZXJnb24=:278bbfc2-…`), vSphere REST task ids (`52d0…:com.vmware…`),
 * managed object ids (`vm-42`). Their fixed segments are words (`api`, `cis`, `tasks`,
 * `$actions`) and versions (`v4.0`, `v4.0.b1`, `1.0.0`), which are kept.
 */

/** `v4`, `v4.0`, `v4.0.b1`, `1.0.0`, `36.0`: an API version, not an id (a bare integer is an id). */
const VERSION = /^(v\d+(\.[a-z0-9]+)*|\d+(\.\d+)+)$/i;
const ID_MARK = /[0-9:=%@~]/;
/** Longer than any fixed segment of the four vendors' paths: an opaque token. */
const MAX_WORD = 40;

function isIdSegment(segment: string): boolean {
  if (!segment || VERSION.test(segment)) return false;
  return ID_MARK.test(segment) || segment.length > MAX_WORD;
}

/** `/api/task/8d47a40c-9cf1-…/action/cancel` -> `/api/task/{id}/action/cancel`; the query is never part of it. */
export function pathTemplate(pathname: string): string {
  return pathname
    .split('/')
    .map((segment) => (isIdSegment(segment) ? '{id}' : segment))
    .join('/');
}
