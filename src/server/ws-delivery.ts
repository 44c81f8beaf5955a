/**
 * Subscription events written straight to the subscriber's WebSocket, each result serialized
 * once for every subscriber that shares it (shared-execution.ts hands them the same object).
 * graphql-ws' own path costs, per subscriber and event, a `for await` step, an async emit with
 * two object spreads, a message validation, a JSON.stringify of the whole payload and a
 * promise on the socket write: 15% of the gateway's CPU at 10,000 sockets, and most of the
 * 10% spent running promise reactions (docs/performance.md, `2182539`).
 *
 * graphql-ws keeps the protocol: `onOperation` swaps the subscription's result stream for one
 * that yields nothing and finishes when the subscription does, so graphql-ws still sends
 * `complete` or `error` itself, and still ends the stream on the client's `complete` or on
 * close. The frames are the ones graphql-ws writes: `{"id":…,"type":"next","payload":…}`.
 */
import type { ExecutionResult } from 'graphql';
import type { Results } from './shared-execution.js';

/** What the delivery needs of a `ws` WebSocket. */
export interface DeliverySocket {
  readonly readyState: number;
  readonly OPEN: number;
  /** Bytes accepted by send() and not yet handed to the kernel. */
  readonly bufferedAmount: number;
  send(data: string, cb?: (err?: Error) => void): void;
}


const DONE: IteratorResult<never> = { value: undefined, done: true };

/**
 * @param payloadOf the payload a result is sent as (errors masked); called once per result object.
 * @returns deliver(socket, id, results): the stream to give back to graphql-ws.
 */
export function directDelivery(payloadOf: (result: ExecutionResult) => object) {
  const serialized = new WeakMap<ExecutionResult, string>();
  const json = (result: ExecutionResult) => {
    let text = serialized.get(result);
    if (text === undefined) serialized.set(result, (text = JSON.stringify(payloadOf(result))));
    return text;
  };

  return function deliver(socket: DeliverySocket, id: string, results: Results): AsyncIterableIterator<never> {
    const head = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
    let stopped = false;
    let settle: { resolve: (r: IteratorResult<never>) => void; reject: (e: unknown) => void };
    const finished = new Promise<IteratorResult<never>>((resolve, reject) => (settle = { resolve, reject }));
    const finish = () => {
      stopped = true;
      settle.resolve(DONE);
    };
    // graphql-ws sends the error and forgets the stream without return(): release the results
    // here, or the subscriber would stay registered with the hub.
    const fail = (error: unknown) => {
      stopped = true;
      void results.return?.()?.catch(() => {});
      settle.reject(error);
    };

    /** Writes one result; false when delivery must stop, or wait for the socket (then it resumes itself). */
    const write = (next: IteratorResult<ExecutionResult>): boolean => {
      if (next.done || stopped || socket.readyState !== socket.OPEN) {
        finish();
        return false;
      }
      const frame = head + json(next.value) + '}';
      // Backpressure as graphql-ws has it, without a promise per event: a socket that took the
      // last frame at once takes this one too; one still holding bytes (a slow reader) gets
      // this frame with a callback, and the pump waits for it while the subscriber's queue
      // coalesces.
      if (socket.bufferedAmount === 0) {
        socket.send(frame);
        return true;
      }
      socket.send(frame, resume);
      return false;
    };

    // Runs in the producer's turn when the results are Pullable (the hub's queue pushing to a
    // waiting subscriber): event to socket with no promise in between. A failure here must
    // end this subscription only, never the producer's loop over other subscribers.
    const woken = (next: IteratorResult<ExecutionResult>) => {
      try {
        if (write(next)) pump();
      } catch (error) {
        fail(error);
      }
    };
    function pump(): void {
      try {
        for (;;) {
          if (stopped) return finish();
          const next = results.pull!(woken, fail);
          if (next === null || !write(next)) return;
        }
      } catch (error) {
        fail(error);
      }
    }
    /** For results that cannot be pulled: one promise per event. */
    async function iterate(): Promise<void> {
      try {
        while (!stopped && write(await results.next()));
      } catch (error) {
        fail(error);
      }
    }
    const resume = results.pull ? pump : () => void iterate();

    let started = false;
    const stream: AsyncIterableIterator<never> = {
      next() {
        if (!started) {
          started = true;
          resume();
        }
        return finished;
      },
      async return() {
        stopped = true;
        await results.return?.();
        finish();
        return DONE;
      },
      async throw(error?: unknown) {
        stopped = true;
        await results.return?.();
        throw error;
      },
      [Symbol.asyncIterator]: () => stream,
    };
    return stream;
  };
}
