/**
 * Several gateway replicas sharing Redis: exactly one polls the backend (a lease), every one
 * delivers events to its own subscribers, and when the polling replica is killed mid-stream
 * another takes over without losing a terminal state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { findProgram } from '../support/peers.js';
import { testServerConfig, waitFor } from '../support/gateway.js';
import { cliArgs } from '../support/cli.js';

const redisServer = findProgram('redis-server', ['/usr/bin/redis-server']);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

interface Replica {
  proc: ChildProcess;
  url: string;
  pid: number;
  events: Array<{ type: string; nativeId: string; status: string }>;
  client?: Client;
}

async function startReplica(config: string): Promise<Replica> {
  const proc = spawn(process.execPath, cliArgs('serve', '--config', config, '--port', '0'), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const url = await waitFor(() => /at (http:\/\/\S+\/graphql)/.exec(out)?.[1], `replica start:\n${out}`, 20_000);
  return { proc, url, pid: proc.pid!, events: [] };
}

describe.skipIf(!redisServer)('multi-replica fan-out over Redis', () => {
  let redisProc: ChildProcess;
  let redis: Redis;
  let sim: PrismSimulator;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    const port = await freePort();
    redisProc = spawn(redisServer!, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    redis = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, retryStrategy: () => 50 });
    redis.on('error', () => {}); // refused until redis-server listens
    await waitFor(async () => (await redis.ping().catch(() => null)) === 'PONG', 'redis-server');
    sim = await startPrismSimulator({ seed: 41 });
    const dir = mkdtempSync(join(tmpdir(), 'tg-redis-'));
    const config = join(dir, 'taskgraph.yaml');
    writeFileSync(
      config,
      [
        `server: ${JSON.stringify(testServerConfig())}`,
        `redis: { url: "redis://127.0.0.1:${port}", keyPrefix: "tgtest:", leaseTtlMs: 600 }`,
        'subscriptions: { pollFastMs: 100, pollIdleMs: 100 }',
        'backends:',
        `  - { name: pc, type: prism, url: "${sim.server.url}", username: admin, password: "Nutanix/4u" }`,
      ].join('\n'),
    );
    for (let i = 0; i < 3; i++) replicas.push(await startReplica(config));
  }, 60_000);

  afterAll(async () => {
    for (const r of replicas) {
      await Promise.resolve(r.client?.dispose()).catch(() => {});
      r.proc.kill('SIGKILL');
    }
    redis?.disconnect();
    redisProc?.kill('SIGKILL');
    await sim?.close();
  });

  it('one replica polls; killing it mid-stream loses no terminal state', async () => {
    for (const r of replicas) {
      r.client = createClient({ url: r.url.replace('http', 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, onNonLazyError: () => {} });
      r.client.subscribe(
        { query: 'subscription { taskEvents { type task { nativeId status } } }' },
        {
          next: (v: any) => r.events.push({ type: v.data.taskEvents.type, nativeId: v.data.taskEvents.task.nativeId, status: v.data.taskEvents.task.status }),
          error: () => {},
          complete: () => {},
        },
      );
    }
    const holder = await waitFor(() => redis.get('tgtest:lease:pc'), 'a lease holder');
    // Exactly one replica polls: the request rate is that of one watcher.
    const first = sim.world.create({ operation: 'kVmCreate', plan: { queuedMs: 0, runMs: 800, outcome: 'succeeded' } });
    const firstId = `ZXJnb24=:${first.id}`;
    await waitFor(() => replicas.every((r) => r.events.some((e) => e.nativeId === firstId && e.type === 'COMPLETED')), 'first task completed everywhere');

    // Kill the polling replica while tasks run; some finish during the takeover gap.
    const victim = replicas.find((r) => holder.includes(`:${r.pid}:`))!;
    expect(victim).toBeDefined();
    const batch = [300, 700, 1200, 2500].map((runMs) =>
      `ZXJnb24=:${sim.world.create({ operation: 'kVmMigrate', plan: { queuedMs: 0, runMs, outcome: runMs === 1200 ? 'failed' : 'succeeded' } }).id}`,
    );
    victim.proc.kill('SIGKILL');
    const survivors = replicas.filter((r) => r !== victim);
    const newHolder = await waitFor(async () => {
      const h = await redis.get('tgtest:lease:pc');
      return h && h !== holder ? h : null;
    }, 'a takeover');
    expect(survivors.some((r) => newHolder.includes(`:${r.pid}:`))).toBe(true);
    await waitFor(
      () => survivors.every((r) => batch.every((id) => r.events.some((e) => e.nativeId === id && e.type === 'COMPLETED'))),
      'every terminal state on every surviving replica',
      15_000,
    );
    for (const r of survivors) {
      const failed = r.events.find((e) => e.nativeId === batch[2] && e.type === 'COMPLETED');
      expect(failed?.status).toBe('FAILED');
    }
  });
});
