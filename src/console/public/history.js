// The history view: stored tasks (Query.taskHistory) with filters and cursor paging, and the
// chart of durations and failure rate per operation over time (Query.taskStats). Everything
// goes through the public GraphQL API with the same credential as the live console.
import { AuthError, request, setCredential } from './api.js';
import { drawChart, formatDuration } from './history-chart.js';
import { h, signInPanel, STATUSES } from './render.js';

const PAGE = 50;
const HISTORY = `query ConsoleHistory($filter: TaskHistoryFilter, $first: Int, $after: String) {
  taskHistory(filter: $filter, first: $first, after: $after) {
    totalCount
    nodes { id backend operation description status tenant createdAt startedAt completedAt retained transitions { at status progress } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const STATS = `query ConsoleHistoryStats($filter: TaskHistoryFilter) {
  taskStats(filter: $filter, groupBy: [OPERATION, DAY]) { operation day count failed failureRate durationMs { count p50 p95 } }
}`;

const $ = (id) => document.getElementById(id);
const ui = {
  form: $('history-filters'),
  backend: $('history-backend'),
  status: $('history-status'),
  operation: $('history-operation'),
  operations: $('history-operations'),
  after: $('history-after'),
  before: $('history-before'),
  retained: $('history-retained'),
  rows: $('history-rows'),
  summary: $('history-summary'),
  notice: $('history-notice'),
  chart: $('history-chart'),
  first: $('history-first'),
  next: $('history-next'),
};
for (const s of STATUSES) ui.status.append(h('option', { value: s }, s));

/** The filter the form asks for, as TaskHistoryFilter. */
function readFilter() {
  const filter = {};
  if (ui.backend.value.trim()) filter.backend = [ui.backend.value.trim()];
  if (ui.status.value) filter.status = [ui.status.value];
  if (ui.operation.value.trim()) filter.operation = [ui.operation.value.trim()];
  if (ui.after.value) filter.createdAfter = new Date(`${ui.after.value}T00:00:00Z`).toISOString();
  if (ui.before.value) filter.createdBefore = new Date(`${ui.before.value}T00:00:00Z`).toISOString();
  if (ui.retained.value) filter.retained = ui.retained.value === 'true';
  return filter;
}

const page = { after: null, next: null, number: 1 };

function durationOf(task) {
  const from = task.startedAt ?? task.createdAt;
  return task.completedAt && from ? Date.parse(task.completedAt) - Date.parse(from) : null;
}

function row(task) {
  const trail = task.transitions ?? [];
  return h(
    'tr',
    { class: 'history-row', dataset: { id: task.id } },
    h('td', {}, h('span', { class: `status status-${task.status}` }, task.status)),
    h('td', {}, h('div', { class: 'task-title' }, task.description ?? task.operation ?? '(no operation)'), h('div', { class: 'muted' }, task.operation ?? '')),
    h('td', {}, task.backend),
    h('td', {}, task.tenant ?? ''),
    h('td', { class: 'col-time' }, task.createdAt ? new Date(task.createdAt).toLocaleString() : ''),
    h('td', {}, formatDuration(durationOf(task))),
    h('td', { class: 'transitions', title: trail.map((t) => `${t.at} ${t.status}${t.progress === null ? '' : ` ${t.progress}%`}`).join('\n') }, trail.map((t) => t.status).filter((s, i, all) => s !== all[i - 1]).join(' → ')),
    h('td', {}, task.retained ? 'yes' : h('span', { class: 'muted' }, 'no longer')),
  );
}

function showNotice(node) {
  ui.notice.replaceChildren(...(node ? [node] : []));
}

function failed(err) {
  if (err instanceof AuthError) {
    showNotice(
      signInPanel(err.message, (c) => {
        setCredential(c);
        showNotice(null);
        void load();
      }),
    );
    return;
  }
  const code = err.errors?.[0]?.extensions?.code;
  showNotice(h('div', { class: 'notice notice-error' }, code === 'HISTORY_UNAVAILABLE' ? `History is unavailable: ${err.message}` : `The gateway could not answer: ${err.message}`));
}

async function loadPage() {
  const { data } = await request(HISTORY, { filter: readFilter(), first: PAGE, after: page.after });
  const history = data.taskHistory;
  ui.rows.replaceChildren(...(history.nodes.length ? history.nodes.map(row) : [h('tr', { class: 'empty' }, h('td', { colspan: 8 }, 'No recorded task matches.'))]));
  page.next = history.pageInfo.hasNextPage ? history.pageInfo.endCursor : null;
  ui.next.disabled = !page.next;
  ui.first.disabled = page.after === null;
  ui.summary.textContent = `${history.totalCount} recorded tasks · page ${page.number}`;
}

async function loadChart() {
  const filter = readFilter();
  delete filter.status;
  const { data } = await request(STATS, { filter });
  const drawn = drawChart(ui.chart, data.taskStats);
  ui.operations.replaceChildren(...[...new Set(data.taskStats.map((g) => g.operation).filter(Boolean))].sort().map((op) => h('option', { value: op })));
  return drawn;
}

async function load() {
  try {
    await Promise.all([loadPage(), loadChart()]);
    showNotice(null);
  } catch (err) {
    failed(err);
  }
}

ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  Object.assign(page, { after: null, next: null, number: 1 });
  void load();
});
ui.next.addEventListener('click', () => {
  if (!page.next) return;
  Object.assign(page, { after: page.next, number: page.number + 1 });
  void loadPage().catch(failed);
});
ui.first.addEventListener('click', () => {
  Object.assign(page, { after: null, number: 1 });
  void loadPage().catch(failed);
});

void load();
