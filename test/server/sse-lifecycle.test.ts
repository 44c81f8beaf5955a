/**
 * The end of GraphQL over SSE streams: a JWT that expires ends its stream with an
 * UNAUTHENTICATED error and `complete` (a graphql-ws socket closes with 4401), releasing the
 * subscription; a server stopping ends every open stream cleanly (the response finishes, the
 * subscription is released) instead of waiting for the grace period and cutting it. Ended
 * without `complete`, as graphql-ws says 1001 "going away": graphql-sse's client (and Hive
 * Gateway) reconnect, to another replica.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/gateway/schema.js';
import { startGatewayServer, type GatewayServer } from '../../src/server/http.js';
import { configFor, createTestBackendSet } from '../reliability/support/backends.js';
import type { PrismSimulator } from '../../src/simulators/prism/index.js';
import { everyBackendBearer, startHs256Gateway } from '../security/support.js';
import { waitFor } from '../support/gateway.js';
import { EVENT_STREAM, getUrl, openStream } from './sse-support.js';

const EVENTS = 'subscription { taskEvents { type } }';

describe('the end of an SSE stream', () => {
  let started: Awaited<ReturnType<typeof startHs256Gateway>>;
  let sim: PrismSimulator;
  let gw: GatewayServer;

  beforeAll(async () => {
    started = await startHs256Gateway();
    ({ sim, gw } = started);
  });
  afterAll(() => started?.stop());

  it('ends a stream with UNAUTHENTICATED and complete when its JWT expires, and releases the subscription', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const authorization = everyBackendBearer(exp);
    const stream = await openStream(getUrl(gw.url, EVENTS), { headers: { ...EVENT_STREAM, authorization } });
    expect(stream.status).toBe(200);
    await waitFor(() => gw.hub.stats().subscribers === 1, 'the subscription registered');
    await stream.end('the stream ended at expiry', 10_000);
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
    expect(stream.events.slice(-2)).toEqual([
      { event: 'next', data: { errors: [{ message: 'Unauthenticated: token expired', extensions: { code: 'UNAUTHENTICATED' } }] } },
      { event: 'complete', data: null },
    ]);
    await waitFor(() => gw.hub.stats().subscribers === 0, 'the subscription released');
    // The same token opens nothing any more.
    const again = await openStream(getUrl(gw.url, EVENTS), { headers: { ...EVENT_STREAM, authorization } });
    expect(again.status).toBe(401);
  });

  it('ends every open stream on stop, in both modes, before the grace period', async () => {
    const authorization = everyBackendBearer();
    const distinct = await openStream(getUrl(gw.url, EVENTS), { headers: { ...EVENT_STREAM, authorization } });
    const put = await fetch(gw.url, { method: 'PUT', headers: { authorization } });
    const reservation = { authorization, 'x-graphql-event-stream-token': await put.text() };
    const single = await openStream(gw.url, { headers: { ...EVENT_STREAM, ...reservation } });
    const post = await fetch(gw.url, { method: 'POST', headers: { ...reservation, 'content-type': 'application/json' }, body: JSON.stringify({ query: EVENTS, extensions: { operationId: 'op' } }) });
    expect(post.status).toBe(202);
    await waitFor(() => gw.hub.stats().subscribers === 2, 'both subscriptions registered');
    const stopped = gw.stop();
    await distinct.end('the distinct stream ended');
    await single.end('the single-connection stream ended');
    await stopped;
    // Ended by the server (a response that finished), not cut after the grace period; no
    // `complete`, so the clients retry.
    expect([distinct.cut, single.cut]).toEqual([false, false]);
    expect([...distinct.events, ...single.events].filter((e) => e.event === 'complete')).toEqual([]);
    expect(gw.hub.stats().subscribers).toBe(0);
  });

  it('drops a reservation no stream opened within its time, with the operations sent to it', async () => {
    const backends = createTestBackendSet([configFor(sim, 'pc')]);
    const server = await startGatewayServer({ schema: buildSchema(), backends, subscriptions: { pollFastMs: 50, pollIdleMs: 50 }, sse: { reservationTtlMs: 200 } });
    try {
      const token = await (await fetch(server.url, { method: 'PUT' })).text();
      const headers = { 'x-graphql-event-stream-token': token, 'content-type': 'application/json' };
      const post = await fetch(server.url, { method: 'POST', headers, body: JSON.stringify({ query: EVENTS, extensions: { operationId: 'op' } }) });
      expect(post.status).toBe(202);
      await waitFor(() => server.hub.stats().subscribers === 1, 'the operation subscribed, waiting for its stream');
      await waitFor(() => server.hub.stats().subscribers === 0, 'the operation released when the reservation expired');
      // The token names nothing any more.
      const late = await fetch(server.url, { method: 'POST', headers, body: JSON.stringify({ query: EVENTS, extensions: { operationId: 'op2' } }) });
      expect(late.status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
