/**
 * The Prism simulator's list bodies, which are spliced from cached task texts: they stay valid
 * JSON whatever the tasks hold, and show a task's change at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { manualClock } from '../support/gateway.js';

describe('Prism simulator lists', () => {
  const clock = manualClock();
  let pc: PrismSimulator;
  let auth: string;

  beforeAll(async () => {
    pc = await startPrismSimulator({ now: clock.fn, seed: 5 });
    pc.world.backfill(5, 60_000);
    const { username, password } = pc.backendConfig('pc') as { username: string; password: string };
    auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  });
  afterAll(async () => {
    await pc?.close();
  });

  async function list(select?: string): Promise<Array<Record<string, unknown>>> {
    const qs = new URLSearchParams({ $limit: '100', ...(select ? { $select: select } : {}) });
    const res = await fetch(`${pc.server.url}/api/prism/v4.0/config/tasks?${qs}`, { headers: { authorization: auth } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: Array<Record<string, unknown>> }).data;
  }

  it('keeps task texts as they are, $-sequences included', async () => {
    const description = "copy $& and $' and $` and $$ and $1 as they are";
    const task = pc.world.create({ operation: 'kVmClone', description, state: 'running', progress: 1, external: true });
    for (const select of [undefined, 'operationDescription,status']) {
      const found = (await list(select)).find((t) => t.extId === `ZXJnb24=:${task.id}`);
      expect(found?.operationDescription).toBe(description);
    }
  });

  it('shows a change of a task in the next list, with and without $select', async () => {
    const task = pc.world.create({ operation: 'kVmMigrate', description: 'moving', state: 'running', progress: 10, external: true });
    const progressOf = async (select?: string) => (await list(select)).find((t) => t.extId === `ZXJnb24=:${task.id}`)?.progressPercentage;
    expect(await progressOf()).toBe(10);
    expect(await progressOf('progressPercentage')).toBe(10);
    pc.world.update(task.id, { progress: 55 });
    expect(await progressOf()).toBe(55);
    expect(await progressOf('progressPercentage')).toBe(55);
  });
});
