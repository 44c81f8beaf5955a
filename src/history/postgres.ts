/**
 * The PostgreSQL store, for several replicas writing one history: the shared Kysely store
 * over a `pg` pool. pg is asynchronous, so it runs on the gateway's thread.
 */
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { createKyselyStore } from './kysely-store.js';
import { migrate } from './migrations.js';
import type { HistoryDatabase } from './tables.js';
import type { HistoryStore } from './store.js';

const INT8 = 20;
const NUMERIC = 1700;

/** bigint and numeric as numbers (pg gives strings): epoch milliseconds and counts fit in 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8 || oid === NUMERIC ? Number : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser,
};

export interface PostgresStoreOptions {
  url: string;
  /** Connections (default 4). */
  max?: number;
  /** Called for errors of idle connections (the server restarting), which pg would otherwise throw. */
  onError?: (error: Error) => void;
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<HistoryStore> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 4,
    types,
    connectionTimeoutMillis: 5000,
    application_name: 'taskgraph-history',
    // No JIT: the stats query over a million tasks crosses jit_above_cost, and compiling it
    // takes longer than running it (docs/history.md).
    options: '-c jit=off',
  });
  pool.on('error', (err) => options.onError?.(err));
  const db = new Kysely<HistoryDatabase>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrate(db as Kysely<never>);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return createKyselyStore(db, 'postgres');
}
