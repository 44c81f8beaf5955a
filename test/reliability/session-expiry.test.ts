/**
 * Session expiry on every adapter (vCD token, vim25 session cookie, vSphere REST session id,
 * Prism session cookie): after the backend forgets every session, the next calls succeed
 * without an error reaching the caller, and concurrent calls share ONE renewal.
 * The adapters are called directly (no gateway retries that could hide a 401).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskAdapter } from '../../src/adapters/contract.js';
import type { TaskModel } from '../../src/model/task.js';
import { BACKEND_TYPES, configFor, createAdapter, ctx, logins, startSim, type TestSimulator } from './support/backends.js';

const CONCURRENT = 8;

describe.each(BACKEND_TYPES)('session expiry: %s', (type) => {
  let sim: TestSimulator;
  let adapter: TaskAdapter;
  let ids: string[];

  beforeAll(async () => {
    sim = await startSim(type);
    for (let i = 0; i < 6; i++) sim.world.spawn();
    adapter = createAdapter(configFor(sim, 'expiry'));
    const page = await adapter.listTasks({ filter: {}, direction: 'DESC', limit: 4 }, ctx);
    ids = page.tasks.map((t) => t.nativeId);
    expect(ids.length).toBeGreaterThan(1);
  });
  afterAll(async () => {
    await adapter?.close();
    await sim?.close();
  });

  async function burst(): Promise<void> {
    const calls = Array.from({ length: CONCURRENT }, (_, i) =>
      i % 2 === 0
        ? adapter.listTasks({ filter: {}, direction: 'DESC', limit: 3 }, { requestId: `burst-${i}` }).then((p) => p.tasks)
        : adapter.getTasks(ids, { requestId: `burst-${i}` }),
    );
    const results = await Promise.all(calls);
    for (const result of results) {
      expect(result.length).toBeGreaterThan(0);
      for (const t of result) expect(t).not.toBeInstanceOf(Error);
      expect(result.every((t) => t !== null && typeof (t as TaskModel).nativeId === 'string')).toBe(true);
    }
  }

  it(`renews an expired session once for ${CONCURRENT} concurrent calls, with no error`, async () => {
    sim.server.resetCounts();
    sim.expireSessions();
    await burst();
    expect(logins(type, sim)).toBe(1);
  });

  it('keeps using the renewed session afterwards', async () => {
    sim.server.resetCounts();
    await burst();
    expect(logins(type, sim)).toBe(0);
  });

  it('renews again after a second expiry (the renewal is not a one-off)', async () => {
    sim.server.resetCounts();
    sim.expireSessions();
    await burst();
    sim.expireSessions();
    await burst();
    expect(logins(type, sim)).toBe(2);
  });
});
