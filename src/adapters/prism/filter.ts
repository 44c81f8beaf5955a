/**
 * TaskFilter -> Prism v4 OData `$filter`, on the fields the v4 tasks API reference lists as
 * filterable (List Tasks: clusterExtIds, completedTime, createdTime, entitiesAffected/extId,
 * parentTask, status; `createdTime` is the sortable one), in the forms production clients send
 * (nutanix-cloud-native/cluster-api-provider-nutanix, reference §3.1):
 *   entitiesAffected/any(a:a/extId eq '<uuid>')
 *   status eq Prism.Config.TaskStatus'RUNNING'
 *   parentTask/extId eq '<taskExtId>'
 *   clusterExtIds/any(c:c eq '<uuid>')
 *   createdTime ge 2026-03-01T00:00:00.000Z
 * `operation` is not filterable there, so operation filters are finished locally, as is every
 * part of the filter: the adapter re-checks each task it returns.
 */
import { scopeValues, type Keyset, type SortDirection, type TaskFilter } from '../../model/filter.js';
import { prismStatusesFor } from './map.js';

/** OData string literal: single quotes doubled. */
export function quote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function anyOf(clauses: string[]): string {
  return clauses.length === 1 ? clauses[0]! : `(${clauses.join(' or ')})`;
}

export interface PushedFilter {
  /** The $filter expression, or undefined for none. */
  expression: string | undefined;
  /** True when the filter can match nothing on Prism (e.g. only PENDING asked), so no call is needed. */
  empty: boolean;
}

/** Builds the $filter for a filter plus a keyset bound (inclusive on time; ties dropped locally). */
export function toODataFilter(filter: TaskFilter, direction: SortDirection, after?: Keyset): PushedFilter {
  const clauses: string[] = [];
  if (filter.statuses?.length && !filter.statuses.includes('UNKNOWN')) {
    const native = [...new Set(filter.statuses.flatMap(prismStatusesFor))];
    if (native.length === 0) return { expression: undefined, empty: true };
    clauses.push(anyOf(native.map((s) => `status eq Prism.Config.TaskStatus'${s}'`)));
  }
  if (filter.entity) clauses.push(`entitiesAffected/any(a:a/extId eq ${quote(filter.entity.nativeId)})`);
  if (filter.parentId !== undefined) clauses.push(`parentTask/extId eq ${quote(filter.parentId)}`);
  if (filter.parentIds) {
    if (filter.parentIds.length === 0) return { expression: undefined, empty: true };
    clauses.push(anyOf(filter.parentIds.map((id) => `parentTask/extId eq ${quote(id)}`)));
  }
  if (filter.entities) {
    if (filter.entities.length === 0) return { expression: undefined, empty: true };
    const ids = filter.entities.map((e) => `a/extId eq ${quote(e.nativeId)}`);
    clauses.push(`entitiesAffected/any(a:${ids.length === 1 ? ids[0] : ids.join(' or ')})`);
  }
  const clusters = scopeValues(filter, 'prismClusters');
  if (clusters) {
    // The caller's authorization scope: tasks of these clusters only. The model's tenant is
    // the first clusterExtId, so the adapter's matchesFilter re-check may drop more.
    if (clusters.length === 0) return { expression: undefined, empty: true };
    const ids = clusters.map((id) => `c eq ${quote(id)}`);
    clauses.push(`clusterExtIds/any(c:${ids.length === 1 ? ids[0] : ids.join(' or ')})`);
  }
  if (filter.createdAfter) clauses.push(`createdTime ge ${filter.createdAfter.toISOString()}`);
  if (filter.createdBefore) clauses.push(`createdTime lt ${filter.createdBefore.toISOString()}`);
  if (after && after.time > 0) {
    // Prism times carry microseconds; ours are milliseconds. Widen the bound by the lost
    // precision so no task at the boundary millisecond is dropped; ties are cut locally.
    const bound = direction === 'DESC' ? `createdTime lt ${new Date(after.time + 1).toISOString()}` : `createdTime ge ${new Date(after.time).toISOString()}`;
    clauses.push(bound);
  }
  return { expression: clauses.length ? clauses.join(' and ') : undefined, empty: false };
}

/** `extId eq 'a' or extId eq 'b' ...` for one batch of ids. */
export function idsFilter(ids: readonly string[]): string {
  return ids.map((id) => `extId eq ${quote(id)}`).join(' or ');
}
