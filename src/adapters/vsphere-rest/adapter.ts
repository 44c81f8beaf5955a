/**
 * The TaskAdapter over VsphereRestClient. vAPI lists with neither paging, ordering nor time
 * filters, so each listTasks fetches every candidate (one call per service group; a call that
 * matches over 1000 tasks is refused and split, see #listOrSkip), then sorts, filters and cuts
 * the keyset page locally.
 */
import { Keyed, keyedPage, type CallContext, type CancelOutcome, type Capabilities, type ListQuery, type TaskAdapter, type TaskPage } from '../contract.js';
import { compareKeys, compareTasks, filterReads, inTimeBounds, isAfter, matchesFilter, type Keyset } from '../../model/filter.js';
import { isTerminal, type TaskModel } from '../../model/task.js';
import { timeMs } from '../../model/time.js';
import { BackendError } from '../errors.js';
import { VapiError, type VsphereRestClient } from './client.js';
import { narrowSpec, planListCalls, type WireFilterSpec } from './filter.js';
import { resolveRoots, toTaskModel } from './map.js';
import type { WireTaskInfo } from './wire.js';

/** Tasks FilterSpec.tasks: "at most 1000" tasks per list call (Cis Tasks list DOC). */
const MAX_BATCH = 1000;
/**
 * Parallel calls per adapter call: the default services' list calls (six) all at once, so a
 * list costs one round trip, not two in sequence; bounded for long configured lists.
 */
const CONCURRENCY = 8;
/** Ids this gateway asked to cancel, remembered until seen finished (bounded). */
const MAX_CANCEL_MEMORY = 10_000;

export interface AdapterOptions {
  name: string;
  client: VsphereRestClient;
  serviceGroups: string[][];
  close(): void;
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function chunked<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The service a task id names: vAPI ids read `<uuid>:<service id>` (e.g. ...:com.vmware.esx.settings.clusters.software). */
function serviceOfId(id: string): string {
  const colon = id.indexOf(':');
  return colon === -1 ? '' : id.slice(colon + 1);
}

/** Errors that mean "this service is not here" (an older vCenter), not "the backend is broken". UNCONFIRMED which one vCenter uses. */
function isMissingService(err: unknown): boolean {
  if (!(err instanceof VapiError)) return false;
  const type = err.vapi?.errorType;
  return err.status === 404 || type === 'OPERATION_NOT_FOUND' || (err.status === 400 && type === 'INVALID_ARGUMENT');
}

/** The error for a list vCenter refuses even for one service and one status. */
function tooManyTasks(backend: string, spec: WireFilterSpec, cause: VapiError): BackendError {
  const scope = `service ${spec.services?.join(', ') ?? '(any)'}, status ${spec.status?.join(', ') ?? '(any)'}`;
  return new BackendError(
    'BAD_USER_INPUT',
    backend,
    `${backend}: list tasks failed: vCenter refuses lists matching over 1000 tasks (ResourceInaccessible; ${scope}); ` +
      'narrow the filter: an operation, an entity or another status',
    { status: cause.status, vendorCode: 'RESOURCE_INACCESSIBLE', cause },
  );
}

export class VsphereRestAdapter implements TaskAdapter {
  readonly type = 'vsphere-rest' as const;
  readonly name: string;
  readonly capabilities: Capabilities = {
    batchGet: true,
    maxBatchSize: MAX_BATCH,
    pushChanges: false,
    cancel: true,
    externalTasks: false,
    totalCount: true,
  };
  readonly #o: AdapterOptions;
  readonly #cancelRequested = new Set<string>();

  constructor(options: AdapterOptions) {
    this.name = options.name;
    this.#o = options;
  }

  async listTasks(query: ListQuery, ctx: CallContext): Promise<TaskPage> {
    const specs = planListCalls(query.filter, this.#o.serviceGroups);
    // Select pushdown: a list that does not read results leaves them upstream (the filter never reads them).
    const excludeResult = query.select !== undefined && !query.select.has('result');
    const maps = await mapLimited(specs, CONCURRENCY, (spec) => this.#listOrSkip(spec, ctx, excludeResult));
    const infos = new Map<string, WireTaskInfo>();
    for (const map of maps) for (const [id, info] of map) infos.set(id, info);
    if (filterReads(query.filter).length === 0) return this.#pageByKey(infos, query);
    const matching = this.#toModels(infos).filter((t) => matchesFilter(t, query.filter));
    const page = matching
      .filter((t) => !query.after || isAfter(t, query.after, query.direction))
      .sort((a, b) => compareTasks(a, b, query.direction));
    return { tasks: page.slice(0, query.limit), hasMore: page.length > query.limit, totalCount: matching.length };
  }

  async getTasks(ids: readonly string[], ctx: CallContext): Promise<Array<TaskModel | null | Error>> {
    // All tasks of one list call must come from one provider; ids of one service surely do.
    const groups = new Map<string, string[]>();
    for (const id of new Set(ids)) {
      const group = groups.get(serviceOfId(id)) ?? [];
      group.push(id);
      groups.set(serviceOfId(id), group);
    }
    const chunks = [...groups.values()].flatMap((group) => chunked(group, MAX_BATCH));
    const found = new Map<string, TaskModel | null | Error>();
    const failures: Error[] = [];
    await mapLimited(chunks, CONCURRENCY, async (chunk) => {
      try {
        const { infos, errors } = await this.#listByIds(chunk, ctx);
        const models = new Map(this.#toModels(infos).map((t) => [t.nativeId, t]));
        for (const id of chunk) found.set(id, errors.get(id) ?? models.get(id) ?? null);
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        failures.push(error);
        for (const id of chunk) found.set(id, error);
      }
    });
    if (chunks.length > 0 && failures.length === chunks.length) throw failures[0];
    return ids.map((id) => found.get(id) ?? null);
  }

  async cancelTask(nativeId: string, ctx: CallContext): Promise<CancelOutcome> {
    try {
      await this.#o.client.cancelTask(nativeId, ctx);
    } catch (err) {
      if (!(err instanceof VapiError)) throw err;
      const text = err.message;
      // Cancel errors (Cis Tasks cancel DOC): NotAllowedInCurrentState = already finished or canceled,
      // Unsupported = not cancelable, NotFound.
      if (err.status === 404 || err.vapi?.errorType === 'NOT_FOUND') return { ok: false, code: 'NOT_FOUND', message: text };
      if (err.vapi?.errorType === 'NOT_ALLOWED_IN_CURRENT_STATE') return { ok: false, code: 'ALREADY_FINISHED', message: text };
      if (err.vapi?.errorType === 'UNSUPPORTED') return { ok: false, code: 'NOT_CANCELABLE', message: text };
      throw err;
    }
    this.#rememberCancel(nativeId);
    const info = await this.#o.client.getTask(nativeId, ctx).catch(() => null);
    return { ok: true, task: info ? this.#toModels(new Map([[nativeId, info]]))[0]! : null };
  }

  async close(): Promise<void> {
    await this.#o.client.logout();
    this.#o.close();
  }

  /**
   * One list call; a service this vCenter lacks lists nothing. When more than 1000 tasks match
   * (ResourceInaccessible), the call is split by service, then by status (narrowSpec), and
   * refused with a request for a narrower filter when it cannot be split further.
   */
  async #listOrSkip(spec: WireFilterSpec, ctx: CallContext, excludeResult: boolean): Promise<Map<string, WireTaskInfo>> {
    try {
      return await this.#o.client.listTasks(spec, ctx, excludeResult);
    } catch (err) {
      if (spec.services?.length && isMissingService(err)) return new Map();
      if (!(err instanceof VapiError) || err.vapi?.errorType !== 'RESOURCE_INACCESSIBLE') throw err;
      const narrower = narrowSpec(spec);
      if (!narrower) throw tooManyTasks(this.name, spec, err);
      const maps = await mapLimited(narrower, CONCURRENCY, (s) => this.#listOrSkip(s, ctx, excludeResult));
      return new Map(maps.flatMap((m) => [...m]));
    }
  }

  /**
   * One list call by ids. When the backend refuses the batch (400: e.g. an id of another
   * provider or a malformed id), falls back to one GET per id, so only the bad ids fail.
   */
  async #listByIds(ids: string[], ctx: CallContext): Promise<{ infos: Map<string, WireTaskInfo>; errors: Map<string, Error> }> {
    const errors = new Map<string, Error>();
    try {
      return { infos: await this.#o.client.listTasks({ tasks: ids }, ctx), errors };
    } catch (err) {
      if (!(err instanceof VapiError) || err.status !== 400) throw err;
    }
    const infos = new Map<string, WireTaskInfo>();
    await mapLimited(ids, CONCURRENCY, async (id) => {
      try {
        const info = await this.#o.client.getTask(id, ctx);
        if (info) infos.set(id, info);
      } catch (err) {
        // A malformed id may be refused with 400 as well: that id does not exist.
        if (err instanceof VapiError && err.status === 400) return;
        errors.set(id, err instanceof Error ? err : new Error(String(err)));
      }
    });
    return { infos, errors };
  }

  /**
   * A page decided on (start time, id) alone, for a filter that reads nothing else (a task
   * view's list): every task of every service arrives, and only the page's are mapped (only
   * those the caller keeps, with ListQuery.mapsKept). Same answer as mapping them all
   * (test/vsphere-rest/list.test.ts compares the two).
   */
  #pageByKey(infos: Map<string, WireTaskInfo>, query: ListQuery): TaskPage {
    const keyed: Array<Keyset & { info: WireTaskInfo }> = [];
    for (const [nativeId, info] of infos) {
      const time = timeMs(info.startTime) ?? 0; // sortTime of the model: createdAt is start_time
      if (inTimeBounds(time, query.filter)) keyed.push({ time, nativeId, info });
    }
    const after = query.after;
    const candidates = after ? keyed.filter((k) => compareKeys(k, after, query.direction) > 0) : keyed;
    candidates.sort((a, b) => compareKeys(a, b, query.direction));
    const parentOf = (id: string) => (infos.has(id) ? infos.get(id)!.parent : undefined);
    const toTask = (k: Keyset & { info: WireTaskInfo }) => resolveRoots([this.#toModel(k.nativeId, k.info)], parentOf)[0]!;
    const page = candidates.slice(0, query.limit).map((k) => new Keyed(k.time, k.nativeId, k, toTask));
    return keyedPage(query, page, candidates.length > query.limit, keyed.length);
  }

  #toModels(infos: Map<string, WireTaskInfo>): TaskModel[] {
    return resolveRoots([...infos].map(([id, info]) => this.#toModel(id, info)));
  }

  #toModel(nativeId: string, info: WireTaskInfo): TaskModel {
    const model = toTaskModel(nativeId, info, { backend: this.name, cancelRequested: this.#cancelRequested.has(nativeId) });
    if (isTerminal(model.status)) this.#cancelRequested.delete(nativeId);
    return model;
  }

  #rememberCancel(id: string): void {
    this.#cancelRequested.add(id);
    if (this.#cancelRequested.size > MAX_CANCEL_MEMORY) {
      const oldest = this.#cancelRequested.values().next().value;
      if (oldest !== undefined) this.#cancelRequested.delete(oldest);
    }
  }
}
