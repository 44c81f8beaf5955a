/**
 * Session flow over HTTP against the simulator: login, header use, transparent renewal on 401
 * (one renewal shared by concurrent calls), bad credentials, logout on close.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BackendError } from '../../src/adapters/errors.js';
import type { VsphereRestSimulator } from '../../src/simulators/vsphere-rest/index.js';
import { startFixture, type ContractFixture } from '../contract/adapter-contract.js';

const ctx = { requestId: 'req-session-1' };
const query = { filter: {}, direction: 'DESC' as const, limit: 10 };
let f: ContractFixture | undefined;

async function start(overrides: Record<string, unknown> = {}): Promise<{ f: ContractFixture; sim: VsphereRestSimulator }> {
  f = await startFixture('vsphere-rest', 'vsphere-rest', overrides);
  for (let i = 0; i < 5; i++) f.sim.world.spawn();
  f.clock.advance(2000);
  return { f, sim: f.sim as VsphereRestSimulator };
}

afterEach(async () => {
  await f?.adapter.close();
  await f?.sim.close();
  f = undefined;
});

describe('vsphere-rest session', () => {
  it('logs in once with Basic auth, then sends the session id and the request id', async () => {
    const { f, sim } = await start();
    await f.adapter.listTasks(query, ctx);
    await f.adapter.listTasks(query, ctx);
    expect(sim.server.counts.get('create session')).toBe(1);
    const [login, ...calls] = sim.received;
    expect(login).toMatchObject({ method: 'POST', path: '/api/session' });
    expect(String(login!.headers.authorization)).toMatch(/^Basic /);
    expect(calls.length).toBeGreaterThan(1);
    for (const call of calls) {
      expect(call.headers.authorization).toBeUndefined();
      expect(call.headers['vmware-api-session-id']).toMatch(/^[0-9a-f]{32}$/);
      expect(call.headers['x-request-id']).toBe('req-session-1');
      expect(call.headers.accept).toBe('application/json');
    }
  });

  it('renews an expired session once and transparently', async () => {
    const { f, sim } = await start();
    const before = await f.adapter.listTasks(query, ctx);
    sim.expireSessions();
    const after = await f.adapter.listTasks(query, ctx);
    expect(after.tasks.map((t) => t.nativeId)).toEqual(before.tasks.map((t) => t.nativeId));
    expect(sim.server.counts.get('create session')).toBe(2);
    expect(sim.sessionCount()).toBe(1);
  });

  it('shares one renewal between concurrent calls', async () => {
    const { f, sim } = await start();
    await f.adapter.listTasks(query, ctx);
    sim.expireSessions();
    // Each listTasks is one call per configured service: many concurrent 401s.
    const pages = await Promise.all(Array.from({ length: 5 }, () => f.adapter.listTasks(query, ctx)));
    expect(pages.every((p) => p.tasks.length === pages[0]!.tasks.length)).toBe(true);
    expect(sim.server.counts.get('create session')).toBe(2);
    expect(sim.sessionCount()).toBe(1);
  });

  it('fails with BACKEND_AUTH_FAILED on bad credentials, naming the vAPI error but no secret', async () => {
    const { f, sim } = await start({ password: 'wrong-secret-42' });
    const err = await f.adapter.listTasks(query, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ code: 'BACKEND_AUTH_FAILED', backend: 'contract', status: 401, vendorCode: 'UNAUTHENTICATED' });
    expect((err as Error).message).toContain('UNAUTHENTICATED');
    expect((err as Error).message).not.toContain('wrong-secret-42');
    // Concurrent calls of one listTasks share the failed login instead of each trying.
    expect(sim.server.counts.get('create session')).toBe(1);
    expect(sim.server.counts.get('list tasks')).toBeUndefined();
  });

  it('logs out with DELETE /api/session on close', async () => {
    const { f, sim } = await start();
    await f.adapter.listTasks(query, ctx);
    expect(sim.sessionCount()).toBe(1);
    await f.adapter.close();
    expect(sim.server.counts.get('delete session')).toBe(1);
    expect(sim.sessionCount()).toBe(0);
    const del = sim.received.at(-1)!;
    expect(del).toMatchObject({ method: 'DELETE', path: '/api/session' });
    expect(del.headers['vmware-api-session-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('renews on a 401 from any call, and fails with BACKEND_AUTH_FAILED when the new login is refused', async () => {
    const { f, sim } = await start();
    const one = { ...query, filter: { operations: ['com.vmware.vcenter.vm.clone$task'] } };
    await f.adapter.listTasks(one, ctx);
    sim.server.setFaults({ failNext: 1, failStatus: 401 });
    await expect(f.adapter.listTasks(one, ctx)).resolves.toBeDefined();
    expect(sim.server.counts.get('create session')).toBe(2);
    // The call and the login after it are both refused.
    sim.server.setFaults({ failNext: 2, failStatus: 401 });
    await expect(f.adapter.listTasks(one, ctx)).rejects.toMatchObject({ code: 'BACKEND_AUTH_FAILED', status: 401 });
    await expect(f.adapter.listTasks(one, ctx)).resolves.toBeDefined();
  });

  it('turns a 503 on login into BACKEND_UNAVAILABLE with the vAPI error type', async () => {
    const { f, sim } = await start();
    sim.server.setFaults({ failNext: 1, failStatus: 503 });
    const err = await f.adapter.listTasks(query, ctx).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BACKEND_UNAVAILABLE', vendorCode: 'SERVICE_UNAVAILABLE', status: 503 });
    expect((await f.adapter.listTasks(query, ctx)).tasks.length).toBeGreaterThan(0);
  });
});
