/**
 * The store as the gateway holds it: opened in the background (a PostgreSQL that is down at
 * start, or a file that cannot be opened, does not stop the gateway), reopened after a
 * failure at most every `retryMs`, and every failure turned into a HistoryUnavailableError
 * naming the reason. Its state answers /metrics and the history fields.
 */
import { HistoryUnavailableError, storeError } from './errors.js';
import type { HistoryStore } from './store.js';

export type StoreState = { phase: 'opening' } | { phase: 'open'; store: HistoryStore } | { phase: 'failed'; error: HistoryUnavailableError; at: number } | { phase: 'closed' };

export interface AvailableStore extends Omit<HistoryStore, 'kind'> {
  readonly label: string;
  state(): StoreState['phase'];
  /** The last failure's reason, while failing. */
  failure(): HistoryUnavailableError | null;
}

export function availableStore(open: () => Promise<HistoryStore>, label: string, options: { retryMs?: number; now?: () => number; onError?: (err: unknown) => void } = {}): AvailableStore {
  const retryMs = options.retryMs ?? 5000;
  const now = options.now ?? Date.now;
  let state: StoreState = { phase: 'opening' };
  let opening: Promise<HistoryStore> | null = null;

  function start(): Promise<HistoryStore> {
    state = { phase: 'opening' };
    const attempt = open().then(
      (store) => {
        if (state.phase === 'closed') {
          void store.close();
          throw new HistoryUnavailableError('STORE_DOWN', `task history store (${label}) is closed`);
        }
        state = { phase: 'open', store };
        return store;
      },
      (err: unknown) => {
        options.onError?.(err);
        const error = storeError(err, label);
        if (state.phase !== 'closed') state = { phase: 'failed', error, at: now() };
        throw error;
      },
    );
    opening = attempt;
    attempt.catch(() => {}).finally(() => {
      if (opening === attempt) opening = null;
    });
    return attempt;
  }
  void start().catch(() => {});

  function current(): Promise<HistoryStore> {
    switch (state.phase) {
      case 'open':
        return Promise.resolve(state.store);
      case 'opening':
        return opening ?? start();
      case 'failed':
        return now() - state.at >= retryMs ? start() : Promise.reject(state.error);
      case 'closed':
        return Promise.reject(new HistoryUnavailableError('STORE_DOWN', `task history store (${label}) is closed`));
    }
  }

  /** Set while writes fail for lack of space: reads answer it too, as the history is incomplete. */
  let full: HistoryUnavailableError | null = null;

  async function run<T>(call: (store: HistoryStore) => Promise<T>): Promise<T> {
    const store = await current();
    try {
      return await call(store);
    } catch (err) {
      options.onError?.(err);
      const error = storeError(err, label);
      // A store whose worker is gone is reopened on a later call; any other failure (a
      // database restarting, a full disk) leaves it open: pg reconnects by itself.
      if ((err as { code?: unknown }).code === 'STORE_CLOSED' && state.phase === 'open' && state.store === store) {
        state = { phase: 'failed', error, at: now() };
        void store.close().catch(() => {});
      }
      throw error;
    }
  }

  const read = <T>(call: (store: HistoryStore) => Promise<T>): Promise<T> => (full ? Promise.reject(full) : run(call));

  return {
    label,
    state: () => state.phase,
    failure: () => full ?? (state.phase === 'failed' ? state.error : null),
    async write(records, gone) {
      try {
        await run((s) => s.write(records, gone));
        full = null;
      } catch (err) {
        if (err instanceof HistoryUnavailableError && err.reason === 'STORE_FULL') full = err;
        throw err;
      }
    },
    page: (query) => read((s) => s.page(query)),
    count: (query) => read((s) => s.count(query)),
    transitions: (keys) => read((s) => s.transitions(keys)),
    stats: (query) => read((s) => s.stats(query)),
    retain: (limits) => run((s) => s.retain(limits)),
    size: () => run((s) => s.size()),
    async close() {
      const pending = opening;
      const open = state.phase === 'open' ? state.store : null;
      state = { phase: 'closed' };
      await open?.close();
      await pending?.then((s) => s.close()).catch(() => {});
    },
  };
}
