/**
 * A taskgraph gateway in a child process of its own (started from a config object, exactly as
 * the CLI would), with calls for the benchmark: memory and subscription-hub figures.
 * Run with `--expose-gc` so memory can be read after a full collection.
 */
import dc from 'node:diagnostics_channel';
import { PerformanceObserver } from 'node:perf_hooks';
import { serveCalls } from './ipc.js';
import { httpPhases } from './http-phases.js';
import { parseConfig } from '../../src/server/config.js';
import { startGateway } from '../../src/server/gateway.js';
import { startGatewayServer, type GatewayServer } from '../../src/server/http.js';
import { createBackendSet } from '../../src/gateway/backends.js';
import { buildSchema } from '../../src/gateway/schema.js';
import type { LoaderOptions } from '../../src/gateway/loaders.js';

/** startGateway, with per-request loader options (the naive resolver of the upstream-requests benchmark). */
async function startWithLoaders(raw: Record<string, unknown>, loaders: LoaderOptions): Promise<GatewayServer> {
  const config = parseConfig({ server: { host: '127.0.0.1', port: 0 }, ...raw });
  const backends = createBackendSet(config.backends.map(({ module, config: b }) => ({ adapter: module.create(b), knownAs: b.knownAs })));
  return startGatewayServer({ schema: buildSchema(), backends, subscriptions: config.subscriptions, loaders });
}

let gateway: GatewayServer | null = null;

/**
 * Where one request's time goes, for requests sent one at a time (a single connection): from
 * its arrival to the first upstream call, the upstream calls (each including the adapter's
 * parse and mapping), and from the last upstream answer to the response's last byte written.
 */
interface Timing {
  arrived: number;
  calls: Array<{ started: number; ended: number }>;
  finished: number;
}
let timings: Timing[] | null = null;
let current: Timing | null = null;
dc.subscribe('http.server.request.start', () => {
  if (timings) current = { arrived: performance.now(), calls: [], finished: 0 };
});
dc.subscribe('http.server.response.finish', () => {
  if (!timings || !current) return;
  current.finished = performance.now();
  if (current.calls.length) timings.push(current);
  current = null;
});

const phases = httpPhases();

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
    gateway = loaders ? await startWithLoaders(raw, loaders) : await startGateway(parseConfig({ server: { host: '127.0.0.1', port: 0 }, ...raw }));
    gateway.backends.observe((call) => {
      const ended = performance.now();
      current?.calls.push({ started: ended - call.durationMs, ended });
    });
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
    const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN;
    const of = (f: (t: Timing) => number) => Math.round(median(taken.map(f)) * 100) / 100;
    return {
      ...phases.take(),
      fastestUpstream: of((t) => Math.min(...t.calls.map((c) => c.ended - c.started))),
      slowestUpstream: of((t) => Math.max(...t.calls.map((c) => c.ended - c.started))),
    };
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
