/**
 * What one list page costs on each backend type: TASK_LIST (`tasks(first: 50)`, the list
 * view) through an in-process gateway to one simulator of the type at a fixed latency, sent
 * one at a time; prints the median time, the upstream requests per query and one query's
 * upstream timeline (sent -> answered, ms), which shows the round trips made in sequence.
 *
 *   npx tsx bench/list-latency.ts            # LATENCY=20 (ms), N=20 queries per type
 *
 * Not part of `npm run bench` (issue 11 sets no goal for it); for changes to a listing's
 * round trips (docs/backends/*.md, "Listing").
 */
import dc from 'node:diagnostics_channel';
import type http from 'node:http';
import { startChild } from './lib/ipc.js';
import { post } from './lib/graphql.js';
import { TASK_LIST } from './lib/queries.js';
import type { StartedSim } from './lib/sim-host.js';
import { median, round } from './lib/stats.js';
import { parseConfig } from '../src/server/config.js';
import { startGateway } from '../src/server/gateway.js';

const latencyMs = Number(process.env.LATENCY ?? 20);
const n = Number(process.env.N ?? 20);
const kinds = ['prism', 'vcd', 'vsphere-soap', 'vsphere-rest'];

let t0 = 0;
let calls: string[] = [];
dc.subscribe('http.client.request.start', (message) => {
  const { request } = message as { request: http.ClientRequest };
  const sent = performance.now() - t0;
  request.once('response', (res: http.IncomingMessage) =>
    res.once('end', () => calls.push(`${round(sent, 1)} -> ${round(performance.now() - t0, 1)}  ${request.method} ${request.path.split('?')[0]}`)),
  );
});

const sims = await startChild(new URL('./lib/sim-host.ts', import.meta.url));
try {
  const started = await sims.call<StartedSim[]>('start', kinds.map((kind, i) => ({ kind, name: `b${i}`, seed: 7, backfill: 120, latencyMs })));
  for (const [i, kind] of kinds.entries()) {
    const gw = await startGateway(parseConfig({ server: { host: '127.0.0.1', port: 0 }, backends: [started[i]!.backend] }));
    try {
      for (let j = 0; j < 5; j++) await post(gw.url, TASK_LIST, { first: 50 }); // log in, fill caches
      const times: number[] = [];
      let requests = 0;
      let timeline: string[] = [];
      for (let j = 0; j < n; j++) {
        calls = [];
        t0 = performance.now();
        times.push((await post(gw.url, TASK_LIST, { first: 50 })).ms);
        requests += calls.length;
        timeline = calls;
      }
      console.log(`${kind}: p50 ${round(median(times), 1)} ms at ${latencyMs} ms backend latency, ${round(requests / n, 1)} upstream requests per query; the last one's:`);
      for (const line of timeline) console.log(`  ${line}`);
    } finally {
      await gw.stop();
    }
  }
} finally {
  await sims.stop();
}
