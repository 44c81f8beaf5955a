/**
 * TaskHistoryCollector, after the vSphere API reference (vim.HistoryCollector,
 * vim.TaskHistoryCollector) and govmomi's simulator (`simulator/history_collector.go`,
 * `task_manager.go` at fd061606):
 * - the collector holds the tasks matching its TaskFilterSpec, oldest first ("items in a
 *   collector are always ordered by date and time of creation"), and gains new matching tasks;
 * - `latestPage` is the newest `pageSize` items (default 10; "unordered": newest first here);
 * - the "scrollable view" starts at the oldest item ("rewind ... the default setting");
 *   `ReadNextTasks` reads newer items forward; `ResetCollector` moves to just before the latest
 *   page, so `ReadPreviousTasks` then reads older items (newest first, as govmomi returns them);
 *   `SetCollectorPageSize` leaves the position alone (UNCONFIRMED);
 * - the TaskInfo a collector returns is its own copy, taken when the task enters it and
 *   refreshed only when the task's state changes (govmomi simulator note, as the adapter's
 *   listing has it): progress read from a collector can be old, as clients must expect;
 * - `maxCount` <= 0 (or a page size above 1000) is `InvalidArgument{invalidProperty: maxCount}`;
 *   more than 32 collectors per session is `InvalidState` ("Too many task collectors to create").
 * Filter fields: entity (self; children/all treated as self: the simulator has no inventory
 * tree), time (queued/started/completed, inclusive bounds), userName, state, parentTaskKey,
 * rootTaskKey, activationId, eventChainId.
 */
import type { XmlElement } from '../../adapters/xml.js';
import { child, children } from '../../adapters/xml.js';
import type { SimTask } from '../task-world.js';
import { bool, readRef, text, texts, time } from './request.js';
import { vimState, type Ref, type TaskView } from './render.js';
import type { VimValue } from './values.js';

export const MAX_COLLECTORS = 32;
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 10;

export interface TaskFilter {
  entity?: Ref;
  time?: { type: string; begin?: number; end?: number };
  users?: { system: boolean; names: string[] };
  states: string[];
  parentKeys: string[];
  rootKeys: string[];
  activationIds: string[];
  eventChainIds: number[];
}

export function readTaskFilter(filter: XmlElement | undefined): TaskFilter {
  const entity = readRef(child(child(filter, 'entity'), 'entity'));
  const t = child(filter, 'time');
  const user = child(filter, 'userName');
  return {
    entity,
    time: t ? { type: text(t, 'timeType') ?? 'queuedTime', begin: time(t, 'beginTime'), end: time(t, 'endTime') } : undefined,
    users: user ? { system: bool(user, 'systemUser') ?? false, names: texts(user, 'userList') } : undefined,
    states: texts(filter, 'state'),
    parentKeys: texts(filter, 'parentTaskKey'),
    rootKeys: texts(filter, 'rootTaskKey'),
    activationIds: texts(filter, 'activationId'),
    eventChainIds: children(filter, 'eventChainId').map((e) => Number(e.text.trim())),
  };
}

export function taskMatches(filter: TaskFilter, view: TaskView): boolean {
  const { task } = view;
  if (filter.states.length && !filter.states.includes(vimState(task))) return false;
  if (filter.entity && (task.entity?.id !== filter.entity.value || task.entity.type !== filter.entity.type)) return false;
  if (filter.parentKeys.length && (!view.parentKey || !filter.parentKeys.includes(view.parentKey))) return false;
  if (filter.rootKeys.length && (!view.rootKey || !filter.rootKeys.includes(view.rootKey))) return false;
  if (filter.activationIds.length && !filter.activationIds.includes(task.extra.activationId ?? '')) return false;
  if (filter.eventChainIds.length && !filter.eventChainIds.includes(1000 + task.seq * 3)) return false;
  if (filter.users) {
    const system = task.owner === 'system';
    if (!(system ? filter.users.system : filter.users.names.includes(task.owner))) return false;
  }
  if (filter.time) {
    const at = filter.time.type === 'startedTime' ? task.startedAt : filter.time.type === 'completedTime' ? task.completedAt : task.createdAt;
    if (!at) return false;
    if (filter.time.begin !== undefined && at.getTime() < filter.time.begin) return false;
    if (filter.time.end !== undefined && at.getTime() > filter.time.end) return false;
  }
  return true;
}

/** One TaskHistoryCollector: matching task ids, oldest first, and the scroll position. */
export class HistoryCollector {
  readonly filter: TaskFilter;
  readonly #ids: string[];
  #pageSize = DEFAULT_PAGE_SIZE;
  /** Index of the boundary the view stands at: items before it are "previous", from it on "next". */
  #pos: number;
  /** TaskInfo copies by task id, with the state they were taken in. */
  readonly #copies = new Map<string, { state: string; info: VimValue }>();

  constructor(filter: TaskFilter, matching: SimTask[]) {
    this.filter = filter;
    this.#ids = matching.map((t) => t.id);
    this.#pos = 0;
  }

  /** A new task, if it matches (vCenter appends to open collectors). */
  add(task: SimTask, view: TaskView): void {
    if (taskMatches(this.filter, view)) this.#ids.push(task.id);
  }

  #latestStart(): number {
    return Math.max(0, this.#ids.length - this.#pageSize);
  }

  setPageSize(size: number): void {
    this.#pageSize = size;
  }

  reset(): void {
    this.#pos = this.#latestStart();
  }

  rewind(): void {
    this.#pos = 0;
  }

  /** The collector's copy of a task's TaskInfo, taken again only after a state change. */
  copy(id: string, state: string, take: () => VimValue): VimValue {
    const kept = this.#copies.get(id);
    if (kept?.state === state) return kept.info;
    const info = take();
    this.#copies.set(id, { state, info });
    return info;
  }

  /** Newest first. */
  latestPage(): string[] {
    return this.#ids.slice(this.#latestStart()).reverse();
  }

  next(max: number): string[] {
    const out = this.#ids.slice(this.#pos, this.#pos + max);
    this.#pos += out.length;
    return out;
  }

  previous(max: number): string[] {
    const start = Math.max(0, this.#pos - max);
    const out = this.#ids.slice(start, this.#pos).reverse();
    this.#pos = start;
    return out;
  }
}
