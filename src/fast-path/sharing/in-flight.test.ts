/**
 * InFlight: one run per key at a time, nothing kept once settled, each caller with its own
 * signal, the shared work aborted only when every caller gave up, errors reaching every caller.
 */
import { describe, expect, it } from 'vitest';
import { InFlight } from './in-flight.js';

/** Work that settles when told to, and reports whether its signal aborted. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('InFlight', () => {
  it('runs the work once for callers of one key while it runs, and again once it settled', async () => {
    const flights = new InFlight<number>({ enabled: true });
    let runs = 0;
    const gate = deferred<number>();
    const work = () => (runs++, gate.promise);
    const calls = [flights.run('k', work), flights.run('k', work), flights.run('other', work)];
    expect(runs).toBe(2);
    expect(flights.size).toBe(2);
    gate.resolve(7);
    expect(await Promise.all(calls)).toEqual([7, 7, 7]);
    expect(flights.size).toBe(0);
    await flights.run('k', async () => (runs++, 8));
    expect(runs).toBe(3);
  });

  it('keys named like object properties are keys like any other', async () => {
    // The registry is an object used as a dictionary: no key may reach a prototype.
    const flights = new InFlight<string>({ enabled: true });
    const gate = deferred<string>();
    const keys = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
    let runs = 0;
    const calls = keys.flatMap((key) => [flights.run(key, () => (runs++, gate.promise)), flights.run(key, () => (runs++, gate.promise))]);
    expect(runs).toBe(keys.length);
    expect(flights.size).toBe(keys.length);
    gate.resolve('x');
    await Promise.all(calls);
    expect(flights.size).toBe(0);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('hands a failure to every caller, and forgets it', async () => {
    const flights = new InFlight<number>({ enabled: true });
    const gate = deferred<number>();
    const calls = [flights.run('k', () => gate.promise), flights.run('k', () => gate.promise, new AbortController().signal)];
    gate.reject(new Error('boom'));
    for (const call of calls) await expect(call).rejects.toThrow('boom');
    expect(flights.size).toBe(0);
    // Work that throws before returning a promise fails its callers the same way.
    await expect(flights.run('k', () => { throw new Error('sync'); })).rejects.toThrow('sync');
    expect(flights.size).toBe(0);
  });

  it('answers a caller that gives up at once, and aborts the work only when the last one does', async () => {
    const flights = new InFlight<string>({ enabled: true });
    const gate = deferred<string>();
    let workSignal: AbortSignal | undefined;
    const work = (signal: AbortSignal | undefined) => ((workSignal = signal), gate.promise);
    const [a, b] = [new AbortController(), new AbortController()];
    const first = flights.run('k', work, a.signal, () => new Error('a gave up'));
    const second = flights.run('k', work, b.signal, () => new Error('b gave up'));
    a.abort();
    await expect(first).rejects.toThrow('a gave up');
    expect(workSignal!.aborted).toBe(false);
    b.abort();
    await expect(second).rejects.toThrow('b gave up');
    expect(workSignal!.aborted).toBe(true);
  });

  it('never aborts work a caller without a signal waits for', async () => {
    const flights = new InFlight<string>({ enabled: true });
    const gate = deferred<string>();
    let workSignal: AbortSignal | undefined;
    const quitter = new AbortController();
    const quitting = flights.run('k', (signal) => ((workSignal = signal), gate.promise), quitter.signal);
    const patient = flights.run('k', () => gate.promise);
    quitter.abort();
    await expect(quitting).rejects.toBeDefined();
    expect(workSignal!.aborted).toBe(false);
    gate.resolve('done');
    expect(await patient).toBe('done');
  });

  it('runs alone for a null key, a caller that gave up already, or sharing turned off', async () => {
    let runs = 0;
    const work = async () => ++runs;
    const on = new InFlight<number>({ enabled: true });
    const aborted = AbortSignal.abort();
    await Promise.all([on.run(null, work), on.run(null, work), on.run('k', work, aborted), on.run('k', work, aborted)]);
    expect(runs).toBe(4);
    const off = new InFlight<number>({ enabled: false });
    expect(await Promise.all([off.run('k', work), off.run('k', work)])).toEqual([5, 6]);
  });
});
