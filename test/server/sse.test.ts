/**
 * GraphQL over SSE (src/server/sse.ts, graphql-sse PROTOCOL.md) on /graphql, with the
 * authentication, limits and scoping of HTTP and graphql-ws: both of graphql-sse's modes
 * carry taskEvents / taskUpdated from the Prism simulators; `GET ?query=subscription…` with
 * `Accept: text/event-stream` (Hive Gateway's request) is served, not refused as CSRF; a
 * reservation is its owner's alone; refusals are logged and counted; streams are bounded per
 * caller and counted in /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-sse';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { apiKeyEntry } from '../security/support.js';
import { manualClock, metricValue, startTestGateway, waitFor } from '../support/gateway.js';
import { EVENT_STREAM, getUrl, openStream } from './sse-support.js';

const OPS = 'ops-key-0123456789abcdef';
const TEAM = 'team-key-0123456789abcdef';
const IDLE = 'idle-key-0123456789abcdef';
const EVENTS = 'subscription Events { taskEvents { type task { id nativeId backend status } } }';

describe('GraphQL over SSE', () => {
  const clock = manualClock();
  let pc1: PrismSimulator;
  let pc2: PrismSimulator;
  let gw: GatewayServer;
  const ops = { 'x-api-key': OPS };

  /** Waits until every watcher with subscribers has polled once more than now (its baseline taken). */
  async function nextPoll(): Promise<void> {
    const before = new Map(gw.hub.stats().watchers.map((w) => [w.backend, w.polls]));
    await waitFor(() => {
      const serving = gw.hub.stats().watchers.filter((w) => w.subscribers > 0);
      return serving.length > 0 && serving.every((w) => w.phase !== 'stopped' && w.polls > (before.get(w.backend) ?? 0));
    }, 'a poll of every watcher with subscribers');
  }

  /** A task started on `sim` that runs for a while. */
  function startTask(sim: PrismSimulator, description: string) {
    const task = sim.world.create({ operation: sim.world.list()[0]!.operation, description, plan: { queuedMs: 0, runMs: 4000, outcome: 'succeeded' }, tenant: sim.world.list()[0]!.tenant });
    clock.advance(100);
    sim.world.tick();
    return sim.nativeIdOf(task);
  }

  beforeAll(async () => {
    pc1 = await startPrismSimulator({ now: clock.fn, seed: 5 });
    pc2 = await startPrismSimulator({ now: clock.fn, seed: 6 });
    pc1.world.backfill(3, 60_000);
    pc2.world.backfill(3, 60_000);
    gw = await startTestGateway([pc1.backendConfig('pc1'), pc2.backendConfig('pc2')], {
      subscriptions: { pollFastMs: 50, pollIdleMs: 50 },
      auth: {
        mode: 'apiKey',
        apiKeys: [
          apiKeyEntry('ops', OPS, { backends: ['*'], prismClusters: ['*'], actions: ['*'] }),
          apiKeyEntry('team', TEAM, { backends: ['pc2'], prismClusters: ['*'] }),
          apiKeyEntry('idle', IDLE, { backends: [] }),
        ],
      },
      limits: { maxDepth: 4, introspection: false },
      server: { sse: { maxStreamsPerPrincipal: 3 } },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await pc1?.close();
    await pc2?.close();
  });

  it('distinct connections: GET ?query=subscription with Accept: text/event-stream streams events (no CSRF refusal)', async () => {
    const stream = await openStream(getUrl(gw.url, EVENTS), { headers: { ...EVENT_STREAM, ...ops } });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await waitFor(() => gw.hub.stats().subscribers === 1, 'the subscription registered');
    // graphql-sse flushes a comment first (and one every 12 s: the keep-alive).
    await waitFor(() => stream.comments >= 1, 'the first keep-alive comment');
    expect(await metricValue(gw.url, 'taskgraph_sse_streams{mode="distinct"}')).toBe(1);
    await nextPoll();
    const nativeId = startTask(pc1, 'sse distinct');
    const created = await stream.next((e) => e.event === 'next' && e.data.data?.taskEvents.task.nativeId === nativeId, 'the CREATED event');
    expect(created.data.data.taskEvents).toMatchObject({ type: 'CREATED', task: { backend: 'pc1' } });
    stream.close();
    await waitFor(() => gw.hub.stats().subscribers === 0, 'the subscription released when the client went');
    await waitFor(async () => (await metricValue(gw.url, 'taskgraph_sse_streams{mode="distinct"}')) === 0, 'the stream gauge back to 0');
  });

  it('single connection: PUT reserves a stream, operations go by id onto it, DELETE stops one; the token is its owner alone', async () => {
    const put = await fetch(gw.url, { method: 'PUT', headers: ops });
    expect(put.status).toBe(201);
    const token = await put.text();
    const withToken = { ...ops, 'x-graphql-event-stream-token': token };
    const stream = await openStream(gw.url, { headers: { ...EVENT_STREAM, ...withToken } });
    expect(stream.status).toBe(200);
    // Another caller cannot use (or even see) the reservation.
    const stolen = await fetch(gw.url, { method: 'POST', headers: { 'x-api-key': TEAM, 'x-graphql-event-stream-token': token, 'content-type': 'application/json' }, body: JSON.stringify({ query: EVENTS, extensions: { operationId: 'x' } }) });
    expect(stolen.status).toBe(404);
    const post = await fetch(gw.url, { method: 'POST', headers: { ...withToken, 'content-type': 'application/json' }, body: JSON.stringify({ query: EVENTS, extensions: { operationId: 'a' } }) });
    expect(post.status).toBe(202);
    await waitFor(() => gw.hub.stats().subscribers === 1, 'the subscription registered');
    expect(await metricValue(gw.url, 'taskgraph_sse_streams{mode="single"}')).toBe(1);
    await nextPoll();
    const nativeId = startTask(pc2, 'sse single');
    const event = await stream.next((e) => e.event === 'next' && e.data.payload.data?.taskEvents.task.nativeId === nativeId, 'the event on the stream');
    expect(event.data).toMatchObject({ id: 'a', payload: { data: { taskEvents: { type: 'CREATED', task: { backend: 'pc2' } } } } });
    const stop = await fetch(`${gw.url}?operationId=a`, { method: 'DELETE', headers: withToken });
    expect(stop.status).toBe(200);
    await waitFor(() => gw.hub.stats().subscribers === 0, 'the subscription released by DELETE');
    stream.close();
    await waitFor(async () => (await metricValue(gw.url, 'taskgraph_sse_streams{mode="single"}')) === 0, 'the stream gauge back to 0');
  });

  it("keeps each caller's scope: a key scoped to pc2 gets pc2's tasks and never pc1's", async () => {
    const team = await openStream(getUrl(gw.url, EVENTS), { headers: { ...EVENT_STREAM, 'x-api-key': TEAM } });
    const all = await openStream(getUrl(gw.url, EVENTS), { headers: { ...EVENT_STREAM, ...ops } });
    await waitFor(() => gw.hub.stats().subscribers === 2, 'both subscriptions registered');
    await nextPoll();
    const hidden = startTask(pc1, 'not for team');
    const seen = startTask(pc2, 'for team');
    // The same events, one execution per scope: the unscoped caller gets both tasks.
    await all.next((e) => e.data?.data?.taskEvents.task.nativeId === hidden, "pc1's task, for ops");
    await all.next((e) => e.data?.data?.taskEvents.task.nativeId === seen, "pc2's task, for ops");
    await team.next((e) => e.data?.data?.taskEvents.task.nativeId === seen, "pc2's task, for team");
    await nextPoll();
    expect(team.events.filter((e) => e.event === 'next').map((e) => e.data.data.taskEvents.task.backend)).not.toContain('pc1');
    for (const s of [team, all]) s.close();
    await waitFor(() => gw.hub.stats().subscribers === 0, 'released');
  });

  it('refuses without credentials (401), with a key allowed nothing (403), and counts both', async () => {
    const before = await metricValue(gw.url, 'taskgraph_requests_refused_total{reason="unauthenticated"}');
    const anonymous = await openStream(getUrl(gw.url, EVENTS), { headers: EVENT_STREAM });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await anonymous.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await fetch(gw.url, { method: 'PUT' })).status).toBe(401);
    const idle = await openStream(getUrl(gw.url, EVENTS), { headers: { ...EVENT_STREAM, 'x-api-key': IDLE } });
    expect(idle.status).toBe(403);
    expect(await metricValue(gw.url, 'taskgraph_requests_refused_total{reason="unauthenticated"}')).toBe(before + 2);
    expect(await metricValue(gw.url, 'taskgraph_requests_refused_total{reason="forbidden"}')).toBeGreaterThanOrEqual(1);
    expect(gw.hub.stats().subscribers).toBe(0);
  });

  it('is CSRF-safe: a POST a cross-site page could send is refused, a mutation over GET is not run', async () => {
    const before = await metricValue(gw.url, 'taskgraph_requests_refused_total{reason="csrf"}');
    // text/plain needs no preflight; graphql-sse alone reads it as JSON because it contains "application/json".
    const forged = await fetch(gw.url, { method: 'POST', headers: { ...EVENT_STREAM, ...ops, 'content-type': 'text/plain; x=application/json' }, body: JSON.stringify({ query: EVENTS }) });
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as any).errors[0].message).toContain('Cross-Site Request Forgery');
    expect(await metricValue(gw.url, 'taskgraph_requests_refused_total{reason="csrf"}')).toBe(before + 1);
    const mutation = await fetch(getUrl(gw.url, 'mutation { cancelTask(id: "x") { error { code } } }'), { headers: { ...EVENT_STREAM, ...ops } });
    expect(mutation.status).toBe(405);
    expect(gw.hub.stats().subscribers).toBe(0);
  });

  it('applies the query limits before anything runs: depth, introspection, _service, bad variables, body', async () => {
    const cases: Array<[string, Record<string, unknown> | undefined, string]> = [
      ['subscription { taskEvents { task { parent { parent { parent { id } } } } } }', undefined, 'limits.maxDepth'],
      ['{ __schema { types { name } } }', undefined, 'limits.introspection'],
      ['{ _service { sdl } }', undefined, 'limits.federationSdl'],
    ];
    for (const [query, variables, limit] of cases) {
      const refused = await openStream(getUrl(gw.url, query, variables), { headers: { ...EVENT_STREAM, ...ops } });
      expect(refused.status, query).toBe(400);
      expect((await refused.json()).errors[0].extensions.limit, query).toBe(limit);
    }
    const badInput = await openStream(getUrl(gw.url, 'subscription($id: ID!) { taskUpdated(id: $id) { status } }', { id: 42.5 }), { headers: { ...EVENT_STREAM, ...ops } });
    expect(badInput.status).toBe(400);
    expect((await badInput.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await metricValue(gw.url, 'taskgraph_requests_refused_total{reason="limit"}')).toBeGreaterThanOrEqual(3);
    const malformed = await fetch(gw.url, { method: 'POST', headers: { ...EVENT_STREAM, ...ops, 'content-type': 'application/json' }, body: '{"query": "subscription {' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as any).errors[0].message).toBe('the request body is not valid JSON');
    const huge = await fetch(gw.url, { method: 'POST', headers: { ...EVENT_STREAM, ...ops, 'content-type': 'application/json' }, body: JSON.stringify({ query: EVENTS, variables: { pad: 'x'.repeat(1024 * 1024) } }) });
    expect(huge.status).toBe(413);
    expect(gw.hub.stats().subscribers).toBe(0);
  });

  it('bounds the streams of one caller (server.sse.maxStreamsPerPrincipal) and frees one when it closes', async () => {
    const open = await Promise.all([0, 1, 2].map(() => openStream(getUrl(gw.url, EVENTS), { headers: { ...EVENT_STREAM, ...ops } })));
    expect(open.map((s) => s.status)).toEqual([200, 200, 200]);
    const fourth = await openStream(getUrl(gw.url, EVENTS), { headers: { ...EVENT_STREAM, ...ops } });
    expect(fourth.status).toBe(429);
    expect((await fourth.json()).errors[0].extensions.code).toBe('TOO_MANY_STREAMS');
    expect((await fetch(gw.url, { method: 'PUT', headers: ops })).status).toBe(429);
    // Another caller has its own bound.
    const team = await openStream(getUrl(gw.url, EVENTS), { headers: { ...EVENT_STREAM, 'x-api-key': TEAM } });
    expect(team.status).toBe(200);
    open[0]!.close();
    await waitFor(async () => (await metricValue(gw.url, 'taskgraph_sse_streams{mode="distinct"}')) === 3, 'the closed stream gone');
    const again = await openStream(getUrl(gw.url, EVENTS), { headers: { ...EVENT_STREAM, ...ops } });
    expect(again.status).toBe(200);
    for (const s of [...open, team, again]) s.close();
    await waitFor(() => gw.hub.stats().subscribers === 0, 'released');
  });

  it('works with graphql-sse’s own client in both modes, taskUpdated completing with the task', async () => {
    for (const singleConnection of [false, true]) {
      const client = createClient({ url: gw.url, singleConnection, headers: ops, retryAttempts: 0 });
      const nativeId = startTask(pc1, `client ${singleConnection}`);
      await waitFor(() => pc1.world.list().some((t) => pc1.nativeIdOf(t) === nativeId), 'the task');
      const id = await waitFor(async () => {
        const res = await fetch(gw.url, { method: 'POST', headers: { ...ops, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ tasks(first: 50) { nodes { id nativeId } } }' }) });
        return ((await res.json()) as any).data?.tasks.nodes.find((n: any) => n.nativeId === nativeId)?.id as string | undefined;
      }, 'the task in the list');
      const updates: string[] = [];
      let completed = false;
      client.subscribe({ query: 'subscription($id: ID!) { taskUpdated(id: $id) { status } }', variables: { id } }, { next: (v: any) => updates.push(v.data.taskUpdated.status), error: (e) => updates.push(`error ${String(e)}`), complete: () => (completed = true) });
      await waitFor(() => updates.length >= 1, 'the current state');
      clock.advance(5000);
      pc1.world.tick();
      await waitFor(() => completed, `completion once the task ended (${updates.join(', ')})`);
      expect(updates.at(-1)).toBe('SUCCEEDED');
      client.dispose();
    }
  });
});
