/**
 * Whole tasks: a task's state and its log, read by UPID (getTasks) or for list records.
 *
 * The state of a task by id comes, in this order, from
 * - the finished tasks already read (a finished task never changes),
 * - the records this same gateway request listed a moment ago (CallContext.request),
 * - `GET /cluster/tasks`, when several ids are asked at once (every node's running tasks and
 *   last finished ones, in one call),
 * - the task's node list narrowed to it: `since` = `until` = its start second, `typefilter`
 *   its type, `vmid` its guest (Tasks.pm node_tasks), which gives the end time too,
 * - `GET .../tasks/{upid}/status`, for a task too old for the node's index (only a log file
 *   left): it has no end time.
 * Then its log (task-log.ts). An id that is not a UPID, or a task the node does not know, is
 * null; a task that cannot be read is that id's Error.
 */
import pLimit from 'p-limit';
import type { CallContext } from '../contract.js';
import { BackendError } from '../errors.js';
import type { TaskModel } from '../../model/task.js';
import type { ProxmoxClient } from './client.js';
import { readLog } from './log.js';
import { stateOfRecord, stateOfStatus, toTaskModel, type TaskFacts } from './map.js';
import { createTaskLogs, type LogTail } from './task-log.js';
import { isVmid } from './task-types.js';
import { decodeUpid } from './upid.js';
import type { PveTaskRecord } from './wire.js';

/** Parallel upstream calls per adapter call: pveproxy serves each with one of its few workers. */
const CONCURRENCY = 4;
/** Finished tasks' states kept (a few numbers each). */
const MAX_FINISHED = 10_000;
/** Ids this gateway asked to stop (kept after they end: a killed task's end reads as an error otherwise). */
const MAX_CANCEL_MEMORY = 10_000;
/** How long a request's listed records answer its own reads by id. */
const REQUEST_RECORDS_MS = 5_000;
const MAX_REQUESTS = 256;

function bounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value!);
}

export function factsOf(record: PveTaskRecord): TaskFacts {
  return { upid: record.upid, parts: record.parts, state: stateOfRecord(record), endtime: record.endtime };
}

export interface TaskReads {
  /** A list record's model: its state, no log. */
  recordModel(record: PveTaskRecord): TaskModel;
  /**
   * Whole models (log read) for list records of this request; remembers them for its reads by
   * id. A log that cannot be read leaves its task as the record says, with the error apart.
   */
  hydrate(records: readonly PveTaskRecord[], ctx: CallContext): Promise<{ models: TaskModel[]; errors: BackendError[] }>;
  /** Remembers records this request listed, for its reads by id. */
  noteListed(records: readonly PveTaskRecord[], ctx: CallContext): void;
  getTasks(ids: readonly string[], ctx: CallContext): Promise<Array<TaskModel | null | Error>>;
  rememberCancel(upid: string): void;
}

export function createTaskReads(backend: string, client: ProxmoxClient, now: () => number = Date.now): TaskReads {
  const logs = createTaskLogs(client);
  const finished = new Map<string, TaskFacts>();
  const cancelRequested = new Set<string>();
  const listed = new Map<symbol, { until: number; records: Map<string, PveTaskRecord> }>();

  function model(facts: TaskFacts, tail?: LogTail): TaskModel {
    if (facts.state.kind !== 'running') {
      // A status answer has no end time: it never replaces a record that has one.
      if (facts.endtime !== undefined || finished.get(facts.upid)?.endtime === undefined) bounded(finished, facts.upid, facts, MAX_FINISHED);
    }
    return toTaskModel(backend, facts, { cancelRequested: cancelRequested.has(facts.upid), log: tail && readLog(tail.lines, tail.skipped) });
  }

  async function whole(facts: TaskFacts, ctx: CallContext): Promise<TaskModel> {
    return model(facts, await logs.read(facts.parts.node, facts.upid, facts.state.kind !== 'running', ctx));
  }

  function listedBy(ctx: CallContext): Map<string, PveTaskRecord> | undefined {
    const own = ctx.request === undefined ? undefined : listed.get(ctx.request);
    return own && own.until > now() ? own.records : undefined;
  }

  function noteListed(records: readonly PveTaskRecord[], ctx: CallContext): void {
    if (ctx.request === undefined || records.length === 0) return;
    const at = now();
    for (const [key, entry] of listed) if (entry.until <= at) listed.delete(key);
    const own = listed.get(ctx.request) ?? { until: 0, records: new Map<string, PveTaskRecord>() };
    own.until = at + REQUEST_RECORDS_MS;
    for (const r of records) own.records.set(r.upid, r);
    bounded(listed, ctx.request, own, MAX_REQUESTS);
  }

  /** The state of one task, from its node (see the module comment); null when it does not exist. */
  async function readFacts(upid: string, ctx: CallContext): Promise<TaskFacts | null> {
    const parts = decodeUpid(upid)!;
    const found = await client.nodeTasks(
      parts.node,
      { start: 0, limit: 50, since: parts.starttime, until: parts.starttime, typefilter: parts.type, vmid: isVmid(parts.id) ? parts.id : undefined },
      ctx,
    );
    const record = found.records.find((r) => r.upid === upid);
    if (record) return factsOf(record);
    const status = await client.taskStatus(parts.node, upid, ctx);
    return status && { upid, parts, state: stateOfStatus(status), endtime: undefined };
  }

  async function getTasks(ids: readonly string[], ctx: CallContext): Promise<Array<TaskModel | null | Error>> {
    const results = new Map<string, TaskModel | null | Error>();
    const facts = new Map<string, TaskFacts>();
    const pending: string[] = [];
    const own = listedBy(ctx);
    for (const id of new Set(ids)) {
      const parts = decodeUpid(id);
      if (!parts) results.set(id, null);
      else if (finished.has(id)) facts.set(id, finished.get(id)!);
      else if (own?.has(id)) facts.set(id, factsOf(own.get(id)!));
      else pending.push(id);
    }
    if (pending.length > 1) {
      // A failed cluster list is no answer: each task is read from its node below.
      const cluster = await client.clusterTasks(ctx).catch(() => []);
      const byId = new Map(cluster.map((r) => [r.upid, r]));
      for (const id of pending.splice(0)) {
        const record = byId.get(id);
        if (record) facts.set(id, factsOf(record));
        else pending.push(id);
      }
    }
    await pLimit(CONCURRENCY).map(pending, async (id) => {
      try {
        const read = await readFacts(id, ctx);
        if (read) facts.set(id, read);
        else results.set(id, null);
      } catch (err) {
        results.set(id, err instanceof Error ? err : new Error(String(err)));
      }
    });
    await pLimit(CONCURRENCY).map([...facts.values()], async (f) => {
      try {
        results.set(f.upid, await whole(f, ctx));
      } catch (err) {
        results.set(f.upid, err instanceof Error ? err : new Error(String(err)));
      }
    });
    const answers = ids.map((id) => results.get(id) ?? null);
    const failures = answers.filter((a): a is Error => a instanceof Error);
    if (failures.length > 0 && failures.length === answers.length) throw failures[0];
    return answers;
  }

  return {
    recordModel: (record) => model(factsOf(record)),
    async hydrate(records, ctx) {
      noteListed(records, ctx);
      const errors: BackendError[] = [];
      const models = await pLimit(CONCURRENCY).map(records, (r) =>
        whole(factsOf(r), ctx).catch((err: unknown) => {
          if (!(err instanceof BackendError)) throw err;
          errors.push(err);
          return model(factsOf(r));
        }),
      );
      return { models, errors };
    },
    noteListed,
    getTasks,
    rememberCancel(upid) {
      cancelRequested.delete(upid);
      cancelRequested.add(upid);
      if (cancelRequested.size > MAX_CANCEL_MEMORY) cancelRequested.delete(cancelRequested.values().next().value!);
    },
  };
}
