// Pure DOM building for the task table. Backend text only ever goes through textContent or
// attribute values, never innerHTML, so a task description cannot inject markup.

/** Creates an element: h('td', { class: 'x', dataset: { id } }, child, 'text', ...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const STATUSES = ['QUEUED', 'PENDING', 'RUNNING', 'BLOCKED', 'CANCELING', 'SUSPENDED', 'SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN'];

export function statusBadge(status, nativeStatus) {
  return h('span', { class: `status status-${status}`, title: nativeStatus ? `backend status: ${nativeStatus}` : undefined }, status);
}

/** A progress bar; `null` progress (the backend does not know) shows an empty, striped bar. */
export function progressBar(task) {
  const known = typeof task.progress === 'number';
  const value = known ? Math.max(0, Math.min(100, task.progress)) : 0;
  const done = task.status === 'SUCCEEDED' ? 100 : value;
  const fill = h('div', { class: 'progress-fill' });
  // CSSOM, not a style attribute: the page's CSP allows no inline styles.
  fill.style.width = `${done}%`;
  return h(
    'div',
    {
      class: `progress ${known ? '' : 'progress-unknown'} progress-${task.status}`,
      role: 'progressbar',
      'aria-valuemin': 0,
      'aria-valuemax': 100,
      'aria-valuenow': known ? done : undefined,
      dataset: { progress: known ? String(done) : '' },
    },
    fill,
    h('span', { class: 'progress-text' }, known ? `${done}%` : '—'),
  );
}

const TIME = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const DATE = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

export function formatTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const sameDay = new Date().toDateString() === d.toDateString();
  return sameDay ? TIME.format(d) : `${DATE.format(d)} ${TIME.format(d)}`;
}

export function formatDuration(startIso, endIso) {
  if (!startIso) return '';
  const ms = (endIso ? Date.parse(endIso) : Date.now()) - Date.parse(startIso);
  if (!(ms >= 0)) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

function entityText(task) {
  const e = task.entitiesAffected?.[0];
  if (!e) return '';
  return e.name ?? e.nativeId;
}

/** Whether the cancel button applies: the backend says so and the task has not stopped. */
export function canCancel(task) {
  return task.isCancelable && !task.isTerminal && task.status !== 'CANCELING' && !task.cancelRequested;
}

/**
 * One task row. `actions.toggle(task)` expands it, `actions.cancel(task)` cancels it.
 * `depth` indents subtasks shown inside an expanded row.
 */
export function taskRow(task, { expanded = false, depth = 0, actions }) {
  const firstError = task.errors?.[0];
  const hasDetail = depth === 0;
  return h(
    'tr',
    {
      class: `task-row depth-${depth} ${expanded ? 'expanded' : ''}`,
      dataset: { taskId: task.id, status: task.status, backend: task.backend },
    },
    h(
      'td',
      { class: 'col-toggle' },
      hasDetail
        ? h('button', { class: 'toggle', title: expanded ? 'Hide details' : 'Show subtasks, steps and errors', 'aria-expanded': String(expanded), onclick: () => actions.toggle(task) }, expanded ? '▾' : '▸')
        : null,
    ),
    h('td', { class: 'col-status' }, statusBadge(task.status, task.nativeStatus)),
    h(
      'td',
      { class: 'col-task' },
      h('div', { class: 'task-title' }, task.description ?? task.operation ?? task.nativeId),
      h('div', { class: 'task-op' }, task.operation ?? ''),
      firstError ? h('div', { class: 'task-error' }, firstError.code ? `${firstError.code}: ${firstError.message}` : firstError.message) : null,
    ),
    h('td', { class: 'col-backend' }, h('span', { class: `backend backend-${task.backendType}` }, task.backend)),
    h('td', { class: 'col-progress' }, progressBar(task), task.progressMessage ? h('div', { class: 'progress-message' }, task.progressMessage) : null),
    h('td', { class: 'col-entity' }, entityText(task)),
    h('td', { class: 'col-time', title: task.createdAt ?? '' }, formatTime(task.createdAt), h('div', { class: 'duration' }, formatDuration(task.startedAt, task.completedAt))),
    h(
      'td',
      { class: 'col-actions' },
      canCancel(task) ? h('button', { class: 'cancel', onclick: () => actions.cancel(task) }, 'Cancel') : null,
    ),
  );
}

function messageList(title, messages, cls) {
  if (!messages?.length) return null;
  return h(
    'section',
    { class: `detail-block ${cls}` },
    h('h4', {}, title),
    h('ul', {}, messages.map((m) => h('li', {}, m.code ? h('code', {}, m.code) : null, m.code ? ' ' : null, m.message))),
  );
}

/** The expanded part under a row: facts, steps, errors, warnings and the subtask rows. */
export function detailRow(task, detail, { actions, columns }) {
  const facts = [
    ['Native id', task.nativeId],
    ['Backend status', task.nativeStatus],
    ['Tenant', task.tenant],
    ['Started by', task.initiatedBy ? `${task.initiatedBy.name ?? ''} (${task.initiatedBy.kind})` : null],
    ['Started', task.startedAt ? formatTime(task.startedAt) : null],
    ['Completed', task.completedAt ? formatTime(task.completedAt) : null],
    ['Result', detail?.result],
    ...(detail?.completionDetails ?? []).map((kv) => [kv.name, kv.value]),
  ].filter(([, v]) => v !== null && v !== undefined && v !== '');
  const subtasks = detail?.subtasks?.nodes ?? [];
  return h(
    'tr',
    { class: 'detail-row', dataset: { detailFor: task.id } },
    h(
      'td',
      { colspan: columns },
      h(
        'div',
        { class: 'detail' },
        h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))])),
        messageList('Errors', task.errors, 'errors'),
        messageList('Warnings', task.warnings, 'warnings'),
        task.steps?.length
          ? h(
              'section',
              { class: 'detail-block steps' },
              h('h4', {}, 'Steps'),
              h('ol', {}, task.steps.map((s) => h('li', {}, s.status ? statusBadge(s.status) : null, ' ', s.name, s.progress != null ? ` ${s.progress}%` : '', s.message ? ` — ${s.message}` : ''))),
            )
          : null,
        detail === undefined
          ? h('p', { class: 'muted' }, 'Loading…')
          : subtasks.length
            ? h(
                'section',
                { class: 'detail-block subtasks' },
                h('h4', {}, `Subtasks (${detail.subtasks.totalCount ?? subtasks.length})`),
                h('table', { class: 'subtask-table' }, h('tbody', {}, subtasks.map((s) => taskRow(s, { depth: 1, actions })))),
              )
            : h('p', { class: 'muted' }, 'No subtasks.'),
      ),
    ),
  );
}

/**
 * The sign-in panel shown when the gateway asks for credentials (401, or graphql-ws close 4401):
 * an API key (sent as X-API-Key) or a bearer token (JWT). `onSubmit({ kind, value })`.
 */
export function signInPanel(message, onSubmit) {
  const kind = h('select', { id: 'credential-kind', 'aria-label': 'Credential type' }, h('option', { value: 'apiKey' }, 'API key'), h('option', { value: 'bearer' }, 'Bearer token (JWT)'));
  const value = h('input', { id: 'credential-value', type: 'password', autocomplete: 'off', placeholder: 'paste it here', 'aria-label': 'Credential' });
  const form = h(
    'form',
    { class: 'notice notice-auth', id: 'sign-in' },
    h('div', {}, h('strong', {}, 'This gateway needs credentials. '), message ? h('span', { class: 'muted' }, message) : null),
    h('div', { class: 'sign-in-fields' }, kind, value, h('button', { type: 'submit' }, 'Use'), h('small', { class: 'muted' }, 'Kept in this tab only (sessionStorage).')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (value.value.trim()) onSubmit({ kind: kind.value, value: value.value.trim() });
  });
  return form;
}
