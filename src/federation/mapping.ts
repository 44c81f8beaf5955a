/**
 * Foreign keys <-> backend entity references, by the configured rules. Pure functions.
 *
 * Forward (`VirtualMachine.tasks`): every rule whose pattern matches the foreign key gives one
 * entity reference (backend, native id, type). An id that several backends may hold (a Prism
 * extId without its Prism Central) simply has a rule per backend; an id that names its
 * backend (`vc1:vm-42`) has rules whose patterns exclude each other.
 *
 * Reverse (`EntityReference.virtualMachine`): the first rule with a `reverse` mapping that
 * accepts the reference's backend, type and native id gives the foreign key.
 */
import type { EntityKey } from '../gateway/loaders.js';
import type { EntityRef } from '../model/task.js';
import type { FederatedEntity, MappingRule } from './config.js';

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function fill(template: string, values: Readonly<Record<string, string | undefined>>): string {
  return template.replace(PLACEHOLDER, (_m, name: string) => values[name] ?? '');
}

/** The backend entities a foreign key stands for; empty when no rule matches. */
export function entityKeysFor(entity: FederatedEntity, foreignKey: string): EntityKey[] {
  const out: EntityKey[] = [];
  const seen = new Set<string>();
  for (const rule of entity.rules) {
    const match = rule.pattern.exec(foreignKey);
    if (!match) continue;
    const nativeId = fill(rule.nativeId, match.groups ?? {});
    if (!nativeId) continue;
    const key: EntityKey = { backend: rule.backend, nativeId, type: rule.entityType };
    const id = `${key.backend}\u0000${key.nativeId}\u0000${key.type ?? ''}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(key);
  }
  return out;
}

function acceptsType(rule: MappingRule, type: string | null): boolean {
  const accepted = rule.reverse?.types ?? (rule.entityType ? [rule.entityType] : null);
  return accepted === null || (type !== null && accepted.includes(type));
}

/** The foreign key of an entity reference, or null when no reverse rule maps it. */
export function foreignKeyOf(entity: FederatedEntity, ref: Pick<EntityRef, 'backend' | 'nativeId' | 'type'>): string | null {
  for (const rule of entity.rules) {
    if (!rule.reverse || rule.backend !== ref.backend || !acceptsType(rule, ref.type)) continue;
    let groups: Record<string, string | undefined> = {};
    if (rule.reverse.pattern) {
      const match = rule.reverse.pattern.exec(ref.nativeId);
      if (!match) continue;
      groups = match.groups ?? {};
    }
    return fill(rule.reverse.key, { ...groups, nativeId: ref.nativeId });
  }
  return null;
}
