/**
 * The vCD TaskAdapter: listing (listing.ts), get by id, cancel and external tasks.
 *
 * Many by id: parallel `GET /api/task/{uuid}` under a per-adapter concurrency cap
 * (maxConcurrentGets, default 8), finished tasks from the cache. The query service can filter
 * `id==a,id==b,...` in one call, but its records lack what getTasks must return (nested
 * subtasks, VcTaskList, Details, Error, the cancel link), so full tasks need the GETs anyway,
 * and 128 ids make a ~6 KB query string. docs/backends/vcd.md ("Many by id") has the
 * measurements (test/vcd/many-by-id.test.ts prints them).
 */
import pLimit from 'p-limit';
import type { CallContext, CancelOutcome, CreateTaskRequest, ListQuery, TaskAdapter, TaskPage, UpdateTaskRequest } from '../contract.js';
import { BackendError, isBackendError } from '../errors.js';
import { isTerminal, type TaskModel } from '../../model/task.js';
import type { VcdClient } from './client.js';
import { checkServiceNamespace, createBody, renderBody, updateBody, vcdStatusForInput } from './external.js';
import { listTasks, MAX_PAGE_SIZE } from './listing.js';
import { taskToModel, taskUuid } from './map.js';
import { createPrefetch } from './prefetch.js';
import { TaskCache } from './task-cache.js';

export interface VcdAdapterOptions {
  name: string;
  org: string;
  username: string;
  client: VcdClient;
  maxConcurrentGets: number;
}

function backendDown(err: unknown): boolean {
  return isBackendError(err) && (err.code === 'BACKEND_AUTH_FAILED' || err.code === 'BACKEND_UNAVAILABLE' || err.code === 'BACKEND_TIMEOUT');
}

export function createVcdTaskAdapter(options: VcdAdapterOptions): TaskAdapter {
  const { name: backend, client } = options;
  const cache = new TaskCache();
  // One cap for every task GET of this adapter (hydration of list pages and getTasks alike), so
  // parallel GraphQL fields cannot flood a vCD cell with requests.
  const limit = pLimit(options.maxConcurrentGets);

  /** Reads one task from vCD and learns from it; bypasses the cache. */
  async function readTask(uuid: string, ctx: CallContext): Promise<TaskModel | null> {
    const wire = await limit(() => client.getTask(uuid, ctx));
    if (!wire) return null;
    const model = taskToModel(backend, wire);
    cache.remember(model);
    return cache.withLineage(model);
  }

  const prefetch = createPrefetch(readTask);

  async function fullTask(uuid: string, ctx: CallContext): Promise<TaskModel | null> {
    return cache.get(`urn:vcloud:task:${uuid}`) ?? prefetch.take(uuid, ctx) ?? readTask(uuid, ctx);
  }

  async function hydrate(models: TaskModel[], ctx: CallContext): Promise<Array<TaskModel | null>> {
    const full = await Promise.all(
      models.map(async (record) => {
        const uuid = taskUuid(record.nativeId);
        if (!uuid) return record;
        try {
          return await fullTask(uuid, ctx);
        } catch (err) {
          // A session failure fails the listing; anything else keeps the record form.
          if (isBackendError(err) && err.code === 'BACKEND_AUTH_FAILED') throw err;
          return record;
        }
      }),
    );
    return full;
  }

  async function getTasks(ids: readonly string[], ctx: CallContext): Promise<Array<TaskModel | null | Error>> {
    const unique = [...new Set(ids.map((id) => taskUuid(id)).filter((u): u is string => u !== null))];
    const settled = await Promise.allSettled(unique.map((uuid) => fullTask(uuid, ctx)));
    const byUuid = new Map(unique.map((uuid, i) => [uuid, settled[i]!]));
    // The call fails as a whole only when the backend did (no session, no connection); a bad
    // answer for some ids is an Error value for those ids.
    const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as unknown);
    if (failures.length > 0 && failures.length === settled.length && failures.every(backendDown)) throw failures[0];
    return ids.map((id) => {
      const uuid = taskUuid(id);
      const result = uuid ? byUuid.get(uuid) : undefined;
      if (!result) return null;
      if (result.status === 'rejected') {
        return result.reason instanceof Error ? result.reason : new BackendError('BACKEND_ERROR', backend, String(result.reason));
      }
      return result.value ? cache.withLineage(result.value) : null;
    });
  }

  async function cancelTask(nativeId: string, ctx: CallContext): Promise<CancelOutcome> {
    const uuid = taskUuid(nativeId);
    const notFound: CancelOutcome = { ok: false, code: 'NOT_FOUND', message: `${backend}: task ${nativeId} not found` };
    if (!uuid) return notFound;
    try {
      await client.cancelTask(uuid, ctx);
    } catch (err) {
      if (!isBackendError(err) || err.status === undefined || err.status < 400 || err.status >= 500 || err.status === 401) throw err;
      // vCD's refusal bodies are not documented per case (and it answers 403 for a missing
      // task); classify from the task itself.
      const task = await readTask(uuid, ctx);
      if (!task) return notFound;
      if (isTerminal(task.status)) {
        return { ok: false, code: 'ALREADY_FINISHED', message: `${backend}: task ${nativeId} already ended (${task.nativeStatus})` };
      }
      return { ok: false, code: 'NOT_CANCELABLE', message: err.message };
    }
    cache.forget(nativeId);
    return { ok: true, task: await readTask(uuid, ctx) };
  }

  async function createTask(request: CreateTaskRequest, ctx: CallContext): Promise<TaskModel> {
    // Everything that can be checked is checked before any call.
    checkServiceNamespace(backend, request.serviceNamespace);
    vcdStatusForInput(backend, request.status);
    const identity = await client.identity(ctx);
    const body = createBody(backend, request, { ...identity, org: options.org, username: options.username });
    const model = taskToModel(backend, await client.createTask(renderBody(body), ctx));
    cache.remember(model);
    return model;
  }

  async function updateTask(request: UpdateTaskRequest, ctx: CallContext): Promise<TaskModel> {
    const uuid = taskUuid(request.nativeId);
    if (!uuid) throw new BackendError('NOT_FOUND', backend, `${backend}: task ${request.nativeId} not found`);
    if (request.status !== undefined) vcdStatusForInput(backend, request.status);
    if (request.result !== undefined) throw new BackendError('BAD_USER_INPUT', backend, `${backend}: vCD external tasks take no result; put it in details`);
    const current = await limit(() => client.getTask(uuid, ctx));
    if (!current) throw new BackendError('NOT_FOUND', backend, `${backend}: task ${request.nativeId} not found`);
    const body = updateBody(backend, request, current);
    cache.forget(request.nativeId);
    const model = taskToModel(backend, await client.updateTask(uuid, renderBody(body), ctx));
    cache.remember(model);
    return cache.withLineage(model);
  }

  return {
    name: backend,
    type: 'vcd',
    capabilities: {
      batchGet: false,
      maxBatchSize: MAX_PAGE_SIZE,
      pushChanges: false,
      cancel: true,
      externalTasks: true,
      totalCount: true,
    },
    listTasks: (query: ListQuery, ctx: CallContext): Promise<TaskPage> => listTasks({ backend, client, hydrate, fullTask, withLineage: (t) => cache.withLineage(t), prefetch }, query, ctx),
    getTasks,
    cancelTask,
    createTask,
    updateTask,
    close: () => client.close(),
  };
}
