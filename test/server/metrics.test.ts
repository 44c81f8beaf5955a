/**
 * /metrics: GraphQL requests and errors by code, upstream calls and latency per backend and
 * operation, backend health, subscriptions, connections and watcher polls; bounded labels only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { gql, startTestGateway, waitFor } from '../support/gateway.js';

/** The value of one sample (exact label set, in any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.keys(got).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('/metrics', () => {
  let sim: PrismSimulator;
  let gw: GatewayServer;
  let base: string;
  const scrape = async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return res.text();
  };

  beforeAll(async () => {
    sim = await startPrismSimulator({ initialTasks: 8, seed: 31 });
    gw = await startTestGateway([sim.backendConfig('pc')], { subscriptions: { pollFastMs: 50, pollIdleMs: 50 } });
    base = new URL(gw.url).origin;
  });
  afterAll(async () => {
    await gw?.stop();
    await sim?.close();
  });

  it('counts GraphQL requests by operation type and errors by code', async () => {
    await gql(gw.url, 'query ConsoleSecretOperationName { tasks(first: 3) { nodes { id } } }');
    await gql(gw.url, '{ tasks(first: 3) { nodes { nosuchfield } } }');
    await gql(gw.url, 'mutation { cancelTask(id: "nope") { error { code } } }');
    const text = await scrape();
    expect(sample(text, 'taskgraph_graphql_requests_total', { operation_type: 'query', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'taskgraph_graphql_requests_total', { operation_type: 'unknown', outcome: 'error' })).toBe(1);
    expect(sample(text, 'taskgraph_graphql_requests_total', { operation_type: 'mutation', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'taskgraph_graphql_errors_total', { code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    expect(sample(text, 'taskgraph_graphql_request_duration_seconds_count', { operation_type: 'query' })).toBeGreaterThanOrEqual(1);
    // Operation names are client-chosen and unbounded: never a label.
    expect(text).not.toContain('ConsoleSecretOperationName');
  });

  it('counts upstream calls and their latency per backend and operation, failures by code', async () => {
    const before = sample(await scrape(), 'taskgraph_upstream_calls_total', { backend: 'pc', backend_type: 'prism', operation: 'listTasks', outcome: 'ok' }) ?? 0;
    await gql(gw.url, '{ tasks(first: 2) { nodes { id } } }');
    sim.server.setFaults({ failNext: 10, failStatus: 503 });
    const failed = await gql(gw.url, '{ tasks(first: 2) { nodes { id } } }');
    sim.server.setFaults({ failNext: 0 });
    expect(failed.errors?.[0]?.extensions?.code).toBe('BACKEND_UNAVAILABLE');
    const text = await scrape();
    expect(sample(text, 'taskgraph_upstream_calls_total', { backend: 'pc', backend_type: 'prism', operation: 'listTasks', outcome: 'ok' })).toBe(before + 1);
    expect(sample(text, 'taskgraph_upstream_calls_total', { backend: 'pc', backend_type: 'prism', operation: 'listTasks', outcome: 'BACKEND_UNAVAILABLE' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'taskgraph_upstream_call_duration_seconds_count', { backend: 'pc', operation: 'listTasks' })).toBeGreaterThanOrEqual(before + 2);
    expect(sample(text, 'taskgraph_upstream_call_duration_seconds_bucket', { backend: 'pc', operation: 'listTasks', le: '+Inf' })).toBeGreaterThanOrEqual(before + 2);
    expect(sample(text, 'taskgraph_graphql_errors_total', { code: 'BACKEND_UNAVAILABLE' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'taskgraph_backend_health', { backend: 'pc', backend_type: 'prism', health: 'UP' })! + sample(text, 'taskgraph_backend_health', { backend: 'pc', backend_type: 'prism', health: 'DEGRADED' })! + sample(text, 'taskgraph_backend_health', { backend: 'pc', backend_type: 'prism', health: 'DOWN' })!).toBe(1);
    // The password never reaches a label.
    expect(text).not.toContain(String(sim.backendConfig('x').password));
  });

  it('reports active subscriptions, connections, watcher phase and polls, and their release', async () => {
    sim.world.create({ operation: 'kVmMigrate', plan: { queuedMs: 0, runMs: 1e9 } });
    const client = createClient({ url: gw.wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
    const { tasks } = (await gql(gw.url, '{ tasks(first: 1, filter: { operation: ["kVmMigrate"], status: [RUNNING] }) { nodes { id } } }')).data;
    const stop = client.subscribe({ query: 'subscription($id: ID!) { taskUpdated(id: $id) { status } }', variables: { id: tasks.nodes[0].id } }, { next: () => {}, error: () => {}, complete: () => {} });
    await waitFor(async () => sample(await scrape(), 'taskgraph_subscriptions_active') === 1, 'an active subscription');
    const first = await scrape();
    expect(sample(first, 'taskgraph_websocket_connections')).toBe(1);
    expect(sample(first, 'taskgraph_watcher_subscribers', { backend: 'pc' })).toBe(1);
    expect(sample(first, 'taskgraph_watcher_phase', { backend: 'pc', phase: 'polling' })).toBe(1);
    expect(sample(first, 'taskgraph_watcher_phase', { backend: 'pc', phase: 'stopped' })).toBe(0);
    const polls = sample(first, 'taskgraph_watcher_polls_total', { backend: 'pc' }) ?? 0;
    await waitFor(async () => (sample(await scrape(), 'taskgraph_watcher_polls_total', { backend: 'pc' }) ?? 0) >= polls + 2, 'two more polls');
    stop();
    await client.dispose();
    await waitFor(async () => {
      const text = await scrape();
      return sample(text, 'taskgraph_subscriptions_active') === 0 && sample(text, 'taskgraph_websocket_connections') === 0;
    }, 'release');
    const after = await scrape();
    expect(sample(after, 'taskgraph_watcher_phase', { backend: 'pc', phase: 'stopped' })).toBe(1);
    // A counter never goes down, even though the watcher stopped.
    expect(sample(after, 'taskgraph_watcher_polls_total', { backend: 'pc' })).toBeGreaterThanOrEqual(polls + 2);
  });

  it('includes Node.js process metrics', async () => {
    const text = await scrape();
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});

describe('/metrics circuit state', () => {
  it('shows a backend circuit opening after failed calls, the other one closed', async () => {
    const sim = await startPrismSimulator({ initialTasks: 2, seed: 32 });
    const gw = await startTestGateway([
      sim.backendConfig('pc'),
      { ...sim.backendConfig('pc-locked'), password: 'Wr0ng-Metrics-Passw0rd!', retry: { attempts: 1 }, circuit: { failureThreshold: 2, openMs: 600_000 } },
    ]);
    try {
      const scrape = async () => (await fetch(`${new URL(gw.url).origin}/metrics`)).text();
      const before = await scrape();
      expect(sample(before, 'taskgraph_backend_circuit', { backend: 'pc-locked', state: 'CLOSED' })).toBe(1);
      for (let i = 0; i < 3; i++) await gql(gw.url, '{ tasks(first: 1) { nodes { id } } }');
      const after = await scrape();
      expect(sample(after, 'taskgraph_backend_circuit', { backend: 'pc-locked', state: 'OPEN' })).toBe(1);
      expect(sample(after, 'taskgraph_backend_circuit', { backend: 'pc-locked', state: 'CLOSED' })).toBe(0);
      expect(sample(after, 'taskgraph_backend_circuit', { backend: 'pc', state: 'CLOSED' })).toBe(1);
      expect(sample(after, 'taskgraph_backend_consecutive_failures', { backend: 'pc-locked' })).toBeGreaterThanOrEqual(2);
      // The third query was refused by the open circuit: no upstream call, so two attempts counted.
      expect(sample(after, 'taskgraph_upstream_calls_total', { backend: 'pc-locked', backend_type: 'prism', operation: 'listTasks', outcome: 'BACKEND_AUTH_FAILED' })).toBe(2);
    } finally {
      await gw.stop();
      await sim.close();
    }
  });
});
