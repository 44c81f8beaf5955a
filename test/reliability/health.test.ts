/**
 * A backend's health (`/readyz`, `Query.backends`) follows its circuit breaker, with the one
 * definition of a failure (src/gateway/resilience/failure.ts): failures counting towards the
 * threshold are DEGRADED, an open or probing circuit is DOWN, answers and the gateway's own
 * exceptions change nothing.
 */
import { describe, expect, it } from 'vitest';
import { BackendError } from '../../src/adapters/errors.js';
import { createBackendSet } from '../../src/gateway/backends.js';
import { memoryAdapter } from './support/memory-adapter.js';

const LIST = { filter: {}, direction: 'DESC' as const, limit: 5 };
const ctx = { requestId: 'health-test' };

function setup() {
  const clock = { t: 0 };
  const mem = memoryAdapter(false);
  let fail: (() => unknown) | null = null;
  const list = mem.adapter.listTasks;
  mem.adapter.listTasks = async (q, c) => {
    if (fail) throw fail();
    return list(q, c);
  };
  const settings = { timeoutMs: 2000, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, circuit: { failureThreshold: 5, openMs: 1000 } };
  const set = createBackendSet([{ adapter: mem.adapter, resilience: settings }], { now: () => clock.t });
  const backend = set.get('mem')!;
  const call = () => backend.adapter.listTasks(LIST, ctx).catch(() => undefined);
  return { clock, backend, call, failWith: (f: (() => unknown) | null) => (fail = f) };
}

describe('health follows the circuit', () => {
  it('UNKNOWN, UP, DEGRADED while failures count, DOWN once open and while probing, UP after the probe', async () => {
    const { clock, backend, call, failWith } = setup();
    expect(backend.status.health).toBe('UNKNOWN');
    await call();
    expect(backend.status.health).toBe('UP');
    failWith(() => new BackendError('BACKEND_UNAVAILABLE', 'mem', 'mem: list tasks failed: ECONNREFUSED'));
    for (let i = 0; i < 4; i++) await call();
    // Four failed calls: the circuit (threshold 5) is still closed, so the backend is DEGRADED.
    expect(backend.status).toMatchObject({ health: 'DEGRADED', consecutiveFailures: 4, lastError: 'mem: list tasks failed: ECONNREFUSED' });
    await call();
    expect(backend.circuit.state).toBe('OPEN');
    expect(backend.status.health).toBe('DOWN');
    clock.t += 1000;
    expect(backend.circuit.state).toBe('HALF_OPEN');
    expect(backend.status.health).toBe('DOWN');
    failWith(null);
    await call();
    expect(backend.status).toMatchObject({ health: 'UP', consecutiveFailures: 0 });
  });

  it('changes for no answer (NOT_FOUND) and no exception of the gateway\'s own', async () => {
    const { backend, call, failWith } = setup();
    await call();
    failWith(() => new BackendError('NOT_FOUND', 'mem', 'mem: no such task'));
    await call();
    failWith(() => new RangeError('Invalid time value'));
    for (let i = 0; i < 10; i++) await call();
    expect(backend.status).toMatchObject({ health: 'UP', consecutiveFailures: 0, lastError: null });
  });
});
