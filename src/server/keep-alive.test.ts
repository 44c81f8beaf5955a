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

  /** Waits for a condition, polling, with a deadline (no sleeps for luck). */
  async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('pings every socket and drops the one that stops answering, keeping the others', async () => {
    const healthy = await open(true);
    const silent = await open(false);
    let dropped = false;
    void silent.closed.then(() => (dropped = true));
    await until(() => dropped, 'the silent peer to be dropped');
    expect(silent.pings()).toBeGreaterThanOrEqual(1);
    const seen = healthy.pings();
    await until(() => healthy.pings() >= seen + 2, 'two more pings to the healthy peer');
    expect(healthy.socket.readyState).toBe(WebSocket.OPEN);
    healthy.socket.close();
    await healthy.closed;
  });
});
