/**
 * Versions and sessions over HTTP against the simulator: both login flows, version choice,
 * transparent renewal after expiry (one shared renewal), logout, request ids.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BackendError } from '../../src/adapters/errors.js';
import { count, ctx, startVcd, type VcdFixture } from './fixture.js';

let f: VcdFixture;
afterEach(async () => f?.close());

const list = (a: ReturnType<VcdFixture['adapter']>) => a.listTasks({ filter: {}, direction: 'DESC', limit: 5 }, ctx);

describe('vcd sessions', () => {
  it('logs a tenant in through /cloudapi/1.0.0/sessions and sends Bearer with the negotiated version', async () => {
    f = await startVcd({ versions: [{ version: '32.0', deprecated: true }, { version: '38.1', deprecated: false }, { version: '39.0', deprecated: false }, { version: '40.0', deprecated: false }] });
    f.sim.world.spawn();
    const adapter = f.adapter();
    await list(adapter);
    expect(count(f.sim, 'login (cloudapi)')).toBe(1);
    const reqs = f.sim.requests();
    const query = reqs.find((r) => r.path === '/api/query')!;
    // 40.0 is newer than taskgraph speaks; 39.0 is the highest both sides know.
    expect(query).toMatchObject({ version: '39.0', auth: 'bearer', requestId: 'vcd-test' });
    expect(query.query).toContain('type=task&');
    expect(reqs.find((r) => r.path === '/cloudapi/1.0.0/sessions')).toMatchObject({ auth: 'basic', version: '39.0' });
  });

  it('logs the System org in through /sessions/provider and queries adminTask', async () => {
    f = await startVcd();
    const system = f.adapter({}, 'System');
    await list(system);
    expect(count(f.sim, 'login (cloudapi provider)')).toBe(1);
    expect(f.sim.requests().find((r) => r.path === '/api/query')!.query).toContain('type=adminTask');
  });

  it('uses the legacy POST /api/sessions and x-vcloud-authorization below API 33', async () => {
    f = await startVcd();
    f.sim.world.spawn();
    const adapter = f.adapter({ apiVersion: '32.0' });
    const page = await list(adapter);
    expect(page.tasks.length).toBeGreaterThan(0);
    expect(count(f.sim, 'login (legacy)')).toBe(1);
    expect(f.sim.requests().find((r) => r.path === '/api/query')).toMatchObject({ version: '32.0', auth: 'legacy' });
    await adapter.close();
    expect(f.sim.requests().at(-1)).toMatchObject({ method: 'DELETE', path: '/api/session', auth: 'legacy' });
    expect(f.sim.sessionCount()).toBe(0);
  });

  it('logs out through /cloudapi/1.0.0/sessions/current on close', async () => {
    f = await startVcd();
    const adapter = f.adapter();
    await list(adapter);
    expect(f.sim.sessionCount()).toBe(1);
    await adapter.close();
    expect(f.sim.requests().at(-1)).toMatchObject({ method: 'DELETE', path: '/cloudapi/1.0.0/sessions/current', auth: 'bearer' });
    expect(f.sim.sessionCount()).toBe(0);
  });

  it('renews an expired session once, transparently, shared by concurrent calls', async () => {
    f = await startVcd();
    for (let i = 0; i < 5; i++) f.sim.world.spawn();
    const adapter = f.adapter();
    const ids = (await list(adapter)).tasks.map((t) => t.nativeId);
    expect(count(f.sim, 'login (cloudapi)')).toBe(1);
    f.sim.expireSessions();
    const results = await Promise.all([list(adapter), adapter.getTasks(ids, ctx), list(adapter), adapter.getTasks(ids.slice(0, 2), ctx)]);
    expect(results[1].every((t) => t !== null && !(t instanceof Error))).toBe(true);
    expect(count(f.sim, 'login (cloudapi)')).toBe(2);
    expect(count(f.sim, 'unauthorized')).toBeGreaterThan(0);
  });

  it('renews after the idle timeout on the cell clock', async () => {
    f = await startVcd({ sessionIdleMs: 30 * 60_000 });
    const adapter = f.adapter({ apiVersion: '32.0' });
    await list(adapter);
    f.clock.advance(31 * 60_000);
    await list(adapter);
    expect(count(f.sim, 'login (legacy)')).toBe(2);
  });

  it('fails with BACKEND_AUTH_FAILED on a wrong password in both flows, without the secret', async () => {
    f = await startVcd();
    for (const apiVersion of ['36.0', '32.0']) {
      const adapter = f.adapter({ password: 'wrong-secret-42', apiVersion });
      const err = await list(adapter).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect((err as BackendError).code).toBe('BACKEND_AUTH_FAILED');
      expect((err as Error).message).not.toContain('wrong-secret-42');
    }
  });

  it('names a pinned version the cell does not offer', async () => {
    f = await startVcd();
    const err = await list(f.adapter({ apiVersion: '30.0' })).catch((e: unknown) => e);
    expect((err as BackendError).code).toBe('BACKEND_ERROR');
    expect((err as Error).message).toMatch(/apiVersion 30.0 is not offered/);
    expect(count(f.sim, 'login (cloudapi)')).toBe(0);
  });

  it('keeps the request id to the characters vCD accepts', async () => {
    f = await startVcd();
    const adapter = f.adapter();
    await adapter.listTasks({ filter: {}, direction: 'DESC', limit: 1 }, { requestId: 'req:42/a b' });
    expect(f.sim.requests().find((r) => r.path === '/api/query')!.requestId).toBe('req-42-a-b');
  });
});
