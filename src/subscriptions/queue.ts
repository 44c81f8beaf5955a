/**
 * A per-subscriber event queue, exposed as an async iterator for graphql-ws.
 * Slow consumers get coalesced progress (the latest state of a task replaces a pending
 * update of the same task) but never lose a terminal transition. Memory is bounded: past
 * `maxPending` the subscription ends with an error instead of growing.
 */
import { isTerminal } from '../model/task.js';
import type { TaskEvent } from './events.js';

/**
 * A synchronous read beside next(), for a consumer that delivers in the producer's own turn
 * (ws-delivery.ts): no promise per event.
 */
export interface Pullable<T> {
  /**
   * The next result if one is ready; else null, and exactly one of `resolve` / `reject` is
   * called later (on the push, end or return that makes one ready). Throws a failure that is
   * ready now.
   */
  pull(resolve: (result: IteratorResult<T>) => void, reject: (error: Error) => void): IteratorResult<T> | null;
}

/** The end of a stream, shared by every iterator here (frozen: callers get the same object). */
export const DONE: IteratorResult<never> = Object.freeze({ value: undefined, done: true });

export const isPullable = <T>(value: object): value is Pullable<T> => typeof (value as Partial<Pullable<T>>).pull === 'function';

export interface EventQueue<T> extends AsyncIterableIterator<T>, Pullable<T> {
  push(event: TaskEvent): void;
  /** Ends the iterator; pending events are still delivered first unless `error` is given. */
  end(error?: Error): void;
  readonly pending: number;
}

export interface QueueOptions<T> {
  maxPending: number;
  /** Turns an event into what the iterator yields (the GraphQL payload). */
  render: (event: TaskEvent) => T;
  /** Called once when the consumer is gone (return(), end, or error). */
  onClose: () => void;
  /** Ends the iterator after yielding the first terminal event (taskUpdated). */
  endAfterTerminal?: boolean;
}

const keyOf = (e: TaskEvent) => `${e.task.backend}\u0000${e.task.nativeId}`;

export function createEventQueue<T>(options: QueueOptions<T>): EventQueue<T> {
  const pending: TaskEvent[] = [];
  const index = new Map<string, TaskEvent>();
  let waiting: ((r: IteratorResult<T>) => void) | null = null;
  let failWaiting: ((e: Error) => void) | null = null;
  let done = false;
  let failure: Error | null = null;
  let closed = false;

  function close(): void {
    if (closed) return;
    closed = true;
    options.onClose();
  }

  function take(): TaskEvent | undefined {
    const event = pending.shift();
    if (event && index.get(keyOf(event)) === event) index.delete(keyOf(event));
    return event;
  }

  function emit(event: TaskEvent): IteratorResult<T> {
    if (options.endAfterTerminal && isTerminal(event.task.status)) {
      done = true;
      close();
    }
    return { value: options.render(event), done: false };
  }

  const queue: EventQueue<T> = {
    get pending() {
      return pending.length;
    },
    push(event) {
      if (done) return;
      if (waiting) {
        const resolve = waiting;
        waiting = failWaiting = null;
        resolve(emit(event));
        return;
      }
      const key = keyOf(event);
      const queued = index.get(key);
      if (queued && !isTerminal(queued.task.status)) {
        // Latest wins: replace the stale pending update in place; a CREATED stays CREATED.
        const merged: TaskEvent = { type: queued.type === 'CREATED' && event.type === 'UPDATED' ? 'CREATED' : event.type, task: event.task };
        pending[pending.indexOf(queued)] = merged;
        index.set(key, merged);
        return;
      }
      if (pending.length >= options.maxPending) {
        queue.end(new Error(`subscriber too slow: more than ${options.maxPending} events pending; subscribe again`));
        return;
      }
      pending.push(event);
      index.set(key, event);
    },
    end(error) {
      if (done) return;
      done = true;
      if (error) {
        failure = error;
        pending.length = 0;
      }
      if (waiting) {
        const [resolve, reject] = [waiting, failWaiting!];
        waiting = failWaiting = null;
        if (error) reject(error);
        else resolve(DONE);
      }
      if (!pending.length) close();
    },
    pull(resolve, reject) {
      const event = take();
      if (event) return emit(event);
      if (failure) {
        const err = failure;
        failure = null;
        close();
        throw err;
      }
      if (done) {
        close();
        return DONE;
      }
      waiting = resolve;
      failWaiting = reject;
      return null;
    },
    next() {
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        const ready = queue.pull(resolve, reject);
        if (ready) resolve(ready);
      });
    },
    return() {
      done = true;
      pending.length = 0;
      index.clear();
      if (waiting) {
        const resolve = waiting;
        waiting = failWaiting = null;
        resolve(DONE);
      }
      close();
      return Promise.resolve(DONE);
    },
    throw(err?: unknown) {
      queue.return!();
      return Promise.reject(err);
    },
    [Symbol.asyncIterator]() {
      return queue;
    },
  };
  return queue;
}
