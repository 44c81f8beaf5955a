/**
 * The configured backends as the gateway sees them: each adapter wrapped so that every
 * upstream call updates that backend's health (state, latency, last error).
 */
import type { CallContext, TaskAdapter } from '../adapters/contract.js';
import { BackendError } from '../adapters/errors.js';

export type Health = 'UNKNOWN' | 'UP' | 'DEGRADED' | 'DOWN';

export interface BackendStatus {
  health: Health;
  latencyMs: number | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  consecutiveFailures: number;
}

/** What the `Backend` GraphQL type resolves from. */
export interface BackendParent {
  adapter: TaskAdapter;
  status: BackendStatus;
  /** Other ids this backend is known by (config `knownAs`). */
  knownAs: readonly string[];
}

export interface BackendSet {
  get(name: string): BackendParent | undefined;
  all(): BackendParent[];
  /** The backend known by this id (its name or a `knownAs` alias). */
  byAlias(id: string): BackendParent | undefined;
  close(): Promise<void>;
}

/** Errors that say nothing about the backend's health (the caller asked for something bad). */
function isCallerError(err: unknown): boolean {
  return err instanceof BackendError && (err.code === 'NOT_FOUND' || err.code === 'BAD_USER_INPUT' || err.code === 'UNSUPPORTED');
}

function instrument(adapter: TaskAdapter, status: BackendStatus): TaskAdapter {
  async function track<T>(call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await call();
      status.latencyMs = Math.round((performance.now() - started) * 10) / 10;
      status.health = 'UP';
      status.consecutiveFailures = 0;
      return result;
    } catch (err) {
      if (!isCallerError(err)) {
        status.consecutiveFailures++;
        status.health = status.consecutiveFailures >= 3 ? 'DOWN' : 'DEGRADED';
        status.lastError = err instanceof Error ? err.message : String(err);
        status.lastErrorAt = new Date();
      }
      throw err;
    }
  }
  const wrapped: TaskAdapter = {
    name: adapter.name,
    type: adapter.type,
    capabilities: adapter.capabilities,
    listTasks: (q, ctx: CallContext) => track(() => adapter.listTasks(q, ctx)),
    getTasks: (ids, ctx) => track(() => adapter.getTasks(ids, ctx)),
    close: () => adapter.close(),
  };
  if (adapter.cancelTask) wrapped.cancelTask = (id, ctx) => track(() => adapter.cancelTask!(id, ctx));
  if (adapter.createTask) wrapped.createTask = (r, ctx) => track(() => adapter.createTask!(r, ctx));
  if (adapter.updateTask) wrapped.updateTask = (r, ctx) => track(() => adapter.updateTask!(r, ctx));
  if (adapter.watch) wrapped.watch = adapter.watch.bind(adapter);
  return wrapped;
}

export function createBackendSet(entries: Array<{ adapter: TaskAdapter; knownAs?: readonly string[] }>): BackendSet {
  const byName = new Map<string, BackendParent>();
  for (const { adapter, knownAs } of entries) {
    const status: BackendStatus = { health: 'UNKNOWN', latencyMs: null, lastError: null, lastErrorAt: null, consecutiveFailures: 0 };
    byName.set(adapter.name, { adapter: instrument(adapter, status), status, knownAs: knownAs ?? [] });
  }
  return {
    get: (name) => byName.get(name),
    all: () => [...byName.values()],
    byAlias: (id) => byName.get(id) ?? [...byName.values()].find((b) => b.knownAs.includes(id)),
    close: async () => {
      await Promise.allSettled([...byName.values()].map((b) => b.adapter.close()));
    },
  };
}
