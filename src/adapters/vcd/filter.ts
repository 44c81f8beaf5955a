/**
 * TaskFilter + keyset -> a vCD query-service filter, encoded the way each API version needs.
 *
 * Grammar (vCloud API programming guide, "Query Parameters"): `==`, `!=`, `=lt=`, `=le=`,
 * `=gt=`, `=ge=`; `;` is AND, `,` is OR, parentheses group. OR groups are always parenthesised
 * so precedence never matters.
 *
 * Encoding (pyvcloud `_AbstractQuery`): below API 35 each value is percent-encoded, the whole
 * filter is percent-encoded again and `filterEncoded=true` is sent. From 35 on, vCD rejects
 * double encoding and ignores `filterEncoded`: values are encoded once and `( ) , ;` inside a
 * value are backslash-escaped (`%5C%28` ...).
 *
 * What is pushed down: statuses (`status==`), operation names (`name==`), the entity and the
 * entities of a batched lookup (`object==<href>`, or-ed: the query service filters tasks on
 * their object's href, as go-vcloud-director's Catalog.QueryTaskList does with
 * `filter["object"] = catalog.HREF` and buildFilterTextWithLogicalOr), the time bounds
 * (`startDate`) from createdAfter / createdBefore and from the keyset. What is not:
 * `cancelRequested` (not a query attribute), the entity type (the value space of `objectType`
 * is UNCONFIRMED, reference §1.4) and the parent (records have no parent); the adapter finishes
 * those with matchesFilter. An entity id that is not an href (a URN) is matched locally only.
 */
import type { Keyset, SortDirection, TaskFilter } from '../../model/filter.js';
import { vcdStatusesFor, type VcdStatus } from './map.js';
import { versionAtLeast } from './version.js';

export type Comparison = '==' | '!=' | '=lt=' | '=le=' | '=gt=' | '=ge=';

export interface Condition {
  attribute: string;
  op: Comparison;
  value: string;
}

/** AND of ORs. */
export type Clauses = Condition[][];

export interface NativeFilter {
  clauses: Clauses;
  /** True when nothing can match (e.g. only BLOCKED was asked for): no call is needed. */
  empty: boolean;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function buildFilter(filter: TaskFilter, direction: SortDirection, after?: Keyset): NativeFilter {
  const clauses: Clauses = [];
  if (filter.statuses?.length) {
    const lists = filter.statuses.map(vcdStatusesFor);
    if (!lists.includes(null)) {
      const statuses = [...new Set((lists as Array<readonly VcdStatus[]>).flat())];
      if (statuses.length === 0) return { clauses, empty: true };
      clauses.push(statuses.map((value) => ({ attribute: 'status', op: '==', value })));
    }
  }
  if (filter.operations?.length) {
    clauses.push([...new Set(filter.operations)].map((value) => ({ attribute: 'name', op: '==', value })));
  }
  const hrefs = entityHrefs(filter);
  if (hrefs === 'none') return { clauses, empty: true };
  for (const group of hrefs) clauses.push([...new Set(group)].map((value) => ({ attribute: 'object', op: '==', value })));
  if (filter.createdAfter) clauses.push([{ attribute: 'startDate', op: '=ge=', value: iso(filter.createdAfter.getTime()) }]);
  if (filter.createdBefore) clauses.push([{ attribute: 'startDate', op: '=lt=', value: iso(filter.createdBefore.getTime()) }]);
  // Keyset: include ties on the time (=le= / =ge=); the adapter drops the ones already seen.
  if (after) clauses.push([{ attribute: 'startDate', op: direction === 'DESC' ? '=le=' : '=ge=', value: iso(after.time) }]);
  return { clauses, empty: false };
}

const isHref = (id: string) => /^https?:\/\//.test(id);

/**
 * The `object==` groups a filter's entities push down (AND of ORs): the entity, and the batched
 * entities when every one is an href; 'none' when an empty entity list can match nothing.
 */
function entityHrefs(filter: TaskFilter): string[][] | 'none' {
  const groups: string[][] = [];
  if (filter.entity && isHref(filter.entity.nativeId)) groups.push([filter.entity.nativeId]);
  if (filter.entities) {
    if (filter.entities.length === 0) return 'none';
    if (filter.entities.every((e) => isHref(e.nativeId))) groups.push(filter.entities.map((e) => e.nativeId));
  }
  return groups;
}

/** Whether the records' `object` decides the filter's entity parts exactly (hrefs, no type). */
export function entitiesPushedExactly(filter: TaskFilter): boolean {
  const exact = (e: { nativeId: string; type?: string | null }) => isHref(e.nativeId) && !e.type;
  return (!filter.entity || exact(filter.entity)) && (!filter.entities || filter.entities.every(exact));
}

/** An OR of ids (`id==<uuid>`), as govcd's QueryVappTemplateById filters on the UUID. */
export function idClauses(uuids: readonly string[]): Clauses {
  return [uuids.map((value) => ({ attribute: 'id', op: '==', value }))];
}

/** Python's urllib.parse.quote with its default safe='/' (what pyvcloud uses). */
export function pyQuote(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, '/');
}

function escapeSpecials(encoded: string): string {
  return encoded.replace(/%(28|29|2C|3B)/g, '%5C%$1');
}

function render(clauses: Clauses, value: (v: string) => string): string {
  return clauses
    .map((group) => {
      const text = group.map((c) => `${c.attribute}${c.op}${value(c.value)}`).join(',');
      return group.length > 1 && clauses.length > 1 ? `(${text})` : text;
    })
    .join(';');
}

/**
 * The query-string parameters for a filter (already encoded, starting with `&`), or '' when
 * there is nothing to filter on.
 */
export function encodeFilter(clauses: Clauses, apiVersion: string): string {
  if (clauses.length === 0) return '';
  if (!versionAtLeast(apiVersion, '35.0')) {
    return `&filterEncoded=true&filter=${pyQuote(render(clauses, pyQuote))}`;
  }
  return `&filter=${render(clauses, (v) => escapeSpecials(pyQuote(v)))}`;
}
