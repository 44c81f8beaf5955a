/**
 * The event bus between watchers and subscribers. In one process it is a plain fan-out;
 * with several replicas the Redis engine carries events between them (redis-bus.ts), and
 * leases decide which replica polls each backend.
 */
import type { TaskEvent } from './events.js';

export type EventHandler = (backend: string, event: TaskEvent) => void;

export interface EventBus {
  publish(backend: string, event: TaskEvent): void;
  subscribe(handler: EventHandler): () => void;
  close(): Promise<void>;
}

/**
 * Decides which replica watches a backend. In-process, this one always does; the Redis
 * engine holds an expiring lease that another replica takes over when this one dies.
 */
export interface LeaseManager {
  /** Calls `onAcquired` when this replica becomes the watcher of `backend`, `onLost` when it stops being it. */
  hold(backend: string, onAcquired: () => void, onLost: () => void): () => Promise<void>;
  close(): Promise<void>;
}

export function createLocalBus(): EventBus {
  const handlers = new Set<EventHandler>();
  return {
    publish(backend, event) {
      for (const h of handlers) h(backend, event);
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    close: async () => handlers.clear(),
  };
}

export function createLocalLeases(): LeaseManager {
  return {
    hold(_backend, onAcquired) {
      onAcquired();
      return async () => {};
    },
    close: async () => {},
  };
}
