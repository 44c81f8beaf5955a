/**
 * The embedded store's thread: better-sqlite3 is synchronous, and a stats query over a
 * million tasks takes a tenth of a second; run on the gateway's thread it would stall every
 * live request for that long. Here it runs the shared Kysely store (kysely-store.ts) and
 * answers the proxy in embedded.ts, one message per store call.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createKyselyStore } from './kysely-store.js';
import { migrate } from './migrations.js';
import type { HistoryDatabase } from './tables.js';
import type { HistoryStore } from './store.js';

export interface WorkerRequest {
  id: number;
  method: keyof HistoryStore;
  args: unknown[];
}

export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { message: string; code: string | null } }
  | { id: 0; ready: true }
  | { id: 0; ready: false; error: { message: string; code: string | null } };

const port = parentPort!;
const { path } = workerData as { path: string };

function errorOf(err: unknown): { message: string; code: string | null } {
  const code = (err as { code?: unknown } | null)?.code;
  return { message: err instanceof Error ? err.message : String(err), code: typeof code === 'string' ? code : null };
}

async function open(): Promise<HistoryStore> {
  const database = new Database(path);
  // WAL: readers never wait for the writer. synchronous=NORMAL: a commit is in the WAL file
  // when write() resolves, so it survives the process being killed (only a power loss or
  // OS crash can take the last commits; docs/history.md).
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // 64 MiB of page cache (the default is 2 MiB): the stats indexes of a million tasks stay in
  // memory, for the scans and for the inserts into them.
  database.pragma('cache_size = -65536');
  const db = new Kysely<HistoryDatabase>({ dialect: new SqliteDialect({ database }) });
  await migrate(db as Kysely<never>);
  return createKyselyStore(db, 'embedded');
}

try {
  const store = await open();
  port.on('message', (request: WorkerRequest) => {
    const method = store[request.method] as (...args: unknown[]) => Promise<unknown>;
    method.apply(store, request.args).then(
      (value) => port.postMessage({ id: request.id, ok: true, value } satisfies WorkerReply),
      (err: unknown) => port.postMessage({ id: request.id, ok: false, error: errorOf(err) } satisfies WorkerReply),
    );
  });
  port.postMessage({ id: 0, ready: true } satisfies WorkerReply);
} catch (err) {
  port.postMessage({ id: 0, ready: false, error: errorOf(err) } satisfies WorkerReply);
}
