/**
 * Duration percentiles from log-scale buckets, as DDSketch does (Masson et al., VLDB 2019):
 * each bucket spans a factor GAMMA, so the value reported for a quantile is within
 * (GAMMA - 1) / (GAMMA + 1), about 1%, of the true one. Buckets are computed when a task is
 * written, and the stats query only counts per group and bucket, which both databases do in
 * one pass over an index.
 */
import type { EntityRef, TaskStatus } from '../model/task.js';
import type { StatsDimension, StatsRow } from './store.js';

const GAMMA = 1.02;
const DAY_MS = 86_400_000;
const LOG_GAMMA = Math.log(GAMMA);

/** Bucket 0 holds durations under 1 ms; bucket b >= 1 holds (GAMMA^(b-2), GAMMA^(b-1)]. */
export function durationBucket(ms: number | null): number | null {
  if (ms === null) return null;
  if (ms < 1) return 0;
  return Math.ceil(Math.log(ms) / LOG_GAMMA - 1e-9) + 1;
}

/** The epoch day of a time (DAY grouping). */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** `YYYY-MM-DD` of an epoch day. */
export function dayString(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Buckets merged into one coarse bucket (stored beside the fine one): 4% accuracy. */
export const COARSE_BUCKETS = 4;

/**
 * Buckets merged per group in the stats query: 1 (1% accuracy), or COARSE_BUCKETS when
 * grouping by DAY or ENTITY, whose many groups would otherwise make a row of nearly every task.
 */
export function bucketWidth(groupBy: readonly StatsDimension[]): number {
  return groupBy.includes('DAY') || groupBy.includes('ENTITY') ? COARSE_BUCKETS : 1;
}

/** The coarse bucket of a fine one. */
export function coarseBucket(bucket: number | null): number | null {
  return bucket === null ? null : Math.floor(bucket / COARSE_BUCKETS);
}

/**
 * The value a bucket of `width` merged buckets stands for: the point of least relative error
 * in it, 2U/(G+1) for the span (U/G, U] with G = GAMMA^width.
 */
export function bucketValue(bucket: number, width = 1): number {
  if (bucket <= 0 && width === 1) return 0;
  const upper = GAMMA ** (bucket * width + width - 2);
  return (2 * upper) / (GAMMA ** width + 1);
}

export interface DurationSummary {
  count: number;
  p50: number | null;
  p95: number | null;
}

export interface StatsGroup {
  backend: string | null;
  operation: string | null;
  status: TaskStatus | null;
  entity: EntityRef | null;
  day: string | null;
  count: number;
  succeeded: number;
  failed: number;
  canceled: number;
  /** failed / finished; null when none finished. */
  failureRate: number | null;
  durationMs: DurationSummary;
}

/** The value of a percentile's bucket, to a tenth of a millisecond; null when there is none. */
function valueOf(bucket: number | null, width: number): number | null {
  return bucket === null || bucket === undefined ? null : Math.round(bucketValue(Number(bucket), width) * 10) / 10;
}

/** The stats query's rows as groups, in key order. */
export function foldStats(rows: readonly StatsRow[], groupBy: readonly StatsDimension[]): StatsGroup[] {
  const width = bucketWidth(groupBy);
  const has = (d: StatsDimension) => groupBy.includes(d);
  return rows
    .map((row): StatsGroup => {
      const succeeded = Number(row.succeeded);
      const failed = Number(row.failed);
      const canceled = Number(row.canceled);
      const finished = succeeded + failed + canceled;
      return {
        backend: has('BACKEND') ? (row.backend ?? null) : null,
        operation: has('OPERATION') ? (row.operation ?? null) : null,
        status: has('STATUS') ? ((row.status ?? null) as TaskStatus | null) : null,
        entity: has('ENTITY') && row.entityNativeId ? { backend: row.entityBackend ?? '', nativeId: row.entityNativeId, type: row.entityType || null, name: null, href: null } : null,
        day: has('DAY') && row.day !== null && row.day !== undefined ? dayString(Number(row.day)) : null,
        count: Number(row.count),
        succeeded,
        failed,
        canceled,
        failureRate: finished ? failed / finished : null,
        durationMs: { count: Number(row.durationCount ?? 0), p50: valueOf(row.p50Bucket, width), p95: valueOf(row.p95Bucket, width) },
      };
    })
    .sort(compareGroups);
}

function compareGroups(a: StatsGroup, b: StatsGroup): number {
  const ka = [a.day, a.backend, a.operation, a.status, a.entity?.nativeId];
  const kb = [b.day, b.backend, b.operation, b.status, b.entity?.nativeId];
  for (let i = 0; i < ka.length; i++) {
    const x = ka[i] ?? '';
    const y = kb[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
