/**
 * Identical work in flight, done once: a caller that asks for work (by key) while the same
 * work runs for another caller gets that run's result instead of starting its own, as Apollo
 * Router's subgraph deduplication and Hive Gateway's inflight request dedupe do.
 *
 * - Nothing is kept once the work settles: the next caller starts afresh.
 * - Each caller keeps its own abort signal. One that gives up is answered at once (with its
 *   own `abandoned` error); the shared work is aborted only when every caller gave up. A
 *   caller without a signal never gives up.
 * - A null key, or sharing turned off (config `server.shareInFlight: false`), runs the work
 *   for this caller alone.
 *
 * Keys come from src/fast-path/sharing/keys.ts, the one place they are built.
 */

export interface InFlightOptions {
  /** false: every caller runs its own work (benchmarks of the engine alone). */
  enabled: boolean;
}

interface Flight<T> {
  readonly result: Promise<T>;
  readonly controller: AbortController;
  /** Callers still waiting that may give up (those without a signal are not counted: they never do). */
  waiting: number;
  /** A caller without a signal joined: the work is never aborted. */
  pinned: boolean;
}

/** The error a caller gets when its own signal aborts: its signal's reason, or a plain Error. */
export type Abandoned = (signal: AbortSignal) => unknown;

const defaultAbandoned: Abandoned = (signal) => signal.reason ?? new Error('aborted');

export class InFlight<T> {
  /**
   * The runs by key, in a null-prototype object rather than a Map: on Node 20 a long-lived Map
   * whose entries come and go with every request made garbage collection cost the distinct list
   * about a tenth more CPU; an object used as a dictionary does not (docs/performance.md,
   * "The in-flight registry").
   */
  readonly #flights: Record<string, Flight<T> | undefined> = Object.create(null) as Record<string, Flight<T> | undefined>;
  readonly #enabled: boolean;

  constructor(options: InFlightOptions) {
    this.#enabled = options.enabled;
  }

  /** Work running now (for tests and metrics). */
  get size(): number {
    return Object.keys(this.#flights).length;
  }

  /**
   * The result of `work` for `key`: the run in flight for that key, or a new one.
   * @param work gets a signal that aborts only when every caller gave up.
   * @param signal this caller's own signal.
   * @param abandoned what this caller gets when its signal aborts first.
   */
  run(key: string | null, work: (signal: AbortSignal | undefined) => Promise<T>, signal?: AbortSignal, abandoned: Abandoned = defaultAbandoned): Promise<T> {
    // A caller that gave up already neither starts nor joins shared work.
    if (!this.#enabled || key === null || signal?.aborted) return work(signal);
    let flight = this.#flights[key];
    if (!flight) flight = this.#start(key, work);
    if (!signal) {
      flight.pinned = true;
      return flight.result;
    }
    return this.#join(flight, signal, abandoned);
  }

  /** Forgets the runs in flight (their callers still get their results). */
  clear(): void {
    for (const key of Object.keys(this.#flights)) delete this.#flights[key];
  }

  #start(key: string, work: (signal: AbortSignal) => Promise<T>): Flight<T> {
    const controller = new AbortController();
    let result: Promise<T>;
    try {
      result = work(controller.signal);
    } catch (err) {
      result = Promise.reject(err);
    }
    const flight: Flight<T> = { result, controller, waiting: 0, pinned: false };
    this.#flights[key] = flight;
    const settled = () => {
      if (this.#flights[key] === flight) delete this.#flights[key];
    };
    result.then(settled, settled);
    return flight;
  }

  #join(flight: Flight<T>, signal: AbortSignal, abandoned: Abandoned): Promise<T> {
    flight.waiting++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        // This caller gives up; the others (if any) still wait for the shared result.
        if (--flight.waiting === 0 && !flight.pinned) flight.controller.abort(signal.reason);
        reject(abandoned(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        // Removed when the work settles: a long-lived signal must not collect one per call.
        signal.removeEventListener('abort', onAbort);
        if (!signal.aborted) flight.waiting--;
      };
      flight.result.then(
        (value) => {
          settle();
          resolve(value);
        },
        (err: unknown) => {
          settle();
          reject(err);
        },
      );
    });
  }
}
