/**
 * A principal's scope as the history store applies it, built with the very rule that scopes
 * live tasks (tenantGrant in src/security/access.ts), so history and live answers agree.
 */
import { adapterTypes } from '../adapters/registry.js';
import type { BackendType } from '../model/task.js';
import { tenantGrant } from '../security/access.js';
import type { Principal } from '../security/principal.js';
import type { HistoryScope } from './store.js';

export function historyScopeOf(principal: Principal): HistoryScope {
  const { scope } = principal;
  const tenants: HistoryScope['tenants'][number][] = [];
  for (const type of adapterTypes() as BackendType[]) {
    const grant = tenantGrant(principal, type);
    if (grant) tenants.push({ backendType: type, tenants: grant.all ? null : [...grant.names] });
  }
  return { backends: scope.backends.all ? null : [...scope.backends.names], tenants };
}
