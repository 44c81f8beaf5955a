/**
 * Benchmark 3 (issues 6 and 11): subscription fan-out. 1 and then 10,000 `taskUpdated`
 * subscribers on one gateway process, spread over 100 running tasks of one Prism simulator
 * (100 subscribers per task at 10,000). The benchmark changes the progress of each task once a
 * second in the simulator, the tasks staggered over the second (so 10,000 subscribers get
 * 10,000 deliveries a second, ~500 per watcher poll), and times each delivery from that instant to the
 * client. Reported: backend requests per second (the shared watcher: must not grow with
 * subscribers), change-to-client latency p50/p99, and gateway memory per subscriber
 * (heap and RSS after a full GC, against the same process before subscribing).
 *
 * 10,000 subscribers run twice: on one WebSocket each, as 10,000 browsers would connect (the
 * costly case: a socket, a graphql-ws connection and a context per subscriber, and one
 * socket write per delivery), then on 100 WebSockets carrying 100 subscriptions each (a
 * hundred dashboards). The sockets live in a separate client process.
 */
import { startChild, type ChildService } from './lib/ipc.js';
import { ratio, round } from './lib/stats.js';
import { table, type Cell } from './lib/table.js';
import type { BenchOptions, BenchResult } from './lib/bench.js';
import type { StartedSim } from './lib/sim-host.js';
import { encodeTaskId } from '../src/model/global-id.js';

const TASKS = 100;
const POLL_MS = 50;

const PREFIX = 'ZXJnb24=:';

interface Phase {
  subscribers: number;
  sockets: number;
  subscribeMs: number;
  /** Backend requests while subscribing (initial states and the watcher's first polls). */
  subscribeUpstream: number;
  backendRps: number;
  deliveries: number;
  missing: number;
  p50: number;
  p99: number;
  max: number;
  heapPerSubscriberKiB: number | null;
  rssPerSubscriberKiB: number | null;
  /** CPU used during the measured changes, % of one core, per process. */
  cpuPercent: { gateway: number; client: number; backend: number };
  /** Longest and total GC pause in the gateway while changes were measured. */
  gcMaxPauseMs: number;
  gcTotalMs: number;
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const seconds = options.quick ? 5 : 10;
  const children: ChildService[] = [];
  try {
    const sims = await startChild(new URL('./lib/sim-host.ts', import.meta.url));
    children.push(sims);
    const [prism] = await sims.call<StartedSim[]>('start', [{ kind: 'prism', name: 'pc', seed: 5 }]);
    const simIds = await sims.call<string[]>('createExternal', 'pc', TASKS);
    const ids = simIds.map((id) => encodeTaskId('pc', PREFIX + id));
    const gateway = await startChild(new URL('./lib/gateway-host.ts', import.meta.url), { profile: true, execArgv: ['--expose-gc', '--max-old-space-size=4096'] });
    children.push(gateway);
    const { wsUrl } = await gateway.call<{ wsUrl: string }>('start', {
      backends: [prism!.backend],
      subscriptions: { pollFastMs: POLL_MS, pollIdleMs: 1000, maxPending: 1000 },
    });
    let progress = 2;

    async function phase(subscribers: number, sockets: number): Promise<Phase> {
      // The client stands in for 10,000 browsers in one process: with V8's default young
      // generation its own collections (Mark-Compact pauses of 13-40 ms, seen with --trace-gc)
      // stamped a whole burst's receipt late, which no population of real clients would see.
      const client = await startChild(new URL('./lib/ws-client-host.ts', import.meta.url), {
        execArgv: ['--max-old-space-size=4096', '--max-semi-space-size=64'],
      });
      try {
        const before = await gateway.call<NodeJS.MemoryUsage>('memory');
        await sims.call('reset');
        const sub = await client.call<{ ms: number; errors: string[] }>('subscribe', wsUrl, ids.slice(0, Math.min(TASKS, subscribers)), subscribers, sockets);
        if (sub.errors.length) throw new Error(`subscribe: ${sub.errors[0]}`);
        const subscribeUpstream = (await sims.call<Record<string, number>>('totals')).pc ?? 0;
        const after = await gateway.call<NodeJS.MemoryUsage>('memory');
        await client.call('clear');
        await sims.call('reset');
        const cpu0 = await Promise.all([gateway, client, sims].map((c) => c.call<NodeJS.CpuUsage>('cpu')));
        await gateway.call('gcPauses');
        const windowProfile = process.env.BENCH_WINDOW_PROF;
        if (windowProfile) await gateway.call('profileStart');
        const started = performance.now();
        const changes: Record<string, number> = {};
        const tasks = simIds.slice(0, Math.min(TASKS, subscribers));
        // Each task changes once a second, the tasks staggered over the second (task i at i * 10 ms).
        const slot = 1000 / tasks.length;
        for (let b = 0; b < seconds; b++) {
          progress++;
          for (let i = 0; i < tasks.length; i++) {
            const due = started + (b * 1000 + i * slot);
            const wait = due - performance.now();
            if (wait > 1) await new Promise((r) => setTimeout(r, wait));
            changes[`${PREFIX}${tasks[i]}/${progress}`] = await sims.call<number>('setProgress', 'pc', tasks[i], progress);
          }
        }
        await new Promise((r) => setTimeout(r, Math.max(0, started + seconds * 1000 - performance.now())));
        const elapsed = (performance.now() - started) / 1000;
        if (windowProfile) await gateway.call('profileStop', `${windowProfile}/fanout-${subscribers}-${sockets}.cpuprofile`);
        const cpu1 = await Promise.all([gateway, client, sims].map((c) => c.call<NodeJS.CpuUsage>('cpu')));
        const gc = await gateway.call<{ count: number; totalMs: number; maxMs: number }>('gcPauses');
        const busy = cpu1.map((c, i) => round(((c.user + c.system - cpu0[i]!.user - cpu0[i]!.system) / 1e6 / elapsed) * 100, 0));
        const totals = await sims.call<Record<string, number>>('totals');
        // Late deliveries count (with their latency) until the expected number arrived or none came for 2 s.
        const expected = seconds * subscribers;
        for (let last = -1, quiet = 0; quiet < 10; ) {
          const n = await client.call<number>('count');
          if (n >= expected) break;
          quiet = n === last ? quiet + 1 : 0;
          last = n;
          await new Promise((r) => setTimeout(r, 200));
        }
        const lat = await client.call<{ deliveries: number; missing: number; p50: number; p99: number; max: number; errors: string[] }>(
          'latencies',
          changes,
          subscribers / tasks.length,
        );
        if (lat.errors.length) throw new Error(`deliveries: ${lat.errors[0]}`);
        await client.call('close');
        const perSub = (a: number, b: number) => (subscribers >= 100 ? round((b - a) / subscribers / 1024, 1) : null);
        return {
          subscribers,
          sockets,
          subscribeMs: sub.ms,
          subscribeUpstream,
          backendRps: round((totals.pc ?? 0) / elapsed, 1),
          deliveries: lat.deliveries,
          missing: lat.missing,
          p50: lat.p50,
          p99: lat.p99,
          max: lat.max,
          heapPerSubscriberKiB: perSub(before.heapUsed, after.heapUsed),
          rssPerSubscriberKiB: perSub(before.rss, after.rss),
          cpuPercent: { gateway: busy[0]!, client: busy[1]!, backend: busy[2]! },
          gcMaxPauseMs: gc.maxMs,
          gcTotalMs: gc.totalMs,
        };
      } finally {
        await client.stop();
      }
    }

    const one = await phase(1, 1);
    const many = await phase(10_000, 10_000);
    const shared = await phase(10_000, 100);
    const rows: Cell[][] = [one, many, shared].map((p) => [
      p.subscribers,
      p.sockets,
      p.subscribeMs,
      p.subscribeUpstream,
      p.backendRps,
      p.deliveries,
      p.missing,
      p.p50,
      p.p99,
      p.max,
      p.heapPerSubscriberKiB,
      p.rssPerSubscriberKiB,
      `${p.cpuPercent.gateway} / ${p.cpuPercent.client} / ${p.cpuPercent.backend}`,
      `${p.gcMaxPauseMs} / ${p.gcTotalMs}`,
    ]);
    rows.push(['ratio 10,000 (one socket each) / 1', null, null, null, ratio(many.backendRps, one.backendRps), null, null, ratio(many.p50, one.p50), ratio(many.p99, one.p99), ratio(many.max, one.max), null, null, null, null]);
    return {
      name: 'subscription-fanout',
      title: `Subscription fan-out: taskUpdated over ${TASKS} running Prism tasks, each changed once a second, staggered (10,000 deliveries/s at 10,000 subscribers), for ${seconds} s, watcher polling every ${POLL_MS} ms; 10,000 subscribers on one WebSocket each (10,000 browsers), then on 100 WebSockets (dashboards watching 100 tasks each)`,
      text: table(
        ['subscribers', 'sockets', 'subscribe ms', 'backend req while subscribing', 'backend req/s', 'deliveries', 'missed', 'p50 ms', 'p99 ms', 'max ms', 'heap KiB/sub', 'RSS KiB/sub', 'CPU % gw/client/backend', 'GC ms max/total'],
        rows,
      ),
      goals: [
        { goal: `backend load independent of subscribers (${one.backendRps} vs ${many.backendRps} req/s)`, ok: many.backendRps <= one.backendRps * 1.2 + 1 },
        { goal: `p99 change-to-client latency under 100 ms at 10,000 subscribers on 10,000 sockets (${many.p99} ms)`, ok: many.p99 < 100 },
        { goal: `p99 change-to-client latency under 100 ms at 10,000 subscribers on 100 sockets (${shared.p99} ms)`, ok: shared.p99 < 100 },
        { goal: `no delivery missed (${many.missing + shared.missing} missed)`, ok: many.missing === 0 && one.missing === 0 && shared.missing === 0 },
      ],
      data: { pollMs: POLL_MS, tasks: TASKS, seconds, phases: [one, many, shared] },
    };
  } finally {
    for (const c of children.reverse()) await c.stop();
  }
}
