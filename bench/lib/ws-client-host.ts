/**
 * Many graphql-ws subscribers in a child process of their own: `sockets` WebSocket
 * connections (graphql-transport-ws protocol, spoken directly on `ws` to keep the client
 * light), subscriptions spread over them, and the receive instant of every `next` message,
 * to join with the instants the backend changed.
 */
import WebSocket from 'ws';
import { serveCalls } from './ipc.js';
import { percentile, round, Samples } from './stats.js';

const QUERY = 'subscription($id: ID!) { taskUpdated(id: $id) { nativeId progress } }';

const wallNow = () => performance.timeOrigin + performance.now();

let sockets: WebSocket[] = [];
/** Messages received: `${nativeId}/${progress}` -> receive instants. */
let received = new Map<string, number[]>();
let initial = 0;
let errors: string[] = [];

function onMessage(raw: WebSocket.RawData): void {
  const msg = JSON.parse(raw.toString()) as { type: string; payload?: any };
  if (msg.type === 'next') {
    const t = msg.payload?.data?.taskUpdated;
    if (!t) {
      errors.push(JSON.stringify(msg.payload).slice(0, 300));
      return;
    }
    const key = `${t.nativeId}/${t.progress}`;
    const list = received.get(key);
    if (list) list.push(wallNow());
    else received.set(key, [wallNow()]);
    initial++;
  } else if (msg.type === 'error') {
    errors.push(JSON.stringify(msg.payload).slice(0, 300));
  }
}

async function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, 'graphql-transport-ws');
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
      ws.once('message', () => resolve());
    });
  });
  ws.on('message', onMessage);
  ws.on('error', (err) => errors.push(err.message));
  return ws;
}

serveCalls({
  /** Opens the sockets and subscribes `count` times to the ids, round-robin; resolves when every initial state arrived. */
  async subscribe(url: string, ids: string[], count: number, socketCount: number): Promise<{ ms: number; errors: string[] }> {
    const started = performance.now();
    received = new Map();
    initial = 0;
    errors = [];
    const batch = 200;
    for (let i = 0; i < socketCount; i += batch) {
      sockets.push(...(await Promise.all(Array.from({ length: Math.min(batch, socketCount - i) }, () => open(url)))));
    }
    for (let i = 0; i < count; i++) {
      const ws = sockets[i % sockets.length]!;
      ws.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: QUERY, variables: { id: ids[i % ids.length] } } }));
      // Yield now and then so sends go out while the server starts answering.
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
    const deadline = Date.now() + 120_000;
    while (initial < count && errors.length === 0) {
      if (Date.now() > deadline) throw new Error(`only ${initial} of ${count} initial states after 120 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return { ms: round(performance.now() - started, 0), errors: errors.slice(0, 5) };
  },
  /** Messages received since `clear`. */
  count(): number {
    let n = 0;
    for (const list of received.values()) n += list.length;
    return n;
  },
  /** Forgets what was received (call after subscribing, before the measured changes). */
  clear(): void {
    received = new Map();
  },
  /**
   * Latencies from each backend change (key -> instant) to each delivery of it; also the
   * deliveries that were expected (subscribers per task) but never came.
   */
  latencies(changes: Record<string, number>, subscribersPerTask: number) {
    const samples = new Samples();
    let missing = 0;
    for (const [key, at] of Object.entries(changes)) {
      const got = received.get(key) ?? [];
      for (const t of got) samples.push(t - at);
      missing += Math.max(0, subscribersPerTask - got.length);
    }
    const v = samples.values();
    return { deliveries: v.length, missing, p50: round(percentile(v, 50), 1), p99: round(percentile(v, 99), 1), max: round(percentile(v, 100), 1), errors: errors.slice(0, 5) };
  },
  /** CPU time used so far (µs), to tell which process was saturated. */
  cpu(): NodeJS.CpuUsage {
    return process.cpuUsage();
  },
  async close(): Promise<void> {
    const all = sockets;
    sockets = [];
    await Promise.all(all.map((ws) => new Promise<void>((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) return resolve();
      ws.once('close', () => resolve());
      ws.close();
    })));
  },
});
