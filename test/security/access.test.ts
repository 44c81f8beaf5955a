/**
 * The authorization view in isolation: tenant push-down into list filters (and into Prism's
 * $filter), the re-check of every task, embedded subtasks and related-task links.
 */
import { describe, expect, it } from 'vitest';
import type { ListQuery, TaskAdapter, TaskPage } from '../../src/adapters/contract.js';
import { toODataFilter } from '../../src/adapters/prism/filter.js';
import { prismAdapter } from '../../src/adapters/prism/index.js';
import { scopeDimensions } from '../../src/adapters/registry.js';
import { createBackendSet } from '../../src/gateway/backends.js';
import { matchesFilter, type ScopeRestriction } from '../../src/model/filter.js';
import { sortTime, type BackendType, type TaskModel } from '../../src/model/task.js';
import { createAccess } from '../../src/security/access.js';
import { scopeOf } from '../../src/security/principal.js';

function task(backend: string, backendType: BackendType, nativeId: string, tenant: string | null, extra: Partial<TaskModel> = {}): TaskModel {
  return {
    backend, backendType, nativeId, tenant, operation: 'op', description: null, status: 'RUNNING', nativeStatus: 'running', progress: 10,
    progressMessage: null, createdAt: new Date(1000), startedAt: null, completedAt: null, lastUpdatedAt: null, expiresAt: null,
    isCancelable: true, cancelRequested: false, initiatedBy: null, entitiesAffected: [], parentId: null, rootId: null,
    embeddedSubtasks: null, subtaskCount: null, steps: [], errors: [], warnings: [], result: null, completionDetails: [], relatedTasks: [],
    ...extra,
  };
}

/** The Prism cluster restriction, as the access layer builds it from the module's dimension. */
function clusters(values: string[]): ScopeRestriction {
  const dimension = prismAdapter.scope[0]!;
  return { dimension: dimension.name, field: dimension.field, values };
}

/** A fake adapter serving fixed tasks through matchesFilter (by key when asked), recording each list query. */
function adapter(name: string, type: BackendType, tasks: TaskModel[]) {
  const queries: ListQuery[] = [];
  const a: TaskAdapter = {
    name,
    type,
    capabilities: { batchGet: true, maxBatchSize: 100, pushChanges: false, cancel: true, externalTasks: false, totalCount: true },
    async listTasks(query): Promise<TaskPage> {
      queries.push(query);
      // Like a backend that cannot filter on tenants: totals count everything.
      const found = tasks.filter((t) => matchesFilter(t, { ...query.filter, scope: type === 'prism' ? query.filter.scope : undefined }));
      if (query.mapsKept) return { tasks: [], keyed: found.map((t) => ({ time: sortTime(t), nativeId: t.nativeId, task: () => t })), hasMore: false, totalCount: tasks.length };
      return { tasks: found, hasMore: false, totalCount: tasks.length };
    },
    async getTasks(ids) {
      return ids.map((id) => tasks.find((t) => t.nativeId === id) ?? null);
    },
    async close() {},
  };
  return { adapter: a, queries };
}

describe('access', () => {
  const subA = task('vcd', 'vcd', 'sub-a', 'acme');
  const subB = task('vcd', 'vcd', 'sub-b', 'globex');
  const vcdTasks = [
    task('vcd', 'vcd', 'a1', 'acme', {
      embeddedSubtasks: [subA, subB],
      relatedTasks: [
        { backend: null, nativeId: 'task-1', systemId: 'vc-uuid', nativeStatus: 'running', description: null },
        { backend: null, nativeId: 'task-2', systemId: 'unknown-vc', nativeStatus: 'running', description: null },
      ],
    }),
    task('vcd', 'vcd', 'b1', 'globex'),
    task('vcd', 'vcd', 'n1', null),
  ];
  const vcd = adapter('vcd', 'vcd', vcdTasks);
  const pc = adapter('pc', 'prism', [task('pc', 'prism', 'p1', 'c1'), task('pc', 'prism', 'p2', 'c2')]);
  const vc = adapter('vc', 'vsphere-soap', [task('vc', 'vsphere-soap', 'task-1', null)]);
  const backends = createBackendSet([{ adapter: vcd.adapter }, { adapter: pc.adapter }, { adapter: vc.adapter, knownAs: ['vc-uuid'] }]);
  const call = { requestId: 'r' };

  it('pushes the tenants into every list filter and keeps only tasks in scope', async () => {
    const access = createAccess(backends, { id: 'a', kind: 'api-key', scope: scopeOf({ backends: ['vcd', 'pc'], vcdOrgs: ['acme'], prismClusters: ['c1'] }) });
    expect(access.backends.all().map((b) => b.adapter.name)).toEqual(['vcd', 'pc']);
    expect(access.backends.get('vc')).toBeUndefined();
    expect(access.backends.byAlias('vc-uuid')).toBeUndefined();
    const page = await access.backends.get('vcd')!.adapter.listTasks({ filter: { statuses: ['RUNNING'] }, direction: 'DESC', limit: 10 }, call);
    const { scope, ...rest } = vcd.queries.at(-1)!.filter;
    expect(rest).toEqual({ statuses: ['RUNNING'] });
    expect(scope?.map((r) => [r.dimension, r.values])).toEqual([['vcdOrgs', ['acme']]]);
    expect(page.tasks.map((t) => t.nativeId)).toEqual(['a1']);
    // vCD counted every org's tasks upstream: that total must not reach the caller.
    expect(page.totalCount).toBeNull();
    const prism = await access.backends.get('pc')!.adapter.listTasks({ filter: {}, direction: 'DESC', limit: 10 }, call);
    expect(prism.tasks.map((t) => t.nativeId)).toEqual(['p1']);
    // The fake counts both clusters while its whole page holds one task: not proven scoped.
    expect(prism.totalCount).toBeNull();
    const narrowed = await access.backends.get('pc')!.adapter.listTasks({ filter: { scope: [clusters(['c2'])] }, direction: 'DESC', limit: 10 }, call);
    expect(narrowed).toEqual({ tasks: [], hasMore: false, totalCount: 0 });
    expect(pc.queries.at(-1)!.filter.scope?.map((r) => [r.dimension, r.values])).toEqual([['prismClusters', ['c1']]]);
  });

  it('views every listed task: a caller mapping only what it keeps still gets viewed tasks, not keys', async () => {
    const access = createAccess(backends, { id: 'a', kind: 'api-key', scope: scopeOf({ backends: ['vcd'], vcdOrgs: ['acme'] }) });
    const page = await access.backends.get('vcd')!.adapter.listTasks({ filter: {}, direction: 'DESC', limit: 10, mapsKept: true }, call);
    expect(vcd.queries.at(-1)!.mapsKept).toBeUndefined();
    expect(page.keyed).toBeUndefined();
    expect(page.tasks.map((t) => [t.nativeId, t.embeddedSubtasks?.map((s) => s.nativeId)])).toEqual([['a1', ['sub-a']]]);
  });

  it('reads tasks out of scope as missing, drops embedded subtasks and links out of scope', async () => {
    const access = createAccess(backends, { id: 'a', kind: 'api-key', scope: scopeOf({ backends: ['vcd'], vcdOrgs: ['acme'] }) });
    const got = await access.backends.get('vcd')!.adapter.getTasks(['a1', 'b1', 'n1', 'zz'], call);
    expect(got.map((t) => (t && !(t instanceof Error) ? t.nativeId : t))).toEqual(['a1', null, null, null]);
    const a1 = got[0] as TaskModel;
    expect(a1.embeddedSubtasks!.map((t) => t.nativeId)).toEqual(['sub-a']);
    expect(a1.relatedTasks).toEqual([]);
    const withVc = createAccess(backends, { id: 'a', kind: 'api-key', scope: scopeOf({ backends: ['vcd', 'vc'], vcdOrgs: ['acme'] }) });
    expect(withVc.view(vcdTasks[0]!)!.relatedTasks.map((r) => r.nativeId)).toEqual(['task-1']);
    expect(vcdTasks[0]!.embeddedSubtasks).toHaveLength(2); // the backend's model is never changed
  });

  it('gives the full set, untouched, to a principal that sees everything', () => {
    const access = createAccess(backends, { id: 'ops', kind: 'api-key', scope: scopeOf({ backends: ['*'], actions: ['*'], ...Object.fromEntries(scopeDimensions().map((d) => [d.name, ['*']])) }) });
    expect(access.unrestricted).toBe(true);
    expect(access.backends).toBe(backends);
    expect(access.view(vcdTasks[0]!)).toBe(vcdTasks[0]);
    expect(access.may('cancel') && access.may('create') && access.may('update')).toBe(true);
  });

  it('allows creating tasks only where the backend account\'s tenant is in scope', () => {
    const policy = { homeScopes: new Map([['vcd', { vcdOrgs: 'acme' }]]) };
    const acme = createAccess(backends, { id: 'a', kind: 'api-key', scope: scopeOf({ backends: ['*'], vcdOrgs: ['acme'], actions: ['create'] }) }, policy);
    const globex = createAccess(backends, { id: 'b', kind: 'api-key', scope: scopeOf({ backends: ['*'], vcdOrgs: ['globex'], actions: ['create'] }) }, policy);
    expect([acme.mayCreateOn('vcd'), globex.mayCreateOn('vcd'), globex.mayCreateOn('vc'), globex.mayCreateOn('nope')]).toEqual([true, false, true, false]);
    expect(acme.may('cancel')).toBe(false);
  });
});

describe('Prism tenant push-down', () => {
  it('filters on clusterExtIds with a lambda, and asks nothing for an empty scope', () => {
    expect(toODataFilter({ scope: [clusters(['c1'])] }, 'DESC').expression).toBe("clusterExtIds/any(c:c eq 'c1')");
    expect(toODataFilter({ scope: [clusters(['c1', "o'k"])], statuses: ['RUNNING'] }, 'DESC').expression).toBe(
      "status eq Prism.Config.TaskStatus'RUNNING' and clusterExtIds/any(c:c eq 'c1' or c eq 'o''k')",
    );
    expect(toODataFilter({ scope: [clusters([])] }, 'DESC')).toEqual({ expression: undefined, empty: true });
  });

  it('matches only tasks of the listed tenants; a task without a tenant never', () => {
    expect(matchesFilter(task('pc', 'prism', 'x', 'c1'), { scope: [clusters(['c1'])] })).toBe(true);
    expect(matchesFilter(task('pc', 'prism', 'x', 'c2'), { scope: [clusters(['c1'])] })).toBe(false);
    expect(matchesFilter(task('pc', 'prism', 'x', null), { scope: [clusters(['c1'])] })).toBe(false);
  });
});
