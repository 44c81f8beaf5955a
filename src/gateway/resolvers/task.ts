import type { TaskResolvers } from '../../generated/graphql.js';
import { encodeTaskId } from '../../model/global-id.js';
import { isTerminal, type TaskModel } from '../../model/task.js';
import { fingerprintOf, pageInMemory } from '../connection.js';
import type { GatewayContext } from '../context.js';
import { toGraphQLError, userInputError } from '../errors.js';
import { PAGE_LIMITS, taskByGlobalId } from './query.js';

async function sibling(ctx: GatewayContext, task: TaskModel, nativeId: string | null): Promise<TaskModel | null> {
  if (!nativeId || nativeId === task.nativeId) return nativeId ? task : null;
  try {
    return await ctx.loaders.task.load({ backend: task.backend, nativeId });
  } catch (err) {
    throw toGraphQLError(err);
  }
}

/** The top-most ancestor: `rootId` where the backend gives it, else up the parent chain. */
async function rootOf(ctx: GatewayContext, task: TaskModel): Promise<TaskModel | null> {
  if (task.rootId) return sibling(ctx, task, task.rootId);
  let current = task;
  for (let depth = 0; current.parentId && depth < 32; depth++) {
    const parent = await sibling(ctx, current, current.parentId);
    if (!parent) break;
    current = parent;
  }
  return current === task ? null : current;
}

export const taskResolvers: TaskResolvers = {
  __resolveReference: (ref, ctx) => taskByGlobalId(ctx, (ref as { id: string }).id),
  id: (task) => encodeTaskId(task.backend, task.nativeId),
  isTerminal: (task) => isTerminal(task.status),
  parent: (task, _args, ctx) => sibling(ctx, task, task.parentId),
  root: (task, _args, ctx) => rootOf(ctx, task),
  subtasks: async (task, { first, after }, ctx) => {
    const size = first ?? 50;
    const max = ctx.maxFirst ?? PAGE_LIMITS.maxPageSize;
    if (size < 0 || size > max) {
      throw userInputError(`first must be between 0 and ${max}`, { argument: 'first', limit: max });
    }
    const fingerprint = fingerprintOf({ parent: `${task.backend}:${task.nativeId}` });
    if (task.embeddedSubtasks) {
      ctx.loaders.prime(task.embeddedSubtasks);
      return pageInMemory(task.embeddedSubtasks, size, after, fingerprint);
    }
    if (task.subtaskCount === 0) return pageInMemory([], size, after, fingerprint);
    try {
      return pageInMemory(await ctx.loaders.subtasks.load(task), size, after, fingerprint);
    } catch (err) {
      throw toGraphQLError(err);
    }
  },
  relatedTasks: (task) => task.relatedTasks.map((ref) => ({ ref, from: task.backend })),
};
