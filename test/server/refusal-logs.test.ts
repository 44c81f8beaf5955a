/**
 * The operators' view of what never reached Apollo Server, and of operations that are not
 * HTTP requests: every refusal before Apollo (authentication, CSRF, limits, body size,
 * malformed JSON) is one `request refused` line with its reason and a count in
 * taskgraph_requests_refused_total{reason}, on the fast path's direct POST handler and on
 * express alike (this file runs in both vitest projects), never quoting a credential or a
 * variable; graphql-ws and SSE operations each get a `graphql operation` line (type, name,
 * principal, duration, outcome, close code) and a count in taskgraph_streamed_operations_total.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { GatewayServer } from '../../src/server/http.js';
import { createLogger, setProcessLogger } from '../../src/server/plugins/logging.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { apiKeyEntry, handshake } from '../security/support.js';
import { metricValue, startTestGateway, waitFor } from '../support/gateway.js';
import { EVENT_STREAM, getUrl, openStream } from './sse-support.js';
import { memoryLog } from '../support/memory-log.js';

const KEY = 'ops-key-0123456789abcdef';
const WRONG_KEY = 'wrong-key-0123456789abcdef';
const SECRET_VALUE = 'variable-value-never-logged';


describe('refusals and streamed operations, logged and counted', () => {
  const log = memoryLog();
  let sim: PrismSimulator;
  let gw: GatewayServer;

  const refusedLines = (reason: string) => log.parsed().filter((l) => l.msg === 'request refused' && l.reason === reason);
  const operationLines = (transport: string) => log.parsed().filter((l) => l.msg === 'graphql operation' && l.transport === transport);
  const refusedCount = (reason: string) => metricValue(gw.url, `taskgraph_requests_refused_total{reason="${reason}"}`);

  async function post(body: string, headers: Record<string, string> = {}) {
    return fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEY, ...headers }, body });
  }

  beforeAll(async () => {
    setProcessLogger(createLogger({ level: 'info', destination: log.stream }));
    sim = await startPrismSimulator({ seed: 12 });
    sim.world.backfill(3);
    gw = await startTestGateway([sim.backendConfig('pc')], {
      subscriptions: { pollFastMs: 50, pollIdleMs: 50 },
      auth: { mode: 'apiKey', apiKeys: [apiKeyEntry('ops', KEY, { backends: ['*'], prismClusters: ['*'], actions: ['*'] })] },
      limits: { maxDepth: 4 },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await sim?.close();
    setProcessLogger(createLogger({ level: 'silent' }));
  });

  it('logs and counts each refusal before Apollo once, with its reason and no secret', async () => {
    const cases: Array<{ reason: string; status: number; send: () => Promise<Response> }> = [
      { reason: 'unauthenticated', status: 401, send: () => post('{"query":"{ backends { name } }"}', { 'x-api-key': WRONG_KEY }) },
      { reason: 'malformed_json', status: 400, send: () => post('{"query": "{ backends { name } }"') },
      { reason: 'body_too_large', status: 413, send: () => post(JSON.stringify({ query: '{ backends { name } }', variables: { pad: 'x'.repeat(1024 * 1024) } })) },
      {
        reason: 'limit',
        status: 400,
        send: () => post(JSON.stringify({ query: 'query($v: String) { tasks(first: 1) { nodes { parent { parent { parent { id } } } } } }', variables: { v: SECRET_VALUE } })),
      },
      { reason: 'csrf', status: 400, send: () => post('{"query":"{ backends { name } }"}', { 'content-type': 'text/plain' }) },
      { reason: 'csrf', status: 400, send: () => fetch(getUrl(gw.url, '{ backends { name } }'), { headers: { 'x-api-key': KEY } }) },
    ];
    for (const { reason, status, send } of cases) {
      const before = await refusedCount(reason);
      const linesBefore = refusedLines(reason).length;
      const res = await send();
      expect(res.status, reason).toBe(status);
      await res.arrayBuffer();
      expect(await refusedCount(reason), reason).toBe(before + 1);
      expect(refusedLines(reason).length, reason).toBe(linesBefore + 1);
      expect(refusedLines(reason).at(-1), reason).toMatchObject({ level: 'info', transport: 'http', status });
    }
    expect(refusedLines('limit').at(-1)).toMatchObject({ limit: 'limits.maxDepth' });
    // A request within every limit is not a refusal.
    const fine = await post('{"query":"{ backends { name } }"}');
    expect(fine.status).toBe(200);
    expect(log.raw()).not.toContain(KEY);
    expect(log.raw()).not.toContain(WRONG_KEY);
    expect(log.raw()).not.toContain(SECRET_VALUE);
  });

  it('writes a line per graphql-ws operation: completed, refused, and closed with its socket (close code)', async () => {
    expect(await handshake(gw.wsUrl, { apiKey: WRONG_KEY })).toMatchObject({ acked: false, code: 4401 });
    await waitFor(() => refusedLines('unauthenticated').some((l) => l.transport === 'graphql-ws'), 'the refused connection line');
    const ws = await handshake(gw.wsUrl, { apiKey: KEY });
    if (!ws.acked) throw new Error('not acked');
    const socket: WebSocket = ws.socket;
    socket.send(JSON.stringify({ id: 'q', type: 'subscribe', payload: { query: 'query Names { backends { name } }' } }));
    socket.send(JSON.stringify({ id: 'deep', type: 'subscribe', payload: { query: '{ tasks(first: 1) { nodes { parent { parent { parent { id } } } } } }' } }));
    socket.send(JSON.stringify({ id: 's', type: 'subscribe', payload: { query: 'subscription Watch { taskEvents { type } }' } }));
    await waitFor(() => operationLines('graphql-ws').length >= 2 && gw.hub.stats().subscribers === 1, 'the query and refusal lines, the subscription running');
    socket.close(1000);
    await waitFor(() => operationLines('graphql-ws').length >= 3, 'the subscription line after the close');
    const lines = operationLines('graphql-ws');
    expect(lines.find((l) => l.operationName === 'Names')).toMatchObject({ level: 'info', operationType: 'query', outcome: 'complete', principal: 'ops' });
    expect(lines.find((l) => l.outcome === 'refused')).toMatchObject({ level: 'warn', errorCode: 'QUERY_LIMIT_EXCEEDED', principal: 'ops' });
    expect(lines.find((l) => l.operationName === 'Watch')).toMatchObject({ operationType: 'subscription', outcome: 'closed', closeCode: 1000, principal: 'ops' });
    expect(typeof lines.find((l) => l.operationName === 'Watch')!.durationMs).toBe('number');
    expect(await metricValue(gw.url, 'taskgraph_streamed_operations_total{transport="graphql-ws",operation_type="subscription",outcome="closed"}')).toBe(1);
  });

  it('writes a line per SSE operation, and logs and counts its refusals', async () => {
    const query = await openStream(getUrl(gw.url, 'query Names { backends { name } }'), { headers: { ...EVENT_STREAM, 'x-api-key': KEY, 'x-request-id': 'sse-req-1' } });
    await query.end('the query stream');
    const sub = await openStream(getUrl(gw.url, 'subscription Watch { taskEvents { type } }'), { headers: { ...EVENT_STREAM, 'x-api-key': KEY } });
    await waitFor(() => gw.hub.stats().subscribers === 1, 'the subscription');
    sub.close();
    await waitFor(() => operationLines('sse').length >= 2, 'both lines');
    const lines = operationLines('sse');
    expect(lines.find((l) => l.operationName === 'Names')).toMatchObject({ operationType: 'query', outcome: 'complete', principal: 'ops', requestId: 'sse-req-1' });
    expect(lines.find((l) => l.operationName === 'Watch')).toMatchObject({ operationType: 'subscription', outcome: 'closed', principal: 'ops' });
    const before = await refusedCount('unauthenticated');
    const anonymous = await openStream(getUrl(gw.url, 'subscription { taskEvents { type } }'), { headers: EVENT_STREAM });
    expect(anonymous.status).toBe(401);
    expect(await refusedCount('unauthenticated')).toBe(before + 1);
    expect(refusedLines('unauthenticated').at(-1)).toMatchObject({ transport: 'sse', status: 401, method: 'GET' });
  });
});
