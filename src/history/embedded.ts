/**
 * The embedded store: an SQLite file, written and read in a worker thread (sqlite-worker.ts)
 * so that no query ever blocks the gateway's event loop. This is the proxy: every store call
 * is one message; the worker is referenced only while calls are pending, so an idle store
 * never keeps the process alive.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { HistoryStore } from './store.js';
import type { WorkerReply, WorkerRequest } from './sqlite-worker.js';

/** A worker running this module's sibling, from the compiled build or, under tsx, the sources. */
function spawn(path: string): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./sqlite-worker.js', self), { workerData: { path } });
  // Running from the sources (tsx, vitest): the worker registers tsx, then imports the TypeScript.
  const tsx = pathToFileURL(createRequire(self).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./sqlite-worker.ts', self).href;
  const code = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, workerData: { path } });
}

class StoreError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

/** Opens (creating it and applying migrations when needed) the SQLite file at `path`. */
export async function openEmbeddedStore(path: string): Promise<HistoryStore> {
  const worker = spawn(path);
  const calls = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  let nextId = 1;
  let dead: Error | null = null;

  await new Promise<void>((resolve, reject) => {
    const onReady = (reply: WorkerReply) => {
      if (!('ready' in reply)) return;
      worker.off('message', onReady);
      if (reply.ready) resolve();
      else {
        void worker.terminate();
        reject(new StoreError(`cannot open ${path}: ${reply.error.message}`, reply.error.code));
      }
    };
    worker.on('message', onReady);
    worker.once('error', reject);
  });

  const fail = (err: Error) => {
    dead = err;
    for (const call of calls.values()) call.reject(err);
    calls.clear();
  };
  worker.on('message', (reply: WorkerReply) => {
    if (reply.id === 0 || !('ok' in reply)) return;
    const call = calls.get(reply.id);
    if (!call) return;
    calls.delete(reply.id);
    if (calls.size === 0) worker.unref();
    if (reply.ok) call.resolve(reply.value);
    else call.reject(new StoreError(reply.error.message, reply.error.code));
  });
  worker.on('error', (err) => fail(new StoreError(`the store's worker failed: ${err.message}`, 'STORE_CLOSED')));
  worker.on('exit', () => fail(new StoreError('the store\'s worker exited', 'STORE_CLOSED')));
  worker.unref();

  function call<T>(method: WorkerRequest['method'], ...args: unknown[]): Promise<T> {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    if (calls.size === 0) worker.ref();
    return new Promise<T>((resolve, reject) => {
      calls.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, method, args } satisfies WorkerRequest);
    });
  }

  return {
    kind: 'embedded',
    write: (records, gone) => call('write', records, gone),
    page: (query) => call('page', query),
    count: (query) => call('count', query),
    transitions: (keys) => call('transitions', keys),
    stats: (query) => call('stats', query),
    retain: (limits) => call('retain', limits),
    size: () => call('size'),
    async close() {
      if (dead) return;
      try {
        await call('close');
      } finally {
        await worker.terminate();
      }
    },
  };
}
