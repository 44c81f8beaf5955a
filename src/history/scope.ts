/**
 * A principal's scope as the history store applies it, built with the very rule that scopes
 * live tasks (restrictionsOf in src/security/access.ts), so history and live answers agree.
 */
import { adapterTypes } from '../adapters/registry.js';
import { restrictionsOf } from '../security/access.js';
import type { Principal } from '../security/principal.js';
import type { HistoryScope } from './store.js';

/**
 * The store keeps each task's `tenant`: a dimension read from it is applied in SQL exactly
 * (several are intersected); one read from another field cannot be, so its backend type's
 * history is closed to a principal restricted on it (fail closed).
 */
export function historyScopeOf(principal: Principal): HistoryScope {
  const { scope } = principal;
  const tenants: HistoryScope['tenants'][number][] = [];
  for (const type of adapterTypes()) {
    const restrictions = restrictionsOf(principal, type);
    if (!restrictions.length) continue;
    const allowed = restrictions.reduce<readonly string[]>(
      (values, r) => (r.field === 'tenant' ? values.filter((v) => r.values.includes(v)) : []),
      restrictions[0]!.values,
    );
    tenants.push({ backendType: type, tenants: [...allowed] });
  }
  return { backends: scope.backends.all ? null : [...scope.backends.names], tenants };
}
