// The task console: lists tasks across backends (Query.tasks, a page at a time as the user
// scrolls or asks: paging.js), keeps them live with Subscription.taskEvents, follows an
// expanded task with Subscription.taskUpdated, and cancels with Mutation.cancelTask. State
// lives here; DOM building is in render.js.
import { AuthError, CANCEL_TASK, createLiveClient, credential, LIST_BACKENDS, LIST_TASKS, request, setCredential, TASK_DETAIL, TASK_EVENTS, TASK_UPDATED } from './api.js';
import { loadFiltersFromUrl, readFilters, serverFilter, syncUrl, visible } from './filters.js';
import { addLive, emptyList, firstPage, nextPage, rowsToReload } from './paging.js';
import { canCancel, detailRow, h, signInPanel, STATUSES, taskRow } from './render.js';

const PAGE = 100;
const COLUMNS = 8;

const $ = (id) => document.getElementById(id);
const ui = {
  tbody: $('task-rows'),
  backend: $('filter-backend'),
  status: $('filter-status'),
  operation: $('filter-operation'),
  operations: $('operation-list'),
  text: $('filter-text'),
  subtasks: $('filter-subtasks'),
  refresh: $('refresh'),
  summary: $('summary'),
  backends: $('backends'),
  connection: $('connection'),
  session: $('session'),
  notice: $('notice'),
  more: $('load-more'),
  pageStatus: $('page-status'),
};

const state = {
  /** id -> task, for every task the table lists. */
  tasks: new Map(),
  /** Listed ids newest first (server order, new tasks in front), with the paging state (paging.js). */
  list: emptyList(PAGE),
  /** A page being read after the listed ones (one at a time). */
  loadingMore: false,
  /** id -> { detail, stop } for expanded rows; detail undefined while loading. */
  expanded: new Map(),
  /** Cancel requests in flight. */
  canceling: new Set(),
  operations: new Set(),
  generation: 0,
};

// ---- filters (filters.js); the task map decides whether a task is already listed.

const currentFilters = () => readFilters(ui);
const isVisible = (task, f = currentFilters()) => visible(task, f, state.tasks.has(task.id));

// ---- rendering: rows are kept per id and replaced one by one, so a progress event does not
// rebuild the table (and a button being clicked is not swapped out from under the pointer).

const rowCache = new Map();
let orderDirty = true;
const dirty = new Set();
let frame = 0;

function schedule() {
  if (!frame) frame = requestAnimationFrame(flush);
}

function markDirty(id) {
  dirty.add(id);
  schedule();
}

function markOrderDirty() {
  orderDirty = true;
  schedule();
}

const actions = { toggle: toggleDetail, cancel: cancelTask };

function buildRows(id) {
  const task = state.tasks.get(id);
  const open = state.expanded.get(id);
  const row = taskRow(decorate(task), { expanded: Boolean(open), actions });
  const detail = open ? detailRow(decorate(task), open.detail, { actions, columns: COLUMNS }) : null;
  const built = detail ? [row, detail] : [row];
  rowCache.set(id, built);
  return built;
}

/** A task with a pending cancel shows no button (and says so) until the answer arrives. */
function decorate(task) {
  return state.canceling.has(task.id) ? { ...task, isCancelable: false, progressMessage: task.progressMessage ?? 'Cancel requested…' } : task;
}

function flush() {
  frame = 0;
  const f = currentFilters();
  if (orderDirty) {
    orderDirty = false;
    dirty.clear();
    rowCache.clear();
    const ids = state.list.order.filter((id) => isVisible(state.tasks.get(id), f));
    ui.tbody.replaceChildren(...(ids.length ? ids.flatMap(buildRows) : [emptyRow()]));
  } else {
    for (const id of dirty) {
      const old = rowCache.get(id);
      if (!old) continue;
      const fresh = buildRows(id);
      old[0].replaceWith(...fresh);
      for (const extra of old.slice(1)) extra.remove();
    }
    dirty.clear();
  }
  renderSummary(f);
}

function emptyRow() {
  return h('tr', { class: 'empty' }, h('td', { colspan: COLUMNS }, state.generation ? 'No tasks match these filters.' : 'Loading tasks…'));
}

function renderSummary(f) {
  const shown = state.list.order.filter((id) => isVisible(state.tasks.get(id), f));
  const counts = new Map();
  for (const id of shown) {
    const s = state.tasks.get(id).status;
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  ui.summary.replaceChildren(
    h('span', { class: 'count' }, `${shown.length} shown`, state.list.totalCount != null ? ` of ${state.list.totalCount}` : ''),
    ...STATUSES.filter((s) => counts.has(s)).map((s) => h('span', { class: `chip status-${s}` }, `${s} ${counts.get(s)}`)),
  );
  renderPager();
}

/** The list's end: "Load more" while the server has more, else where the list ends. */
function renderPager() {
  const { list } = state;
  ui.more.hidden = !list.hasNextPage;
  ui.more.disabled = state.loadingMore;
  ui.more.textContent = state.loadingMore ? 'Loading…' : 'Load more';
  ui.pageStatus.textContent = !state.generation ? '' : list.hasNextPage ? `${list.order.length} loaded` : `all ${list.order.length} loaded`;
}

function showNotice(text, kind = 'error') {
  ui.notice.replaceChildren(...(text ? [h('div', { class: `notice notice-${kind}` }, text, h('button', { class: 'dismiss', title: 'Dismiss', onclick: () => showNotice('') }, '×'))] : []));
}

/** Asks for a credential (401) or says the one given is not enough (403); a new one reloads the page. */
function showAuthProblem(err) {
  if (err.status === 403) {
    showNotice(`Signed in, but not allowed: ${err.message}`);
    return;
  }
  const message = credential() ? `The credential was refused: ${err.message}` : '';
  ui.notice.replaceChildren(
    signInPanel(message, (c) => {
      setCredential(c);
      location.reload();
    }),
  );
}

function renderSession() {
  ui.session.replaceChildren(
    ...(credential()
      ? [
          h(
            'button',
            {
              class: 'sign-out',
              onclick: () => {
                setCredential(null);
                location.reload();
              },
            },
            'Forget credential',
          ),
        ]
      : []),
  );
}

function partialErrorsText(errors) {
  return errors.map((e) => (e.extensions?.backend ? `${e.extensions.backend}: ${e.message}` : e.message)).join(' · ');
}

// ---- data

function upsert(task) {
  state.tasks.set(task.id, { ...state.tasks.get(task.id), ...task });
  if (task.operation && !state.operations.has(task.operation)) {
    state.operations.add(task.operation);
    ui.operations.append(h('option', { value: task.operation }));
  }
}

/**
 * Reads the list from its first page. `keep`: as many rows as are listed now (Refresh, a
 * reconnect), so tasks paged in stay; otherwise one page (the filters changed).
 */
async function loadTasks({ keep = false } = {}) {
  const f = currentFilters();
  syncUrl(f);
  const generation = ++state.generation;
  state.loadingMore = false;
  ui.refresh.disabled = true;
  try {
    const first = keep ? rowsToReload(state.list, PAGE) : PAGE;
    const { data, errors } = await request(LIST_TASKS, { filter: serverFilter(f), first });
    if (generation !== state.generation) return;
    state.tasks.clear();
    for (const task of firstPage(state.list, data.tasks, PAGE)) upsert(task);
    for (const id of [...state.expanded.keys()]) if (!state.tasks.has(id)) collapse(id);
    showNotice(errors.length ? `Some backends did not answer: ${partialErrorsText(errors)}` : '', 'warning');
  } catch (err) {
    if (err instanceof AuthError) showAuthProblem(err);
    else if (generation === state.generation) showNotice(`Could not load tasks: ${err.message}`);
  } finally {
    if (generation === state.generation) ui.refresh.disabled = false;
    markOrderDirty();
  }
}

/** Reads the page after the listed rows (`after: endCursor`) and appends it; live updates go on meanwhile. */
async function loadMore() {
  const { list } = state;
  if (state.loadingMore || !list.hasNextPage || !state.generation) return;
  const generation = state.generation;
  state.loadingMore = true;
  renderPager();
  let shown = false;
  try {
    // A page whose rows are all listed already (they arrived live) moves the cursor on: read the next.
    for (let pages = 0; pages < 10 && list.hasNextPage; pages++) {
      const { data, errors } = await request(LIST_TASKS, { filter: serverFilter(currentFilters()), first: PAGE, after: list.endCursor });
      if (generation !== state.generation) return;
      const added = nextPage(list, data.tasks);
      for (const task of added) upsert(task);
      if (errors.length) showNotice(`Some backends did not answer: ${partialErrorsText(errors)}`, 'warning');
      shown = added.some((task) => isVisible(state.tasks.get(task.id)));
      if (added.length) break;
    }
  } catch (err) {
    if (err instanceof AuthError) showAuthProblem(err);
    else if (generation === state.generation) showNotice(`Could not load more tasks: ${err.message}`);
  } finally {
    if (generation === state.generation) state.loadingMore = false;
    markOrderDirty();
  }
  // Once the rows are drawn: the end of the list still in view (a tall window) reads on, as long
  // as pages bring rows to see (rows hidden by the search box do not make it read everything).
  if (shown) requestAnimationFrame(() => endInView() && void loadMore());
}

function endInView() {
  const box = ui.more.getBoundingClientRect();
  return !ui.more.hidden && box.bottom > 0 && box.top < window.innerHeight;
}

async function loadBackends() {
  try {
    const { data } = await request(LIST_BACKENDS);
    const selected = ui.backend.value || ui.backend.dataset.initial || '';
    ui.backend.replaceChildren(h('option', { value: '' }, 'All backends'), ...data.backends.map((b) => h('option', { value: b.name }, `${b.name} (${b.type})`)));
    ui.backend.value = data.backends.some((b) => b.name === selected) ? selected : '';
    ui.backends.replaceChildren(
      ...data.backends.map((b) =>
        h(
          'span',
          { class: `backend-health health-${b.health}`, title: b.lastError ? `last error: ${b.lastError}` : `${b.type}${b.capabilities.pushChanges ? ', push' : ', polled'}` },
          h('span', { class: 'dot' }),
          b.name,
          b.latencyMs != null ? h('small', {}, ` ${Math.round(b.latencyMs)} ms`) : null,
        ),
      ),
    );
  } catch (err) {
    if (err instanceof AuthError) return;
    ui.backends.replaceChildren(h('span', { class: 'backend-health health-DOWN' }, `backends: ${err.message}`));
  }
}

// ---- live updates

const live = createLiveClient(onConnection);
let stopEvents = null;
let wasOffline = false;

function onConnection(connection) {
  const labels = { live: 'live', connecting: 'connecting…', offline: 'offline, retrying', refused: 'not signed in' };
  ui.connection.textContent = labels[connection] ?? connection;
  ui.connection.className = `connection connection-${connection}`;
  if (connection === 'refused') showAuthProblem(new AuthError(401, 'the live connection was refused'));
  if (connection === 'offline') wasOffline = true;
  if (connection === 'live' && wasOffline) {
    // Events sent while the socket was down are gone: re-read the list once.
    wasOffline = false;
    void loadTasks({ keep: true });
  }
}

function subscribeEvents() {
  stopEvents?.();
  const f = currentFilters();
  // Status is left out so a listed task's move to another status still arrives.
  const filter = {};
  if (f.backend) filter.backend = [f.backend];
  if (f.operation) filter.operation = [f.operation];
  stopEvents = live.subscribe(TASK_EVENTS, { filter }, ({ taskEvents }) => onTaskEvent(taskEvents), (errors) => showNotice(`Live updates failed: ${describe(errors)}`));
}

function describe(errors) {
  if (Array.isArray(errors)) return errors.map((e) => e.message).join('; ');
  if (errors instanceof Error) return errors.message;
  return errors?.reason || 'connection closed';
}

function onTaskEvent({ type, task }) {
  const parentId = task.parent?.id;
  const open = parentId ? state.expanded.get(parentId) : null;
  if (open?.detail) {
    const nodes = open.detail.subtasks.nodes;
    const at = nodes.findIndex((n) => n.id === task.id);
    if (at >= 0) nodes[at] = task;
    else nodes.push(task);
    markDirty(parentId);
  }
  if (state.tasks.has(task.id)) {
    upsert(task);
    markDirty(task.id);
    return;
  }
  if (type === 'CREATED' && isVisible(task)) {
    upsert(task);
    for (const id of addLive(state.list, task.id)) state.tasks.delete(id);
    markOrderDirty();
  }
}

// ---- row actions

async function toggleDetail(task) {
  if (state.expanded.has(task.id)) {
    collapse(task.id);
    markDirty(task.id);
    return;
  }
  const open = { detail: undefined, stop: null };
  state.expanded.set(task.id, open);
  markDirty(task.id);
  if (!task.isTerminal) {
    open.stop = live.subscribe(TASK_UPDATED, { id: task.id }, ({ taskUpdated }) => {
      upsert(taskUpdated);
      if (open.detail) Object.assign(open.detail, { result: taskUpdated.result, completionDetails: taskUpdated.completionDetails });
      markDirty(task.id);
    });
  }
  try {
    const { data } = await request(TASK_DETAIL, { id: task.id });
    if (state.expanded.get(task.id) !== open) return;
    if (!data.task) {
      open.detail = { subtasks: { nodes: [], totalCount: 0 } };
    } else {
      const { subtasks, result, completionDetails, lastUpdatedAt, ...fields } = data.task;
      upsert(fields);
      open.detail = { subtasks, result, completionDetails, lastUpdatedAt };
    }
  } catch (err) {
    open.detail = { subtasks: { nodes: [], totalCount: 0 } };
    showNotice(`Could not load details: ${err.message}`);
  }
  markDirty(task.id);
}

function collapse(id) {
  state.expanded.get(id)?.stop?.();
  state.expanded.delete(id);
}

async function cancelTask(task) {
  if (!canCancel(task) || state.canceling.has(task.id)) return;
  state.canceling.add(task.id);
  markDirty(task.id);
  try {
    const { data } = await request(CANCEL_TASK, { id: task.id });
    const { task: after, error } = data.cancelTask;
    if (error) showNotice(`Cancel refused (${error.code}): ${error.message}`);
    if (after) upsert(after);
  } catch (err) {
    showNotice(`Cancel failed: ${err.message}`);
  } finally {
    state.canceling.delete(task.id);
    markDirty(task.id);
  }
}

// ---- wiring

function onServerFilterChange() {
  void loadTasks();
  subscribeEvents();
}

$('filters').addEventListener('submit', (event) => event.preventDefault());
ui.backend.addEventListener('change', onServerFilterChange);
ui.status.addEventListener('change', () => void loadTasks());
ui.operation.addEventListener('change', onServerFilterChange);
ui.text.addEventListener('input', () => {
  syncUrl(currentFilters());
  markOrderDirty();
});
ui.subtasks.addEventListener('change', () => {
  syncUrl(currentFilters());
  markOrderDirty();
});
ui.refresh.addEventListener('click', () => {
  void loadTasks({ keep: true });
  void loadBackends();
});
ui.more.addEventListener('click', () => void loadMore());
// Infinite scroll: the end of the list coming into view reads the next page (once per arrival,
// so rows hidden by the search box do not make it read page after page).
new IntersectionObserver((entries) => {
  if (entries.some((e) => e.isIntersecting)) void loadMore();
}).observe(ui.more);

ui.status.replaceChildren(
  h('option', { value: '' }, 'Any status'),
  h('option', { value: 'active' }, 'Active (not finished)'),
  h('option', { value: 'finished' }, 'Finished'),
  ...STATUSES.map((s) => h('option', { value: s }, s)),
);
ui.backend.dataset.initial = loadFiltersFromUrl(ui);
renderSession();

await loadBackends();
subscribeEvents();
await loadTasks();
// Health is known once the first calls completed; then refreshed now and then.
void loadBackends();
setInterval(() => void loadBackends(), 10_000);
