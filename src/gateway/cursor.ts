/**
 * The cursor codec of task connections. A cursor is the global key of its edge (time, backend
 * name, native id) and the fingerprint of the query it belongs to (filter and order), as
 * base64url JSON. Decoding checks every part: a forged cursor is the client's mistake.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { BACKEND_NAME_PATTERN } from '../model/global-id.js';
import { sortTime, type TaskModel } from '../model/task.js';
import { checkNativeId, checkTime } from './client-input.js';
import { userInputError } from './errors.js';

/** A task's place in the global order: sort time, backend name, native id. */
export interface GlobalKey {
  t: number;
  b: string;
  i: string;
}

interface CursorData extends GlobalKey {
  v: 1;
  f: string;
}

/** Recent fingerprints by their JSON (most lists repeat a few filters). */
const fingerprints = new LRUCache<string, string>({ max: 1000 });

/** A short, stable hash of what a cursor belongs to. */
export function fingerprintOf(value: unknown): string {
  const json = JSON.stringify(value);
  let hash = fingerprints.get(json);
  if (hash === undefined) {
    hash = createHash('sha256').update(json).digest('base64url').slice(0, 12);
    fingerprints.set(json, hash);
  }
  return hash;
}

/** The cursor of a task's edge in the query of this fingerprint. */
export function encodeCursor(task: TaskModel, fingerprint: string): string {
  const data: CursorData = { v: 1, t: sortTime(task), b: task.backend, i: task.nativeId, f: fingerprint };
  return Buffer.from(JSON.stringify(data), 'utf8').toString('base64url');
}

/** Longest cursor read: ours are about 120 characters. */
const MAX_CURSOR_LENGTH = 1024;

/**
 * The global key of a client's cursor. Every part is checked here (time in the Date range,
 * backend name and native id in shape): a forged cursor is the client's mistake, never an
 * exception inside an adapter call (src/gateway/client-input.ts).
 */
export function decodeCursor(cursor: string, fingerprint: string, arg: string): GlobalKey {
  const notOurs = () => userInputError(`${arg}: not a cursor from this API; use a pageInfo or edge cursor as returned`, { argument: arg });
  if (cursor.length > MAX_CURSOR_LENGTH) throw notOurs();
  let data: Partial<CursorData>;
  try {
    data = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorData>;
  } catch {
    throw notOurs();
  }
  if (data?.v !== 1 || typeof data.b !== 'string' || !BACKEND_NAME_PATTERN.test(data.b)) throw notOurs();
  if (data.f !== fingerprint) {
    throw userInputError(`${arg}: this cursor belongs to a query with another filter or order; start again without it`, {
      argument: arg,
    });
  }
  return { t: checkTime(data.t, arg), b: data.b, i: checkNativeId(data.i, arg) };
}
