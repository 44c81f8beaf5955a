/**
 * TaskFilter -> what the Proxmox VE task lists can do with it. `GET /nodes/{node}/tasks`
 * (pve-manager `PVE/API2/Tasks.pm` node_tasks) filters on the UPID's start time
 * (`since` <= starttime <= `until`, both inclusive, in seconds), its id (`vmid`, exact), its
 * type (`typefilter`, one, exact), its user (`userfilter`, unused here: the model has no user
 * filter) and the normalized exit status (`statusfilter`, map.ts statusTypesFor). The node is
 * the path. Whatever is not expressed exactly is checked again locally with matchesFilter.
 */
import { scopeValues, type Keyset, type SortDirection, type TaskFilter } from '../../model/filter.js';
import { isTerminal } from '../../model/task.js';
import { statusTypesFor, type PveStatusType } from './map.js';
import { isVmid } from './task-types.js';
import type { NodeTaskQuery } from './client.js';

export type NodeFilter = Omit<NodeTaskQuery, 'start' | 'limit'>;

export interface ListPlan {
  /** Nothing can match: no call is needed. */
  empty: boolean;
  /** Only tasks of these nodes (the `proxmoxNodes` scope; a task's tenant is its node); undefined: all. */
  nodes: ReadonlySet<string> | undefined;
  /**
   * Every status asked for is one of a task still running: the cluster's task list (every
   * node's running tasks and its last few finished ones, in one call) has them all.
   */
  runningOnly: boolean;
  params: NodeFilter;
  /** The parameters express the whole filter, so a node's `total` counts exactly the matches. */
  exact: boolean;
}

const EMPTY: ListPlan = { empty: true, nodes: undefined, runningOnly: false, params: {}, exact: true };
const ALL_TYPES: readonly PveStatusType[] = ['ok', 'warning', 'error', 'unknown'];

/** The vmids a filter's entities allow: null for no restriction, [] when none can match. */
function vmidsOf(filter: TaskFilter): { vmids: string[] | null; typed: boolean } {
  let vmids: string[] | null = null;
  let typed = false;
  const narrow = (wanted: ReadonlyArray<{ nativeId: string; type?: string | null }>) => {
    const ids = wanted.map((e) => e.nativeId).filter(isVmid);
    typed ||= wanted.some((e) => e.type);
    vmids = vmids === null ? ids : vmids.filter((id) => ids.includes(id));
  };
  if (filter.entity) narrow([filter.entity]);
  if (filter.entities) narrow(filter.entities);
  return { vmids, typed };
}

export function planList(filter: TaskFilter): ListPlan {
  // Proxmox tasks have no parents.
  if (filter.parentId !== undefined || filter.parentIds) return EMPTY;
  const nodes = scopeValues(filter, 'proxmoxNodes');
  if (nodes?.length === 0) return EMPTY;
  const params: NodeFilter = {};
  let exact = true;
  let runningOnly = false;
  if (filter.statuses?.length) {
    const types = [...new Set(filter.statuses.flatMap(statusTypesFor))];
    if (types.length === 0) return EMPTY;
    if (types.length < ALL_TYPES.length) params.statusfilter = ALL_TYPES.filter((t) => types.includes(t)).join(',');
    runningOnly = filter.statuses.every((s) => !isTerminal(s) && s !== 'UNKNOWN');
    exact = false;
  }
  if (filter.operations?.length) {
    if (filter.operations.length === 1) params.typefilter = filter.operations[0];
    else exact = false;
  }
  const { vmids, typed } = vmidsOf(filter);
  if (vmids !== null) {
    const unique = [...new Set<string>(vmids)];
    if (unique.length === 0) return EMPTY;
    if (unique.length === 1) params.vmid = unique[0];
    if (unique.length > 1 || typed) exact = false;
  }
  if (filter.createdAfter) params.since = Math.ceil(filter.createdAfter.getTime() / 1000);
  if (filter.createdBefore) params.until = Math.ceil(filter.createdBefore.getTime() / 1000) - 1;
  if (params.since !== undefined && params.until !== undefined && params.since > params.until) return EMPTY;
  return { empty: false, nodes: nodes ? new Set(nodes) : undefined, runningOnly, params, exact };
}

/**
 * The parameters with the keyset position pushed down: newest first, nothing started after
 * the position's second; oldest first, nothing before it. Ties within the second come back
 * and are cut locally.
 */
export function withKeyset(params: NodeFilter, direction: SortDirection, after: Keyset | undefined): NodeFilter {
  if (!after) return params;
  if (direction === 'DESC') {
    const until = Math.floor(after.time / 1000);
    return { ...params, until: params.until === undefined ? until : Math.min(params.until, until) };
  }
  const since = Math.ceil(after.time / 1000);
  return { ...params, since: params.since === undefined ? since : Math.max(params.since, since) };
}
