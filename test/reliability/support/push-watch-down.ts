/**
 * A push watcher started while its backend is down, in a process of its own (an unhandled
 * rejection ends a Node process): subscribes while `watch()` fails, brings the backend back,
 * changes the task, and prints "recovered" once the subscriber saw the terminal state.
 *   node --import tsx push-watch-down.ts [raw]
 * `raw` hands the hub the bare adapter instead of the backend set's (resilient) one.
 */
import { createBackendSet, type BackendSet } from '../../../src/gateway/backends.js';
import { createHub } from '../../../src/subscriptions/hub.js';
import { memoryAdapter, task } from './memory-adapter.js';

const deadline = (ms: number, what: string) => setTimeout(() => (console.log(`timed out: ${what}`), process.exit(3)), ms).unref();
async function until(check: () => boolean, what: string): Promise<void> {
  const timer = deadline(1500, what);
  while (!check()) await new Promise((r) => setTimeout(r, 10));
  clearTimeout(timer);
}

const mem = memoryAdapter(true);
const set = createBackendSet([{ adapter: mem.adapter }]);
const raw = { ...set, get: (name: string) => (name === 'mem' ? { ...set.get('mem')!, adapter: mem.adapter } : undefined) } as BackendSet;
const hub = createHub({ backends: process.argv[2] === 'raw' ? raw : set, pollFastMs: 10, pollIdleMs: 10 });
mem.set(task('t1', 'RUNNING'));
mem.state.down = true;
const updates = await hub.watchTask({ backend: 'mem', nativeId: 't1' }, async () => task('t1', 'RUNNING'), (t) => t.status);
const seen: string[] = [];
void (async () => {
  for await (const status of updates!) seen.push(status);
})();
await until(() => mem.state.watchCalls >= 1, 'the first watch call');
mem.state.down = false;
await until(() => mem.watching(), 'the watch to be set up again');
// Finished while the push stream was still being re-established (or was never up).
mem.set(task('t1', 'SUCCEEDED'));
await until(() => seen.includes('SUCCEEDED'), 'the terminal state');
console.log('recovered');
await hub.close();
