/**
 * history.pollIdleBackends: backends nobody subscribes to are polled (a backfill of what the
 * backend retains, then the watcher's incremental poll), and a backend the subscription hub
 * already watches costs no extra upstream call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackendSet, type BackendSet } from '../../src/gateway/backends.js';
import { startIdlePoller } from '../../src/history/idle-poller.js';
import type { TaskModel } from '../../src/model/task.js';
import { parseConfig } from '../../src/server/config.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { manualClock } from '../support/gateway.js';

describe('idle backend poller', () => {
  const clock = manualClock();
  let sim: PrismSimulator;
  let backends: BackendSet;
  const seen = new Map<string, TaskModel>();

  beforeAll(async () => {
    sim = await startPrismSimulator({ now: clock.fn, seed: 41 });
    sim.world.backfill(8, 60_000);
    const { backends: [entry] } = parseConfig({ backends: [sim.backendConfig('pc')] });
    backends = createBackendSet([{ adapter: entry!.module.create(entry!.config) }]);
    backends.observeTasks((_backend, tasks) => {
      for (const t of tasks) seen.set(t.nativeId, t);
    });
  });
  afterAll(async () => {
    await backends?.close();
    await sim?.close();
  });

  it('records what an unwatched backend retains, then each task\'s final state', async () => {
    let watched = false;
    const hub = { stats: () => ({ subscribers: 0, watchers: watched ? [{ backend: 'pc', phase: 'polling', polls: 1, subscribers: 1 }] : [] }) };
    const poller = startIdlePoller({ backends, hub, intervalMs: 3_600_000 });
    try {
      await poller.pollNow();
      expect(seen.size).toBe(sim.world.list().length);
      const task = sim.world.create({ operation: 'kVmMigrate', plan: { queuedMs: 0, runMs: 2000, outcome: 'succeeded' } });
      await poller.pollNow();
      const id = [...seen.keys()].find((k) => k.endsWith(task.id))!;
      expect(seen.get(id)!.status).not.toBe('SUCCEEDED');
      clock.advance(5000);
      await poller.pollNow();
      expect(seen.get(id)!.status).toBe('SUCCEEDED');

      watched = true;
      sim.server.resetCounts();
      await poller.pollNow();
      expect(sim.server.recent()).toEqual([]);
      expect(poller.polls().get('pc')).toBe(3);
    } finally {
      await poller.stop();
    }
  });
});
