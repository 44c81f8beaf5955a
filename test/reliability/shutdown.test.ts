/**
 * Graceful shutdown: a real `taskgraph serve` process gets SIGTERM while an HTTP request is
 * in flight and one live subscription per backend type is open. It stops accepting, finishes
 * the request, closes every WebSocket with 1001 and exits 0. In-process, the same stop is
 * checked for what a process exit would hide: watchers stopped, leases released, nothing
 * polled afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildSchema } from '../../src/gateway/schema.js';
import { startGatewayServer } from '../../src/server/http.js';
import type { LeaseManager } from '../../src/subscriptions/bus.js';
import { gql, waitFor } from '../support/gateway.js';
import { BACKEND_TYPES, configFor, createTestBackendSet, startLongTask, startSim, type BackendTypeName, type TestSimulator } from './support/backends.js';
import { cliArgs } from '../support/cli.js';

const MARKER = 'reliability.shutdown';
const UPDATED = `subscription($id: ID!) { taskUpdated(id: $id) { status } }`;

interface LiveSubscription {
  items: unknown[];
  closeCode: () => number | null;
  completed: () => boolean;
}

/** Subscribes to taskUpdated and records how the subscription ends (graphql-ws reports the close event as the error). */
function subscribe(client: Client, id: string): LiveSubscription {
  const items: unknown[] = [];
  let code: number | null = null;
  let completed = false;
  client.subscribe(
    { query: UPDATED, variables: { id } },
    {
      next: (v) => items.push(v.data),
      error: (e) => (code = (e as { code?: number }).code ?? -1),
      complete: () => (completed = true),
    },
  );
  return { items, closeCode: () => code, completed: () => completed };
}

/** Global ids of the marked long-running task of every backend. */
async function markedTaskIds(url: string): Promise<Map<string, string>> {
  const res: any = await gql(url, `{ tasks(first: 200) { edges { node { id backend operation description } } } }`);
  expect(res.errors).toBeUndefined();
  const marked = res.data.tasks.edges.filter((e: any) => e.node.operation === MARKER || e.node.description === MARKER);
  return new Map(marked.map((e: any) => [e.node.backend, e.node.id]));
}

describe('SIGTERM with live subscriptions and a request in flight (real process)', () => {
  const sims = new Map<BackendTypeName, TestSimulator>();
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    for (const type of BACKEND_TYPES) {
      const sim = await startSim(type);
      startLongTask(sim, MARKER);
      sims.set(type, sim);
    }
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    for (const sim of sims.values()) await sim.close();
  });

  it('stops accepting, finishes the request, closes every WebSocket with 1001 and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-shutdown-'));
    const file = join(dir, 'taskgraph.yaml');
    const backends = BACKEND_TYPES.map((type) => configFor(sims.get(type)!, type, { timeoutMs: 5000 }));
    writeFileSync(file, JSON.stringify({ server: { host: '127.0.0.1', port: 0 }, subscriptions: { pollFastMs: 100, pollIdleMs: 100 }, backends }));
    const proc = spawn(process.execPath, cliArgs('serve', '--config', file), { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const url = await waitFor(() => /serving \d+ backend\(s\) at (http:\/\/\S+\/graphql)/.exec(out)?.[1], `the server to start:\n${out}`, 20_000);

    const ids = await markedTaskIds(url);
    expect([...ids.keys()].sort()).toEqual([...BACKEND_TYPES].sort());
    const client = createClient({ url: url.replace('http:', 'ws:'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    const subs = [...ids.values()].map((id) => subscribe(client, id));
    await waitFor(() => subs.every((s) => s.items.length >= 1), 'the initial state on every subscription');

    // An HTTP request the backend holds for a while: it must be answered despite the SIGTERM.
    const prism = sims.get('prism')!;
    const reached = prism.server.total();
    prism.server.setFaults({ latencyMs: 1500 });
    const inFlight = gql(url, `{ tasks(first: 3, filter: { backend: ["prism"] }) { edges { node { backend } } } }`);
    await waitFor(() => prism.server.total() > reached, 'the request to reach the backend');

    proc.kill('SIGTERM');
    await waitFor(() => out.includes('SIGTERM, shutting down'), 'the shutdown to begin');
    const refused = await waitFor(
      () => fetch(url.replace('/graphql', '/healthz')).then(() => false, () => true),
      'new connections to be refused',
    );
    expect(refused).toBe(true);

    const answer: any = await inFlight;
    prism.server.setFaults({ latencyMs: 0 });
    expect(answer.errors).toBeUndefined();
    expect(answer.data.tasks.edges.length).toBeGreaterThan(0);
    await waitFor(() => subs.every((s) => s.closeCode() !== null), 'every subscription to be closed');
    expect(subs.map((s) => s.closeCode())).toEqual(subs.map(() => 1001));
    expect(await exited).toBe(0);
    await client.dispose();
  });
});

describe('stop() in process: watchers and leases', () => {
  it('stops every watcher, releases its lease, closes the lease manager, and polls nothing afterwards', async () => {
    const sim = await startSim('prism');
    startLongTask(sim, MARKER);
    const events: string[] = [];
    const leases: LeaseManager = {
      hold(backend, onAcquired) {
        events.push(`hold ${backend}`);
        onAcquired();
        return async () => void events.push(`release ${backend}`);
      },
      close: async () => void events.push('close'),
    };
    const backends = createTestBackendSet([configFor(sim, 'pc')]);
    const gw = await startGatewayServer({ schema: buildSchema(), backends, subscriptions: { leases, pollFastMs: 20, pollIdleMs: 20 }, shutdownGraceMs: 2000 });
    try {
      const [id] = [...(await markedTaskIds(gw.url)).values()];
      const client = createClient({ url: gw.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
      const sub = subscribe(client, id!);
      await waitFor(() => sub.items.length >= 1 && (gw.hub.stats().watchers[0]?.polls ?? 0) >= 2, `a live subscription and a polling watcher: ${JSON.stringify({ items: sub.items, code: sub.closeCode(), done: sub.completed(), stats: gw.hub.stats() })}`);
      expect(events).toEqual(['hold pc']);
      await gw.stop();
      expect(sub.closeCode()).toBe(1001);
      expect(gw.hub.stats().watchers).toEqual([]);
      expect(events).toEqual(['hold pc', 'release pc', 'close']);
      const after = sim.server.total();
      await new Promise((r) => setTimeout(r, 100)); // five poll intervals: none may come
      expect(sim.server.total()).toBe(after);
      await client.dispose();
    } finally {
      await sim.close();
    }
  });
});
