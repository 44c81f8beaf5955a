/**
 * Live progress over graphql-ws against the Prism simulator: taskUpdated, taskEvents, the
 * shared watcher (backend load independent of subscriber count), and cleanup.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { encodeTaskId } from '../../src/model/global-id.js';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { manualClock, startTestGateway, waitFor } from '../support/gateway.js';

const UPDATED = `subscription($id: ID!) { taskUpdated(id: $id) { status progress } }`;
const EVENTS = `subscription($filter: TaskEventFilter) { taskEvents(filter: $filter) { type task { nativeId status operation } } }`;

function client(url: string): Client {
  return createClient({ url, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
}

/** Collects a subscription's payloads until it completes or `stop` is called. */
function collect(c: Client, query: string, variables: Record<string, unknown>) {
  const items: any[] = [];
  let completed = false;
  let error: unknown = null;
  const stop = c.subscribe(
    { query, variables },
    { next: (v) => items.push(v.data ?? v), error: (e) => (error = e), complete: () => (completed = true) },
  );
  return { items, stop, done: () => completed, error: () => error };
}

describe('subscriptions over graphql-ws (Prism)', () => {
  const clock = manualClock();
  let sim: PrismSimulator;
  let gw: GatewayServer;

  beforeAll(async () => {
    sim = await startPrismSimulator({ now: clock.fn, seed: 21 });
    sim.world.backfill(10, 60_000);
    gw = await startTestGateway([sim.backendConfig('pc')], { subscriptions: { pollFastMs: 50, pollIdleMs: 50 } });
  });
  afterAll(async () => {
    await gw?.stop();
    await sim?.close();
  });

  it('taskUpdated sends the current state at once, then each change, and completes after the terminal state', async () => {
    const task = sim.world.create({ operation: 'kVmMigrate', plan: { queuedMs: 1000, runMs: 10_000, outcome: 'succeeded' } });
    const c = client(gw.wsUrl);
    const sub = collect(c, UPDATED, { id: encodeTaskId('pc', `ZXJnb24=:${task.id}`) });
    await waitFor(() => sub.items.length === 1, 'the initial state');
    expect(sub.items[0].taskUpdated).toEqual({ status: 'QUEUED', progress: 0 });
    await waitFor(() => gw.hub.stats().watchers[0]?.polls ?? 0 > 0, 'a first poll');
    const polls = gw.hub.stats().watchers[0]!.polls;
    await waitFor(() => gw.hub.stats().watchers[0]!.polls > polls + 1, 'baseline polls');
    for (const step of [2000, 4000, 9000]) {
      clock.advance(step === 2000 ? 2000 : step === 4000 ? 2000 : 5000);
      await waitFor(() => sub.items.some((i) => i.taskUpdated.progress >= (step - 1000) / 100), `progress after ${step} ms`);
    }
    clock.advance(5000);
    await waitFor(() => sub.done(), 'completion after the terminal state');
    const statuses = sub.items.map((i) => i.taskUpdated.status);
    expect(statuses[0]).toBe('QUEUED');
    expect(statuses).toContain('RUNNING');
    expect(statuses[statuses.length - 1]).toBe('SUCCEEDED');
    const progress = sub.items.map((i) => i.taskUpdated.progress);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    await c.dispose();
  });

  it('taskEvents reports CREATED and COMPLETED for matching tasks only', async () => {
    const c = client(gw.wsUrl);
    const sub = collect(c, EVENTS, { filter: { operation: ['kImageCreate'] } });
    await waitFor(() => gw.hub.stats().subscribers >= 1, 'registration');
    const polls = gw.hub.stats().watchers[0]!.polls;
    await waitFor(() => gw.hub.stats().watchers[0]!.polls > polls + 1, 'a baseline poll');
    const mine = sim.world.create({ operation: 'kImageCreate', plan: { queuedMs: 0, runMs: 3000, outcome: 'failed' } });
    sim.world.create({ operation: 'kVmPowerOn', plan: { queuedMs: 0, runMs: 3000 } });
    await waitFor(() => sub.items.some((i) => i.taskEvents.type === 'CREATED'), 'CREATED');
    clock.advance(5000);
    await waitFor(() => sub.items.some((i) => i.taskEvents.type === 'COMPLETED'), 'COMPLETED');
    expect(sub.items.every((i) => i.taskEvents.task.operation === 'kImageCreate')).toBe(true);
    const last = sub.items[sub.items.length - 1].taskEvents;
    expect(last).toEqual({ type: 'COMPLETED', task: { nativeId: `ZXJnb24=:${mine.id}`, status: 'FAILED', operation: 'kImageCreate' } });
    sub.stop();
    await waitFor(() => gw.hub.stats().subscribers === 0, 'release after unsubscribe');
    expect(gw.hub.stats().watchers[0]!.phase).toBe('stopped');
    await c.dispose();
  });

  it('backend requests per poll do not grow with the number of subscribers', async () => {
    const running = sim.world.create({ operation: 'kVmMigrate', plan: { queuedMs: 0, runMs: 1e9 } });
    const id = encodeTaskId('pc', `ZXJnb24=:${running.id}`);
    async function requestsPerPoll(subscribers: number): Promise<number> {
      const c = client(gw.wsUrl);
      const subs = Array.from({ length: subscribers }, () => collect(c, UPDATED, { id }));
      await waitFor(() => subs.every((s) => s.items.length >= 1), 'initial states');
      const start = gw.hub.stats().watchers[0]!.polls;
      await waitFor(() => gw.hub.stats().watchers[0]!.polls >= start + 1, 'a poll');
      sim.server.resetCounts();
      const from = gw.hub.stats().watchers[0]!.polls;
      await waitFor(() => gw.hub.stats().watchers[0]!.polls >= from + 5, 'five polls');
      const perPoll = sim.server.total() / (gw.hub.stats().watchers[0]!.polls - from);
      for (const s of subs) s.stop();
      await c.dispose();
      await waitFor(() => gw.hub.stats().subscribers === 0, 'release');
      return perPoll;
    }
    const one = await requestsPerPoll(1);
    const hundred = await requestsPerPoll(100);
    expect(one).toBeGreaterThan(0);
    expect(one).toBeLessThanOrEqual(3);
    expect(hundred).toBeLessThanOrEqual(one + 0.5);
  });

  it('releases the watcher when the socket closes, even while the subscribe is still resolving', async () => {
    sim.server.setFaults({ latencyMs: 300 });
    const task = sim.world.create({ operation: 'kVmMigrate', plan: { queuedMs: 0, runMs: 1e9 } });
    const ws = new WebSocket(gw.wsUrl, 'graphql-transport-ws');
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'connection_init' }));
    await new Promise((r) => ws.once('message', r));
    ws.send(
      JSON.stringify({ id: '1', type: 'subscribe', payload: { query: UPDATED, variables: { id: encodeTaskId('pc', `ZXJnb24=:${task.id}`) } } }),
    );
    await waitFor(() => gw.hub.stats().subscribers === 1, 'registration');
    ws.close(); // the initial load (300 ms) is still in flight
    await new Promise((r) => setTimeout(r, 600));
    sim.server.setFaults({ latencyMs: 0 });
    await waitFor(() => gw.hub.stats().subscribers === 0, 'release after the socket closed');
    expect(gw.hub.stats().watchers.every((w) => w.phase === 'stopped')).toBe(true);
  });

  it('resolves relations afresh for every event (no stale parent from the first event)', async () => {
    const parent = sim.world.create({ operation: 'kVmCreate', plan: { queuedMs: 0, runMs: 100_000 } });
    const child = sim.world.create({ operation: 'kVmCreate.step1', parentId: parent.id, plan: { queuedMs: 0, runMs: 20_000 } });
    clock.advance(1000);
    const c = client(gw.wsUrl);
    const sub = collect(c, `subscription($id: ID!) { taskUpdated(id: $id) { progress parent { progress } } }`, {
      id: encodeTaskId('pc', `ZXJnb24=:${child.id}`),
    });
    await waitFor(() => sub.items.length >= 1, 'the current state');
    const firstParent = sub.items[0].taskUpdated.parent.progress;
    clock.advance(10_000);
    await waitFor(() => sub.items.length >= 2, 'an update');
    const last = sub.items[sub.items.length - 1].taskUpdated;
    expect(last.progress).toBeGreaterThan(sub.items[0].taskUpdated.progress);
    expect(last.parent.progress).toBeGreaterThan(firstParent);
    sub.stop();
    await c.dispose();
  });

  it('rejects an unknown task id with a clear error', async () => {
    const c = client(gw.wsUrl);
    const sub = collect(c, UPDATED, { id: encodeTaskId('pc', 'ZXJnb24=:00000000-0000-4000-8000-00000000dead') });
    await waitFor(() => sub.done(), 'an answer');
    expect(sub.items[0].errors[0].message).toContain('does not exist');
    expect(sub.items[0].errors[0].extensions.code).toBe('NOT_FOUND');
    await c.dispose();
  });
});
