/**
 * filterReads must name every field matchesFilter looks at: a list fetched with only those
 * (and the sort time) must match exactly as the full task does.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { filterReads, matchesFilter, type TaskFilter } from './filter.js';
import { TASK_STATUSES, type TaskField, type TaskModel } from './task.js';

const ids = fc.constantFrom('a', 'b', 'c');
const when = fc.integer({ min: 0, max: 4 }).map((m) => new Date(Date.UTC(2026, 2, 1, 10, m)));
const entity = fc.record({ nativeId: ids, type: fc.option(fc.constantFrom('vm', 'host'), { nil: null }) });

const task: fc.Arbitrary<TaskModel> = fc
  .record({
    status: fc.constantFrom(...TASK_STATUSES),
    operation: fc.option(fc.constantFrom('create', 'delete'), { nil: null }),
    parentId: fc.option(ids, { nil: null }),
    tenant: fc.option(fc.constantFrom('t1', 't2'), { nil: null }),
    entities: fc.array(entity, { maxLength: 2 }),
    createdAt: fc.option(when, { nil: null }),
    startedAt: fc.option(when, { nil: null }),
  })
  .map((r) => ({
    backend: 'b', backendType: 'prism', nativeId: 'x', operation: r.operation, description: 'd', status: r.status, nativeStatus: r.status,
    progress: 5, progressMessage: 'm', createdAt: r.createdAt, startedAt: r.startedAt, completedAt: null, lastUpdatedAt: null, expiresAt: null,
    isCancelable: true, cancelRequested: false, initiatedBy: null, tenant: r.tenant,
    entitiesAffected: r.entities.map((e) => ({ backend: 'b', nativeId: e.nativeId, type: e.type, name: null, href: null })),
    parentId: r.parentId, rootId: null, embeddedSubtasks: null, subtaskCount: null, steps: [], errors: [], warnings: [], result: null,
    completionDetails: [], relatedTasks: [],
  }));

const filter: fc.Arbitrary<TaskFilter> = fc.record(
  {
    statuses: fc.array(fc.constantFrom(...TASK_STATUSES), { maxLength: 3 }),
    operations: fc.array(fc.constantFrom('create', 'delete'), { maxLength: 2 }),
    entity: entity,
    parentId: ids,
    parentIds: fc.array(ids, { maxLength: 2 }),
    entities: fc.array(entity, { maxLength: 2 }),
    createdAfter: when,
    createdBefore: when,
    tenants: fc.array(fc.constantFrom('t1', 't2'), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);

/** The task as a list fetching only `keep` returns it: every other field at its empty value. */
function only(t: TaskModel, keep: ReadonlySet<TaskField>): TaskModel {
  const empty: TaskModel = {
    ...t, operation: null, description: null, status: 'UNKNOWN', nativeStatus: '', progress: null, progressMessage: null,
    createdAt: null, startedAt: null, isCancelable: false, tenant: null, entitiesAffected: [], parentId: null,
  };
  return Object.fromEntries(Object.keys(t).map((k) => [k, keep.has(k as TaskField) ? t[k as TaskField] : empty[k as TaskField]])) as unknown as TaskModel;
}

describe('filterReads', () => {
  it('names every field matchesFilter reads', () => {
    fc.assert(
      fc.property(task, filter, (t, f) => {
        const keep = new Set<TaskField>(['backend', 'backendType', 'nativeId', 'createdAt', 'startedAt', ...filterReads(f)]);
        expect(matchesFilter(only(t, keep), f)).toBe(matchesFilter(t, f));
      }),
      { numRuns: 2000 },
    );
  });
});
