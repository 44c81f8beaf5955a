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

/** The nearest-rank quantile of bucket counts sorted by bucket. */
function quantile(buckets: Array<[number, number]>, total: number, q: number, width: number): number | null {
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [bucket, count] of buckets) {
    seen += count;
    if (seen >= rank) return Math.round(bucketValue(bucket, width) * 10) / 10;
  }
  return null;
}

function keyOf(row: StatsRow, groupBy: readonly StatsDimension[]): string {
  return JSON.stringify(groupBy.map((d) => (d === 'ENTITY' ? [row.entityBackend, row.entityNativeId, row.entityType] : d === 'BACKEND' ? row.backend : d === 'OPERATION' ? row.operation : d === 'STATUS' ? row.status : row.day)));
}

/** Folds the per-status, per-bucket rows of the stats query into one group per key, in key order. */
export function foldStats(rows: readonly StatsRow[], groupBy: readonly StatsDimension[]): StatsGroup[] {
  const width = bucketWidth(groupBy);
  const groups = new Map<string, { group: StatsGroup; buckets: Map<number, number> }>();
  for (const row of rows) {
    const key = keyOf(row, groupBy);
    let entry = groups.get(key);
    if (!entry) {
      entry = {
        buckets: new Map(),
        group: {
          backend: groupBy.includes('BACKEND') ? (row.backend ?? null) : null,
          operation: groupBy.includes('OPERATION') ? (row.operation ?? null) : null,
          status: groupBy.includes('STATUS') ? ((row.status ?? null) as TaskStatus | null) : null,
          entity: groupBy.includes('ENTITY') && row.entityNativeId ? { backend: row.entityBackend ?? '', nativeId: row.entityNativeId, type: row.entityType || null, name: null, href: null } : null,
          day: groupBy.includes('DAY') && row.day !== null && row.day !== undefined ? dayString(Number(row.day)) : null,
          count: 0,
          succeeded: 0,
          failed: 0,
          canceled: 0,
          failureRate: null,
          durationMs: { count: 0, p50: null, p95: null },
        },
      };
      groups.set(key, entry);
    }
    const { group, buckets } = entry;
    const count = Number(row.count);
    group.count += count;
    if (row.status === 'SUCCEEDED') group.succeeded += count;
    else if (row.status === 'FAILED') group.failed += count;
    else if (row.status === 'CANCELED') group.canceled += count;
    if (row.durationBucket !== null) {
      const bucket = Number(row.durationBucket);
      buckets.set(bucket, (buckets.get(bucket) ?? 0) + Number(row.count));
    }
  }
  const out: StatsGroup[] = [];
  for (const { group, buckets } of groups.values()) {
    const finished = group.succeeded + group.failed + group.canceled;
    group.failureRate = finished ? group.failed / finished : null;
    const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
    const total = sorted.reduce((n, [, c]) => n + c, 0);
    group.durationMs = { count: total, p50: quantile(sorted, total, 0.5, width), p95: quantile(sorted, total, 0.95, width) };
    out.push(group);
  }
  return out.sort(compareGroups);
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
