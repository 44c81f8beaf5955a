/**
 * The store as the gateway holds it: a store that cannot be opened at start is retried later
 * (the gateway starts anyway); a full disk makes reads answer STORE_FULL until a write
 * succeeds; failures never carry the database's own message.
 */
import { describe, expect, it } from 'vitest';
import { availableStore } from '../../src/history/available-store.js';
import { HistoryUnavailableError } from '../../src/history/errors.js';
import type { HistoryStore } from '../../src/history/store.js';

function fakeStore(overrides: Partial<HistoryStore> = {}): HistoryStore {
  return {
    kind: 'embedded',
    write: async () => {},
    page: async () => [],
    count: async () => 0,
    transitions: async () => [],
    stats: async () => [],
    retain: async () => ({ deleted: 0 }),
    size: async () => 0,
    close: async () => {},
    ...overrides,
  };
}

const scope = { backends: null, tenants: [] };
const reasonOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: HistoryUnavailableError) => e.reason);

describe('available store', () => {
  it('retries opening a store that was down at start, not more often than retryMs', async () => {
    let now = 0;
    let attempts = 0;
    let up = false;
    const store = availableStore(
      async () => {
        attempts++;
        if (!up) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432 password=hunter2'), { code: 'ECONNREFUSED' });
        return fakeStore();
      },
      'postgres',
      { retryMs: 5000, now: () => now },
    );
    const error = await store.count({ scope, filter: {}, now: 0 }).catch((e: HistoryUnavailableError) => e);
    expect(error).toBeInstanceOf(HistoryUnavailableError);
    expect((error as HistoryUnavailableError).reason).toBe('STORE_DOWN');
    expect((error as Error).message).toBe('task history store (postgres) is unavailable (ECONNREFUSED); live task fields are not affected');
    expect(await reasonOf(store.count({ scope, filter: {}, now: 0 }))).toBe('STORE_DOWN');
    expect(attempts).toBe(1);
    up = true;
    now = 5000;
    expect(await reasonOf(store.count({ scope, filter: {}, now: 0 }))).toBe('ok');
    expect(attempts).toBe(2);
    expect(store.state()).toBe('open');
    await store.close();
  });

  it('answers STORE_FULL on reads while writes fail for lack of space, until one succeeds', async () => {
    let full = true;
    const store = availableStore(async () => fakeStore({ write: async () => { if (full) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }); } }), 'embedded');
    expect(await reasonOf(store.page({ scope, filter: {}, direction: 'DESC', limit: 1, now: 0 }))).toBe('ok');
    expect(await reasonOf(store.write([], []))).toBe('STORE_FULL');
    const read = await store.stats({ scope, filter: {}, groupBy: [], now: 0 }).catch((e: HistoryUnavailableError) => e);
    expect((read as HistoryUnavailableError).reason).toBe('STORE_FULL');
    expect((read as Error).message).toMatch(/is full \(SQLITE_FULL\): recording stopped; free space, or lower history.retentionDays or history.maxRows$/);
    full = false;
    expect(await reasonOf(store.write([], []))).toBe('ok');
    expect(await reasonOf(store.stats({ scope, filter: {}, groupBy: [], now: 0 }))).toBe('ok');
    await store.close();
  });

  it('reopens a store whose worker died', async () => {
    let opened = 0;
    let now = 0;
    const store = availableStore(async () => {
      opened++;
      return fakeStore({ count: async () => { if (opened === 1) throw Object.assign(new Error('exited'), { code: 'STORE_CLOSED' }); return 7; } });
    }, 'embedded', { retryMs: 1000, now: () => now });
    expect(await reasonOf(store.count({ scope, filter: {}, now: 0 }))).toBe('STORE_DOWN');
    now = 1000;
    expect(await store.count({ scope, filter: {}, now: 0 })).toBe(7);
    expect(opened).toBe(2);
    await store.close();
  });
});
