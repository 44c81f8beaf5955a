/**
 * Each subscription against each simulator: taskUpdated follows one task from its first
 * state to its terminal state, and taskEvents reports it as CREATED then COMPLETED, whether
 * the backend is polled (Prism, vCD, vSphere REST) or pushes (vim25 WaitForUpdatesEx).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import type { GatewayServer } from '../../src/server/http.js';
import { simulator, simulatorNames, type RunningSimulator } from '../../src/simulators/registry.js';
import { gql, manualClock, startTestGateway, waitFor } from '../support/gateway.js';

for (const name of simulatorNames()) {
  describe(`subscriptions against the ${name} simulator`, () => {
    const clock = manualClock();
    let sim: RunningSimulator;
    let gw: GatewayServer;
    let client: Client;

    /** Moves the simulated time on and lets the simulator notice (it advances lazily). */
    const advance = (ms: number) => {
      clock.advance(ms);
      sim.world.tick();
    };

    beforeAll(async () => {
      sim = await simulator(name)!({ now: clock.fn, seed: 77 });
      sim.world.backfill(6, 60_000);
      gw = await startTestGateway([sim.backendConfig('b')], { subscriptions: { pollFastMs: 50, pollIdleMs: 50 } });
      client = createClient({ url: gw.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    });
    afterAll(async () => {
      await client?.dispose();
      await gw?.stop();
      await sim?.close();
    });

    it('taskUpdated and taskEvents follow a task from start to terminal state', async () => {
      const events: Array<{ type: string; nativeId: string; status: string }> = [];
      const stopEvents = client.subscribe(
        { query: 'subscription { taskEvents(filter: { backend: ["b"] }) { type task { nativeId status operation } } }' },
        { next: (v: any) => v.data && events.push({ type: v.data.taskEvents.type, ...v.data.taskEvents.task }), error: () => {}, complete: () => {} },
      );
      await waitFor(() => gw.hub.stats().watchers.some((w) => w.phase !== 'stopped'), 'the watcher');
      // Let the watcher take its baseline before the task appears.
      await new Promise((r) => setTimeout(r, 300));
      const probe = sim.world.create({
        operation: sim.progressOperation ?? sim.world.list()[0]!.operation,
        description: 'subscription probe',
        plan: { queuedMs: 0, runMs: 4000, outcome: 'succeeded' },
        tenant: sim.world.list()[0]!.tenant,
      });
      advance(100);
      const listed: any = await waitFor(async () => {
        const res: any = await gql(gw.url, '{ tasks(first: 50, filter: { status: [RUNNING, QUEUED, PENDING] }) { nodes { id nativeId description createdAt } } }');
        return res.data?.tasks.nodes.find((n: any) => n.nativeId === sim.nativeIdOf(probe));
      }, 'the new task in the list');
      const updates: Array<{ status: string; progress: number | null }> = [];
      let completed = false;
      client.subscribe(
        { query: 'subscription($id: ID!) { taskUpdated(id: $id) { status progress } }', variables: { id: listed.id } },
        { next: (v: any) => v.data && updates.push(v.data.taskUpdated), error: () => {}, complete: () => (completed = true) },
      );
      await waitFor(() => updates.length >= 1, 'the current state');
      for (const step of [1000, 1000, 1000]) {
        const seen = updates.length;
        advance(step);
        await waitFor(() => updates.length > seen, `a progress update after +${step} ms`);
      }
      advance(3000);
      await waitFor(() => completed, 'completion after the terminal state');
      expect(updates[updates.length - 1]!.status).toBe('SUCCEEDED');
      const progress = updates.map((u) => u.progress ?? 0);
      expect([...progress].sort((a, b) => a - b)).toEqual(progress);
      await waitFor(() => events.some((e) => e.nativeId === listed.nativeId && e.type === 'COMPLETED'), 'COMPLETED event');
      const mine = events.filter((e) => e.nativeId === listed.nativeId);
      expect(mine[0]!.type).toBe('CREATED');
      expect(mine[mine.length - 1]).toMatchObject({ type: 'COMPLETED', status: 'SUCCEEDED' });
      stopEvents();
    });
  });
}
