/**
 * graphql-ws refusals end one operation, never the connection: a document that does not parse
 * is an `error` message (GRAPHQL_PARSE_FAILED, as on HTTP), and the socket's other
 * subscriptions go on. Graphql-ws alone closed the whole socket (4500) on a syntax error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { handshake, subscribeOnce } from '../security/support.js';
import { startTestGateway } from '../support/gateway.js';

describe('graphql-ws refusals', () => {
  let pc: PrismSimulator;
  let gw: GatewayServer;

  beforeAll(async () => {
    pc = await startPrismSimulator({ seed: 3 });
    pc.world.backfill(3);
    gw = await startTestGateway([pc.backendConfig('pc')]);
  });
  afterAll(async () => {
    await gw?.stop();
    await pc?.close();
  });

  it('answers a document that does not parse with an error message and keeps the connection', async () => {
    const ws = await handshake(gw.wsUrl);
    if (!ws.acked) throw new Error('not acked');
    let closed = false;
    ws.socket.on('close', () => (closed = true));
    const [error] = await subscribeOnce(ws.socket, '{ tasks(first: 2) { nodes { id }');
    expect(error).toMatchObject({ type: 'error', payload: [{ message: 'Syntax Error: Expected Name, found <EOF>.', locations: [{ line: 1, column: 33 }], extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] });
    const answer = await subscribeOnce(ws.socket, '{ backends { name } }');
    expect(answer.map((m) => m.type)).toEqual(['next', 'complete']);
    expect(closed).toBe(false);
    ws.socket.close();
  });
});
