/**
 * Task history as the gateway runs it (docs/history.md): the store, the recorder fed by the
 * backends' task observer, the idle-backend poller, retention and the metrics.
 */
import client from 'prom-client';
import type { BackendSet } from '../gateway/backends.js';
import type { SubscriptionHub } from '../subscriptions/hub.js';
import type { Logger } from '../server/plugins/logging.js';
import { availableStore, type AvailableStore } from './available-store.js';
import { idlePollMs, type HistoryConfig } from './config.js';
import { openEmbeddedStore } from './embedded.js';
import { startIdlePoller, type IdlePoller } from './idle-poller.js';
import { openPostgresStore } from './postgres.js';
import { createRecorder, type Recorder } from './recorder.js';
import { startRetention, type RetentionJob } from './retention.js';
import type { HistoryStore } from './store.js';

export interface History {
  readonly store: AvailableStore;
  readonly recorder: Recorder;
  /** Starts what needs the running server: the idle poller (with the hub) and retention. */
  start(hub: Pick<SubscriptionHub, 'stats'>): void;
  /** Adds the history's series to the server's /metrics. */
  registerMetrics(registry: client.Registry): void;
  /** Stops the idle poller and retention (before the backends close). */
  stopBackground(): Promise<void>;
  /** Stops the background jobs, writes what is queued, closes the store. */
  close(): Promise<void>;
}

export interface HistoryOptions {
  backends: BackendSet;
  logger: Logger;
  /** Opens the store (tests); default: from the config. */
  open?: () => Promise<HistoryStore>;
}

function opener(config: HistoryConfig, logger: Logger): { open: () => Promise<HistoryStore>; label: string } {
  if (config.store === 'postgres') {
    return {
      label: 'postgres',
      open: () => openPostgresStore({ url: config.url!, onError: (err) => logger.warn({ store: 'postgres', error: err.message }, 'history store connection failed') }),
    };
  }
  // The label reaches clients in errors: the kind, not the file's path (logs have the path).
  return {
    label: 'embedded',
    open: () =>
      openEmbeddedStore(config.path).catch((err: unknown) => {
        logger.warn({ store: 'embedded', path: config.path, error: err instanceof Error ? err.message : String(err) }, 'history store cannot be opened');
        throw err;
      }),
  };
}

export function createHistory(config: HistoryConfig, options: HistoryOptions): History {
  const { logger } = options;
  const { open, label } = options.open ? { open: options.open, label: config.store } : opener(config, logger);
  const logError = (what: string) => (err: unknown) => logger.warn({ store: config.store, error: err instanceof Error ? err.message : String(err) }, what);
  const store = availableStore(open, label, { onError: logError('history store call failed') });
  const recorder = createRecorder({ store, progressGranularity: config.progressGranularity });
  const stopObserving = options.backends.observeTasks((backend, tasks, missing) => {
    recorder.observe(tasks);
    recorder.gone(backend, missing);
  });
  let storedTasks = -1;
  let poller: IdlePoller | null = null;
  let retention: RetentionJob | null = null;

  return {
    store,
    recorder,
    start(hub) {
      const intervalMs = idlePollMs(config);
      if (intervalMs !== null) {
        poller = startIdlePoller({ backends: options.backends, hub, intervalMs, onError: (backend, err) => logError(`history poll of ${backend} failed`)(err) });
      }
      retention = startRetention({
        store,
        retentionDays: config.retentionDays,
        maxRows: config.maxRows,
        onRun: ({ deleted, size }) => {
          storedTasks = size;
          if (deleted) logger.info({ deleted, size }, 'history retention deleted old tasks');
        },
        onError: logError('history retention failed'),
      });
    },
    registerMetrics(registry) {
      const counter = (name: string, help: string, read: () => number) =>
        new client.Counter({
          name,
          help,
          registers: [registry],
          collect() {
            this.reset();
            this.inc(read());
          },
        });
      counter('taskgraph_history_recorded_tasks_total', 'Task states written to the history store (new or changed).', () => recorder.stats().recorded);
      counter('taskgraph_history_transitions_total', 'Task transitions written to the history store.', () => recorder.stats().transitions);
      counter('taskgraph_history_dropped_total', 'Observations dropped because the recorder queue was full (the store was slower than the backends).', () => recorder.stats().dropped);
      counter('taskgraph_history_failed_writes_total', 'History store writes that failed.', () => recorder.stats().failedWrites);
      new client.Gauge({ name: 'taskgraph_history_queue', help: 'Observations waiting to be written.', registers: [registry], collect() { this.set(recorder.stats().queued); } });
      new client.Gauge({
        name: 'taskgraph_history_store_up',
        help: 'Whether the history store answers (1) or is down or full (0).',
        registers: [registry],
        collect() {
          this.set(store.state() === 'open' && !store.failure() ? 1 : 0);
        },
      });
      new client.Gauge({ name: 'taskgraph_history_stored_tasks', help: 'Tasks in the history store, as of the last retention run (-1: not yet).', registers: [registry], collect() { this.set(storedTasks); } });
    },
    async stopBackground() {
      await poller?.stop();
      await retention?.stop();
    },
    async close() {
      stopObserving();
      await this.stopBackground();
      await recorder.close().catch(logError('history recorder close failed'));
      await store.close().catch(logError('history store close failed'));
    },
  };
}
