/**
 * A taskgraph gateway in a child process of its own (started from a config object, exactly as
 * the CLI would), with calls for the benchmark: memory and subscription-hub figures.
 * Run with `--expose-gc` so memory can be read after a full collection.
 */
import dc from 'node:diagnostics_channel';
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { serveCalls } from './ipc.js';
import { httpPhases } from './http-phases.js';
import { median, round } from './stats.js';
import { builtModule } from '../../bin/built.js';
import type { GatewayServer } from '../../src/server/http.js';
import type { LoaderOptions } from '../../src/gateway/loaders.js';

/** A module of the gateway as `taskgraph` runs it: from the compiled build of this version (bin/built.js). */
const gatewayModule = async <T>(module: string): Promise<T> => (await import(builtModule(module).href)) as T;
const { parseConfig } = await gatewayModule<typeof import('../../src/server/config.js')>('server/config');
const { startGateway } = await gatewayModule<typeof import('../../src/server/gateway.js')>('server/gateway');
const { startGatewayServer } = await gatewayModule<typeof import('../../src/server/http.js')>('server/http');
const { securityFromConfig } = await gatewayModule<typeof import('../../src/security/options.js')>('security/options');
const { createBackendSet } = await gatewayModule<typeof import('../../src/gateway/backends.js')>('gateway/backends');
const { buildSchema } = await gatewayModule<typeof import('../../src/gateway/schema.js')>('gateway/schema');

/**
 * The config of a benchmark's gateway. `TASKGRAPH_COALESCE=off` in this process's environment
 * is `server.shareInFlight: false` (the engine alone); it stays readable by a checkout older
 * than the config option (bench/ab.ts runs one).
 */
function configOf(raw: Record<string, unknown>) {
  const server = { host: '127.0.0.1', port: 0, ...(process.env.TASKGRAPH_COALESCE === 'off' ? { shareInFlight: false } : {}) };
  return parseConfig({ ...raw, server: { ...server, ...(raw.server as object | undefined) } });
}

/** startGateway, with per-request loader options (the naive resolver of the upstream-requests benchmark). */
async function startWithLoaders(raw: Record<string, unknown>, loaders: LoaderOptions): Promise<GatewayServer> {
  const config = configOf(raw);
  const { shareInFlight } = config.server;
  const backends = createBackendSet(config.backends.map(({ module, config: b }) => ({ adapter: module.create(b, { shareInFlight }), knownAs: b.knownAs })));
  return startGatewayServer({ schema: buildSchema(), backends, subscriptions: config.subscriptions, loaders, shareInFlight, security: securityFromConfig(config) });
}

let gateway: GatewayServer | null = null;
let profiler: Session | null = null;

/**
 * For requests sent one at a time (a single connection): the phases every server times alike
 * (http-phases.ts), and the durations of the request's adapter calls (HTTP, parse, mapping).
 */
const phases = httpPhases();
let timings: number[][] | null = null;
let current: number[] | null = null;
dc.subscribe('http.server.request.start', () => {
  if (timings) current = [];
});
dc.subscribe('http.server.response.finish', () => {
  if (timings && current?.length) timings.push(current);
  current = null;
});

/** Garbage-collection pauses since the last `gcPauses` call (they show in latency tails). */
let pauses: number[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) pauses.push(entry.duration);
}).observe({ entryTypes: ['gc'] });

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

serveCalls({
  async start(raw: Record<string, unknown>, loaders?: LoaderOptions): Promise<{ url: string; wsUrl: string }> {
    gateway = loaders ? await startWithLoaders(raw, loaders) : await startGateway(configOf(raw));
    gateway.backends.observe((call) => current?.push(call.durationMs));
    return { url: gateway.url, wsUrl: gateway.wsUrl };
  },
  /** Starts recording request timings (one connection only: requests must not overlap). */
  recordTimings(): void {
    timings = [];
    phases.record();
  },
  /** Medians (ms) of the requests recorded since recordTimings. */
  timings(): Record<string, number> {
    const taken = timings ?? [];
    timings = null;
    return {
      ...phases.take(),
      fastestUpstream: round(median(taken.map((calls) => Math.min(...calls))), 2),
      slowestUpstream: round(median(taken.map((calls) => Math.max(...calls))), 2),
    };
  },
  /** A CPU profile of a benchmark's measured window only (BENCH_WINDOW_PROF): starts it. */
  async profileStart(): Promise<void> {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  },
  /** Stops the window's profile and writes it to `file`. */
  async profileStop(file: string): Promise<void> {
    const { profile } = await profiler!.post('Profiler.stop');
    fs.writeFileSync(file, JSON.stringify(profile));
    profiler!.disconnect();
    profiler = null;
  },
  memory(): NodeJS.MemoryUsage {
    collect();
    return process.memoryUsage();
  },
  /** CPU time used so far (µs), to tell which process was saturated. */
  cpu(): NodeJS.CpuUsage {
    return process.cpuUsage();
  },
  gcPauses(): { count: number; totalMs: number; maxMs: number } {
    const taken = pauses;
    pauses = [];
    return { count: taken.length, totalMs: Math.round(taken.reduce((a, b) => a + b, 0)), maxMs: Math.round(Math.max(0, ...taken)) };
  },
  hubStats() {
    return gateway?.hub.stats();
  },
});

process.on('SIGTERM', () => {
  void (gateway?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
});
