/**
 * History page cursors: the keyset position of an edge (sort time, backend, native id) and
 * the fingerprint of the query it belongs to, as base64url JSON.
 */
import { userInputError } from '../gateway/errors.js';
import type { HistoryPosition } from './store.js';

interface CursorData {
  h: 1;
  t: number;
  b: string;
  i: string;
  f: string;
}

export function encodeHistoryCursor(position: HistoryPosition, fingerprint: string): string {
  const data: CursorData = { h: 1, t: position.time, b: position.backend, i: position.nativeId, f: fingerprint };
  return Buffer.from(JSON.stringify(data), 'utf8').toString('base64url');
}

export function decodeHistoryCursor(cursor: string, fingerprint: string): HistoryPosition {
  let data: Partial<CursorData> | null = null;
  try {
    data = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorData>;
  } catch {
    // answered below
  }
  if (data?.h !== 1 || typeof data.t !== 'number' || typeof data.b !== 'string' || typeof data.i !== 'string') {
    throw userInputError('after: not a taskHistory cursor; use a pageInfo or edge cursor as returned', { argument: 'after' });
  }
  if (data.f !== fingerprint) {
    throw userInputError('after: this cursor belongs to a query with another filter or order; start again without it', { argument: 'after' });
  }
  return { time: data.t, backend: data.b, nativeId: data.i };
}
