/**
 * The configured backends as the gateway sees them: each adapter behind its guard (budget,
 * bulkhead, circuit) and instrumented, so that every upstream call updates that backend's
 * state (latency, last error). Health follows the circuit breaker: one story of failures.
 */
import type { CallContext, ListQuery, TaskAdapter, TaskPage } from '../adapters/contract.js';
import type { TaskModel } from '../model/task.js';
import { BackendError, capBackendText } from '../adapters/errors.js';
import type { CircuitBreaker, CircuitSnapshot } from './resilience/breaker.js';
import { isBackendFailure } from './resilience/failure.js';
import { createGuard, DEFAULT_RESILIENCE, throwIfEveryItemFailed, type BackendGuard, type ResilienceSettings } from './resilience/guard.js';
import { activeTracing } from '../telemetry/tracing.js';

export type Health = 'UNKNOWN' | 'UP' | 'DEGRADED' | 'DOWN';

export interface BackendStatus {
  /**
   * From the circuit: UNKNOWN before any call ended, DOWN while the circuit is open or probing,
   * DEGRADED after a failed call (closed, counting), UP otherwise.
   */
  readonly health: Health;
  latencyMs: number | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  /** The circuit's count of consecutive failed calls. */
  readonly consecutiveFailures: number;
  /** The circuit breaker's state, read live. */
  readonly circuit: CircuitSnapshot;
}

/** What the `Backend` GraphQL type resolves from. */
export interface BackendParent {
  adapter: TaskAdapter;
  status: BackendStatus;
  /** Other ids this backend is known by (config `knownAs`). */
  knownAs: readonly string[];
  /** What `Backend.circuit` resolves from (the default resolver). */
  readonly circuit: CircuitSnapshot;
}

/** One finished upstream call, as metrics and logs see it (no arguments, no secrets). */
export interface UpstreamCall {
  backend: string;
  backendType: string;
  operation: 'listTasks' | 'getTasks' | 'cancelTask' | 'createTask' | 'updateTask';
  requestId: string;
  durationMs: number;
  /** null on success; the BackendError code, or 'INTERNAL' for anything else. */
  errorCode: string | null;
}

export type UpstreamObserver = (call: UpstreamCall) => void;

/**
 * Whole tasks an upstream call returned (listings without `select`, gets, pushed changes), and
 * the ids a get answered "not found" for: what task history records (src/history).
 */
export type TaskObserver = (backend: string, tasks: readonly TaskModel[], missing: readonly string[]) => void;

export interface BackendSet {
  get(name: string): BackendParent | undefined;
  all(): BackendParent[];
  /** The backend known by this id (its name or a `knownAs` alias). */
  byAlias(id: string): BackendParent | undefined;
  /** Calls `observer` after every upstream call of every backend; returns the unsubscribe. */
  observe(observer: UpstreamObserver): () => void;
  /** Calls `observer` with the tasks every backend returns; returns the unsubscribe. */
  observeTasks(observer: TaskObserver): () => void;
  close(): Promise<void>;
}

/** What the circuit says about the backend's health (see BackendStatus.health); `seen`: a call has ended. */
export function healthOf(breaker: CircuitBreaker, seen: boolean): Health {
  const circuit = breaker.snapshot();
  if (circuit.state !== 'CLOSED') return 'DOWN';
  if (circuit.consecutiveFailures > 0) return 'DEGRADED';
  return seen ? 'UP' : 'UNKNOWN';
}

/** What instrumentation records beside the circuit. */
interface Observed {
  latencyMs: number | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  /** Whether any call has ended yet. */
  seen: boolean;
}

/** Every call goes through the guard (budget, bulkhead, circuit) and is tracked (latency, last failure, observers). */
function instrument(adapter: TaskAdapter, status: Observed, observers: ReadonlySet<UpstreamObserver>, guard: BackendGuard, taskObservers: ReadonlySet<TaskObserver>): TaskAdapter {
  function seen(tasks: readonly TaskModel[], missing: readonly string[] = []): void {
    for (const observer of taskObservers) {
      try {
        observer(adapter.name, tasks, missing);
      } catch {
        // Recording history never fails an upstream call.
      }
    }
  }
  // Only whole tasks: a listing with `select` or of thin records leaves fields empty.
  const seenPage = (q: ListQuery, page: TaskPage): TaskPage => {
    if (!q.select && !page.incomplete && !page.keyed) seen(page.tasks);
    return page;
  };
  const seenGot = (ids: readonly string[], got: Array<TaskModel | null | Error>) => {
    seen(got.filter((t): t is TaskModel => t !== null && !(t instanceof Error)), ids.filter((_, i) => got[i] === null));
    return got;
  };
  function notify(operation: UpstreamCall['operation'], ctx: CallContext, started: number, errorCode: string | null): void {
    if (!observers.size) return;
    const call: UpstreamCall = { backend: adapter.name, backendType: adapter.type, operation, requestId: ctx.requestId, durationMs: performance.now() - started, errorCode };
    for (const observer of observers) {
      try {
        observer(call);
      } catch {
        // Metrics and logs never fail an upstream call.
      }
    }
  }
  async function track<T>(operation: UpstreamCall['operation'], ctx: CallContext, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await call();
      notify(operation, ctx, started, null);
      status.latencyMs = Math.round((performance.now() - started) * 10) / 10;
      status.seen = true;
      return result;
    } catch (err) {
      notify(operation, ctx, started, err instanceof BackendError ? err.code : 'INTERNAL');
      status.seen = true;
      if (isBackendFailure(err)) {
        status.lastError = capBackendText(err.message);
        status.lastErrorAt = new Date();
      }
      throw err;
    }
  }
  const wrapped: TaskAdapter = {
    name: adapter.name,
    type: adapter.type,
    capabilities: adapter.capabilities,
    listTasks: (q, ctx: CallContext) => {
      const read = guard.read('list tasks', ctx, (c) => track('listTasks', c, () => adapter.listTasks(q, c)));
      return taskObservers.size ? read.then((page) => seenPage(q, page)) : read;
    },
    getTasks: (ids, ctx) => {
      const read = guard.read('get tasks', ctx, (c) => track('getTasks', c, () => adapter.getTasks(ids, c).then(throwIfEveryItemFailed)));
      return taskObservers.size ? read.then((got) => seenGot(ids, got)) : read;
    },
    close: () => adapter.close(),
  };
  if (adapter.cancelTask) wrapped.cancelTask = (id, ctx) => guard.write('cancel task', ctx, (c) => track('cancelTask', c, () => adapter.cancelTask!(id, c)));
  if (adapter.createTask) wrapped.createTask = (r, ctx) => guard.write('create task', ctx, (c) => track('createTask', c, () => adapter.createTask!(r, c)));
  if (adapter.updateTask) wrapped.updateTask = (r, ctx) => guard.write('update task', ctx, (c) => track('updateTask', c, () => adapter.updateTask!(r, c)));
  if (adapter.watch) {
    wrapped.watch = (onChange, onError) =>
      adapter.watch!((change) => {
        if (taskObservers.size) seen([change.task]);
        onChange(change);
      }, onError);
  }
  return wrapped;
}

/** Clocks for the circuit breakers and the retry jitter (tests pass fixed ones). */
export interface BackendSetOptions {
  now?: () => number;
  random?: () => number;
}

export function createBackendSet(
  entries: Array<{ adapter: TaskAdapter; knownAs?: readonly string[]; resilience?: ResilienceSettings }>,
  options: BackendSetOptions = {},
): BackendSet {
  const byName = new Map<string, BackendParent>();
  const observers = new Set<UpstreamObserver>();
  const taskObservers = new Set<TaskObserver>();
  const tracing = activeTracing();
  for (const { adapter, knownAs, resilience } of entries) {
    const guard = createGuard({ backend: adapter.name, settings: resilience ?? DEFAULT_RESILIENCE, now: options.now, random: options.random });
    const circuit = () => guard.breaker.snapshot();
    const observed: Observed = { latencyMs: null, lastError: null, lastErrorAt: null, seen: false };
    const status: BackendStatus = {
      get health() {
        return healthOf(guard.breaker, observed.seen);
      },
      get latencyMs() {
        return observed.latencyMs;
      },
      get lastError() {
        return observed.lastError;
      },
      get lastErrorAt() {
        return observed.lastErrorAt;
      },
      get consecutiveFailures() {
        return circuit().consecutiveFailures;
      },
      get circuit() {
        return circuit();
      },
    };
    const guarded = instrument(adapter, observed, observers, guard, taskObservers);
    const traced = tracing ? tracing.traceAdapter(guarded, circuit) : guarded;
    byName.set(adapter.name, { adapter: traced, status, knownAs: knownAs ?? [], get circuit() { return circuit(); } });
  }
  return {
    get: (name) => byName.get(name),
    all: () => [...byName.values()],
    byAlias: (id) => byName.get(id) ?? [...byName.values()].find((b) => b.knownAs.includes(id)),
    observe: (observer) => {
      observers.add(observer);
      return () => void observers.delete(observer);
    },
    observeTasks: (observer) => {
      taskObservers.add(observer);
      return () => void taskObservers.delete(observer);
    },
    close: async () => {
      await Promise.allSettled([...byName.values()].map((b) => b.adapter.close()));
    },
  };
}
