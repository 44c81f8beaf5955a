// The console's only way to the gateway: the public GraphQL API over HTTP (POST /graphql)
// and graphql-ws subscriptions on the same path. Nothing here is private to the console.
import { createClient } from './vendor/graphql-ws/client.js';

const HTTP_URL = new URL('/graphql', location.href).href;
const WS_URL = HTTP_URL.replace(/^http/, 'ws');

// ---- credentials, when the gateway requires them (auth.mode apiKey or jwt). Kept in
// sessionStorage: per tab, gone when the tab closes, never in a URL or a cookie.
const CREDENTIAL_KEY = 'taskgraph.credential';

/** `{ kind: 'apiKey' | 'bearer', value }`, or null. */
export function credential() {
  try {
    const c = JSON.parse(sessionStorage.getItem(CREDENTIAL_KEY) ?? 'null');
    return c && (c.kind === 'apiKey' || c.kind === 'bearer') && typeof c.value === 'string' && c.value ? c : null;
  } catch {
    return null;
  }
}

export function setCredential(c) {
  if (c) sessionStorage.setItem(CREDENTIAL_KEY, JSON.stringify(c));
  else sessionStorage.removeItem(CREDENTIAL_KEY);
}

/** HTTP headers for the credential; the same names go in graphql-ws' connection_init payload. */
function authHeaders() {
  const c = credential();
  if (!c) return {};
  return c.kind === 'apiKey' ? { 'x-api-key': c.value } : { authorization: `Bearer ${c.value}` };
}

/** An error the page answers by asking for credentials (401) or saying they are not enough (403). */
export class AuthError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Fields every task row shows; events and mutations select the same, so rows stay complete. */
export const TASK_FIELDS = `
  id backend backendType nativeId operation description status nativeStatus
  progress progressMessage createdAt startedAt completedAt
  isCancelable cancelRequested isTerminal tenant
  initiatedBy { kind name }
  entitiesAffected { type name nativeId }
  parent { id }
  steps { name status progress message }
  errors { message code severity }
  warnings { message code severity }
`;

/** A page of tasks, newest first; `after` is the previous page's `endCursor` (cursor paging). */
export const LIST_TASKS = `query ConsoleTasks($filter: TaskFilter, $first: Int, $after: String) {
  tasks(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { ${TASK_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const LIST_BACKENDS = `query ConsoleBackends {
  backends { name type health latencyMs lastError capabilities { cancel pushChanges } }
}`;

export const TASK_DETAIL = `query ConsoleTaskDetail($id: ID!) {
  task(id: $id) {
    ${TASK_FIELDS}
    result lastUpdatedAt
    completionDetails { name value }
    subtasks(first: 50) { totalCount nodes { ${TASK_FIELDS} } }
  }
}`;

export const CANCEL_TASK = `mutation ConsoleCancelTask($id: ID!) {
  cancelTask(id: $id) { task { ${TASK_FIELDS} } error { code message backend } }
}`;

export const TASK_EVENTS = `subscription ConsoleTaskEvents($filter: TaskEventFilter) {
  taskEvents(filter: $filter) { type task { ${TASK_FIELDS} } }
}`;

export const TASK_UPDATED = `subscription ConsoleTaskUpdated($id: ID!) {
  taskUpdated(id: $id) { ${TASK_FIELDS} result completionDetails { name value } }
}`;

/**
 * POSTs one operation. Resolves `{ data, errors }` (partial errors next to data, as the
 * gateway returns them when one backend fails); rejects only when there is no GraphQL answer.
 */
export async function request(query, variables = {}) {
  // Apollo's CSRF prevention accepts a POST only with a JSON content type (or a preflight header).
  const res = await fetch(HTTP_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...authHeaders() },
    body: JSON.stringify({ query, variables }),
  });
  let body;
  if (res.status === 401 || res.status === 403) {
    const reason = await res.json().then((b) => b.errors?.[0]?.message, () => undefined);
    throw new AuthError(res.status, reason ?? `HTTP ${res.status}`);
  }
  try {
    body = await res.json();
  } catch {
    throw new Error(`the gateway answered HTTP ${res.status} without a GraphQL body`);
  }
  if (!body.data && body.errors?.length) {
    const err = new Error(body.errors.map((e) => e.message).join('; '));
    err.errors = body.errors;
    throw err;
  }
  return { data: body.data, errors: body.errors ?? [] };
}

/**
 * One graphql-ws client for the page: lazy (connects on the first subscription), retries
 * forever with graphql-ws's randomised backoff, and reports its state to `onState`.
 */
export function createLiveClient(onState) {
  const refused = (event) => event?.code === 4401 || event?.code === 4403;
  const client = createClient({
    url: WS_URL,
    lazy: true,
    keepAlive: 10_000,
    // Read on every (re)connect: a credential entered later is used from then on.
    connectionParams: authHeaders,
    retryAttempts: Infinity,
    // Retry network trouble and restarts, not a refusal of the credentials.
    shouldRetry: (event) => !refused(event),
  });
  client.on('connecting', () => onState('connecting'));
  client.on('connected', () => onState('live'));
  client.on('closed', (event) => onState(refused(event) ? 'refused' : 'offline'));
  return {
    /** Subscribes; `onNext(data)` per payload. Returns the unsubscribe function. */
    subscribe(query, variables, onNext, onError = () => {}) {
      return client.subscribe(
        { query, variables },
        {
          next: (value) => (value.data ? onNext(value.data) : onError(value.errors)),
          // A refused connection is reported once, through onState('refused').
          error: (err) => (refused(err) ? undefined : onError(err)),
          complete: () => {},
        },
      );
    },
    dispose: () => client.dispose(),
  };
}
