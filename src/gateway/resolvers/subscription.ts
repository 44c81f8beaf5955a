import type { SubscriptionResolvers } from '../../generated/graphql.js';
import { clientTaskKey } from '../client-input.js';
import type { GatewayContext } from '../context.js';
import { toGraphQLError, userInputError } from '../errors.js';
import { scopeFor } from '../scope.js';

/** Events come from watchers shared by all callers: each is checked against this caller's scope. */
const viewOf = (ctx: GatewayContext) => (ctx.access.unrestricted ? undefined : ctx.access.view);

/**
 * A subscription's context (and its DataLoaders) lives as long as the subscription: without
 * this, relations resolved for one event (`parent { status }`) would be served from the
 * first event's cache for hours. Each event starts with empty caches.
 */
function fresh<T>(ctx: GatewayContext, value: T): T {
  ctx.loaders.clear();
  return value;
}

export const subscriptionResolvers: SubscriptionResolvers = {
  taskUpdated: {
    subscribe: async (_root, { id }, ctx: GatewayContext) => {
      const key = clientTaskKey(id, 'id');
      if (!key || !ctx.backends.get(key.backend)) throw userInputError('id: not a task of a configured backend', { argument: 'id' });
      const load = async () => {
        try {
          return await ctx.loaders.task.load(key);
        } catch (err) {
          throw toGraphQLError(err);
        }
      };
      // Out of the caller's scope, the load reads null: the same NOT_FOUND as a missing task.
      const iterator = await ctx.hub.watchTask(key, load, (task) => ({ taskUpdated: task }), ctx.connectionClosed, viewOf(ctx));
      if (!iterator) throw userInputError(`task ${id} does not exist`, { argument: 'id', code: 'NOT_FOUND' });
      return iterator;
    },
    resolve: (payload: { taskUpdated: never }, _args: unknown, ctx: GatewayContext) => fresh(ctx, payload.taskUpdated),
  },
  taskEvents: {
    subscribe: (_root, { filter }, ctx: GatewayContext) => {
      const scope = scopeFor(ctx.backends, filter);
      return ctx.hub.watchEvents(scope, (event) => ({ taskEvents: event }), ctx.connectionClosed, viewOf(ctx));
    },
    resolve: (payload: { taskEvents: never }, _args: unknown, ctx: GatewayContext) => fresh(ctx, payload.taskEvents),
  },
};
