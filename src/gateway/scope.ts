/**
 * GraphQL filter -> one model filter per backend in scope. Global ids become native ids
 * here; resolvers below this point never see a global id.
 */
import type { TaskFilter as ModelFilter } from '../model/filter.js';
import type { TaskFilter } from '../generated/graphql.js';
import type { BackendSet } from './backends.js';
import { checkDate, checkList, checkName, checkNativeId, clientTaskKey } from './client-input.js';
import { userInputError } from './errors.js';

export function scopeFor(backends: BackendSet, filter: TaskFilter | null | undefined): Map<string, ModelFilter> {
  let names = backends.all().map((b) => b.adapter.name);
  if (filter?.backend?.length) {
    checkList(filter.backend, 'filter.backend');
    const unknown = filter.backend.filter((n) => !backends.get(n));
    if (unknown.length) {
      throw userInputError(`filter.backend: unknown backend ${unknown.join(', ')}; configured: ${names.join(', ')}`, {
        argument: 'filter.backend',
      });
    }
    names = names.filter((n) => filter.backend!.includes(n));
  }
  const base: ModelFilter = {};
  if (filter?.status?.length) base.statuses = filter.status;
  if (filter?.operation?.length) base.operations = checkList(filter.operation, 'filter.operation').map((o) => checkName(o, 'filter.operation'));
  if (filter?.createdAfter) base.createdAfter = checkDate(filter.createdAfter, 'filter.createdAfter');
  if (filter?.createdBefore) base.createdBefore = checkDate(filter.createdBefore, 'filter.createdBefore');
  if (filter?.entity) {
    const type = filter.entity.type ? checkName(filter.entity.type, 'filter.entity.type') : null;
    base.entity = { nativeId: checkNativeId(filter.entity.nativeId, 'filter.entity.nativeId'), type };
    if (filter.entity.backend) names = names.filter((n) => n === filter.entity!.backend);
  }
  if (filter?.parent) {
    const parent = clientTaskKey(filter.parent, 'filter.parent');
    if (!parent) throw userInputError('filter.parent: not a task id from this API', { argument: 'filter.parent' });
    base.parentId = parent.nativeId;
    names = names.filter((n) => n === parent.backend);
  }
  return new Map(names.map((n) => [n, base]));
}
