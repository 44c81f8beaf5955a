/**
 * Work done once per event and key: the executions of one subscription event, shared by every
 * subscriber of one scope that receives the very same event object. Unlike InFlight, a result
 * stays as long as its event object lives (a WeakMap on it): subscribers take one event from
 * their own queues at different times, and the last one must still find the result.
 * Keys come from src/fast-path/sharing/keys.ts.
 */
export class SharedPerEvent<T> {
  readonly #results = new WeakMap<object, Map<string, T>>();

  /** The result of `compute` for this event and key: the one computed already, or a new one. */
  get(event: object, key: string, compute: () => T): T {
    let byKey = this.#results.get(event);
    if (!byKey) this.#results.set(event, (byKey = new Map()));
    let result = byKey.get(key);
    if (result === undefined) byKey.set(key, (result = compute()));
    return result;
  }
}
