import type { QueryResolvers } from '../../generated/graphql.js';
import type { TaskModel } from '../../model/task.js';
import { clientTaskKey } from '../client-input.js';
import { fingerprintOf, listMerged } from '../connection.js';
import type { GatewayContext } from '../context.js';
import { toGraphQLError } from '../errors.js';
import { scopeFor } from '../scope.js';
import { taskFieldsRead } from '../selection.js';

/** Page sizes: `first` defaults to 50 and may not exceed 1000 (or config `limits.maxFirst`, ctx.maxFirst). */
export const PAGE_LIMITS = { defaultPageSize: 50, maxPageSize: 1000 };

/** Loads a task by global id; null when the id is not ours or the task does not exist; BAD_USER_INPUT for an id out of shape. */
export async function taskByGlobalId(ctx: GatewayContext, id: string): Promise<TaskModel | null> {
  const key = clientTaskKey(id, 'id');
  if (!key || !ctx.backends.get(key.backend)) return null;
  try {
    return await ctx.loaders.task.load(key);
  } catch (err) {
    throw toGraphQLError(err);
  }
}

export const queryResolvers: QueryResolvers = {
  task: (_root, { id }, ctx) => taskByGlobalId(ctx, id),
  node: async (_root, { id }, ctx) => {
    const task = await taskByGlobalId(ctx, id);
    return task ? { ...task, __typename: 'Task' as const } : null;
  },
  tasks: (_root, args, ctx, info) => {
    const direction = args.orderBy?.direction ?? 'DESC';
    return listMerged(ctx, {
      ...args,
      select: taskFieldsRead(info),
      scope: scopeFor(ctx.backends, args.filter),
      direction,
      fingerprint: fingerprintOf({ filter: args.filter ?? null, direction }),
      defaultPageSize: PAGE_LIMITS.defaultPageSize,
      maxPageSize: ctx.maxFirst ?? PAGE_LIMITS.maxPageSize,
    });
  },
  backends: (_root, _args, ctx) => ctx.backends.all(),
};
