/**
 * OpenTelemetry traces end to end: a gateway with `telemetry.tracing` on, in front of three
 * backend simulators, exporting OTLP/HTTP JSON to a receiver in this process. Checks the span
 * tree of a list query (operation -> adapter call per backend -> HTTP request), on Apollo's
 * path and on the known-operations path, the W3C traceparent each backend received, retries on
 * the HTTP span, errors on every level, and the span tree of a subscription event (watcher
 * poll -> adapter call -> HTTP request).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import type { GatewayServer } from '../../src/server/http.js';
import { createLogger, setProcessLogger } from '../../src/server/plugins/logging.js';
import { simulator, type RunningSimulator } from '../../src/simulators/registry.js';
import { activeTracing } from '../../src/telemetry/tracing.js';
import { fastPathOff, startTestGateway, waitFor } from '../support/gateway.js';
import { memoryLog } from '../support/memory-log.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const SERVER = 2;
const CLIENT = 3;
const COLLECTOR_KEY = 'collector-key-7f3a';
const LIST = 'query TaskList { tasks(first: 12) { nodes { id backend nativeId } } }';

describe('OpenTelemetry traces', { timeout: 30_000 }, () => {
  let receiver: OtlpReceiver;
  let sims: RunningSimulator[];
  let gw: GatewayServer;
  const log = memoryLog();

  beforeAll(async () => {
    setProcessLogger(createLogger({ level: 'info', destination: log.stream }));
    receiver = await startOtlpReceiver();
    sims = await Promise.all(['prism', 'vcd', 'vsphere-rest'].map((name, i) => simulator(name)!({ spawnEveryMs: 0, initialTasks: 0, seed: 40 + i })));
    for (const sim of sims) sim.world.backfill(6);
    gw = await startTestGateway(
      sims.map((s) => s.backendConfig(s.name)),
      {
        telemetry: { tracing: { enabled: true, endpoint: receiver.endpoint, serviceName: 'taskgraph-test', headers: { authorization: `Bearer ${COLLECTOR_KEY}` } } },
        subscriptions: { pollFastMs: 100, pollIdleMs: 100 },
      },
    );
  });

  afterAll(async () => {
    await gw?.stop();
    await Promise.all((sims ?? []).map((s) => s.close()));
    await receiver?.close();
    setProcessLogger(createLogger({ level: 'silent' }));
  });

  async function post(query: string, headers: Record<string, string>) {
    const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
    return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
  }

  /** The operation span of `requestId`, once the receiver has it (spans are exported in batches: flush). */
  async function operationSpan(requestId: string): Promise<ReceivedSpan> {
    return waitFor(async () => {
      await activeTracing()!.flush();
      return receiver.spans.find((s) => s.kind === SERVER && s.attributes['taskgraph.request_id'] === requestId);
    }, `the operation span of ${requestId}`);
  }

  const childrenOf = (parent: ReceivedSpan) => receiver.spans.filter((s) => s.parentSpanId === parent.spanId && s.traceId === parent.traceId);

  /** The adapter spans under `op`, one per backend, each with its HTTP requests under it. */
  function upstreamTree(op: ReceivedSpan) {
    return childrenOf(op)
      .filter((s) => s.name.startsWith('listTasks '))
      .map((call) => ({ call, requests: childrenOf(call) }));
  }

  it('a list query over three backends: operation span -> one adapter span per backend -> its HTTP requests, each sending its traceparent', async () => {
    for (const sim of sims) sim.server.resetCounts();
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const { status, body } = await post(LIST, { 'x-request-id': 'trace-list-1', traceparent: `00-${callerTrace}-${callerSpan}-01` });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const op = await operationSpan('trace-list-1');

    expect(op.name).toBe('query TaskList');
    expect(op.traceId).toBe(callerTrace);
    expect(op.parentSpanId).toBe(callerSpan);
    expect(op.attributes).toMatchObject({
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'TaskList',
      'taskgraph.principal': 'anonymous',
      'taskgraph.transport': 'http',
      'http.response.status_code': 200,
    });
    expect(op.status.code).not.toBe(2);
    expect(op.resource['service.name']).toBe('taskgraph-test');
    // The request's log line leads to its trace.
    expect(log.parsed().find((l) => l.requestId === 'trace-list-1')).toMatchObject({ msg: 'graphql request', traceId: callerTrace });

    const calls = childrenOf(op);
    expect(calls.filter((c) => c.name.startsWith('listTasks ')).map((c) => c.attributes['taskgraph.backend.name']).sort()).toEqual(['prism', 'vcd', 'vsphere-rest']);
    for (const sim of sims) {
      // Cloud Director lists records, then reads the kept tasks whole (getTasks).
      const mine = calls.filter((c) => c.attributes['taskgraph.backend.name'] === sim.name);
      const requests = mine.flatMap(childrenOf);
      for (const call of mine) {
        expect(call.name).toBe(`${call.attributes['taskgraph.upstream.operation']} ${sim.name}`);
        expect(call.attributes).toMatchObject({
          'taskgraph.backend.type': sim.name,
          'taskgraph.upstream.outcome': 'ok',
          'taskgraph.circuit.state': 'CLOSED',
          'taskgraph.request_id': 'trace-list-1',
        });
        expect(childrenOf(call).length).toBeGreaterThan(0);
      }
      for (const request of requests) {
        expect(request.kind).toBe(CLIENT);
        expect(request.name).toBe(`${request.attributes['http.request.method']} ${request.attributes['url.template']}`);
        expect(request.attributes['taskgraph.backend.name']).toBe(sim.name);
        expect(request.attributes['http.response.status_code']).toBeLessThan(400);
      }
      // What reached the backend: every request of this query carried the traceparent of its own span.
      const received = sim.server.recent().filter((r) => String(r.headers.traceparent ?? '').includes(callerTrace));
      expect(received.map((r) => r.headers.traceparent).sort()).toEqual(requests.map((s) => `00-${callerTrace}-${s.spanId}-01`).sort());
    }
  });

  it('keeps ids, query text and secrets out of every span', async () => {
    const { body } = await post(LIST, { 'x-request-id': 'trace-list-ids' });
    const op = await operationSpan('trace-list-ids');
    const text = JSON.stringify(receiver.spans.filter((s) => s.traceId === op.traceId));
    for (const node of body.data.tasks.nodes) {
      // Native ids are UUIDs or prefixed ones; the part that identifies the task must not appear.
      const id = String(node.nativeId).split(':').pop()!;
      expect(text).not.toContain(id);
      expect(text).not.toContain(node.id);
    }
    expect(text).not.toContain('nodes {');
    expect(text).not.toContain(COLLECTOR_KEY);
    for (const sim of sims) {
      const password = sim.backendConfig(sim.name).password;
      if (typeof password === 'string') expect(text).not.toContain(password);
    }
    // The collector's key went where it belongs: the export requests' headers.
    expect(receiver.requests.every((h) => h.authorization === `Bearer ${COLLECTOR_KEY}`)).toBe(true);
  });

  // Known operations are a part of the fast path; with it off, Apollo answers every request.
  it.skipIf(fastPathOff)('traces an answer of the known-operations path (no Apollo plugin runs there) like any other', async () => {
    // Apollo answered LIST before; the same text is now answered without Apollo's pipeline.
    await post(LIST, { 'x-request-id': 'trace-list-known' });
    const op = await operationSpan('trace-list-known');
    expect(op.name).toBe('query TaskList');
    expect(op.attributes['taskgraph.known_operation']).toBe(true);
    expect(op.attributes['graphql.operation.type']).toBe('query');
    expect(upstreamTree(op)).toHaveLength(3);
    expect(log.parsed().find((l) => l.requestId === 'trace-list-known')).toMatchObject({ msg: 'graphql request', traceId: op.traceId });
  });

  it('traces GET /graphql (through express) too', async () => {
    const query = encodeURIComponent('query ByGet { backends { name } }');
    const res = await fetch(`${gw.url}?query=${query}`, { headers: { 'x-request-id': 'trace-get', 'apollo-require-preflight': '1' } });
    expect(res.status).toBe(200);
    const op = await operationSpan('trace-get');
    expect(op.name).toBe('query ByGet');
    expect(op.attributes).toMatchObject({ 'http.request.method': 'GET', 'http.response.status_code': 200 });
  });

  it('records retries on the HTTP span, and a failing backend on every level', async () => {
    const prism = sims.find((s) => s.name === 'prism')!;
    // One 503, then an answer: got retries the GET within the call's budget.
    prism.server.setFaults({ failNext: 1, failStatus: 503, faultPath: '/api/prism' });
    await post('query Retried { tasks(first: 3, filter: { backend: ["prism"] }) { nodes { id } } }', { 'x-request-id': 'trace-retry' });
    const retried = await operationSpan('trace-retry');
    const [{ requests }] = upstreamTree(retried);
    const list = requests.find((r) => r.attributes['taskgraph.http.operation'] === 'list tasks')!;
    expect(list.attributes['http.request.resend_count']).toBe(1);
    expect(list.attributes['http.response.status_code']).toBe(200);
    expect(list.events).toEqual([{ name: 'retry', attributes: { 'http.request.resend_count': 1, 'http.response.status_code': 503 } }]);

    // Failures on every attempt: the backend's part fails, the others answer.
    prism.server.setFaults({ failNext: 10, failStatus: 503, faultPath: '/api/prism' });
    const { body } = await post('query Partial { tasks(first: 3) { nodes { id } } }', { 'x-request-id': 'trace-partial' });
    prism.server.setFaults({});
    expect(body.errors?.[0]?.extensions?.code).toBe('BACKEND_UNAVAILABLE');
    const op = await operationSpan('trace-partial');
    expect(op.status.code).toBe(2);
    expect(op.attributes['taskgraph.graphql.error_codes']).toEqual(['BACKEND_UNAVAILABLE']);
    const failed = upstreamTree(op).find((t) => t.call.attributes['taskgraph.backend.name'] === 'prism')!;
    expect(failed.call.status.code).toBe(2);
    expect(failed.call.attributes['taskgraph.upstream.outcome']).toMatch(/^BACKEND_/);
    expect(failed.requests.some((r) => r.attributes['http.response.status_code'] === 503 && r.status.code === 2)).toBe(true);
    expect(upstreamTree(op).filter((t) => t.call.attributes['taskgraph.upstream.outcome'] === 'ok')).toHaveLength(2);
  });

  it('a subscription event: the operation span over the WebSocket, and the watcher poll that found the event -> adapter call -> HTTP request', async () => {
    const vcd = sims.find((s) => s.name === 'vcd')!;
    const client = createClient({ url: gw.wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
    const events: any[] = [];
    const stop = client.subscribe(
      { query: 'subscription Watch { taskEvents(filter: { backend: ["vcd"] }) { type task { operation } } }' },
      { next: (v) => events.push(v.data), error: () => {}, complete: () => {} },
    );
    try {
      await waitFor(() => gw.hub.stats().subscribers >= 1, 'the subscription');
      const polls = () => gw.hub.stats().watchers.find((w) => w.backend === 'vcd')?.polls ?? 0;
      const baseline = polls();
      await waitFor(() => polls() > baseline + 1, 'a baseline poll');
      vcd.world.create({ operation: 'vappDeploy', plan: { queuedMs: 0, runMs: 60_000 } });
      await waitFor(() => events.some((e) => e.taskEvents.type === 'CREATED' && e.taskEvents.task.operation === 'vappDeploy'), 'the CREATED event');
    } finally {
      stop();
      await client.dispose();
    }

    const subscription = await waitFor(async () => {
      await activeTracing()!.flush();
      return receiver.spans.find((s) => s.name === 'subscription Watch');
    }, 'the subscription span');
    expect(subscription.kind).toBe(SERVER);
    expect(subscription.attributes).toMatchObject({ 'taskgraph.transport': 'websocket', 'graphql.operation.type': 'subscription', 'graphql.operation.name': 'Watch' });

    // The poll that saw the new task: a trace of its own, the adapter calls and their requests under it.
    const poll = receiver.spans.find((s) => s.name === 'watcher poll vcd' && Number(s.attributes['taskgraph.watcher.tracked']) > 0);
    expect(poll).toBeDefined();
    expect(poll!.parentSpanId).toBeUndefined();
    expect(poll!.attributes).toMatchObject({ 'taskgraph.backend.name': 'vcd', 'taskgraph.watcher.phase': 'polling', 'taskgraph.request_id': 'watch-vcd' });
    const calls = childrenOf(poll!);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.attributes['taskgraph.request_id']).toBe('watch-vcd');
      const requests = childrenOf(call);
      expect(requests.length).toBeGreaterThan(0);
      expect(requests.every((r) => r.kind === CLIENT && r.attributes['taskgraph.backend.name'] === 'vcd')).toBe(true);
    }
  });
});
