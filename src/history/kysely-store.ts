/**
 * The history store's one query layer, over Kysely, for both dialects: the embedded SQLite
 * file (inside the worker, embedded.ts) and PostgreSQL (postgres.ts). Every statement here
 * is one both databases run as written (row values, ON CONFLICT, CASE).
 */
import { sql, type ExpressionBuilder, type Kysely, type SqlBool, type Expression } from 'kysely';
import { TASK_STATUSES, type TaskStatus } from '../model/task.js';
import { taskOfSnapshot } from './rows.js';
import { bucketWidth, coarseBucket, dayOf, durationBucket } from './stats.js';
import type { HistoryDatabase } from './tables.js';
import type { GoneRecord, HistoryFilter, HistoryPageQuery, HistoryScope, HistoryStore, StatsQuery, StatsRow, StoredTask, TaskRecord, TransitionRow } from './store.js';

type Where = ExpressionBuilder<HistoryDatabase, 'task'>;

/** Rows per INSERT: 17 parameters each stays under SQLite's 32,766 and PostgreSQL's 65,535. */
const CHUNK = 1000;
/** Tasks deleted per statement by retention, so a long delete never holds the writer for long. */
const DELETE_CHUNK = 5000;

const FINISHED = sql.raw(`('SUCCEEDED', 'FAILED', 'CANCELED')`);

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The principal's scope as SQL: the same rule as live tasks (src/security/access.ts). */
export function scopeWhere(eb: Where, scope: HistoryScope): Expression<SqlBool> {
  const parts: Array<Expression<SqlBool>> = [];
  if (scope.backends) parts.push(scope.backends.length ? eb('task.backend', 'in', scope.backends) : sql<SqlBool>`1 = 0`);
  for (const { backendType, tenants } of scope.tenants) {
    if (tenants === null) continue;
    // A task without a tenant never matches a restricted grant (NULL IN (...) is not true).
    parts.push(tenants.length ? eb.or([eb('task.backend_type', '<>', backendType), eb('task.tenant', 'in', tenants)]) : eb('task.backend_type', '<>', backendType));
  }
  return eb.and(parts);
}

export function filterWhere(eb: Where, filter: HistoryFilter, now: number): Expression<SqlBool> {
  const parts: Array<Expression<SqlBool>> = [];
  if (filter.backends?.length) parts.push(eb('task.backend', 'in', filter.backends));
  if (filter.statuses?.length) parts.push(eb('task.status', 'in', filter.statuses));
  if (filter.operations?.length) parts.push(eb('task.operation', 'in', filter.operations));
  if (filter.tenants?.length) parts.push(eb('task.tenant', 'in', filter.tenants));
  // The days the time bounds imply, too: an index led by the day then reads only those.
  if (filter.createdAfter !== undefined) parts.push(eb('task.sort_time', '>=', filter.createdAfter), eb('task.day', '>=', dayOf(filter.createdAfter)));
  if (filter.createdBefore !== undefined) parts.push(eb('task.sort_time', '<', filter.createdBefore), eb('task.day', '<=', dayOf(filter.createdBefore)));
  if (filter.retained !== undefined) {
    const retained = eb.and([eb('task.gone_at', 'is', null), eb.or([eb('task.expires_at', 'is', null), eb('task.expires_at', '>', now)])]);
    parts.push(filter.retained ? retained : eb.not(retained));
  }
  const entity = filter.entity;
  if (entity) {
    parts.push(
      eb.exists(
        eb
          .selectFrom('task_entity as e')
          .select(sql.lit(1).as('one'))
          .whereRef('e.backend', '=', 'task.backend')
          .whereRef('e.native_id', '=', 'task.native_id')
          .where('e.entity_native_id', '=', entity.nativeId)
          .$if(!!entity.type, (q) => q.where('e.entity_type', '=', entity.type!))
          .$if(!!entity.backend, (q) => q.where('e.entity_backend', '=', entity.backend!)),
      ),
    );
  }
  return eb.and(parts);
}

function isStatus(value: string): value is TaskStatus {
  return (TASK_STATUSES as readonly string[]).includes(value);
}

/** Identical keys in one INSERT ... ON CONFLICT DO UPDATE are an error in PostgreSQL: the last wins. */
function lastPerTask(records: readonly TaskRecord[]): TaskRecord[] {
  const byKey = new Map<string, TaskRecord>();
  for (const r of records) byKey.set(JSON.stringify([r.backend, r.nativeId]), r);
  return [...byKey.values()];
}

export function createKyselyStore(db: Kysely<HistoryDatabase>, kind: HistoryStore['kind']): HistoryStore {
  return {
    kind,

    async write(records, gone) {
      if (!records.length && !gone.length) return;
      await db.transaction().execute(async (trx) => {
        for (const chunk of chunks(lastPerTask(records), CHUNK)) {
          await trx
            .insertInto('task')
            .values(
              chunk.map((r) => ({
                backend: r.backend,
                native_id: r.nativeId,
                backend_type: r.backendType,
                tenant: r.tenant,
                operation: r.operation,
                status: r.status,
                sort_time: r.sortTime,
                day: dayOf(r.sortTime),
                last_updated_at: r.lastUpdatedAt,
                expires_at: r.expiresAt,
                duration_ms: r.durationMs,
                duration_bucket: durationBucket(r.durationMs),
                duration_bucket_coarse: coarseBucket(durationBucket(r.durationMs)),
                first_seen_at: r.observedAt,
                last_seen_at: r.observedAt,
                gone_at: null,
                snapshot: r.snapshot,
              })),
            )
            .onConflict((oc) =>
              oc
                .columns(['backend', 'native_id'])
                .doUpdateSet((eb) => ({
                  backend_type: eb.ref('excluded.backend_type'),
                  tenant: eb.ref('excluded.tenant'),
                  operation: eb.ref('excluded.operation'),
                  status: eb.ref('excluded.status'),
                  sort_time: eb.ref('excluded.sort_time'),
                  day: eb.ref('excluded.day'),
                  last_updated_at: eb.ref('excluded.last_updated_at'),
                  expires_at: eb.ref('excluded.expires_at'),
                  duration_ms: eb.ref('excluded.duration_ms'),
                  duration_bucket: eb.ref('excluded.duration_bucket'),
                  duration_bucket_coarse: eb.ref('excluded.duration_bucket_coarse'),
                  last_seen_at: eb.ref('excluded.last_seen_at'),
                  gone_at: null,
                  snapshot: eb.ref('excluded.snapshot'),
                }))
                // Never back: a finished task stays finished, and an older observation (a
                // replica's slower list) does not overwrite a newer one.
                .where(sql<SqlBool>`NOT (task.status IN ${FINISHED} AND excluded.status NOT IN ${FINISHED}) AND coalesce(excluded.last_updated_at, 0) >= coalesce(task.last_updated_at, 0)`),
            )
            .execute();
        }
        const transitions = records.flatMap((r) => (r.transition ? [{ backend: r.backend, native_id: r.nativeId, at: r.transition.at, status: r.transition.status, progress: r.transition.progress }] : []));
        for (const chunk of chunks(transitions, CHUNK)) {
          await trx.insertInto('task_transition').values(chunk).onConflict((oc) => oc.doNothing()).execute();
        }
        const entities = records.flatMap((r) =>
          r.entities.map((e) => ({ backend: r.backend, native_id: r.nativeId, entity_backend: e.backend, entity_native_id: e.nativeId, entity_type: e.type, entity_name: e.name })),
        );
        for (const chunk of chunks(entities, CHUNK)) {
          await trx.insertInto('task_entity').values(chunk).onConflict((oc) => oc.doNothing()).execute();
        }
        for (const g of gone) {
          await trx.updateTable('task').set({ gone_at: g.observedAt }).where('backend', '=', g.backend).where('native_id', '=', g.nativeId).where('gone_at', 'is', null).execute();
        }
      });
    },

    async page(query) {
      const { after, direction } = query;
      const rows = await db
        .selectFrom('task')
        .select(['snapshot', 'first_seen_at', 'last_seen_at', 'gone_at', 'expires_at'])
        .where((eb) => eb.and([scopeWhere(eb, query.scope), filterWhere(eb, query.filter, query.now)]))
        .$if(!!after, (q) =>
          q.where(({ eb, refTuple, tuple }) => eb(refTuple('task.sort_time', 'task.backend', 'task.native_id'), direction === 'DESC' ? '<' : '>', tuple(after!.time, after!.backend, after!.nativeId))),
        )
        .orderBy('task.sort_time', direction === 'DESC' ? 'desc' : 'asc')
        .orderBy('task.backend', direction === 'DESC' ? 'desc' : 'asc')
        .orderBy('task.native_id', direction === 'DESC' ? 'desc' : 'asc')
        .limit(query.limit)
        .execute();
      const out: StoredTask[] = [];
      for (const row of rows) {
        const task = taskOfSnapshot(row.snapshot);
        if (!task) continue;
        const expires = row.expires_at === null ? null : Number(row.expires_at);
        out.push({ task, firstSeenAt: Number(row.first_seen_at), lastSeenAt: Number(row.last_seen_at), retained: row.gone_at === null && (expires === null || expires > query.now) });
      }
      return out;
    },

    async count(query) {
      const row = await db
        .selectFrom('task')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where((eb) => eb.and([scopeWhere(eb, query.scope), filterWhere(eb, query.filter, query.now)]))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async transitions(keys) {
      const out: TransitionRow[] = [];
      // A few hundred keys per statement: SQLite limits how deep an OR chain may nest.
      for (const chunk of chunks(keys, 200)) {
        const rows = await db
          .selectFrom('task_transition')
          .select(['backend', 'native_id', 'at', 'status', 'progress'])
          .where((eb) => eb.or(chunk.map((k) => eb.and([eb('backend', '=', k.backend), eb('native_id', '=', k.nativeId)]))))
          .orderBy('at')
          .execute();
        for (const r of rows) {
          if (isStatus(r.status)) out.push({ backend: r.backend, nativeId: r.native_id, at: Number(r.at), status: r.status, progress: r.progress === null ? null : Number(r.progress) });
        }
      }
      return out.sort((a, b) => a.at - b.at);
    },

    async stats(query: StatsQuery) {
      const dims = new Set(query.groupBy);
      const entity = dims.has('ENTITY');
      // Grouped in the order of the covering indexes (migrations.ts), so the scan streams.
      const groups: Array<[string, string]> = [];
      if (dims.has('DAY')) groups.push(['task.day', 'day']);
      if (dims.has('OPERATION')) groups.push(['task.operation', 'operation']);
      if (dims.has('BACKEND')) groups.push(['task.backend', 'backend']);
      if (dims.has('STATUS')) groups.push(['task.status', 'status']);
      if (entity) groups.push(['e.entity_backend', 'entityBackend'], ['e.entity_native_id', 'entityNativeId'], ['e.entity_type', 'entityType']);
      const bucket = sql.ref(bucketWidth(query.groupBy) === 1 ? 'task.duration_bucket' : 'task.duration_bucket_coarse');
      const from = entity
        ? db.selectFrom('task').innerJoin('task_entity as e', (j) => j.onRef('e.backend', '=', 'task.backend').onRef('e.native_id', '=', 'task.native_id'))
        : db.selectFrom('task');
      // 1. cells: tasks per group, duration bucket and status (one pass over an index).
      const cells = (from as ReturnType<typeof db.selectFrom<'task'>>)
        .select([...groups.map(([ref, alias]) => sql.ref(ref).as(alias)), bucket.as('bucket'), sql.ref('task.status').as('cell_status'), sql<number>`count(*)`.as('n')])
        .where((eb) => eb.and([scopeWhere(eb, query.scope), filterWhere(eb, query.filter, query.now)]))
        .groupBy([...groups.map(([ref]) => sql.ref(ref)), bucket, sql.ref('task.status')]);
      // 2. the running count of finished tasks per group in bucket order, and the group's total;
      // 3. per group: counts per status, and the first bucket whose running count reaches the
      //    50th and 95th percentile's rank (nearest rank: cum >= q * total). Only one row per
      //    group leaves the database.
      const keys = groups.map(([, alias]) => sql.ref(alias));
      const partition = keys.length ? sql`PARTITION BY ${sql.join(keys)}` : sql``;
      const finished = sql`CASE WHEN bucket IS NULL THEN 0 ELSE n END`;
      const rows = await (db as unknown as Kysely<Record<string, Record<string, unknown>>>)
        .with('cells', () => cells as never)
        .with('ranked', (qc) =>
          qc
            .selectFrom('cells')
            .selectAll()
            .select([sql`sum(${finished}) OVER (${partition} ORDER BY bucket)`.as('cum'), sql`sum(${finished}) OVER (${partition})`.as('total')]),
        )
        .selectFrom('ranked')
        .select([
          ...keys.map((k, i) => k.as(groups[i]![1])),
          sql<number>`sum(n)`.as('count'),
          sql<number>`sum(CASE WHEN cell_status = 'SUCCEEDED' THEN n ELSE 0 END)`.as('succeeded'),
          sql<number>`sum(CASE WHEN cell_status = 'FAILED' THEN n ELSE 0 END)`.as('failed'),
          sql<number>`sum(CASE WHEN cell_status = 'CANCELED' THEN n ELSE 0 END)`.as('canceled'),
          sql<number>`max(total)`.as('durationCount'),
          sql<number | null>`min(CASE WHEN bucket IS NOT NULL AND 2 * cum >= total THEN bucket END)`.as('p50Bucket'),
          sql<number | null>`min(CASE WHEN bucket IS NOT NULL AND 100 * cum >= 95 * total THEN bucket END)`.as('p95Bucket'),
        ])
        .$if(keys.length > 0, (q) => q.groupBy(keys))
        .execute();
      return rows as unknown as StatsRow[];
    },

    async retain({ olderThan, maxRows }) {
      let deleted = 0;
      const deleteWhere = async (cutoff: number, inclusive: boolean) => {
        for (;;) {
          const result = await db
            .deleteFrom('task')
            .where(({ eb, refTuple, selectFrom }) =>
              eb(refTuple('backend', 'native_id'), 'in', selectFrom('task').select(['backend', 'native_id']).where('sort_time', inclusive ? '<=' : '<', cutoff).limit(DELETE_CHUNK).$asTuple('backend', 'native_id')),
            )
            .executeTakeFirst();
          const n = Number(result.numDeletedRows);
          deleted += n;
          if (n < DELETE_CHUNK) break;
        }
      };
      if (olderThan !== null) await deleteWhere(olderThan, false);
      if (maxRows !== null) {
        const edge = await db.selectFrom('task').select('sort_time').orderBy('sort_time', 'desc').limit(1).offset(maxRows).executeTakeFirst();
        if (edge) await deleteWhere(Number(edge.sort_time), true);
      }
      return { deleted };
    },

    async size() {
      const row = await db.selectFrom('task').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async close() {
      await db.destroy();
    },
  };
}
