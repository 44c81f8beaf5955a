/**
 * Resolvers of the generated federation types.
 *
 * `<Type>.__resolveReference` returns the representation itself: taskgraph owns no field of
 * the foreign object but `tasks`, so resolving N references costs nothing upstream.
 * `<Type>.tasks` maps the key to backend entity references and loads them through the
 * per-request `byEntity` DataLoader, so the N objects of one `_entities` call cost one
 * filtered list call per backend (per batch of `maxBatchSize` entities), never N.
 * `EntityReference.<field>` returns the representation `{ __typename, <key> }` of the
 * foreign object, which the router then resolves in the owning subgraph.
 */
import type { TaskFilter } from '../generated/graphql.js';
import type { ConnectionParent } from '../gateway/connection.js';
import { compareAcrossBackends, fingerprintOf, pageInMemory } from '../gateway/connection.js';
import type { GatewayContext } from '../gateway/context.js';
import { toGraphQLError, userInputError } from '../gateway/errors.js';
import { PAGE_LIMITS } from '../gateway/resolvers/query.js';
import { scopeFor } from '../gateway/scope.js';
import { checkName, checkNativeId } from '../gateway/client-input.js';
import { matchesFilter } from '../model/filter.js';
import type { EntityRef, TaskModel } from '../model/task.js';
import type { FederatedEntity, FederationConfig } from './config.js';
import { entityKeysFor, foreignKeyOf } from './mapping.js';

export interface EntityTasksArgs {
  filter?: TaskFilter | null;
  first?: number | null;
  after?: string | null;
}

/** A representation of a foreign object: `__typename` and its key field. */
export type Representation = Record<string, unknown> & { __typename?: string };

type FieldResolver = (parent: never, args: never, ctx: GatewayContext) => unknown;
export type FederationResolvers = Record<string, Record<string, FieldResolver | ((ref: Representation) => Representation)>>;

/** Errors already reported in this request: one failed batch is one error, not one per object. */
const reported = new WeakMap<GatewayContext, WeakSet<Error>>();

function reportOnce(ctx: GatewayContext, err: unknown): void {
  let seen = reported.get(ctx);
  if (!seen) reported.set(ctx, (seen = new WeakSet()));
  if (err instanceof Error) {
    if (seen.has(err)) return;
    seen.add(err);
  }
  ctx.partialErrors.push(toGraphQLError(err));
}

/** `<Type>.tasks`: every task affecting the entities the object's key maps to. */
export async function entityTasks(entity: FederatedEntity, parent: Representation, args: EntityTasksArgs, ctx: GatewayContext): Promise<ConnectionParent> {
  const first = args.first ?? PAGE_LIMITS.defaultPageSize;
  const max = ctx.maxFirst ?? PAGE_LIMITS.maxPageSize;
  if (!Number.isInteger(first) || first < 0 || first > max) {
    throw userInputError(`first must be between 0 and ${max}`, { argument: 'first', limit: 'limits.maxFirst' });
  }
  if (args.filter?.entity) {
    throw userInputError(`filter.entity: not allowed on ${entity.type}.${entity.tasksField}; the ${entity.type} is the entity`, { argument: 'filter.entity' });
  }
  const scope = scopeFor(ctx.backends, args.filter);
  const value = parent[entity.key];
  const foreignKey = typeof value === 'string' || typeof value === 'number' ? String(value) : null;
  if (foreignKey !== null) checkName(foreignKey, `${entity.type}.${entity.key}`);
  const keys = foreignKey === null ? [] : entityKeysFor(entity, foreignKey).filter((k) => scope.has(k.backend));
  // A mapping rule turns the client's key into a backend's entity id: checked like any client id.
  for (const key of keys) checkNativeId(key.nativeId, `${entity.type}.${entity.key}`);

  const lists = await Promise.all(
    keys.map((key) =>
      ctx.loaders.byEntity.load(key).catch((err: unknown) => {
        reportOnce(ctx, err);
        return [] as TaskModel[];
      }),
    ),
  );
  const unique = new Map<string, TaskModel>();
  for (const task of lists.flat()) {
    const filter = scope.get(task.backend);
    if (filter && matchesFilter(task, filter)) unique.set(`${task.backend}\u0000${task.nativeId}`, task);
  }
  // Newest first, ties as Query.tasks breaks them (one comparator for both).
  const all = [...unique.values()].sort((a, b) => compareAcrossBackends(a, b, 'DESC'));
  return pageInMemory(all, first, args.after, fingerprintOf({ type: entity.type, key: foreignKey, filter: args.filter ?? null }));
}

/** The resolver map of the generated types; empty when nothing is configured. */
export function federationResolvers(config: FederationConfig): FederationResolvers {
  const map: FederationResolvers = {};
  const referenceFields: Record<string, (ref: EntityRef) => Representation | null> = {};
  for (const entity of config.entities) {
    map[entity.type] = {
      __resolveReference: (ref: Representation) => ref,
      [entity.tasksField]: ((parent: Representation, args: EntityTasksArgs, ctx: GatewayContext) =>
        entityTasks(entity, parent, args, ctx)) as FieldResolver,
    };
    if (entity.referenceField) {
      referenceFields[entity.referenceField] = (ref) => {
        const key = foreignKeyOf(entity, ref);
        return key === null ? null : { __typename: entity.type, [entity.key]: key };
      };
    }
  }
  if (Object.keys(referenceFields).length) map.EntityReference = referenceFields as unknown as FederationResolvers[string];
  return map;
}
