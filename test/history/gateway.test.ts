/**
 * Task history through a running gateway over the Prism simulator: what a subscription's
 * watcher sees is recorded with its transitions; a task its backend forgot stays in history
 * (retained: false); live tasks carry their transitions; taskStats counts them. History that
 * is off or down answers HISTORY_UNAVAILABLE and never breaks live fields.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { gql, manualClock, metricValue, startTestGateway, waitFor } from '../support/gateway.js';

const HISTORY = `query($filter: TaskHistoryFilter, $first: Int, $after: String) {
  taskHistory(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { id nativeId operation status retained source transitions { at status progress } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const STATS = `query($groupBy: [TaskStatsDimension!]!, $filter: TaskHistoryFilter) {
  taskStats(groupBy: $groupBy, filter: $filter) { operation status count succeeded failed canceled failureRate durationMs { count p50 p95 } }
}`;

describe('task history in a running gateway', () => {
  const clock = manualClock();
  const dir = mkdtempSync(join(tmpdir(), 'taskgraph-history-gw-'));
  let sim: PrismSimulator;
  let gw: GatewayServer;

  beforeAll(async () => {
    sim = await startPrismSimulator({ now: clock.fn, seed: 31 });
    sim.world.backfill(6, 60_000);
    gw = await startTestGateway([sim.backendConfig('pc')], { subscriptions: { pollFastMs: 50, pollIdleMs: 50 }, history: { path: join(dir, 'history.db') } });
  });
  afterAll(async () => {
    await gw?.stop();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const history = async (filter: Record<string, unknown>, first = 50) => {
    const res = await gql(gw.url, HISTORY, { filter, first });
    expect(res.errors).toBeUndefined();
    return res.data.taskHistory;
  };

  it('records the states a subscription watcher sees, each transition once, with the backend times', async () => {
    const c = createClient({ url: gw.wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
    const events: any[] = [];
    const stop = c.subscribe({ query: 'subscription { taskEvents(filter: { operation: ["kImageCreate"] }) { type task { status } } }' }, { next: (v) => events.push(v.data), error: () => {}, complete: () => {} });
    await waitFor(() => (gw.hub.stats().watchers[0]?.polls ?? 0) > 1, 'the watcher polling');
    const mine = sim.world.create({ operation: 'kImageCreate', plan: { queuedMs: 1000, runMs: 4000, outcome: 'failed' } });
    await waitFor(() => events.some((e) => e.taskEvents.type === 'CREATED'), 'CREATED');
    clock.advance(2000);
    await waitFor(() => events.some((e) => e.taskEvents.task.status === 'RUNNING'), 'RUNNING');
    clock.advance(5000);
    await waitFor(() => events.some((e) => e.taskEvents.type === 'COMPLETED'), 'COMPLETED');
    stop();
    await c.dispose();
    const node = await waitFor(async () => (await history({ operation: ['kImageCreate'] })).edges.find((e: any) => e.node.status === 'FAILED')?.node, 'the failed task in history');
    expect(node.nativeId).toBe(`ZXJnb24=:${mine.id}`);
    expect(node.source).toBe('HISTORY');
    expect(node.retained).toBe(true);
    const statuses = node.transitions.map((t: any) => t.status);
    expect(statuses[0]).toBe('QUEUED');
    expect(statuses).toContain('RUNNING');
    expect(statuses[statuses.length - 1]).toBe('FAILED');
    expect(new Set(node.transitions.map((t: any) => `${t.at}/${t.status}`)).size).toBe(node.transitions.length);
    expect(node.transitions[node.transitions.length - 1].at).toBe(sim.world.get(mine.id)!.completedAt!.toISOString());
  });

  it('keeps a task its backend no longer has, marked retained: false, once a read finds it gone', async () => {
    const [victim] = (await history({ operation: ['kImageCreate'] })).edges.map((e: any) => e.node);
    sim.world.remove(victim.nativeId.split(':')[1]);
    const live = await gql(gw.url, 'query($id: ID!) { task(id: $id) { id } }', { id: victim.id });
    expect(live.data.task).toBeNull();
    const gone = await waitFor(async () => (await history({ retained: false })).edges.map((e: any) => e.node).find((n: any) => n.id === victim.id), 'the task marked not retained');
    expect(gone).toMatchObject({ status: 'FAILED', retained: false, source: 'HISTORY' });
    expect(gone.transitions).toEqual(victim.transitions);
  });

  it('answers transitions on live tasks too (source LIVE)', async () => {
    const res = await gql(gw.url, '{ tasks(first: 50) { nodes { nativeId source retained transitions { status } } } }');
    expect(res.errors).toBeUndefined();
    const nodes = res.data.tasks.nodes;
    expect(nodes.length).toBeGreaterThan(0);
    expect(nodes.every((n: any) => n.source === 'LIVE' && n.retained === true && Array.isArray(n.transitions))).toBe(true);
    expect(nodes.some((n: any) => n.transitions.length > 0)).toBe(true);
  });

  it('pages the history without repeating or skipping, and counts it per operation', async () => {
    const all = await history({}, 1000);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const res: any = await gql(gw.url, HISTORY, { first: 2, after });
      seen.push(...res.data.taskHistory.edges.map((e: any) => e.node.id));
      after = res.data.taskHistory.pageInfo.hasNextPage ? res.data.taskHistory.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(all.edges.map((e: any) => e.node.id));
    expect(all.totalCount).toBe(seen.length);
    const stats = await gql(gw.url, STATS, { groupBy: ['OPERATION'] });
    expect(stats.errors).toBeUndefined();
    const byOperation = new Map<string, number>();
    for (const e of all.edges) byOperation.set(e.node.operation, (byOperation.get(e.node.operation) ?? 0) + 1);
    expect(new Map(stats.data.taskStats.map((g: any) => [g.operation, g.count]))).toEqual(byOperation);
    const image = stats.data.taskStats.find((g: any) => g.operation === 'kImageCreate');
    const images = all.edges.map((e: any) => e.node).filter((n: any) => n.operation === 'kImageCreate');
    const count = (status: string) => images.filter((n: any) => n.status === status).length;
    expect(image).toMatchObject({ count: images.length, failed: count('FAILED'), succeeded: count('SUCCEEDED') });
    expect(image.failed).toBeGreaterThan(0);
    expect(image.failureRate).toBeCloseTo(count('FAILED') / (count('FAILED') + count('SUCCEEDED') + count('CANCELED')), 10);
    expect(image.durationMs.count).toBe(count('FAILED') + count('SUCCEEDED') + count('CANCELED'));
    expect(await metricValue(gw.url, 'taskgraph_history_store_up')).toBe(1);
    expect(await metricValue(gw.url, 'taskgraph_history_transitions_total')).toBeGreaterThan(0);
  });

  it('refuses a cursor of another query', async () => {
    const first = await gql(gw.url, HISTORY, { first: 1, filter: { status: ['FAILED'] } });
    const res = await gql(gw.url, HISTORY, { first: 1, after: first.data.taskHistory.pageInfo.endCursor });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('history off or down', () => {
  let sim: PrismSimulator;
  let off: GatewayServer;
  let down: GatewayServer;
  let unwritable: GatewayServer;

  beforeAll(async () => {
    sim = await startPrismSimulator({ seed: 32 });
    sim.world.backfill(3, 60_000);
    off = await startTestGateway([sim.backendConfig('pc')]);
    // Nothing listens on port 1: the store cannot be reached, and the gateway starts anyway.
    down = await startTestGateway([sim.backendConfig('pc')], { history: { store: 'postgres', url: 'postgres://taskgraph:secret-pw@127.0.0.1:1/taskgraph' } });
    unwritable = await startTestGateway([sim.backendConfig('pc')], { history: { path: '/nonexistent-taskgraph-dir/secret-name/history.db' } });
  });
  afterAll(async () => {
    await off?.stop();
    await down?.stop();
    await unwritable?.stop();
    await sim?.close();
  });

  it.each([
    ['off', () => off, 'DISABLED'],
    ['down', () => down, 'STORE_DOWN'],
    ['unwritable', () => unwritable, 'STORE_DOWN'],
  ])('history %s: history fields answer HISTORY_UNAVAILABLE, live fields still answer', async (_name, gw, reason) => {
    const res = await gql(gw().url, '{ taskHistory { edges { node { id } } } }');
    expect(res.errors?.[0]?.extensions).toEqual({ code: 'HISTORY_UNAVAILABLE', reason });
    expect(res.errors?.[0]?.message).not.toMatch(/secret-pw|secret-name/);
    const stats = await gql(gw().url, '{ taskStats(groupBy: [OPERATION]) { count } }');
    expect(stats.errors?.[0]?.extensions?.code).toBe('HISTORY_UNAVAILABLE');
    const live = await gql(gw().url, '{ tasks(first: 5) { nodes { nativeId status retained source transitions { status } } } }');
    expect(live.data.tasks.nodes).toHaveLength(3);
    expect(live.data.tasks.nodes.every((n: any) => n.transitions === null && n.retained === true && n.source === 'LIVE')).toBe(true);
    expect(live.errors?.every((e) => e.extensions?.code === 'HISTORY_UNAVAILABLE')).toBe(true);
  });
});
