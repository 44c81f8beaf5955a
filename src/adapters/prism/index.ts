/**
 * The Prism Central v4 adapter (`type: prism`).
 */
import { z } from 'zod';
import { baseBackendSchema, readSecretFile, requirePassword } from '../config.js';
import { defineAdapter, Keyed, type AdapterOptions, keyedPage, type CallContext, type CancelOutcome, type KeyedTask, type ListQuery, type TaskAdapter, type TaskPage } from '../contract.js';
import { BackendError } from '../errors.js';
import { compareKeys, filterReads, inTimeBounds, matchesFilter } from '../../model/filter.js';
import { isTerminal, type TaskModel } from '../../model/task.js';
import { timeMs } from '../../model/time.js';
import { createPrismClient, type PrismClient } from './client.js';
import { idsFilter, toODataFilter } from './filter.js';
import { prismSelect, toTaskModel } from './map.js';

/** Prism's `$limit` range is 1-100 (list_tasks_request.go). */
const MAX_LIMIT = 100;

export const prismConfigSchema = baseBackendSchema.extend({
  type: z.literal('prism'),
  /** The version segment of the API path; v4.0 is the first GA release. */
  apiVersion: z.enum(['v4.0', 'v4.1', 'v4.2', 'v4.3', 'v4.4', 'v4.0.b1']).default('v4.0'),
});

export type PrismConfig = z.infer<typeof prismConfigSchema>;

export function createPrismAdapter(config: PrismConfig, options: AdapterOptions = {}): TaskAdapter {
  const backend = config.name;
  const apiKey = config.apiKey ?? (config.apiKeyFile ? readSecretFile(config.apiKeyFile, `backends.${backend}.apiKeyFile`) : undefined);
  const client: PrismClient = createPrismClient({
    backend,
    baseUrl: config.url,
    apiVersion: config.apiVersion,
    username: config.username,
    password: apiKey ? undefined : requirePassword(config),
    apiKey,
    timeoutMs: config.timeoutMs,
    tls: config.tls,
    shareInFlight: options.shareInFlight,
  });
  const map = (t: Parameters<typeof toTaskModel>[1]) => toTaskModel(backend, t);

  async function listTasks(query: ListQuery, ctx: CallContext): Promise<TaskPage> {
    const pushed = toODataFilter(query.filter, query.direction, query.after);
    if (pushed.empty) return { tasks: [], hasMore: false, totalCount: 0 };
    const pageSize = Math.min(MAX_LIMIT, Math.max(query.limit + 1, 10));
    const orderby = `createdTime ${query.direction === 'DESC' ? 'desc' : 'asc'}`;
    // Only what the caller reads: on a flat list most of the body is subSteps, subTasks,
    // rootTask and completionDetails, and parsing it is most of the list's cost.
    const select = query.select ? prismSelect(query.select, query.filter) : undefined;
    // A filter that reads nothing but the time is decided on the keys: no task is mapped
    // before the caller keeps it (ListQuery.mapsKept), or before it makes this page.
    const onKeys = filterReads(query.filter).length === 0;
    const candidates: KeyedTask[] = [];
    const seen = new Set<string>();
    let total: number | null = null;
    const matches = (t: KeyedTask) => (onKeys ? inTimeBounds(t.time, query.filter) : matchesFilter(t.task(), query.filter));
    const answer = (tasks: KeyedTask[], hasMore: boolean) => keyedPage(query, tasks, hasMore, query.after ? null : total);
    // Prism orders by createdTime only; ties come in any order. Keep fetching until every task
    // that could sort before our last candidate has been seen, then order exactly locally.
    for (let page = 0; ; page++) {
      const result = await client.list({ filter: pushed.expression, orderby, page, limit: pageSize, select }, ctx);
      if (page === 0) total = result.total;
      // The key's time is the sortTime of the task `raw` maps to, read without mapping it.
      const fetched = result.tasks.map((raw) => new Keyed(timeMs(raw.createdTime) ?? timeMs(raw.startedTime) ?? 0, raw.extId, raw, map));
      for (const t of fetched) {
        // Offset paging shifts when tasks arrive meanwhile: a task may come twice, never lost.
        if (seen.has(t.nativeId)) continue;
        seen.add(t.nativeId);
        if (!matches(t)) {
          // Prism answered a task its $filter excludes (a clause it ignored, e.g. the tenant
          // scope): its total counts other tasks too, so no total is given.
          total = null;
          continue;
        }
        if (!query.after || compareKeys(t, query.after, query.direction) > 0) candidates.push(t);
      }
      const exhausted = fetched.length < pageSize || (result.total !== null && (page + 1) * pageSize >= result.total);
      candidates.sort((a, b) => compareKeys(a, b, query.direction));
      if (exhausted || candidates.length < query.limit) {
        if (!exhausted) continue;
        return answer(candidates.slice(0, query.limit), candidates.length > query.limit);
      }
      // Every unfetched task sorts at or beyond the last fetched one's time. The first
      // `limit` candidates are final unless the last of them shares that time: then an
      // unfetched tie could sort before it, so those ties wait for the next page (whose
      // keyset starts before them). A page may thus hold fewer than `limit` tasks.
      const edge = fetched[fetched.length - 1]!.time;
      const first = candidates.slice(0, query.limit);
      const tasks = first[first.length - 1]!.time === edge ? first.filter((t) => t.time !== edge) : first;
      if (tasks.length === 0) continue;
      return answer(tasks, true);
    }
  }

  async function getTasks(ids: readonly string[], ctx: CallContext): Promise<Array<TaskModel | null | Error>> {
    const unique = [...new Set(ids)];
    const found = new Map<string, TaskModel>();
    if (unique.length === 1) {
      const task = await client.get(unique[0]!, ctx);
      if (task) found.set(task.extId, map(task));
    } else {
      const batches: string[][] = [];
      for (let i = 0; i < unique.length; i += MAX_LIMIT) batches.push(unique.slice(i, i + MAX_LIMIT));
      await Promise.all(
        batches.map(async (batch) => {
          const result = await client.list({ filter: idsFilter(batch), page: 0, limit: MAX_LIMIT }, ctx);
          for (const task of result.tasks) found.set(task.extId, map(task));
        }),
      );
    }
    return ids.map((id) => found.get(id) ?? null);
  }

  async function cancelTask(nativeId: string, ctx: CallContext): Promise<CancelOutcome> {
    try {
      await client.cancel(nativeId, ctx);
    } catch (err) {
      if (!(err instanceof BackendError) || err.status === undefined || err.status >= 500 || err.status === 401) throw err;
      // Prism's refusal codes are undocumented; classify from the task itself.
      const task = await client.get(nativeId, ctx);
      if (!task) return { ok: false, code: 'NOT_FOUND', message: `${backend}: task ${nativeId} not found` };
      const model = map(task);
      if (isTerminal(model.status)) return { ok: false, code: 'ALREADY_FINISHED', message: `${backend}: task already ${model.status.toLowerCase()}` };
      return { ok: false, code: 'NOT_CANCELABLE', message: err.message };
    }
    const task = await client.get(nativeId, ctx);
    return { ok: true, task: task ? map(task) : null };
  }

  return {
    name: backend,
    type: 'prism',
    capabilities: { batchGet: true, maxBatchSize: MAX_LIMIT, pushChanges: false, cancel: true, externalTasks: false, totalCount: true },
    listTasks,
    getTasks,
    cancelTask,
    close: async () => client.close(),
  };
}

export const prismAdapter = defineAdapter({
  type: 'prism',
  title: 'Nutanix Prism Central (v4)',
  docs: 'docs/backends/prism.md',
  configSchema: prismConfigSchema,
  create: createPrismAdapter,
  scope: [
    {
      name: 'prismClusters',
      claim: 'taskgraph_prism_clusters',
      description: 'Prism cluster extIds',
      // The model's tenant is the task's first clusterExtId (map.ts).
      field: 'tenant',
      pushedDown: true,
    },
  ],
  simulator: async () => (await import('../../simulators/prism/index.js')).startPrismSimulator,
  testing: async () => (await import('./testing.js')).prismTesting,
});
