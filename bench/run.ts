/**
 * `npm run bench [-- --quick] [-- --only=name[,name]]`: runs taskgraph's benchmarks one after
 * another (each starts its own simulators, gateways and load generator as child processes),
 * prints every table with its ratios and goals, and writes bench/results/<name>.json.
 *
 * Benchmarks: gateway-overhead, upstream-requests, subscription-fanout, peers, history.
 * The figures are ratios measured in one run on one machine; see docs/performance.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { Benchmark, BenchResult } from './lib/bench.js';
import { builtModule } from '../bin/built.js';

const BENCHMARKS: Record<string, () => Promise<{ run: Benchmark }>> = {
  'gateway-overhead': () => import('./gateway-overhead.js'),
  'upstream-requests': () => import('./upstream-requests.js'),
  'subscription-fanout': () => import('./subscription-fanout.js'),
  peers: () => import('./peers.js'),
  history: () => import('./history.js'),
};

function parseArgs(argv: string[]): { quick: boolean; only: string[] } {
  const quick = argv.includes('--quick');
  const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',').filter(Boolean) ?? Object.keys(BENCHMARKS);
  for (const name of only) if (!BENCHMARKS[name]) throw new Error(`unknown benchmark ${name}; one of ${Object.keys(BENCHMARKS).join(', ')}`);
  return { quick, only };
}

async function main(): Promise<void> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  const machine = { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
  console.log(`taskgraph benchmarks${quick ? ' (--quick)' : ''}: ${only.join(', ')}`);
  console.log(`node ${machine.node}, ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB`);
  // The gateway runs as `taskgraph` does (bench/lib/gateway-host.ts): the compiled build of this version.
  try {
    builtModule('server/cli');
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  console.log('taskgraph: the compiled build (dist/; `npm run build` after changing src/)\n');
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const results: BenchResult[] = [];
  let failed = false;
  for (const name of only) {
    const started = performance.now();
    process.stdout.write(`## ${name} ...\n`);
    try {
      const { run } = await BENCHMARKS[name]!();
      const result = await run({ quick });
      results.push(result);
      console.log(`${result.title}\n\n${result.text}\n`);
      for (const g of result.goals) console.log(`goal: ${g.goal}: ${g.ok ? 'met' : 'NOT met'}`);
      const at = new Date().toISOString();
      writeFileSync(new URL(`${name}.json`, dir), JSON.stringify({ name, at, quick, machine, title: result.title, goals: result.goals, data: result.data }, null, 2));
      console.log(`(${Math.round((performance.now() - started) / 1000)} s; bench/results/${name}.json)\n`);
    } catch (err) {
      failed = true;
      console.error(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
  }
  const goals = results.flatMap((r) => r.goals.map((g) => ({ ...g, bench: r.name })));
  console.log('## summary');
  for (const g of goals) console.log(`${g.ok ? 'met    ' : 'NOT met'}  ${g.bench}: ${g.goal}`);
  if (failed) process.exitCode = 1;
}

await main();
