/**
 * TaskFilter (+ the keyset bound) -> vim `TaskFilterSpec` (govmomi types.TaskFilterSpec, element
 * order as in the WSDL: entity, time, userName, activationId, state, alarm, scheduledTask,
 * eventChainId, tag, parentTaskKey, rootTaskKey). What it cannot express (operations, the
 * CANCELING/CANCELED split, ties within one millisecond) the adapter finishes with
 * `matchesFilter` and `isAfter`.
 */
import type { Keyset, SortDirection, TaskFilter } from '../../model/filter.js';
import { el, node, ref, type MoRef } from './soap.js';
import { vimStatesFor, type VimTaskState } from './map.js';

/** Moref id prefixes of vCenter inventory objects and their types (vCenter's id scheme). */
const PREFIX_TYPES: Array<[string, string]> = [
  ['vm-', 'VirtualMachine'],
  ['host-', 'HostSystem'],
  ['domain-c', 'ClusterComputeResource'],
  ['domain-s', 'ComputeResource'],
  ['datacenter-', 'Datacenter'],
  ['datastore-', 'Datastore'],
  ['group-p', 'StoragePod'],
  ['group-', 'Folder'],
  ['resgroup-v', 'VirtualApp'],
  ['resgroup-', 'ResourcePool'],
  ['dvportgroup-', 'DistributedVirtualPortgroup'],
  ['dvs-', 'VmwareDistributedVirtualSwitch'],
  ['network-', 'Network'],
  ['task-', 'Task'],
];

/**
 * A moref from `vm-42` (type inferred from the prefix, or given) or `VirtualMachine:vm-42`.
 * Undefined when the type cannot be known.
 */
export function parseMoRef(id: string, type?: string | null): MoRef | undefined {
  const colon = id.indexOf(':');
  if (colon > 0 && /^[A-Za-z]+$/.test(id.slice(0, colon))) return { type: id.slice(0, colon), value: id.slice(colon + 1) };
  if (type) return { type, value: id };
  const hit = PREFIX_TYPES.find(([prefix]) => id.startsWith(prefix));
  return hit ? { type: hit[1], value: id } : undefined;
}

export interface PushedFilter {
  /** The serialized `<filter>` element for CreateCollectorForTasks. */
  spec: string;
  /** No task can match (e.g. only statuses vim never reports): skip the call. */
  empty: boolean;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Builds the TaskFilterSpec. Time is `queuedTime` (createdAt = queueTime); bounds are
 * inclusive on the server, so the exclusive ones are finished locally. The keyset bound is
 * widened by one millisecond because vim times carry microseconds and sortTime does not.
 */
export function toTaskFilterSpec(filter: TaskFilter, direction: SortDirection, after?: Keyset): PushedFilter {
  let begin = filter.createdAfter?.getTime();
  let end = filter.createdBefore?.getTime();
  if (after && direction === 'DESC') end = end === undefined ? after.time + 1 : Math.min(end, after.time + 1);
  if (after && direction === 'ASC') begin = begin === undefined ? after.time : Math.max(begin, after.time);

  let states: VimTaskState[] = [];
  let empty = false;
  if (filter.statuses?.length && !filter.statuses.includes('UNKNOWN')) {
    states = [...new Set(filter.statuses.flatMap(vimStatesFor))];
    empty = states.length === 0;
  }
  const entity = filter.entity ? parseMoRef(filter.entity.nativeId, filter.entity.type) : undefined;
  if (begin !== undefined && end !== undefined && begin > end) empty = true;

  const spec = node('filter', [
    entity && node('entity', [ref('entity', entity), el('recursion', 'self')]),
    (begin !== undefined || end !== undefined) &&
      node('time', [el('timeType', 'queuedTime'), begin !== undefined && el('beginTime', iso(begin)), end !== undefined && el('endTime', iso(end))]),
    ...states.map((s) => el('state', s)),
    filter.parentId !== undefined && el('parentTaskKey', filter.parentId),
  ]);
  return { spec, empty };
}
