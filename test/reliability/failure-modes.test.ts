/**
 * Each failure mode against each adapter, through the backend set the gateway uses (budget,
 * retries, circuit breaker) and a fault proxy in front of the simulator: a slow backend,
 * 5xx bursts, reset connections, 429 with and without Retry-After, mutations that must not
 * be retried, and the circuit's whole lifecycle on a manual clock.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BackendSet } from '../../src/gateway/backends.js';
import { waitFor } from '../support/gateway.js';
import { BACKEND_TYPES, configFor, createTestBackendSet, ctx, isCancelRequest, startLongTask, startSim, type TestSimulator } from './support/backends.js';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';

const LIST = { filter: {}, direction: 'DESC' as const, limit: 3 };

async function elapsed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T | undefined; error: any }> {
  const started = performance.now();
  try {
    const value = await fn();
    return { ms: performance.now() - started, value, error: undefined };
  } catch (error) {
    return { ms: performance.now() - started, value: undefined, error };
  }
}

describe.each(BACKEND_TYPES)('failure modes: %s', (type) => {
  let sim: TestSimulator;
  let proxy: FaultProxy;
  const sets: BackendSet[] = [];
  const clock = { t: 1_000_000 };

  /** A fresh backend set (fresh session, fresh circuit) for one test, through the proxy. */
  async function backend(overrides: Record<string, unknown> = {}, warm = true) {
    const set = createTestBackendSet([configFor(sim, 'b', { timeoutMs: 3000, retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 }, ...overrides }, proxy.url)], {
      now: () => clock.t,
      random: () => 0.5,
    });
    sets.push(set);
    const b = set.get('b')!;
    if (warm) await b.adapter.listTasks(LIST, ctx); // logged in: later counts are the calls themselves
    return b;
  }

  async function someIds(b: Awaited<ReturnType<typeof backend>>): Promise<string[]> {
    return (await b.adapter.listTasks(LIST, ctx)).tasks.map((t) => t.nativeId);
  }

  beforeAll(async () => {
    sim = await startSim(type);
    for (let i = 0; i < 5; i++) sim.world.spawn();
    proxy = await startFaultProxy(sim.server.url);
  });
  afterEach(async () => {
    sim.server.setFaults({ latencyMs: 0, failNext: 0, resetNext: 0, hangNext: 0, malformedNext: 0 });
    await Promise.all(sets.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await proxy?.close();
    await sim?.close();
  });

  it('answers BACKEND_TIMEOUT within the budget when the backend is slow', async () => {
    const b = await backend({ timeoutMs: 150 }, false);
    sim.server.setFaults({ latencyMs: 1500 });
    const { ms, error } = await elapsed(() => b.adapter.listTasks(LIST, ctx));
    expect(error).toMatchObject({ code: 'BACKEND_TIMEOUT', backend: 'b' });
    expect(ms).toBeLessThan(1000);
    // A shared login is not tied to one caller's signal (vim, by design): the call returned at
    // the budget, and the login's own failure is recorded when its transport timeout ends it.
    await waitFor(() => b.status.lastError, 'the failure to be recorded', 2000);
    expect(b.status.health).not.toBe('UP');
    expect(b.status.lastError).toContain('b:');
  });

  it('rides out a short burst of 503s by retrying the read', async () => {
    const b = await backend();
    sim.server.setFaults({ failNext: 2, failStatus: 503 });
    const page = await b.adapter.listTasks(LIST, ctx);
    expect(page.tasks.length).toBeGreaterThan(0);
    expect(b.status.health).toBe('UP');
    expect(b.circuit).toMatchObject({ state: 'CLOSED', consecutiveFailures: 0 });
  });

  it('fails after the last attempt of a longer 5xx burst, having tried exactly three times', async () => {
    const b = await backend();
    const [id] = await someIds(b);
    const before = proxy.requests();
    sim.server.setFaults({ failNext: 3, failStatus: 503 });
    // A get of one id is one upstream request per attempt on every backend type.
    const { error } = await elapsed(() => b.adapter.getTasks([id!], ctx));
    expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'b', status: 503 });
    expect(proxy.requests() - before).toBe(3);
    expect(b.circuit).toMatchObject({ state: 'CLOSED', consecutiveFailures: 1 });
  });

  it('retries reads over connections the backend resets', async () => {
    const b = await backend();
    sim.server.setFaults({ resetNext: 2 });
    const got = await b.adapter.getTasks((await b.adapter.listTasks(LIST, ctx)).tasks.map((t) => t.nativeId), ctx);
    expect(got.every((t) => t && !(t instanceof Error))).toBe(true);
  });

  it('retries a 429 without Retry-After, and does not retry when Retry-After exceeds the budget', async () => {
    const b = await backend({ timeoutMs: 2000 });
    const [id] = await someIds(b);
    proxy.inject({ status: 429, headers: { 'content-type': 'text/plain' }, body: 'Too Many Requests' });
    expect((await b.adapter.getTasks([id!], ctx))[0]).toMatchObject({ nativeId: id });
    const before = proxy.requests();
    proxy.inject({ status: 429, headers: { 'content-type': 'text/plain', 'retry-after': '30' }, body: 'Too Many Requests' });
    const { ms, error } = await elapsed(() => b.adapter.getTasks([id!], ctx));
    expect(error).toMatchObject({ backend: 'b', status: 429 });
    expect(proxy.requests() - before).toBe(1);
    expect(ms).toBeLessThan(1000);
  });

  it('never retries a mutation: one cancel reaches the backend, even on a 503', async () => {
    const b = await backend();
    const marker = `reliability.cancel.${type}`;
    startLongTask(sim, marker);
    const task = (await b.adapter.listTasks({ ...LIST, limit: 50 }, ctx)).tasks.find((t) => t.operation === marker || t.description === marker);
    expect(task).toBeDefined();
    const cancels = () => proxy.log().filter((r) => isCancelRequest(type, r)).length;
    const before = cancels();
    proxy.inject({ status: 503, headers: { 'content-type': 'text/plain' }, body: 'Service Unavailable', when: (r) => isCancelRequest(type, r) });
    const { value, error } = await elapsed(() => b.adapter.cancelTask!(task!.nativeId, ctx));
    expect(error ?? value).toBeDefined();
    if (value) expect(value.ok).toBe(false);
    expect(cancels() - before).toBe(1);
    const simTask = sim.world.list().find((t) => t.operation === marker)!;
    expect(simTask.cancelRequested).toBe(false);
  });

  it('opens the circuit after consecutive failures, refuses at once, probes once, and closes on success', async () => {
    const b = await backend({ retry: { attempts: 1 }, circuit: { failureThreshold: 2, openMs: 5000 } });
    const ids = await someIds(b);
    sim.server.setFaults({ failNext: 1000, failStatus: 503 });
    for (let i = 0; i < 2; i++) await expect(b.adapter.getTasks(ids.slice(0, 1), ctx)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(b.circuit).toMatchObject({ state: 'OPEN', consecutiveFailures: 2, retryAt: new Date(clock.t + 5000) });
    expect(b.status.circuit.state).toBe('OPEN');

    const reached = sim.server.total();
    const refused = await elapsed(() => b.adapter.getTasks(['any'], ctx));
    expect(refused.error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'b' });
    expect(refused.error.message).toContain('circuit open');
    expect(refused.ms).toBeLessThan(50);
    expect(sim.server.total()).toBe(reached);

    clock.t += 5000;
    expect(b.circuit.state).toBe('HALF_OPEN');
    const probe = b.adapter.getTasks(ids.slice(0, 1), ctx);
    await expect(b.adapter.listTasks(LIST, ctx)).rejects.toThrow('circuit open'); // one probe at a time
    await expect(probe).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', status: 503 });
    expect(b.circuit).toMatchObject({ state: 'OPEN', retryAt: new Date(clock.t + 5000) });
    expect(sim.server.total()).toBe(reached + 1);

    clock.t += 5000;
    sim.server.setFaults({ failNext: 0 });
    expect((await b.adapter.listTasks(LIST, ctx)).tasks.length).toBeGreaterThan(0);
    expect(b.circuit).toMatchObject({ state: 'CLOSED', consecutiveFailures: 0 });
    expect(b.status.health).toBe('UP');
  });

  it('counts a backend that went away as failures, and recovers when it is back on the same port', async () => {
    const b = await backend({ retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 }, circuit: { failureThreshold: 3, openMs: 1000 } });
    await proxy.down();
    try {
      for (let i = 0; i < 3; i++) await expect(b.adapter.listTasks(LIST, ctx)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      expect(b.circuit.state).toBe('OPEN');
      expect(b.status.health).toBe('DOWN');
    } finally {
      await proxy.up();
    }
    sim.expireSessions(); // a restarted backend has forgotten its sessions too
    clock.t += 1000;
    expect((await b.adapter.listTasks(LIST, ctx)).tasks.length).toBeGreaterThan(0);
    expect(b.circuit.state).toBe('CLOSED');
  });
});
