/**
 * The gateway over real HTTP with one backend of each type: it starts with every backend
 * down, answers with whatever is healthy plus one BACKEND_UNAVAILABLE error per failing
 * backend (within the timeout budget; at once while its circuit is open), and reports each
 * backend's state, latency, last error and circuit on /readyz and Query.backends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayServer } from '../../src/server/http.js';
import { gql, startTestGateway } from '../support/gateway.js';
import { BACKEND_TYPES, configFor, startSim, type BackendTypeName, type TestSimulator } from './support/backends.js';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';

const TASKS = `{ tasks(first: 100) { edges { node { backend } } } }`;
const BACKENDS = `{ backends { name health latencyMs lastError lastErrorAt circuit { state consecutiveFailures openedAt retryAt } } }`;

interface Fixture {
  sims: Map<BackendTypeName, TestSimulator>;
  proxies: Map<BackendTypeName, FaultProxy>;
}

async function startBackends(): Promise<Fixture> {
  const sims = new Map<BackendTypeName, TestSimulator>();
  const proxies = new Map<BackendTypeName, FaultProxy>();
  for (const type of BACKEND_TYPES) {
    const sim = await startSim(type);
    for (let i = 0; i < 3; i++) sim.world.spawn();
    sims.set(type, sim);
    proxies.set(type, await startFaultProxy(sim.server.url));
  }
  return { sims, proxies };
}

async function stopBackends(f: Fixture | undefined): Promise<void> {
  for (const p of f?.proxies.values() ?? []) await p.close();
  for (const s of f?.sims.values() ?? []) await s.close();
}

function configs(f: Fixture, settings: Record<string, unknown>): Array<Record<string, unknown>> {
  return BACKEND_TYPES.map((type) => configFor(f.sims.get(type)!, type, settings, f.proxies.get(type)!.url));
}

async function readyz(gw: GatewayServer): Promise<{ status: number; body: any }> {
  const res = await fetch(gw.url.replace('/graphql', '/readyz'));
  return { status: res.status, body: await res.json() };
}

function backendsOf(res: any): string[] {
  return [...new Set<string>(res.data.tasks.edges.map((e: any) => e.node.backend))].sort();
}

function failedOf(res: any): string[] {
  return (res.errors ?? []).map((e: any) => {
    expect(e.extensions.code).toBe('BACKEND_UNAVAILABLE');
    expect(e.message).toContain(`${e.extensions.backend}:`);
    return e.extensions.backend as string;
  }).sort();
}

describe('start-up with every backend down', () => {
  let f: Fixture;
  let gw: GatewayServer;

  beforeAll(async () => {
    f = await startBackends();
    for (const p of f.proxies.values()) await p.down();
    gw = await startTestGateway(configs(f, { timeoutMs: 1000, retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 10 }, circuit: { failureThreshold: 5, openMs: 60_000 } }));
  });
  afterAll(async () => {
    await gw?.stop();
    await stopBackends(f);
  });

  it('starts, is ready with nothing known yet, and names every failing backend in the answer', async () => {
    const before = await readyz(gw);
    expect(before.status).toBe(200);
    expect(before.body.backends.map((b: any) => [b.name, b.health, b.circuit])).toEqual(BACKEND_TYPES.map((t) => [t, 'UNKNOWN', 'CLOSED']));

    const res: any = await gql(gw.url, TASKS);
    expect(res.data.tasks.edges).toEqual([]);
    expect(failedOf(res)).toEqual([...BACKEND_TYPES].sort());

    const state: any = await gql(gw.url, BACKENDS);
    for (const b of state.data.backends) {
      expect(b.health).toBe('DEGRADED'); // two failed attempts of one read
      expect(b.lastError).toContain(`${b.name}:`);
      expect(b.lastError).toContain('ECONNREFUSED');
      expect(b.lastErrorAt).not.toBeNull();
      expect(b.circuit).toEqual({ state: 'CLOSED', consecutiveFailures: 1, openedAt: null, retryAt: null });
    }
    const after = await readyz(gw);
    expect(after.body.backends.every((b: any) => b.lastError && b.health === 'DEGRADED')).toBe(true);
  });

  it('serves each backend as soon as it comes up on its port', async () => {
    // Every other backend type first, the rest later.
    const first = BACKEND_TYPES.filter((_, i) => i % 2 === 0);
    const later = BACKEND_TYPES.filter((_, i) => i % 2 === 1);
    for (const t of first) await f.proxies.get(t)!.up();
    const half: any = await gql(gw.url, TASKS);
    expect(backendsOf(half)).toEqual([...first].sort());
    expect(failedOf(half)).toEqual([...later].sort());

    for (const t of later) await f.proxies.get(t)!.up();
    const all: any = await gql(gw.url, TASKS);
    expect(all.errors).toBeUndefined();
    expect(backendsOf(all)).toEqual([...BACKEND_TYPES].sort());
    const ready = await readyz(gw);
    expect(ready.status).toBe(200);
    for (const b of ready.body.backends) {
      expect(b.health).toBe('UP');
      expect(b.latencyMs).toBeGreaterThan(0);
      expect(b.circuit).toBe('CLOSED');
    }
  });
});

describe('a failing backend among healthy ones', () => {
  let f: Fixture;
  const BUDGET = 400;

  beforeAll(async () => {
    f = await startBackends();
  });
  afterAll(async () => {
    await stopBackends(f);
  });

  it.each(BACKEND_TYPES)('%s slow: the others answer within the budget; once its circuit opens, at once', async (type) => {
    const gw = await startTestGateway(configs(f, { timeoutMs: BUDGET, retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 10 }, circuit: { failureThreshold: 2, openMs: 600_000 } }));
    const sim = f.sims.get(type)!;
    const healthy = BACKEND_TYPES.filter((t) => t !== type).sort();
    try {
      expect((await gql(gw.url, TASKS)).errors).toBeUndefined(); // everyone logged in
      sim.server.setFaults({ latencyMs: 3000 });
      for (let i = 0; i < 2; i++) {
        const started = performance.now();
        const res: any = await gql(gw.url, TASKS);
        expect(performance.now() - started).toBeLessThan(BUDGET + 600);
        expect(failedOf(res)).toEqual([type]);
        expect(res.errors[0].extensions.reason).toBe('BACKEND_TIMEOUT');
        expect(backendsOf(res)).toEqual(healthy);
      }
      const state: any = await gql(gw.url, BACKENDS);
      const me = state.data.backends.find((b: any) => b.name === type);
      expect(me.circuit.state).toBe('OPEN');
      expect(me.circuit.consecutiveFailures).toBe(2);
      expect(Date.parse(me.circuit.retryAt)).toBeGreaterThan(Date.now());
      expect(me.lastError).toContain(`${type}:`);
      expect(state.data.backends.filter((b: any) => b.name !== type).every((b: any) => b.circuit.state === 'CLOSED' && b.health === 'UP')).toBe(true);

      const reached = sim.server.total();
      const started = performance.now();
      const res: any = await gql(gw.url, TASKS);
      expect(performance.now() - started).toBeLessThan(BUDGET);
      expect(failedOf(res)).toEqual([type]);
      expect(res.errors[0].message).toContain('circuit open');
      expect(backendsOf(res)).toEqual(healthy);
      expect(sim.server.total()).toBe(reached);
      const ready = await readyz(gw);
      expect(ready.status).toBe(200);
      expect(ready.body.backends.find((b: any) => b.name === type).circuit).toBe('OPEN');
    } finally {
      sim.server.setFaults({ latencyMs: 0 });
      await gw.stop();
    }
  });
});
