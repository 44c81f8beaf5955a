/**
 * WebSocket keep-alive: every socket is pinged once per interval (the sweep is spread over
 * the interval), and a peer that does not answer is dropped at its next turn.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createBackendSet } from '../gateway/backends.js';
import { buildSchema } from '../gateway/schema.js';
import { prismAdapter } from '../adapters/prism/index.js';
import { startPrismSimulator, type PrismSimulator } from '../simulators/prism/index.js';
import { startGatewayServer, type GatewayServer } from './http.js';

describe('WebSocket keep-alive', () => {
  let sim: PrismSimulator;
  let gw: GatewayServer;

  beforeAll(async () => {
    sim = await startPrismSimulator();
    const adapter = prismAdapter.create(prismAdapter.configSchema.parse(sim.backendConfig('pc')) as never);
    gw = await startGatewayServer({ schema: buildSchema(), backends: createBackendSet([{ adapter }]), keepAliveMs: 200 });
  });
  afterAll(async () => {
    await gw?.stop();
    await sim?.close();
  });

  async function open(autoPong: boolean): Promise<{ socket: WebSocket; closed: Promise<void>; pings: () => number }> {
    const socket = new WebSocket(gw.wsUrl, 'graphql-transport-ws', { autoPong });
    let pings = 0;
    socket.on('ping', () => pings++);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await new Promise((resolve) => socket.once('message', resolve));
    return { socket, closed, pings: () => pings };
  }

  it('pings every socket and drops the one that stops answering, keeping the others', async () => {
    const healthy = await open(true);
    const silent = await open(false);
    const dropped = await Promise.race([silent.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);
    expect(dropped).toBe(true);
    expect(silent.pings()).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(healthy.socket.readyState).toBe(WebSocket.OPEN);
    expect(healthy.pings()).toBeGreaterThanOrEqual(2);
    healthy.socket.close();
    await healthy.closed;
  });
});
