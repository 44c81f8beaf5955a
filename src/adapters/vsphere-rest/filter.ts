/**
 * TaskFilter -> `Cis Tasks FilterSpec` bodies for `POST /api/cis/tasks?action=list`.
 *
 * What the list call can express (Tasks FilterSpec DOC): task ids, services, operations, status,
 * targets ({type, id}) and users. What it cannot: time bounds, parent, paging or ordering; the
 * adapter finishes those locally with matchesFilter/isAfter. At least one of `tasks` or
 * `services` must be non-empty, and all services of one call must belong to one provider, so
 * the adapter sends one call per configured service group.
 */
import type { TaskFilter } from '../../model/filter.js';
import type { TaskStatus } from '../../model/task.js';
import type { VapiStatus } from './map.js';

/** The JSON body's `filter_spec`; empty fields are left out. */
export interface WireFilterSpec {
  tasks?: string[];
  services?: string[];
  operations?: string[];
  status?: VapiStatus[];
  targets?: Array<{ type: string; id: string }>;
  users?: string[];
}

/** The native statuses a model status can come from (CANCELED is FAILED + a Canceled error). */
function nativeStatuses(status: TaskStatus): VapiStatus[] {
  switch (status) {
    case 'PENDING':
      return ['PENDING'];
    case 'RUNNING':
      return ['RUNNING'];
    case 'BLOCKED':
      return ['BLOCKED'];
    case 'SUCCEEDED':
      return ['SUCCEEDED'];
    case 'FAILED':
    case 'CANCELED':
      return ['FAILED'];
    case 'QUEUED':
    case 'CANCELING':
    case 'SUSPENDED':
    case 'UNKNOWN':
      return [];
  }
}

/**
 * Splits a model operation (`service.operation`) back into its parts: the longest known service
 * that prefixes it wins (service ids contain dots), else the last dot splits.
 */
export function splitOperation(operation: string, knownServices: readonly string[]): { service: string; operation: string } | null {
  const known = knownServices.filter((s) => operation.startsWith(s + '.') && operation.length > s.length + 1);
  const service = known.sort((a, b) => b.length - a.length)[0];
  if (service) return { service, operation: operation.slice(service.length + 1) };
  const dot = operation.lastIndexOf('.');
  if (dot <= 0 || dot === operation.length - 1) return null;
  return { service: operation.slice(0, dot), operation: operation.slice(dot + 1) };
}

/**
 * The list calls that together return a superset of the tasks matching `filter` (the adapter
 * filters the rest locally). An empty array means nothing can match, so nothing is sent.
 */
export function planListCalls(filter: TaskFilter, serviceGroups: readonly (readonly string[])[]): WireFilterSpec[] {
  const common: WireFilterSpec = {};
  if (filter.statuses?.length && !filter.statuses.includes('UNKNOWN')) {
    const status = [...new Set(filter.statuses.flatMap(nativeStatuses))];
    if (status.length === 0) return [];
    common.status = status;
  }
  // A target needs its type; an entity filter without one is finished locally.
  if (filter.entity?.type) common.targets = [{ type: filter.entity.type, id: filter.entity.nativeId }];

  if (filter.operations?.length) {
    const known = serviceGroups.flat();
    const byService = new Map<string, Set<string>>();
    for (const op of filter.operations) {
      const split = splitOperation(op, known);
      if (!split) continue; // every task's operation is service.operation: this one matches nothing
      const ops = byService.get(split.service) ?? new Set<string>();
      ops.add(split.operation);
      byService.set(split.service, ops);
    }
    return [...byService].map(([service, ops]) => ({ services: [service], operations: [...ops], ...common }));
  }
  return serviceGroups.filter((g) => g.length > 0).map((group) => ({ services: [...group], ...common }));
}

/** Every vAPI task status (cis.task.Status), the values a status split sends one by one. */
const ALL_STATUSES: readonly VapiStatus[] = ['PENDING', 'RUNNING', 'BLOCKED', 'SUCCEEDED', 'FAILED'];

/**
 * Narrower list calls that together return what `spec` would, for when vCenter refuses a list
 * because "over 1000 tasks" match (ResourceInaccessible, vsphere-automation-sdk
 * TasksClient.List): first one call per service, then one per status. Null when the spec names
 * one service and one status already: the FilterSpec has no time filter, so nothing narrower
 * can be asked without the caller's help (an operation, an entity, a status).
 */
export function narrowSpec(spec: WireFilterSpec): WireFilterSpec[] | null {
  if (spec.services && spec.services.length > 1) return spec.services.map((service) => ({ ...spec, services: [service] }));
  const statuses = spec.status ?? ALL_STATUSES;
  if (statuses.length > 1) return statuses.map((status) => ({ ...spec, status: [status] }));
  return null;
}
