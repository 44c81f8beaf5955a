/**
 * The history's one error: the store cannot answer. History fields turn it into a GraphQL
 * error with `extensions.code: HISTORY_UNAVAILABLE` and a reason; live fields never see it.
 */
import { GraphQLError } from 'graphql';

export type HistoryErrorReason =
  /** No `history:` section in the config. */
  | 'DISABLED'
  /** The store cannot be opened or reached, or failed a query. */
  | 'STORE_DOWN'
  /** The store's disk (or database) is full: recording has stopped. */
  | 'STORE_FULL';

export class HistoryUnavailableError extends Error {
  override name = 'HistoryUnavailableError';
  constructor(
    readonly reason: HistoryErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/** PostgreSQL's disk_full and program_limit_exceeded classes; SQLite's SQLITE_FULL. */
function isFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === '53100' || code === '54000';
}

/**
 * A store failure as a HistoryUnavailableError whose message names the store and the fix but
 * never the failure's own text (a database message may quote a URL or row values).
 */
export function storeError(err: unknown, store: string): HistoryUnavailableError {
  if (err instanceof HistoryUnavailableError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const detail = typeof code === 'string' && /^[A-Z0-9_]{1,32}$/.test(code) ? ` (${code})` : '';
  if (isFull(err)) {
    return new HistoryUnavailableError('STORE_FULL', `task history store (${store}) is full${detail}: recording stopped; free space, or lower history.retentionDays or history.maxRows`);
  }
  return new HistoryUnavailableError('STORE_DOWN', `task history store (${store}) is unavailable${detail}; live task fields are not affected`);
}

/** The GraphQL error a history field answers with. */
export function historyGraphQLError(err: unknown): GraphQLError {
  const error = err instanceof HistoryUnavailableError ? err : storeError(err, 'history');
  return new GraphQLError(error.message, { extensions: { code: 'HISTORY_UNAVAILABLE', reason: error.reason } });
}

export const HISTORY_DISABLED = new HistoryUnavailableError('DISABLED', 'task history is off: add a `history:` section to the config (docs/history.md)');
