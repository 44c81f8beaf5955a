/**
 * The k-way merge of the backends' pages and the keyset positions that continue it: each
 * backend lists its own tasks in the requested order; the merge keeps the global order
 * (time, backend name, native id), and a cursor's key gives each backend its exact position.
 */
import type { KeyedTask, TaskPage } from '../adapters/contract.js';
import type { Keyset, SortDirection } from '../model/filter.js';
import { sortTime, type TaskModel } from '../model/task.js';
import type { GlobalKey } from './cursor.js';

/** A backend's task in the merge: its global key, and the task (mapped only if it is kept). */
export interface Candidate extends GlobalKey {
  task(): TaskModel;
}

/** A task its adapter mapped already. */
class Mapped implements Candidate {
  readonly t: number;
  readonly b: string;
  readonly i: string;
  constructor(private readonly model: TaskModel) {
    this.t = sortTime(model);
    this.b = model.backend;
    this.i = model.nativeId;
  }

  task(): TaskModel {
    return this.model;
  }
}

/** A task of a page by key (ListQuery.mapsKept), on `backend`. */
class Unmapped implements Candidate {
  readonly t: number;
  readonly i: string;
  constructor(
    private readonly keyed: KeyedTask,
    readonly b: string,
  ) {
    this.t = keyed.time;
    this.i = keyed.nativeId;
  }

  task(): TaskModel {
    return this.keyed.task();
  }
}

/** A page's tasks as merge candidates. */
export function candidatesOf(page: TaskPage, backend: string): Candidate[] {
  return page.keyed ? page.keyed.map((k) => new Unmapped(k, backend)) : page.tasks.map((task) => new Mapped(task));
}

function compareGlobal(a: GlobalKey, b: GlobalKey, direction: SortDirection): number {
  const sign = direction === 'DESC' ? -1 : 1;
  if (a.t !== b.t) return sign * (a.t - b.t);
  if (a.b !== b.b) return sign * (a.b < b.b ? -1 : 1);
  if (a.i === b.i) return 0;
  return sign * (a.i < b.i ? -1 : 1);
}

/**
 * Two tasks of any backends in the global order of merged lists (time, then backend name, then
 * native id, all in `direction`): lists built in memory (federation's `<Type>.tasks`) sort with
 * it, so they order ties exactly as `Query.tasks` does.
 */
export function compareAcrossBackends(a: TaskModel, b: TaskModel, direction: SortDirection): number {
  return compareGlobal({ t: sortTime(a), b: a.backend, i: a.nativeId }, { t: sortTime(b), b: b.backend, i: b.nativeId }, direction);
}

/**
 * The first `count` candidates of the pages in the global order. A backend with more to come
 * may return a short page, so nothing beyond its last task may enter, or the next cursor would
 * skip that backend's unfetched tasks. Pages come sorted by their backend (k-way merge, no
 * sort); one that is not, by ties the backend orders otherwise, is sorted first.
 */
export function mergePages(pages: ReadonlyArray<{ page: TaskPage; candidates: Candidate[] }>, direction: SortDirection, count: number): Candidate[] {
  const lists = pages.map(({ candidates }) => {
    for (let i = 1; i < candidates.length; i++) {
      if (compareGlobal(candidates[i - 1]!, candidates[i]!, direction) > 0) return [...candidates].sort((a, b) => compareGlobal(a, b, direction));
    }
    return candidates;
  });
  const at = lists.map(() => 0);
  const merged: Candidate[] = [];
  while (merged.length < count) {
    let pick = -1;
    for (let i = 0; i < lists.length; i++) {
      if (at[i]! < lists[i]!.length && (pick === -1 || compareGlobal(lists[i]![at[i]!]!, lists[pick]![at[pick]!]!, direction) < 0)) pick = i;
    }
    if (pick === -1) break;
    merged.push(lists[pick]![at[pick]!++]!);
    if (at[pick] === lists[pick]!.length && pages[pick]!.page.hasMore) break;
  }
  return merged;
}

/** Strings below and above every native id, to put all ties at a time before or after. */
const LOWEST = '';
const HIGHEST = '\uffff';

/** The position on `backend` that is exactly "after `key`" in the global order. */
export function positionOn(backend: string, key: GlobalKey, direction: SortDirection): Keyset {
  if (backend === key.b) return { time: key.t, nativeId: key.i };
  const sign = direction === 'DESC' ? -1 : 1;
  const tiesComeAfter = sign * (backend < key.b ? -1 : 1) > 0;
  // Adapters keep ids strictly after the keyset in `direction`: pick the extreme that keeps
  // (or drops) every tie on this backend.
  const keepAll = direction === 'ASC' ? LOWEST : HIGHEST;
  const dropAll = direction === 'ASC' ? HIGHEST : LOWEST;
  return { time: key.t, nativeId: tiesComeAfter ? keepAll : dropAll };
}
