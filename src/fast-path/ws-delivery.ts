/**
 * Subscription events written straight to the subscriber's WebSocket, each result serialized
 * once for every subscriber that shares it (shared-execution.ts hands them the same object).
 * graphql-ws' own path costs, per subscriber and event, a `for await` step, an async emit with
 * two object spreads, a message validation, a JSON.stringify of the whole payload and a
 * promise on the socket write, which dominate a fan-out to many sockets (docs/performance.md,
 * "The fast path").
 *
 * graphql-ws keeps the protocol: `onOperation` swaps the subscription's result stream for one
 * that yields nothing and finishes when the subscription does, so graphql-ws still sends
 * `complete` or `error` itself, and still ends the stream on the client's `complete` or on
 * close. The frames are the ones graphql-ws writes: `{"id":…,"type":"next","payload":…}`.
 */
import type { ExecutionResult } from 'graphql';
import { DONE } from '../subscriptions/queue.js';
import type { Results } from './shared-execution.js';

/** What the delivery needs of a `ws` WebSocket. */
export interface DeliverySocket {
  readonly readyState: number;
  readonly OPEN: number;
  /** Bytes accepted by send() and not yet handed to the kernel. */
  readonly bufferedAmount: number;
  send(data: string, cb?: (err?: Error) => void): void;
}

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
  return (socket: DeliverySocket, id: string, results: Results): AsyncIterableIterator<never> => new Delivery(socket, id, results, json);
}

/**
 * One subscription's delivery. A class, not closures: 10,000 subscriptions hold one each, and
 * its methods live once on the prototype (three bound callbacks per instance).
 */
class Delivery implements AsyncIterableIterator<never> {
  private readonly head: string;
  private stopped = false;
  private started = false;
  private settle!: { resolve: (r: IteratorResult<never>) => void; reject: (e: unknown) => void };
  private readonly finished = new Promise<IteratorResult<never>>((resolve, reject) => (this.settle = { resolve, reject }));
  /** Given to pull(): runs in the producer's turn, event to socket with no promise in between. */
  private readonly woken: (next: IteratorResult<ExecutionResult>) => void;
  private readonly failed: (error: unknown) => void;
  /** Given to a backed-up socket's write. */
  private readonly resume: () => void;

  constructor(
    private readonly socket: DeliverySocket,
    id: string,
    private readonly results: Results,
    private readonly json: (result: ExecutionResult) => string,
  ) {
    this.head = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
    // Bound, not arrow fields: under tsx an arrow field also gets its name defined per instance.
    this.woken = this.onEvent.bind(this);
    this.failed = this.fail.bind(this);
    this.resume = this.carryOn.bind(this);
  }

  next(): Promise<IteratorResult<never>> {
    if (!this.started) {
      this.started = true;
      this.resume();
    }
    return this.finished;
  }

  async return(): Promise<IteratorResult<never>> {
    this.stopped = true;
    await this.results.return?.();
    this.finish();
    return DONE;
  }

  async throw(error?: unknown): Promise<IteratorResult<never>> {
    this.stopped = true;
    await this.results.return?.();
    throw error;
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private onEvent(next: IteratorResult<ExecutionResult>): void {
    try {
      if (this.write(next)) this.pump();
    } catch (error) {
      this.fail(error);
    }
  }

  private carryOn(): void {
    if (this.results.pull) this.pump();
    else void this.iterate();
  }

  private finish(): void {
    this.stopped = true;
    this.settle.resolve(DONE);
  }

  /** Ends this subscription only, never the producer's loop over other subscribers. */
  private fail(error: unknown): void {
    this.stopped = true;
    // graphql-ws sends the error and forgets the stream without return(): release the results
    // here, or the subscriber would stay registered with the hub.
    void this.results.return?.()?.catch(() => {});
    this.settle.reject(error);
  }

  /** Writes one result; false when delivery must stop, or wait for the socket (then it resumes itself). */
  private write(next: IteratorResult<ExecutionResult>): boolean {
    const { socket } = this;
    if (next.done || this.stopped || socket.readyState !== socket.OPEN) {
      this.finish();
      return false;
    }
    const frame = this.head + this.json(next.value) + '}';
    // Backpressure as graphql-ws has it, without a promise per event: a socket that took the
    // last frame at once takes this one too; one still holding bytes (a slow reader) gets this
    // frame with a callback, and delivery waits for it while the subscriber's queue coalesces.
    if (socket.bufferedAmount === 0) {
      socket.send(frame);
      return true;
    }
    socket.send(frame, this.resume);
    return false;
  }

  private pump(): void {
    try {
      for (;;) {
        if (this.stopped) return this.finish();
        const next = this.results.pull!(this.woken, this.failed);
        if (next === null || !this.write(next)) return;
      }
    } catch (error) {
      this.fail(error);
    }
  }

  /** For results that cannot be pulled: one promise per event. */
  private async iterate(): Promise<void> {
    try {
      while (!this.stopped && this.write(await this.results.next()));
    } catch (error) {
      this.fail(error);
    }
  }
}
