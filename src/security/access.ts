/**
 * Authorization: what one principal sees of the gateway. `createAccess` gives a view of the
 * backend set in which
 * - backends out of scope do not exist (get/all/byAlias),
 * - every list call carries the principal's grants on the backend type's authorization
 *   dimensions in its filter (`scope`: vCD orgs, Prism clusters...; AdapterModule.scope), so
 *   backends that can filter natively do so,
 * - every task an adapter returns is checked again (`view`): out of scope it becomes null,
 *   exactly like a missing task, and embedded subtasks and related-task links out of scope
 *   are dropped.
 * Loaders, connections, relations, federation `_entities` and mutations all go through this
 * view, so no resolver can reach a task the principal may not see.
 */
import type { ScopeDimension, TaskAdapter, TaskPage } from '../adapters/contract.js';
import { BackendError } from '../adapters/errors.js';
import { adapterModule } from '../adapters/registry.js';
import type { BackendParent, BackendSet } from '../gateway/backends.js';
import type { ScopeRestriction } from '../model/filter.js';
import type { TaskModel } from '../model/task.js';
import { granted, grantOn, type Action, type Principal } from './principal.js';

export interface AccessPolicy {
  /**
   * Where each backend's own account creates external tasks, by dimension (vCD: the login
   * org; AdapterModule.homeScope). A restricted principal may create tasks only there.
   */
  homeScopes?: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

export interface Access {
  readonly principal: Principal;
  /** True when the principal sees everything (the view is the full backend set). */
  readonly unrestricted: boolean;
  /** The backends as this principal sees them. */
  readonly backends: BackendSet;
  /** The task as the principal may see it, or null when it is out of scope. */
  view(task: TaskModel): TaskModel | null;
  may(action: Action): boolean;
  /** Whether a task created on this backend would be in the principal's scope. */
  mayCreateOn(backend: string): boolean;
}

/** The authorization dimensions of a backend type (none for an unknown type). */
function dimensionsOf(backendType: string): readonly ScopeDimension[] {
  return adapterModule(backendType)?.scope ?? [];
}

/**
 * The principal's restrictions on a backend type's dimensions: one per dimension not granted
 * whole. Also scopes task history (src/history/scope.ts).
 */
export function restrictionsOf(principal: Principal, backendType: string): ScopeRestriction[] {
  const out: ScopeRestriction[] = [];
  for (const d of dimensionsOf(backendType)) {
    const grant = grantOn(principal.scope, d.name);
    if (!grant.all) out.push({ dimension: d.name, field: d.field, values: [...grant.names] });
  }
  return out;
}

export function createAccess(full: BackendSet, principal: Principal, policy: AccessPolicy = {}): Access {
  const { scope } = principal;
  const unrestricted = scope.backends.all && [...scope.dimensions.values()].every((g) => g.all);
  const may = (action: Action) => scope.actions.has(action);
  const mayCreateOn = (backend: string): boolean => {
    const parent = full.get(backend);
    if (!parent || !granted(scope.backends, backend)) return false;
    const home = policy.homeScopes?.get(backend) ?? {};
    return restrictionsOf(principal, parent.adapter.type).every((r) => home[r.dimension] !== undefined && r.values.includes(home[r.dimension]!));
  };
  if (unrestricted) return { principal, unrestricted, backends: full, view: (t) => t, may, mayCreateOn };

  function canSee(task: TaskModel): boolean {
    if (!granted(scope.backends, task.backend)) return false;
    return dimensionsOf(task.backendType).every((d) => granted(grantOn(scope, d.name), task[d.field]));
  }

  function relatedVisible(task: TaskModel): TaskModel['relatedTasks'] {
    return task.relatedTasks.filter((ref) => {
      const target = ref.backend ?? (ref.systemId ? full.byAlias(ref.systemId)?.adapter.name : undefined);
      return target !== undefined && granted(scope.backends, target);
    });
  }

  function view(task: TaskModel): TaskModel | null {
    if (!canSee(task)) return null;
    let out = task;
    if (task.embeddedSubtasks?.length) {
      const subtasks = task.embeddedSubtasks.map(view).filter((t): t is TaskModel => t !== null);
      if (subtasks.length !== task.embeddedSubtasks.length || subtasks.some((t, i) => t !== task.embeddedSubtasks![i])) {
        out = { ...out, embeddedSubtasks: subtasks };
      }
    }
    if (task.relatedTasks.length && !scope.backends.all) {
      const related = relatedVisible(task);
      if (related.length !== task.relatedTasks.length) out = { ...out, relatedTasks: related };
    }
    return out;
  }

  const visible = new Map<string, BackendParent>();
  for (const parent of full.all()) {
    if (granted(scope.backends, parent.adapter.name)) {
      visible.set(parent.adapter.name, { ...parent, adapter: scopedAdapter(parent.adapter, restrictionsOf(principal, parent.adapter.type), view) });
    }
  }
  const backends: BackendSet = {
    ...full,
    get: (name) => visible.get(name),
    all: () => [...visible.values()],
    byAlias: (id) => {
      const found = full.byAlias(id);
      return found ? visible.get(found.adapter.name) : undefined;
    },
    // A view owns nothing: closing it must not close the gateway's adapters.
    close: async () => {},
  };
  return { principal, unrestricted, backends, view, may, mayCreateOn };
}

/**
 * Whether a backend's total counts only tasks of the principal's scope. A total counted
 * upstream without the tenant filter would count other tenants' tasks, so it is kept only when
 * nothing contradicts it: the adapter filters on every restricted dimension upstream
 * (ScopeDimension.pushedDown) and
 * drops the total itself when the backend answered rows its filter excludes (it ignored the
 * scope); every task it returned is in scope; and a whole first page (no cursor, no more)
 * holds exactly as many tasks as the total says.
 */
function provenScoped(page: TaskPage, kept: readonly TaskModel[], query: { after?: unknown }): boolean {
  if (page.totalCount === null || kept.length !== page.tasks.length) return false;
  if (!page.hasMore && !query.after && !page.keyed && page.totalCount !== kept.length) return false;
  return true;
}

/**
 * The restrictions a list runs under: the principal's, each narrowed by the query's own on the
 * same dimension (`undefined` when they leave nothing to list).
 */
function combine(principal: readonly ScopeRestriction[], query: readonly ScopeRestriction[] = []): ScopeRestriction[] | undefined {
  const out = [...query.filter((q) => !principal.some((p) => p.dimension === q.dimension))];
  for (const p of principal) {
    const asked = query.find((q) => q.dimension === p.dimension);
    const values = asked ? p.values.filter((v) => asked.values.includes(v)) : p.values;
    if (values.length === 0) return undefined;
    out.push({ ...p, values });
  }
  return out;
}

/** An adapter that lists with the principal's restrictions pushed down and re-checks every task. */
function scopedAdapter(adapter: TaskAdapter, restrictions: readonly ScopeRestriction[], view: (t: TaskModel) => TaskModel | null): TaskAdapter {
  const dimensions = dimensionsOf(adapter.type);
  const exactTotals = restrictions.every((r) => dimensions.find((d) => d.name === r.dimension)?.pushedDown === true);
  const keep = (tasks: TaskModel[]) => tasks.map(view).filter((t): t is TaskModel => t !== null);
  const scoped: TaskAdapter = {
    name: adapter.name,
    type: adapter.type,
    capabilities: adapter.capabilities,
    async listTasks(query, ctx): Promise<TaskPage> {
      let filter = query.filter;
      if (restrictions.length) {
        const scope = combine(restrictions, query.filter.scope);
        if (!scope) return { tasks: [], hasMore: false, totalCount: 0 };
        filter = { ...query.filter, scope };
      }
      // Every task is viewed here, so the adapter maps them all (no ListQuery.mapsKept).
      const page = await adapter.listTasks({ ...query, filter, mapsKept: undefined }, ctx);
      const tasks = keep(page.tasks);
      return { ...page, tasks, totalCount: exactTotals && provenScoped(page, tasks, query) ? page.totalCount : null };
    },
    async getTasks(ids, ctx) {
      const got = await adapter.getTasks(ids, ctx);
      return got.map((t) => (t === null || t instanceof Error ? t : view(t)));
    },
    close: async () => {},
  };
  // The resolvers check permission and scope before a mutation; what comes back is viewed
  // like any other task (embedded subtasks and links of other tenants dropped).
  const viewed = (task: TaskModel): TaskModel => {
    const seen = view(task);
    if (!seen) throw new BackendError('NOT_FOUND', adapter.name, `${adapter.name}: task ${task.nativeId} not found`);
    return seen;
  };
  const { cancelTask, createTask, updateTask } = adapter;
  if (cancelTask) {
    scoped.cancelTask = async (id, ctx) => {
      const outcome = await cancelTask.call(adapter, id, ctx);
      return outcome.ok && outcome.task ? { ok: true, task: view(outcome.task) } : outcome;
    };
  }
  if (createTask) scoped.createTask = async (request, ctx) => viewed(await createTask.call(adapter, request, ctx));
  if (updateTask) scoped.updateTask = async (request, ctx) => viewed(await updateTask.call(adapter, request, ctx));
  return scoped;
}
