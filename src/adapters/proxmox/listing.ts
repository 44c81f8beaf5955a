/**
 * Keyset listing over every node of a Proxmox VE cluster.
 *
 * `GET /nodes` names the nodes; each one online is listed with
 * `GET /nodes/{node}/tasks?source=all&start=&limit=` and the pushed-down filters
 * (filter.ts), all nodes at once, and the candidates are merged in our order (start time,
 * then UPID). A node that is offline, or whose list fails, is left out with a partial error
 * naming it; the others' tasks still come. Only when no node answers does the call fail.
 *
 * A node's list is not ordered by start time: Tasks.pm puts the active tasks first, then
 * reads the archive index backwards, and pve-common RESTEnvironment active_workers appends a
 * task to that index when it ends (`endtime` is then). So a node is read page by page until
 * its first `limit + 1` candidates are final: every task not read yet ended (and so started)
 * no later than the earliest end time read so far, so once the candidate at `limit + 1`
 * started after that, nothing unread can come before it. Oldest first cannot stop early:
 * a node is read to the end (from the keyset's second on: `since`).
 *
 * Lists asking only for running tasks read `GET /cluster/tasks` instead: one call holding
 * every node's active tasks (pve-cluster `PVE::Cluster::get_tasklist`; each node broadcasts
 * its running tasks and its last finished ones, pve-common RESTEnvironment active_workers).
 * Tasks of nodes `/nodes` reports offline are dropped from it (their last broadcast may be
 * stale), with the same partial error.
 */
import { Keyed, type CallContext, type KeyedTask, type ListQuery } from '../contract.js';
import { BackendError } from '../errors.js';
import { compareKeys, filterReads, inTimeBounds, matchesFilter } from '../../model/filter.js';
import type { TaskModel } from '../../model/task.js';
import type { ProxmoxClient } from './client.js';
import { planList, withKeyset, type ListPlan, type NodeFilter } from './filter.js';
import type { PveNode, PveTaskRecord } from './wire.js';

/** A runaway guard: no node is read for more pages than this in one call. */
const MAX_NODE_PAGES = 20;
/** Tasks per node request: a node keeps about 2000 (its index and index.1, 50 kB each). */
const MAX_PAGE = 1000;

export interface ListingDeps {
  backend: string;
  client: ProxmoxClient;
  /** The model of a list record (state from the record, no log). */
  toModel(record: PveTaskRecord): TaskModel;
}

/** The records that make a page, in order; the caller maps them (and reads their logs, if it must). */
export interface RecordPage {
  records: Array<KeyedTask & { record: PveTaskRecord }>;
  hasMore: boolean;
  totalCount: number | null;
  /** Nodes left out, one error each. */
  partialErrors: BackendError[];
}

type Candidate = KeyedTask & { record: PveTaskRecord };

interface NodeResult {
  candidates: Candidate[];
  /** The node may hold more candidates than these. */
  more: boolean;
  total: number | undefined;
}

function nodeError(backend: string, node: string, err: unknown): BackendError {
  if (err instanceof BackendError) return new BackendError(err.code, backend, err.message, { status: err.status, vendorCode: err.vendorCode, cause: err });
  return new BackendError('BACKEND_ERROR', backend, `${backend}: node ${node}: ${(err as Error).message}`, { cause: err });
}

export async function listRecords(query: ListQuery, ctx: CallContext, deps: ListingDeps): Promise<RecordPage> {
  const plan = planList(query.filter);
  if (plan.empty) return { records: [], hasMore: false, totalCount: 0, partialErrors: [] };
  const { backend, client } = deps;
  const onKeys = filterReads(query.filter).length === 0;
  const candidate = (record: PveTaskRecord): Candidate => {
    const keyed = new Keyed(record.parts.starttime * 1000, record.upid, record, deps.toModel);
    return Object.assign(keyed, { record });
  };
  const wanted = (c: Candidate) =>
    (onKeys ? inTimeBounds(c.time, query.filter) : matchesFilter(c.task(), query.filter)) && (!query.after || compareKeys(c, query.after, query.direction) > 0);

  const nodes = (await client.nodes(ctx)).filter((n) => !plan.nodes || plan.nodes.has(n.node));
  const partialErrors: BackendError[] = [];
  const online: PveNode[] = [];
  for (const n of nodes) {
    if (n.status === 'offline') partialErrors.push(new BackendError('BACKEND_UNAVAILABLE', backend, `${backend}: node ${n.node} is offline (GET /nodes); its tasks are left out`));
    else online.push(n);
  }

  let results: Array<NodeResult | null>;
  if (plan.runningOnly) {
    const names = new Set(online.map((n) => n.node));
    const records = (await client.clusterTasks(ctx)).filter((r) => names.has(r.parts.node));
    const candidates = dedupe(records).map(candidate).filter(wanted);
    results = [{ candidates, more: false, total: candidates.length }];
  } else {
    results = await Promise.all(
      online.map((n) =>
        listNode(n.node, plan, query, ctx, deps, candidate, wanted).catch((err: unknown) => {
          partialErrors.push(nodeError(backend, n.node, err));
          return null;
        }),
      ),
    );
  }
  const answered = results.filter((r): r is NodeResult => r !== null);
  if (answered.length === 0 && partialErrors.length > 0) throw partialErrors[0];

  const merged = answered.flatMap((r) => r.candidates).sort((a, b) => compareKeys(a, b, query.direction));
  const totals = answered.map((r) => r.total);
  const exactTotal = !query.after && (plan.exact || plan.runningOnly) && partialErrors.length === 0 && totals.every((t) => t !== undefined);
  return {
    records: merged.slice(0, query.limit),
    hasMore: merged.length > query.limit || answered.some((r) => r.more),
    totalCount: exactTotal ? totals.reduce<number>((sum, t) => sum + t!, 0) : null,
    partialErrors,
  };
}

function dedupe(records: PveTaskRecord[]): PveTaskRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => (seen.has(r.upid) ? false : (seen.add(r.upid), true)));
}

async function listNode(
  node: string,
  plan: ListPlan,
  query: ListQuery,
  ctx: CallContext,
  deps: ListingDeps,
  candidate: (r: PveTaskRecord) => Candidate,
  wanted: (c: Candidate) => boolean,
): Promise<NodeResult> {
  const params: NodeFilter = withKeyset(plan.params, query.direction, query.after);
  if (params.since !== undefined && params.until !== undefined && params.since > params.until) return { candidates: [], more: false, total: 0 };
  const pageSize = Math.min(MAX_PAGE, Math.max(100, 2 * (query.limit + 1)));
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  let total: number | undefined;
  let earliestEnd = Infinity;
  let start = 0;
  for (let page = 0; page < MAX_NODE_PAGES; page++) {
    const answer = await deps.client.nodeTasks(node, { ...params, start, limit: pageSize }, ctx);
    if (page === 0) total = answer.total;
    for (const record of answer.records) {
      if (record.endtime !== undefined && record.status !== 'RUNNING') earliestEnd = Math.min(earliestEnd, record.endtime);
      // Offset paging shifts when tasks start or end meanwhile: a task may come twice, never lost.
      if (seen.has(record.upid)) continue;
      seen.add(record.upid);
      const c = candidate(record);
      if (wanted(c)) candidates.push(c);
    }
    start += answer.records.length;
    const exhausted = answer.records.length < pageSize || (answer.total !== undefined && start >= answer.total);
    candidates.sort((a, b) => compareKeys(a, b, query.direction));
    if (exhausted) return { candidates, more: false, total: plan.exact ? total : undefined };
    const decider = candidates[query.limit];
    if (query.direction === 'DESC' && decider && decider.time > earliestEnd * 1000) {
      return { candidates: candidates.slice(0, query.limit + 1), more: true, total: plan.exact ? total : undefined };
    }
  }
  return { candidates: candidates.slice(0, query.limit + 1), more: true, total: undefined };
}
