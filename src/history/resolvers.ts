/**
 * The history fields: Query.taskHistory, Query.taskStats, Task.transitions, Task.retained and
 * Task.source. Every read is scoped twice, like live tasks: the principal's backends and
 * tenants are pushed into SQL (scope.ts), and each stored task is checked again with the
 * live rule (`access.view`) before it is returned.
 */
import DataLoader from 'dataloader';
import type { FieldNode, GraphQLResolveInfo } from 'graphql';
import type { QueryResolvers, Resolvers, TaskHistoryFilter as GqlFilter, TaskResolvers } from '../generated/graphql.js';
import { fingerprintOf, type ConnectionParent } from '../gateway/connection.js';
import type { GatewayContext } from '../gateway/context.js';
import { userInputError } from '../gateway/errors.js';
import { sortTime, type TaskModel } from '../model/task.js';
import type { AvailableStore } from './available-store.js';
import { decodeHistoryCursor, encodeHistoryCursor } from './cursor.js';
import { HISTORY_DISABLED, historyGraphQLError } from './errors.js';
import { historyScopeOf } from './scope.js';
import { foldStats } from './stats.js';
import type { HistoryFilter, StoredTask, TransitionRow } from './store.js';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 1000;

/** Tasks read from the store, with what the store knows of them (weak: dies with the response). */
const storedMeta = new WeakMap<TaskModel, Omit<StoredTask, 'task'>>();
/** One transitions loader per request (its context), so a page of tasks costs one query. */
const loaders = new WeakMap<GatewayContext, DataLoader<TaskModel, TransitionRow[], string>>();

function toMs(value: Date | string | null | undefined, field: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  const ms = (value instanceof Date ? value : new Date(value)).getTime();
  if (Number.isNaN(ms)) throw userInputError(`${field}: not a date-time`, { argument: field });
  return ms;
}

export function historyFilterOf(filter: GqlFilter | null | undefined): HistoryFilter {
  const out: HistoryFilter = {};
  if (!filter) return out;
  if (filter.backend?.length) out.backends = filter.backend;
  if (filter.status?.length) out.statuses = filter.status;
  if (filter.operation?.length) out.operations = filter.operation;
  if (filter.tenant?.length) out.tenants = filter.tenant;
  if (filter.entity) out.entity = { nativeId: filter.entity.nativeId, backend: filter.entity.backend ?? null, type: filter.entity.type ?? null };
  out.createdAfter = toMs(filter.createdAfter, 'filter.createdAfter');
  out.createdBefore = toMs(filter.createdBefore, 'filter.createdBefore');
  if (out.createdAfter === undefined) delete out.createdAfter;
  if (out.createdBefore === undefined) delete out.createdBefore;
  if (filter.retained !== null && filter.retained !== undefined) out.retained = filter.retained;
  return out;
}

function selects(info: GraphQLResolveInfo, field: string): boolean {
  return info.fieldNodes.some((node) => node.selectionSet?.selections.some((s) => s.kind === 'Field' && (s as FieldNode).name.value === field));
}

function transitionsLoader(ctx: GatewayContext, store: AvailableStore): DataLoader<TaskModel, TransitionRow[], string> {
  let loader = loaders.get(ctx);
  if (!loader) {
    loader = new DataLoader<TaskModel, TransitionRow[], string>(
      async (tasks) => {
        const rows = await store.transitions(tasks.map((t) => ({ backend: t.backend, nativeId: t.nativeId })));
        const byTask = new Map<string, TransitionRow[]>();
        for (const row of rows) {
          const key = JSON.stringify([row.backend, row.nativeId]);
          const list = byTask.get(key);
          if (list) list.push(row);
          else byTask.set(key, [row]);
        }
        return tasks.map((t) => byTask.get(JSON.stringify([t.backend, t.nativeId])) ?? []);
      },
      { cacheKeyFn: (t) => JSON.stringify([t.backend, t.nativeId]), maxBatchSize: 200 },
    );
    loaders.set(ctx, loader);
  }
  return loader;
}

/** The history resolvers over `store`; null: history is off, and they answer so. */
export function historyResolvers(store: AvailableStore | null): Pick<Resolvers, 'Query' | 'Task'> {
  const query: Pick<QueryResolvers, 'taskHistory' | 'taskStats'> = {
    async taskHistory(_root, args, ctx, info): Promise<ConnectionParent> {
      if (!store) throw historyGraphQLError(HISTORY_DISABLED);
      const size = args.first ?? DEFAULT_PAGE;
      const max = ctx.maxFirst ?? MAX_PAGE;
      if (size < 0 || size > max) throw userInputError(`first must be between 0 and ${max}`, { argument: 'first', limit: max });
      const direction = args.orderBy?.direction ?? 'DESC';
      const filter = historyFilterOf(args.filter);
      const fingerprint = fingerprintOf({ history: filter, direction });
      const after = args.after ? decodeHistoryCursor(args.after, fingerprint) : undefined;
      const scope = historyScopeOf(ctx.access.principal);
      const now = Date.now();
      let rows: StoredTask[];
      let totalCount: number | null = null;
      try {
        [rows, totalCount] = await Promise.all([
          store.page({ scope, filter, direction, after, limit: size + 1, now }),
          selects(info, 'totalCount') ? store.count({ scope, filter, now }) : Promise.resolve(null),
        ]);
      } catch (err) {
        throw historyGraphQLError(err);
      }
      const page = rows.slice(0, size);
      const position = (t: TaskModel) => ({ time: sortTime(t), backend: t.backend, nativeId: t.nativeId });
      const edges = page.flatMap(({ task, ...meta }) => {
        // The SQL scope already excluded what the principal may not see; this is the live rule again.
        const seen = ctx.access.view(task);
        if (!seen) return [];
        storedMeta.set(seen, meta);
        return [{ node: seen, cursor: encodeHistoryCursor(position(seen), fingerprint) }];
      });
      const last = page[page.length - 1];
      return {
        edges,
        totalCount,
        pageInfo: {
          hasNextPage: rows.length > size,
          hasPreviousPage: !!after,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: last ? encodeHistoryCursor(position(last.task), fingerprint) : null,
        },
      };
    },

    async taskStats(_root, args, ctx) {
      if (!store) throw historyGraphQLError(HISTORY_DISABLED);
      const filter = historyFilterOf(args.filter);
      const since = toMs(args.since, 'since');
      const until = toMs(args.until, 'until');
      if (since !== undefined) filter.createdAfter = Math.max(since, filter.createdAfter ?? since);
      if (until !== undefined) filter.createdBefore = Math.min(until, filter.createdBefore ?? until);
      const groupBy = [...new Set(args.groupBy ?? [])];
      try {
        const rows = await store.stats({ scope: historyScopeOf(ctx.access.principal), filter, groupBy, now: Date.now() });
        return foldStats(rows, groupBy);
      } catch (err) {
        throw historyGraphQLError(err);
      }
    },
  };

  const task: Pick<TaskResolvers, 'transitions' | 'retained' | 'source'> = {
    async transitions(parent, _args, ctx) {
      if (!store) throw historyGraphQLError(HISTORY_DISABLED);
      try {
        const rows = await transitionsLoader(ctx, store).load(parent);
        return rows.map((r) => ({ at: new Date(r.at), status: r.status, progress: r.progress }));
      } catch (err) {
        throw historyGraphQLError(err);
      }
    },
    retained: (parent) => storedMeta.get(parent)?.retained ?? true,
    source: (parent) => (storedMeta.has(parent) ? 'HISTORY' : 'LIVE'),
  };

  return { Query: query as QueryResolvers, Task: task as TaskResolvers };
}
