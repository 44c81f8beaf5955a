import { sortTime, type TaskField, type TaskModel, type TaskStatus } from './task.js';

/**
 * A filter for one backend, in model terms (native ids, no global ids).
 * Adapters push down what their API can express and finish the rest with `matchesFilter`,
 * so every task an adapter returns satisfies the whole filter.
 */
export interface TaskFilter {
  statuses?: readonly TaskStatus[];
  operations?: readonly string[];
  entity?: { nativeId: string; type?: string | null };
  /** Native id of the parent task. */
  parentId?: string;
  /** Any of these parents (batched subtask lookups: one call for many parents). */
  parentIds?: readonly string[];
  /** Tasks affecting any of these entities (batched entity lookups). */
  entities?: ReadonlyArray<{ nativeId: string; type?: string | null }>;
  /** Inclusive lower bound on the sort time. */
  createdAfter?: Date;
  /** Exclusive upper bound on the sort time. */
  createdBefore?: Date;
  /**
   * The caller's authorization scope on the backend's own dimensions (vCD organizations, Prism
   * clusters, Proxmox nodes...): only tasks whose value on each is one of its values. A task
   * with no value on a restricted dimension never matches.
   */
  scope?: readonly ScopeRestriction[];
}

/**
 * One authorization dimension of a backend type, restricted to some values. Built by the access
 * layer from the backend module's `ScopeDimension`s; adapters push down the dimensions they can
 * (by `dimension` name) and `matchesFilter` checks all of them.
 */
export interface ScopeRestriction {
  /** The dimension's name, e.g. `vcdOrgs`. */
  readonly dimension: string;
  /** The model field holding a task's value on the dimension. */
  readonly field: ScopeField;
  /** The values granted; none means nothing matches. */
  readonly values: readonly string[];
}

/** The model fields a scope dimension can read a task's value from (text or null). */
export type ScopeField = { [K in TaskField]: TaskModel[K] extends string | null ? K : never }[TaskField];

/** The values a filter's scope grants on `dimension`, or undefined when it does not restrict it. */
export function scopeValues(filter: TaskFilter, dimension: string): readonly string[] | undefined {
  return filter.scope?.find((r) => r.dimension === dimension)?.values;
}

export type SortDirection = 'ASC' | 'DESC';

/**
 * Keyset position: tasks strictly after this one in the requested order.
 * Ties on time are broken by native id, compared as strings.
 */
export interface Keyset {
  time: number;
  nativeId: string;
}

/** True when the task satisfies every part of the filter. */
export function matchesFilter(task: TaskModel, filter: TaskFilter): boolean {
  if (filter.statuses?.length && !filter.statuses.includes(task.status)) return false;
  if (filter.operations?.length && (task.operation === null || !filter.operations.includes(task.operation))) {
    return false;
  }
  if (filter.parentId !== undefined && task.parentId !== filter.parentId) return false;
  if (filter.parentIds && (task.parentId === null || !filter.parentIds.includes(task.parentId))) return false;
  if (filter.scope && !inScope(task, filter.scope)) return false;
  if (filter.entities) {
    const hit = filter.entities.some((want) =>
      task.entitiesAffected.some((e) => e.nativeId === want.nativeId && (!want.type || e.type === want.type)),
    );
    if (!hit) return false;
  }
  if (!inTimeBounds(sortTime(task), filter)) return false;
  if (filter.entity) {
    const { nativeId, type } = filter.entity;
    const hit = task.entitiesAffected.some((e) => e.nativeId === nativeId && (!type || e.type === type));
    if (!hit) return false;
  }
  return true;
}

/** Whether the task's value on every restricted dimension is granted. */
function inScope(task: TaskModel, scope: readonly ScopeRestriction[]): boolean {
  for (const restriction of scope) {
    const value = task[restriction.field];
    if (value === null || !restriction.values.includes(value)) return false;
  }
  return true;
}

/** The filter's time bounds on a sort time: all that matchesFilter checks when filterReads is empty. */
export function inTimeBounds(time: number, filter: TaskFilter): boolean {
  if (filter.createdAfter && time < filter.createdAfter.getTime()) return false;
  if (filter.createdBefore && time >= filter.createdBefore.getTime()) return false;
  return true;
}

/**
 * The fields matchesFilter reads for this filter, besides the sort time (createdAt, startedAt),
 * which every listing reads: a list that fetches only some fields (ListQuery.select) fetches these.
 */
export function filterReads(filter: TaskFilter): TaskField[] {
  const fields: TaskField[] = [];
  if (filter.statuses?.length) fields.push('status');
  if (filter.operations?.length) fields.push('operation');
  if (filter.parentId !== undefined || filter.parentIds) fields.push('parentId');
  for (const restriction of filter.scope ?? []) fields.push(restriction.field);
  if (filter.entities || filter.entity) fields.push('entitiesAffected');
  return fields;
}

/** Compares two tasks in the requested order: time, then native id (stable tie-break). */
export function compareTasks(a: TaskModel, b: TaskModel, direction: SortDirection): number {
  return compareKeys({ time: sortTime(a), nativeId: a.nativeId }, { time: sortTime(b), nativeId: b.nativeId }, direction);
}

export function compareKeys(a: Keyset, b: Keyset, direction: SortDirection): number {
  const sign = direction === 'DESC' ? -1 : 1;
  if (a.time !== b.time) return sign * (a.time - b.time);
  if (a.nativeId === b.nativeId) return 0;
  return sign * (a.nativeId < b.nativeId ? -1 : 1);
}

/** True when the task comes strictly after the keyset position in the given order. */
export function isAfter(task: TaskModel, position: Keyset, direction: SortDirection): boolean {
  return compareKeys({ time: sortTime(task), nativeId: task.nativeId }, position, direction) > 0;
}
