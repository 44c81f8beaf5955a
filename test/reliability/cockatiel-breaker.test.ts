/**
 * Why the circuit breaker is our own (src/gateway/resilience/breaker.ts) and not cockatiel's,
 * when the guard's timeout and bulkhead are cockatiel's: the same three situations driven
 * through cockatiel's CircuitBreakerPolicy and through ours. Cockatiel's cannot express what
 * docs/reliability.md promises:
 *
 * 1. one probe in half-open, the others refused at once: cockatiel makes them wait for the
 *    probe (up to the whole budget, on a backend just seen dead) and then run;
 * 2. an abandoned probe says nothing: cockatiel closes the circuit when the probe ends with an
 *    error its policy does not handle (a caller's abort), letting every call through to a
 *    backend that may still be down;
 * 3. outcomes of calls begun before the last transition are ignored: in cockatiel, a failure
 *    that began while closed and ends while a probe is in flight reopens the circuit.
 *
 * If a cockatiel release changes any of this, the test fails: then look again.
 */
import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../src/adapters/errors.js';
import { createCircuitBreaker } from '../../src/gateway/resilience/breaker.js';
import { isBackendFailure } from '../../src/gateway/resilience/failure.js';

const down = () => new BackendError('BACKEND_UNAVAILABLE', 'b', 'b: down');
const abandoned = () => new DOMException('the caller went away', 'AbortError');

/** A call whose end the test decides. */
function pending() {
  let settle!: { ok: () => void; fail: (err: unknown) => void };
  const promise = new Promise<string>((resolve, reject) => (settle = { ok: () => resolve('answer'), fail: reject }));
  return { promise, ...settle };
}

/** Cockatiel's breaker as ours is configured: 2 consecutive failures, 1 s open. */
function cockatielBreaker() {
  return circuitBreaker(handleWhen(isBackendFailure), { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(2) });
}

const flush = () => new Promise((r) => setImmediate(r));

describe('cockatiel CircuitBreakerPolicy against our breaker', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] }); // cockatiel reads Date.now(); ours takes a clock
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  async function openCockatiel() {
    const policy = cockatielBreaker();
    for (let i = 0; i < 2; i++) await policy.execute(() => Promise.reject(down())).catch(() => undefined);
    expect(policy.state).toBe(CircuitState.Open);
    vi.setSystemTime(1000);
    return policy;
  }

  function openOurs() {
    const clock = { t: 0 };
    const breaker = createCircuitBreaker({ failureThreshold: 2, openMs: 1000, now: () => clock.t });
    for (let i = 0; i < 2; i++) breaker.tryAcquire()!.failed();
    clock.t = 1000;
    return breaker;
  }

  it('1. half-open: cockatiel queues a second call behind the probe; ours refuses it at once', async () => {
    const policy = await openCockatiel();
    const probe = pending();
    const first = policy.execute(() => probe.promise);
    expect(policy.state).toBe(CircuitState.HalfOpen);
    let secondRan = false;
    const second = policy.execute(async () => ((secondRan = true), 'second'));
    let secondSettled = false;
    void second.then(() => (secondSettled = true), () => (secondSettled = true));
    await flush();
    expect(secondSettled).toBe(false); // neither refused nor run: it waits on the probe
    probe.ok();
    await first;
    expect(await second).toBe('second');
    expect(secondRan).toBe(true);

    const ours = openOurs();
    expect(ours.tryAcquire()).not.toBeNull(); // the probe
    expect(ours.tryAcquire()).toBeNull(); // refused now, not after the probe
  });

  it('2. an abandoned probe: cockatiel closes the circuit; ours stays half-open for the next probe', async () => {
    const policy = await openCockatiel();
    const probe = pending();
    const first = policy.execute(() => probe.promise);
    probe.fail(abandoned());
    await expect(first).rejects.toThrow('the caller went away');
    expect(policy.state).toBe(CircuitState.Closed); // nothing was learned about the backend

    const ours = openOurs();
    ours.tryAcquire()!.released();
    expect(ours.snapshot().state).toBe('HALF_OPEN');
  });

  it('3. a straggler: cockatiel lets a failure begun while closed reopen a half-open circuit; ours ignores it', async () => {
    const policy = cockatielBreaker();
    await policy.execute(() => Promise.reject(down())).catch(() => undefined);
    const straggler = pending();
    const late = policy.execute(() => straggler.promise);
    await policy.execute(() => Promise.reject(down())).catch(() => undefined);
    expect(policy.state).toBe(CircuitState.Open);
    vi.setSystemTime(1000);
    const probe = pending();
    const probing = policy.execute(() => probe.promise);
    expect(policy.state).toBe(CircuitState.HalfOpen);
    straggler.fail(down());
    await late.catch(() => undefined);
    expect(policy.state).toBe(CircuitState.Open); // reopened by a call older than the open period
    probe.ok();
    await probing;

    const clock = { t: 0 };
    const ours = createCircuitBreaker({ failureThreshold: 2, openMs: 1000, now: () => clock.t });
    ours.tryAcquire()!.failed();
    const old = ours.tryAcquire()!;
    ours.tryAcquire()!.failed();
    clock.t = 1000;
    const oursProbe = ours.tryAcquire()!;
    old.failed();
    expect(ours.snapshot().state).toBe('HALF_OPEN');
    oursProbe.succeeded();
    expect(ours.snapshot().state).toBe('CLOSED');
  });
});
