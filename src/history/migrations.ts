/**
 * Versioned migrations, applied at start by Kysely's Migrator (which takes a lock, so two
 * replicas starting together apply each once). Append new ones; never edit a released one.
 * Column types are ones both SQLite and PostgreSQL read the same way.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';

const STATS_COLUMNS = ['status', 'sort_time', 'backend_type', 'backend', 'tenant'] as const;

const initial: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('task')
      .addColumn('backend', 'text', (c) => c.notNull())
      .addColumn('native_id', 'text', (c) => c.notNull())
      .addColumn('backend_type', 'text', (c) => c.notNull())
      .addColumn('tenant', 'text')
      .addColumn('operation', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('sort_time', 'bigint', (c) => c.notNull())
      .addColumn('day', 'integer', (c) => c.notNull())
      .addColumn('last_updated_at', 'bigint')
      .addColumn('expires_at', 'bigint')
      .addColumn('duration_ms', 'bigint')
      .addColumn('duration_bucket', 'integer')
      .addColumn('duration_bucket_coarse', 'integer')
      .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('gone_at', 'bigint')
      .addColumn('snapshot', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('task_pk', ['backend', 'native_id'])
      .execute();
    // History pages, since/until and retention walk the sort time.
    await db.schema.createIndex('task_time_ix').on('task').columns(['sort_time', 'backend', 'native_id']).execute();
    // taskStats grouped by operation (and by operation and day, the console's chart) read
    // only these indexes: every column the query filters or counts is in them. The narrow
    // one serves the unfiltered, unscoped question in half the time of the wide one
    // (PostgreSQL's index-only scan of a million tasks, docs/performance.md).
    await db.schema.createIndex('task_operation_counts_ix').on('task').columns(['operation', 'duration_bucket', 'status']).execute();
    await db.schema.createIndex('task_operation_stats_ix').on('task').columns(['operation', 'duration_bucket', ...STATS_COLUMNS]).execute();
    // By day first: since/until become a range of it (filterWhere adds the days they imply).
    await db.schema.createIndex('task_day_operation_stats_ix').on('task').columns(['day', 'operation', 'duration_bucket_coarse', ...STATS_COLUMNS]).execute();

    await db.schema
      .createTable('task_transition')
      .addColumn('backend', 'text', (c) => c.notNull())
      .addColumn('native_id', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('progress', 'integer')
      // Keyed by task and transition time: two replicas recording the same change store it once.
      .addPrimaryKeyConstraint('task_transition_pk', ['backend', 'native_id', 'at', 'status'])
      .addForeignKeyConstraint('task_transition_task_fk', ['backend', 'native_id'], 'task', ['backend', 'native_id'], (c) => c.onDelete('cascade'))
      .execute();

    await db.schema
      .createTable('task_entity')
      .addColumn('backend', 'text', (c) => c.notNull())
      .addColumn('native_id', 'text', (c) => c.notNull())
      .addColumn('entity_backend', 'text', (c) => c.notNull())
      .addColumn('entity_native_id', 'text', (c) => c.notNull())
      .addColumn('entity_type', 'text', (c) => c.notNull())
      .addColumn('entity_name', 'text')
      .addPrimaryKeyConstraint('task_entity_pk', ['backend', 'native_id', 'entity_backend', 'entity_native_id', 'entity_type'])
      .addForeignKeyConstraint('task_entity_task_fk', ['backend', 'native_id'], 'task', ['backend', 'native_id'], (c) => c.onDelete('cascade'))
      .execute();
    await db.schema.createIndex('task_entity_ix').on('task_entity').columns(['entity_native_id', 'entity_type']).execute();
  },
};

const MIGRATIONS: Record<string, Migration> = { '0001_initial': initial };

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** Applies every pending migration; throws naming the one that failed. */
export async function migrate(db: Kysely<never>): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'history_migration', migrationLockTableName: 'history_migration_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`history store: migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
