// The console's filters: read from the form, mirrored in the URL (so a view can be bookmarked
// and the browser test can open one), split into what the server filters (TaskFilter) and
// what the page filters itself (text search, subtasks as rows).

const STATUS_GROUPS = {
  active: ['QUEUED', 'PENDING', 'RUNNING', 'BLOCKED', 'CANCELING', 'SUSPENDED', 'UNKNOWN'],
  finished: ['SUCCEEDED', 'FAILED', 'CANCELED'],
};

/** The filter form's current values; `form` holds the backend, status, operation, text and subtasks inputs. */
export function readFilters(form) {
  return {
    backend: form.backend.value,
    status: form.status.value,
    operation: form.operation.value.trim(),
    text: form.text.value.trim(),
    subtasks: form.subtasks.checked,
  };
}

/** The statuses a status choice stands for ('active', 'finished' or one status); null for any. */
export function statusList(value) {
  if (!value) return null;
  return STATUS_GROUPS[value] ?? [value];
}

/** The part the server applies: Query.tasks(filter:). */
export function serverFilter(f) {
  const filter = {};
  if (f.backend) filter.backend = [f.backend];
  if (f.operation) filter.operation = [f.operation];
  const statuses = statusList(f.status);
  if (statuses) filter.status = statuses;
  return filter;
}

/**
 * The part the page applies: top-level only (unless subtasks as rows), the text search, and the
 * status for tasks that arrive by event (`listed` tasks keep their row when their status moves on).
 */
export function visible(task, f, listed) {
  if (!f.subtasks && task.parent) return false;
  const statuses = statusList(f.status);
  if (statuses && !statuses.includes(task.status) && !listed) return false;
  if (!f.text) return true;
  const needle = f.text.toLowerCase();
  const haystack = [task.description, task.operation, task.nativeId, task.backend, task.tenant, task.initiatedBy?.name, ...(task.entitiesAffected ?? []).map((e) => e.name ?? e.nativeId)]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
  return haystack.includes(needle);
}

export function syncUrl(f) {
  const params = new URLSearchParams();
  if (f.backend) params.set('backend', f.backend);
  if (f.status) params.set('status', f.status);
  if (f.operation) params.set('operation', f.operation);
  if (f.text) params.set('q', f.text);
  if (f.subtasks) params.set('subtasks', '1');
  const query = params.toString();
  history.replaceState(null, '', query ? `?${query}` : location.pathname);
}

/** Fills the form from the URL; returns the backend, which can be selected only once the backends are loaded. */
export function loadFiltersFromUrl(form) {
  const params = new URLSearchParams(location.search);
  form.status.value = params.get('status') ?? '';
  form.operation.value = params.get('operation') ?? '';
  form.text.value = params.get('q') ?? '';
  form.subtasks.checked = params.get('subtasks') === '1';
  return params.get('backend') ?? '';
}
