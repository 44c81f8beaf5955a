/**
 * The resilience pieces on their own: the pure retry delay (properties with fast-check), the
 * circuit breaker's lifecycle on a manual clock, and the guard that combines budget, bulkhead
 * and circuit. The retrying itself is got's, tested through the transport (src/adapters/http.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackendError, badResponse } from '../../src/adapters/errors.js';
import { callBudgetOf, retryDelay, type RetryPolicy } from '../../src/adapters/retry.js';
import { createCircuitBreaker } from '../../src/gateway/resilience/breaker.js';
import { createGuard, throwIfEveryItemFailed } from '../../src/gateway/resilience/guard.js';

const policy: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };
const unavailable = (status?: number) => new BackendError('BACKEND_UNAVAILABLE', 'b', 'b: down', { status });
const ctx = { requestId: 'policy-test' };

describe('retryDelay (pure)', () => {
  it('backs off with full jitter below an exponential cap, and only within the budget', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 0, max: 5000 }), (attempt, random, remainingMs) => {
        const delay = retryDelay(policy, { attempt, remainingMs, random });
        const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
        if (delay === null) {
          expect(Math.floor(random * cap)).toBeGreaterThanOrEqual(remainingMs);
        } else {
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(cap);
          expect(delay).toBeLessThan(remainingMs);
        }
      }),
    );
  });

  it('stops after the last attempt', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), (attempt) => {
        const delay = retryDelay(policy, { attempt, remainingMs: 1e9, random: 0.5 });
        if (attempt >= policy.attempts) expect(delay).toBeNull();
        else expect(delay).not.toBeNull();
      }),
    );
  });

  it('honours Retry-After exactly, and gives up when it lies beyond the budget', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 120_000 }), fc.integer({ min: 1, max: 200_000 }), (retryAfterMs, remainingMs) => {
        const delay = retryDelay(policy, { attempt: 1, retryAfterMs, remainingMs, random: 0 });
        expect(delay).toBe(retryAfterMs < remainingMs ? retryAfterMs : null);
      }),
    );
  });
});

describe('circuit breaker lifecycle', () => {
  function setup(threshold = 3, openMs = 1000) {
    const clock = { t: 0 };
    const transitions: string[] = [];
    const breaker = createCircuitBreaker({ failureThreshold: threshold, openMs, now: () => clock.t, onTransition: (s) => transitions.push(s.phase) });
    return { clock, breaker, transitions };
  }

  it('opens after consecutive failures, refuses, probes once when due, and closes on success', () => {
    const { clock, breaker, transitions } = setup();
    breaker.tryAcquire()!.failed();
    breaker.tryAcquire()!.succeeded(); // a success in between resets the count
    for (let i = 0; i < 3; i++) breaker.tryAcquire()!.failed();
    expect(breaker.snapshot()).toMatchObject({ state: 'OPEN', consecutiveFailures: 3, retryAt: new Date(1000) });
    expect(breaker.tryAcquire()).toBeNull();
    clock.t = 999;
    expect(breaker.tryAcquire()).toBeNull();
    clock.t = 1000;
    expect(breaker.snapshot().state).toBe('HALF_OPEN');
    const probe = breaker.tryAcquire()!;
    expect(probe).not.toBeNull();
    expect(breaker.tryAcquire()).toBeNull(); // one probe at a time
    probe.succeeded();
    expect(breaker.snapshot()).toEqual({ state: 'CLOSED', consecutiveFailures: 0, openedAt: null, retryAt: null });
    expect(transitions).toEqual(['open', 'half-open', 'closed']);
  });

  it('reopens for another period when the probe fails; an abandoned probe lets the next call probe', () => {
    const { clock, breaker } = setup(1, 500);
    breaker.tryAcquire()!.failed();
    clock.t = 500;
    breaker.tryAcquire()!.failed();
    expect(breaker.snapshot()).toMatchObject({ state: 'OPEN', retryAt: new Date(1000) });
    clock.t = 1000;
    breaker.tryAcquire()!.released();
    const probe = breaker.tryAcquire();
    expect(probe).not.toBeNull();
    probe!.succeeded();
    expect(breaker.snapshot().state).toBe('CLOSED');
  });

  it('ignores stragglers from before a transition', () => {
    const { clock, breaker } = setup(2, 100);
    const slow = breaker.tryAcquire()!;
    const slowFailure = breaker.tryAcquire()!;
    breaker.tryAcquire()!.failed();
    breaker.tryAcquire()!.failed();
    expect(breaker.snapshot().state).toBe('OPEN');
    slow.succeeded(); // began before the circuit opened: proves nothing now
    expect(breaker.snapshot().state).toBe('OPEN');
    clock.t = 100;
    breaker.tryAcquire()!.succeeded();
    slowFailure.failed(); // nor can it count against the closed circuit
    expect(breaker.snapshot()).toMatchObject({ state: 'CLOSED', consecutiveFailures: 0 });
  });

  it('reports the same phase whatever interleaving of outcomes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('ok', 'fail', 'abandon', 'tick'), { maxLength: 60 }), (steps) => {
        const { clock, breaker } = setup(3, 10);
        for (const step of steps) {
          if (step === 'tick') clock.t += 5;
          const permit = breaker.tryAcquire();
          if (!permit) {
            expect(['OPEN', 'HALF_OPEN']).toContain(breaker.snapshot().state);
            continue;
          }
          if (step === 'ok') permit.succeeded();
          else if (step === 'fail') permit.failed();
          else permit.released();
          const s = breaker.snapshot();
          if (s.state === 'CLOSED') expect(s.consecutiveFailures).toBeLessThan(3);
        }
      }),
    );
  });
});

describe('guard', () => {
  const settings = { timeoutMs: 2000, retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 }, circuit: { failureThreshold: 2, openMs: 60_000 } };

  it('gives the call a signal of its own carrying its budget and retry policy for the transport', async () => {
    const guard = createGuard({ backend: 'b', settings });
    const caller = new AbortController();
    let seen: ReturnType<typeof callBudgetOf>;
    let signal: AbortSignal | undefined;
    const started = performance.now();
    await guard.read('list tasks', { ...ctx, signal: caller.signal }, async (c) => {
      signal = c.signal;
      seen = callBudgetOf(c.signal);
    });
    expect(signal).not.toBe(caller.signal);
    expect(seen!.retry).toEqual(settings.retry);
    expect(seen!.deadline).toBeGreaterThanOrEqual(started + settings.timeoutMs);
    expect(seen!.deadline).toBeLessThanOrEqual(performance.now() + settings.timeoutMs);
    expect(callBudgetOf(caller.signal)).toBeUndefined();
  });

  it('leaves the call\'s signal usable once the call returned (work started for later calls of the request)', async () => {
    const guard = createGuard({ backend: 'b', settings });
    let signal: AbortSignal | undefined;
    await guard.read('list tasks', ctx, async (c) => {
      signal = c.signal;
    });
    expect(signal!.aborted).toBe(false);
  });

  it('calls a mutation once, whatever its failure', async () => {
    const guard = createGuard({ backend: 'b', settings });
    let calls = 0;
    await expect(guard.write('cancel task', ctx, async () => (calls++, Promise.reject(unavailable(503))))).rejects.toThrow();
    expect(calls).toBe(1);
  });

  it('refuses at once while open, without calling the backend', async () => {
    const guard = createGuard({ backend: 'b', settings: { ...settings, retry: { ...settings.retry, attempts: 1 } } });
    for (let i = 0; i < 2; i++) await guard.read('list tasks', ctx, () => Promise.reject(unavailable())).catch(() => undefined);
    let called = false;
    const started = performance.now();
    const err = await guard.read('list tasks', ctx, async () => (called = true)).catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(performance.now() - started).toBeLessThan(50);
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'b' });
    expect((err as Error).message).toMatch(/^b: list tasks not sent: circuit open after 2 consecutive failures; next probe at /);
  });

  it('answers BACKEND_TIMEOUT at the budget even when the call ignores its signal', async () => {
    const guard = createGuard({ backend: 'b', settings: { ...settings, timeoutMs: 100 } });
    const started = performance.now();
    const err = await guard.read('list tasks', ctx, () => new Promise(() => {})).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(err).toMatchObject({ code: 'BACKEND_TIMEOUT', backend: 'b' });
  });

  it('passes the gateway\'s own exceptions through uncounted: 10 of them never open the circuit, 5 malformed answers do', async () => {
    const guard = createGuard({ backend: 'b', settings: { ...settings, circuit: { failureThreshold: 5, openMs: 60_000 } } });
    // What a forged cursor used to cause: a RangeError from a client-given value, in the adapter.
    const forged = () => Promise.reject(new RangeError('Invalid time value'));
    for (let i = 0; i < 10; i++) {
      const err = await guard.read('list tasks', ctx, forged).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RangeError); // masked at the GraphQL edge, not blamed on the backend
    }
    expect(guard.breaker.snapshot()).toMatchObject({ state: 'CLOSED', consecutiveFailures: 0 });
    const malformed = () => Promise.reject(badResponse('b', 'list tasks: not a QueryResultRecords document'));
    for (let i = 0; i < 5; i++) await expect(guard.read('list tasks', ctx, malformed)).rejects.toMatchObject({ code: 'BACKEND_BAD_RESPONSE' });
    expect(guard.breaker.snapshot()).toMatchObject({ state: 'OPEN', consecutiveFailures: 5 });
  });

  it('releases the call its caller abandoned: neither a failure nor a success', async () => {
    const guard = createGuard({ backend: 'b', settings: { ...settings, circuit: { failureThreshold: 1, openMs: 60_000 } } });
    const caller = new AbortController();
    const pending = guard.read('list tasks', { ...ctx, signal: caller.signal }, (c) => new Promise((_, reject) => c.signal!.addEventListener('abort', () => reject(unavailable()))));
    caller.abort();
    await expect(pending).rejects.toBeDefined();
    expect(guard.breaker.snapshot()).toMatchObject({ state: 'CLOSED', consecutiveFailures: 0 });
  });

  it('bounds concurrent calls: more wait in line, past the line a call is refused at once, and the circuit is not told', async () => {
    const guard = createGuard({ backend: 'b', settings: { ...settings, bulkhead: { maxConcurrent: 2, maxQueued: 1 }, circuit: { failureThreshold: 1, openMs: 60_000 } } });
    let running = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    const call = () =>
      new Promise<number>((resolve) => {
        most = Math.max(most, ++running);
        releases.push(() => resolve(--running));
      });
    const admitted = [guard.read('list tasks', ctx, call), guard.read('list tasks', ctx, call), guard.read('list tasks', ctx, call)];
    const err = await guard.read('list tasks', ctx, call).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'b' });
    expect((err as Error).message).toBe('b: list tasks not sent: 2 calls in flight and 1 waiting (raise backends.b.bulkhead to allow more)');
    expect(guard.breaker.snapshot().state).toBe('CLOSED');
    // Each call ends in turn; the one waiting in line starts when a slot frees.
    for (let ended = 0; ended < 3; ended++) {
      while (releases.length === 0) await new Promise((r) => setImmediate(r));
      releases.shift()!();
    }
    await Promise.all(admitted);
    expect(most).toBe(2);
  });

  it('counts a caller error as an answer: it closes a half-open circuit', async () => {
    let t = 0;
    const guard = createGuard({ backend: 'b', settings: { ...settings, retry: { ...settings.retry, attempts: 1 } }, now: () => t });
    for (let i = 0; i < 2; i++) await guard.read('get tasks', ctx, () => Promise.reject(unavailable())).catch(() => undefined);
    t = 60_000;
    await guard.read('get tasks', ctx, () => Promise.reject(new BackendError('NOT_FOUND', 'b', 'b: gone'))).catch(() => undefined);
    expect(guard.breaker.snapshot().state).toBe('CLOSED');
  });

  it('treats a batched get whose every item failed transiently as a failed call, partial failures as values', () => {
    const down = unavailable(503);
    expect(() => throwIfEveryItemFailed([down, unavailable()])).toThrow(down);
    const partial = [down, null, new BackendError('BACKEND_AUTH_FAILED', 'b', 'b: no')];
    expect(throwIfEveryItemFailed(partial)).toBe(partial);
    expect(throwIfEveryItemFailed([])).toEqual([]);
  });

  it('leaves nothing behind on a long-lived caller signal', async () => {
    const guard = createGuard({ backend: 'b', settings });
    const connection = new AbortController();
    let listeners = 0;
    const add = connection.signal.addEventListener.bind(connection.signal);
    const remove = connection.signal.removeEventListener.bind(connection.signal);
    connection.signal.addEventListener = ((...args: Parameters<typeof add>) => (listeners++, add(...args))) as typeof add;
    connection.signal.removeEventListener = ((...args: Parameters<typeof remove>) => (listeners--, remove(...args))) as typeof remove;
    for (let i = 0; i < 50; i++) await guard.read('list tasks', { ...ctx, signal: connection.signal }, async () => i);
    expect(listeners).toBe(0);
  });
});
