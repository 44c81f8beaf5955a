/**
 * The resilience pieces on their own: the pure retry policy (properties with fast-check), the
 * circuit breaker's lifecycle on a manual clock, the deadline, and the guard that combines them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackendError } from '../../src/adapters/errors.js';
import { parseRetryAfter } from '../../src/adapters/http.js';
import { createCircuitBreaker } from '../../src/gateway/resilience/breaker.js';
import { pause, startDeadline } from '../../src/gateway/resilience/deadline.js';
import { createGuard, throwIfEveryItemFailed } from '../../src/gateway/resilience/guard.js';
import { isTransient, retryDelay, type RetryPolicy } from '../../src/gateway/resilience/retry.js';

const policy: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };
const unavailable = (status?: number) => new BackendError('BACKEND_UNAVAILABLE', 'b', 'b: down', { status });
const ctx = { requestId: 'policy-test' };

describe('retryDelay (pure)', () => {
  const transient = fc.constantFrom(
    unavailable(),
    unavailable(503),
    new BackendError('BACKEND_TIMEOUT', 'b', 'b: slow'),
    new BackendError('BACKEND_ERROR', 'b', 'b: throttled', { status: 429 }),
    new BackendError('BACKEND_UNAVAILABLE', 'b', 'b: gateway', { status: 502 }),
  );
  const permanent = fc.constantFrom<unknown>(
    new BackendError('BACKEND_AUTH_FAILED', 'b', 'b: refused', { status: 401 }),
    new BackendError('BACKEND_BAD_RESPONSE', 'b', 'b: malformed'),
    new BackendError('BACKEND_ERROR', 'b', 'b: 500', { status: 500 }),
    new BackendError('NOT_FOUND', 'b', 'b: no such task', { status: 404 }),
    new Error('a bug'),
    'not even an error',
  );

  it('backs off with full jitter below an exponential cap, and only within the budget', () => {
    fc.assert(
      fc.property(transient, fc.integer({ min: 1, max: 3 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 0, max: 5000 }), (error, attempt, random, remainingMs) => {
        const delay = retryDelay(policy, { attempt, error, remainingMs, random });
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

  it('stops after the last attempt and never retries permanent failures', () => {
    fc.assert(
      fc.property(fc.oneof(transient, permanent), fc.integer({ min: 1, max: 10 }), (error, attempt) => {
        const delay = retryDelay(policy, { attempt, error, remainingMs: 1e9, random: 0.5 });
        if (attempt >= policy.attempts || !isTransient(error)) expect(delay).toBeNull();
        else expect(delay).not.toBeNull();
      }),
    );
  });

  it('honours Retry-After exactly, and gives up when it lies beyond the budget', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 120_000 }), fc.integer({ min: 1, max: 200_000 }), (retryAfterMs, remainingMs) => {
        const delay = retryDelay(policy, { attempt: 1, error: unavailable(503), retryAfterMs, remainingMs, random: 0 });
        expect(delay).toBe(retryAfterMs < remainingMs ? retryAfterMs : null);
      }),
    );
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-03-01T10:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(['0'], now)).toBe(0);
    expect(parseRetryAfter('Sun, 01 Mar 2026 10:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
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

describe('deadline', () => {
  it('aborts at the budget, follows the caller signal, and cleans up', async () => {
    const started = performance.now();
    const d = startDeadline(30);
    await d.aborted;
    expect(d.expired()).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    const parent = new AbortController();
    const e = startDeadline(60_000, parent.signal);
    parent.abort();
    await e.aborted;
    expect(e.expired()).toBe(false);
    e.dispose();
    const f = startDeadline(60_000);
    await pause(5, f.signal);
    expect(f.remaining()).toBeGreaterThan(59_000);
    f.dispose();
  });
});

describe('guard', () => {
  const settings = { timeoutMs: 2000, retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 }, circuit: { failureThreshold: 2, openMs: 60_000 } };

  it('retries a read through transient failures and gives up after the last attempt', async () => {
    const guard = createGuard({ backend: 'b', settings, random: () => 0.5 });
    let calls = 0;
    const value = await guard.read('list tasks', ctx, async () => {
      if (++calls < 3) throw unavailable(503);
      return 'ok';
    });
    expect(value).toBe('ok');
    expect(calls).toBe(3);
    calls = 0;
    await expect(guard.read('list tasks', ctx, async () => (calls++, Promise.reject(unavailable())))).rejects.toThrow('b: down');
    expect(calls).toBe(3);
  });

  it('never retries a mutation, and does not retry permanent failures of reads', async () => {
    const guard = createGuard({ backend: 'b', settings });
    let calls = 0;
    await expect(guard.write('cancel task', ctx, async () => (calls++, Promise.reject(unavailable(503))))).rejects.toThrow();
    expect(calls).toBe(1);
    calls = 0;
    await expect(guard.read('get tasks', ctx, async () => (calls++, Promise.reject(new BackendError('BACKEND_AUTH_FAILED', 'b', 'b: no'))))).rejects.toThrow();
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

  it('turns anything else an adapter throws into BACKEND_BAD_RESPONSE naming the backend, not retried', async () => {
    const guard = createGuard({ backend: 'b', settings });
    let calls = 0;
    const err = await guard.read('list tasks', ctx, async () => (calls++, Promise.reject(new RangeError('Maximum call stack size exceeded')))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BACKEND_BAD_RESPONSE', backend: 'b' });
    expect((err as Error).message).toBe('b: list tasks: the answer could not be read (RangeError: Maximum call stack size exceeded)');
    expect(calls).toBe(1);
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
