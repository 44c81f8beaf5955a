/**
 * The console's list paging (public/paging.js), without a browser: pages append only what is
 * not listed yet, and trimming rows past the cap moves the next page's start so that no task
 * is skipped. test/e2e/console.test.ts covers it in Chromium against the demo.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error a plain ES module served to browsers, without types
import { addLive, emptyList, firstPage, LIVE_ROWS, MAX_FIRST, nextPage, rowsToReload } from './public/paging.js';

/** A page of tasks `from`..`to` (ids t<n>, cursor c<n>), newest first. */
function page(from: number, to: number, hasNextPage: boolean, totalCount: number | null = null) {
  const edges = [];
  for (let n = from; n <= to; n++) edges.push({ cursor: `c${n}`, node: { id: `t${n}` } });
  return { totalCount, edges, pageInfo: { hasNextPage, endCursor: edges.length ? `c${to}` : null } };
}

describe('console list paging', () => {
  it('appends the next page after the last row, without repeating a task that arrived live', () => {
    const list = emptyList(3);
    expect(firstPage(list, page(1, 3, true, 10), 3).map((t: { id: string }) => t.id)).toEqual(['t1', 't2', 't3']);
    expect(list).toMatchObject({ endCursor: 'c3', hasNextPage: true, totalCount: 10 });
    addLive(list, 'new');
    // t4 arrived live meanwhile too (an event before its page): it is listed once.
    addLive(list, 't4');
    const added = nextPage(list, page(4, 6, false));
    expect(added.map((t: { id: string }) => t.id)).toEqual(['t5', 't6']);
    expect(list.order).toEqual(['t4', 'new', 't1', 't2', 't3', 't5', 't6']);
    expect(list).toMatchObject({ endCursor: 'c6', hasNextPage: false, totalCount: 12 });
    expect(list.cap).toBe(list.order.length + LIVE_ROWS);
  });

  it('past the cap drops the oldest rows, and the next page starts after the last paged row kept', () => {
    const list = emptyList(4);
    firstPage(list, page(1, 4, false), 4);
    list.cap = 5;
    expect(addLive(list, 'a')).toEqual([]);
    expect(addLive(list, 'b')).toEqual(['t4']);
    expect(addLive(list, 'c')).toEqual(['t3']);
    expect(list.order).toEqual(['c', 'b', 'a', 't1', 't2']);
    // t3 and t4 are no longer listed: "Load more" reads them again, after t2.
    expect(list).toMatchObject({ endCursor: 'c2', hasNextPage: true });
    expect(nextPage(list, page(3, 4, false)).map((t: { id: string }) => t.id)).toEqual(['t3', 't4']);
  });

  it('reads as many rows again as were paged in, within the gateway limit', () => {
    const list = emptyList(100);
    expect(rowsToReload(list, 100)).toBe(100);
    firstPage(list, page(1, 250, true), 100);
    expect(rowsToReload(list, 100)).toBe(250);
    firstPage(list, page(1, 1500, true), 100);
    expect(rowsToReload(list, 100)).toBe(MAX_FIRST);
  });
});
