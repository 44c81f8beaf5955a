/**
 * Authorization: what one principal sees of the gateway. `createAccess` gives a view of the
 * backend set in which
 * - backends out of scope do not exist (get/all/byAlias),
 * - every list call carries the principal's tenants in its filter (`tenants`: vCD org names,
 *   Prism cluster extIds), so backends that can filter natively do so,
 * - every task an adapter returns is checked again (`view`): out of scope it becomes null,
 *   exactly like a missing task, and embedded subtasks and related-task links out of scope
 *   are dropped.
 * Loaders, connections, relations, federation `_entities` and mutations all go through this
 * view, so no resolver can reach a task the principal may not see.
 */
import type { TaskAdapter, TaskPage } from '../adapters/contract.js';
import { BackendError } from '../adapters/errors.js';
import type { BackendParent, BackendSet } from '../gateway/backends.js';
import type { TaskModel } from '../model/task.js';
import { granted, type Action, type Grant, type Principal } from './principal.js';

export interface AccessPolicy {
  /**
   * The tenant each backend's own account creates external tasks in (vCD: the login org).
   * A tenant-restricted principal may create tasks only where this tenant is in its scope.
   */
  homeTenants?: ReadonlyMap<string, string>;
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

/** Backend types whose adapters filter on `tenants` upstream, so their totals stay exact. */
const NATIVE_TENANT_FILTER = new Set(['prism']);

/** The tenant dimension of a backend type, or null when it has none (vSphere). Also scopes task history (src/history/scope.ts). */
export function tenantGrant(principal: Principal, backendType: string): Grant | null {
  switch (backendType) {
    case 'vcd':
      return principal.scope.vcdOrgs;
    case 'prism':
      return principal.scope.prismClusters;
    default:
      return null;
  }
}

export function createAccess(full: BackendSet, principal: Principal, policy: AccessPolicy = {}): Access {
  const { scope } = principal;
  const unrestricted = scope.backends.all && scope.vcdOrgs.all && scope.prismClusters.all;
  const may = (action: Action) => scope.actions.has(action);
  const mayCreateOn = (backend: string): boolean => {
    const parent = full.get(backend);
    if (!parent || !granted(scope.backends, backend)) return false;
    const grant = tenantGrant(principal, parent.adapter.type);
    if (!grant || grant.all) return true;
    const home = policy.homeTenants?.get(backend);
    return home !== undefined && granted(grant, home);
  };
  if (unrestricted) return { principal, unrestricted, backends: full, view: (t) => t, may, mayCreateOn };

  function canSee(task: TaskModel): boolean {
    if (!granted(scope.backends, task.backend)) return false;
    const grant = tenantGrant(principal, task.backendType);
    return grant === null || granted(grant, task.tenant);
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
      visible.set(parent.adapter.name, { ...parent, adapter: scopedAdapter(parent.adapter, tenantGrant(principal, parent.adapter.type), view) });
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
 * nothing contradicts it: the adapter filters on tenants upstream (NATIVE_TENANT_FILTER) and
 * drops the total itself when the backend answered rows its filter excludes (it ignored the
 * scope); every task it returned is in scope; and a whole first page (no cursor, no more)
 * holds exactly as many tasks as the total says.
 */
function provenScoped(page: TaskPage, kept: readonly TaskModel[], query: { after?: unknown }): boolean {
  if (page.totalCount === null || kept.length !== page.tasks.length) return false;
  if (!page.hasMore && !query.after && !page.keyed && page.totalCount !== kept.length) return false;
  return true;
}

/** An adapter that lists with the principal's tenants pushed down and re-checks every task. */
function scopedAdapter(adapter: TaskAdapter, tenants: Grant | null, view: (t: TaskModel) => TaskModel | null): TaskAdapter {
  const pushed = tenants && !tenants.all ? [...tenants.names] : undefined;
  const exactTotals = !pushed || NATIVE_TENANT_FILTER.has(adapter.type);
  const keep = (tasks: TaskModel[]) => tasks.map(view).filter((t): t is TaskModel => t !== null);
  const scoped: TaskAdapter = {
    name: adapter.name,
    type: adapter.type,
    capabilities: adapter.capabilities,
    async listTasks(query, ctx): Promise<TaskPage> {
      const wanted = pushed && query.filter.tenants ? pushed.filter((t) => query.filter.tenants!.includes(t)) : pushed;
      if (wanted && wanted.length === 0) return { tasks: [], hasMore: false, totalCount: 0 };
      // Every task is viewed here, so the adapter maps them all (no ListQuery.mapsKept).
      const mapped = { ...query, mapsKept: undefined };
      const page = await adapter.listTasks(wanted ? { ...mapped, filter: { ...query.filter, tenants: wanted } } : mapped, ctx);
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
