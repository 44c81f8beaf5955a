// Cursor paging of the console's task list (Query.tasks with first/after, newest first): the
// first page, the pages the user asks for by scrolling to the end or clicking "Load more", and
// the bound on rows kept while live events put new tasks on top. Plain state and pure
// updates; app.js makes the requests and renders.

/** Rows kept beyond those paged in, for tasks that arrive live; past it the oldest rows go. */
export const LIVE_ROWS = 200;

/** The most tasks one request may ask for (the gateway's default `limits.maxFirst`). */
export const MAX_FIRST = 1000;

/** An empty list: ids newest first, the cursor of each paged row, where the next page starts. */
export function emptyList(pageSize) {
  return { order: [], cursors: new Map(), endCursor: null, hasNextPage: false, totalCount: null, cap: pageSize + LIVE_ROWS };
}

/** How many rows to read again to show what is listed now (a refresh keeps what was paged in). */
export function rowsToReload(list, pageSize) {
  return Math.min(MAX_FIRST, Math.max(pageSize, list.cursors.size));
}

/** Appends the edges of one page that are not listed yet (a task that arrived live meanwhile); returns their nodes. */
function append(list, connection) {
  const added = [];
  for (const { cursor, node } of connection.edges) {
    if (!list.cursors.has(node.id) && !list.order.includes(node.id)) {
      list.order.push(node.id);
      added.push(node);
    }
    list.cursors.set(node.id, cursor);
  }
  list.endCursor = connection.pageInfo.endCursor ?? list.endCursor;
  list.hasNextPage = connection.pageInfo.hasNextPage;
  list.cap = Math.max(list.cap, list.order.length + LIVE_ROWS);
  return added;
}

/** The list as a first page (`tasks(first)`) shows it; returns the page's nodes. */
export function firstPage(list, connection, pageSize) {
  Object.assign(list, emptyList(pageSize), { totalCount: connection.totalCount });
  return append(list, connection);
}

/** Adds the page read with `after: list.endCursor`; returns the nodes not listed before. */
export function nextPage(list, connection) {
  return append(list, connection);
}

/**
 * Puts a task that arrived live on top. Past the cap the oldest rows go (returned), and the
 * next page then starts right after the last paged row still listed, so none is skipped.
 */
export function addLive(list, id) {
  list.order.unshift(id);
  if (list.totalCount != null) list.totalCount++;
  if (list.order.length <= list.cap) return [];
  const removed = list.order.splice(list.cap);
  for (const gone of removed) list.cursors.delete(gone);
  const lastPaged = list.order.findLast((row) => list.cursors.has(row));
  list.endCursor = lastPaged === undefined ? null : list.cursors.get(lastPaged);
  list.hasNextPage = true;
  return removed;
}
