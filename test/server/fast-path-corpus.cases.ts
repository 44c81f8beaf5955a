/**
 * The corpus of test/server/fast-path-corpus.test.ts: HTTP requests and graphql-ws exchanges a
 * gateway must answer the same with the fast path on and off. Cases that name tasks get them
 * from `Facts`, read from the gateway once its backends are up.
 */
import { fragmentBomb } from '../security/attacks.js';

/** Keys of the corpus' gateways (config entries in the test). */
export const KEYS = { root: 'corpus-root-key-0123456789', tenant: 'corpus-tenant-key-0123456789', reader: 'corpus-reader-key-0123456789' };
export const C1 = '0005f1e2-8a6c-4d1b-9c33-3f2b7a9e6d10';

/** What the cases need to know of the backends' tasks (global ids). */
export interface Facts {
  /** A running, cancelable vCD task of org acme. */
  cancelable: string;
  /** A finished Prism task. */
  finished: string;
  /** A vCD task with subtasks. */
  withSubtasks: string;
  /** A Prism subtask (not cancelable). */
  subtask: string;
  /** A vCD task of org globex (out of the tenant key's scope). */
  otherTenant: string;
  /** A running external vCD task (updateTask). */
  external: string;
  /** The native id of an entity a Prism task affects. */
  entity: string;
}

export interface HttpCase {
  name: string;
  /** A JSON body (serialized), or the raw text to send. */
  body?: unknown;
  raw?: string;
  method?: 'GET' | 'POST';
  /** GET: the search string (`?query=…`). */
  search?: string;
  headers?: Record<string, string>;
  /** The API key sent as X-API-Key (default root; null: none). */
  key?: string | null;
}

const TASK = 'id backend backendType nativeId operation description status nativeStatus progress createdAt startedAt completedAt isCancelable isTerminal tenant initiatedBy { kind name } entitiesAffected { nativeId type name } errors { message code } steps { name status }';
const LIST = `{ tasks(first: 8) { totalCount edges { cursor node { ${TASK} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
const NAMED = 'query Recent($n: Int! = 3, $order: TaskOrder = { direction: ASC }) { tasks(first: $n, orderBy: $order) { nodes { id createdAt } } } query Backends { backends { name type health capabilities { cancel externalTasks pushChanges batchGet } } }';
const deep = (depth: number) => `{ tasks(first: 1) { nodes { ${'parent { '.repeat(depth)}id${' }'.repeat(depth)} } } }`;

export function httpCases(f: Facts): HttpCase[] {
  const q = (query: string, variables?: Record<string, unknown>, extra: Partial<HttpCase> = {}): Partial<HttpCase> => ({ body: variables ? { query, variables } : { query }, ...extra });
  const cases: Array<Partial<HttpCase> & { name: string }> = [
    // Lists, filters, cursors, relations.
    { name: 'list page', ...q(LIST) },
    { name: 'every filter', ...q(`query($f: TaskFilter) { tasks(first: 20, filter: $f) { totalCount nodes { id status operation } } }`, { f: { backend: ['vcd', 'pc'], status: ['RUNNING', 'SUCCEEDED', 'FAILED', 'QUEUED'], createdAfter: '2026-02-28T00:00:00Z', createdBefore: '2026-03-02T00:00:00Z' } }) },
    { name: 'operation and entity filters', ...q(`query($e: String!) { a: tasks(filter: { entity: { nativeId: $e, backend: "pc" } }) { nodes { id } } b: tasks(filter: { operation: ["vdcInstantiateVapp", "kVmCreate"] }, first: 5) { nodes { id operation } } }`, { e: f.entity }) },
    { name: 'variables inside input object and list literals', ...q(`query($t: DateTime!, $s: TaskStatus!, $b: String!) { tasks(first: 10, filter: { createdAfter: $t, status: [$s, SUCCEEDED], backend: [$b] }) { nodes { id status createdAt } } }`, { t: '2026-02-28T00:00:00Z', s: 'RUNNING', b: 'pc' }) },
    { name: 'parent filter', ...q(`query($p: ID!) { tasks(filter: { parent: $p }) { nodes { id parent { id } } } }`, { p: f.withSubtasks }) },
    { name: 'ascending order, input field default', ...q(`{ tasks(first: 4, orderBy: { direction: ASC }) { nodes { id createdAt } pageInfo { endCursor } } }`) },
    { name: 'nested parent, root, subtasks, related', ...q(`query($id: ID!) { task(id: $id) { id subtasks(first: 5) { totalCount nodes { id parent { id operation } root { id } } pageInfo { hasNextPage endCursor } } relatedTasks { backend nativeId systemId } } }`, { id: f.withSubtasks }) },
    { name: 'node and task by id', ...q(`query($id: ID!) { node(id: $id) { id ... on Task { status operation } } task(id: $id) { nativeId } }`, { id: f.finished }) },
    { name: 'missing and malformed ids', ...q(`{ a: task(id: "VGFzazpwYzpub25l") { id } b: node(id: "not-an-id") { id } }`) },
    { name: '_entities', ...q(`query($a: ID!, $b: ID!) { _entities(representations: [{ __typename: "Task", id: $a }, { __typename: "Task", id: $b }, { __typename: "Task", id: "VGFzazpwYzpub25l" }]) { ... on Task { id status } } }`, { a: f.finished, b: f.cancelable }) },
    { name: 'federated entity type', ...q(`query($e: String!) { _entities(representations: [{ __typename: "Vm", id: $e }]) { ... on Vm { tasks(first: 3) { nodes { id operation } } } } }`, { e: f.entity }) },
    { name: 'fragments, inline fragments, aliases, __typename', ...q(`query { x: tasks(first: 3) { nodes { ...T ... on Task { __typename status } } } y: backends { __typename name } } fragment T on Task { id createdAt entitiesAffected { ...E } } fragment E on EntityReference { nativeId type }`) },
    { name: 'operation name and variable defaults', ...q(NAMED, undefined, { body: { query: NAMED, operationName: 'Recent' } }) },
    { name: 'other operation of the same text', body: { query: NAMED, operationName: 'Backends' } },
    { name: 'null extensions, variables, operation name', body: { query: LIST, extensions: null, variables: null, operationName: null } },
    // Bad input: variables, cursors, arguments.
    { name: 'bad variables, several at once', ...q(`query($n: Int, $f: TaskFilter, $id: ID!) { tasks(first: $n, filter: $f) { nodes { id } } task(id: $id) { id } }`, { n: 'secret-1', f: { status: ['secret-2'] }, id: { password: 'secret-3' } }) },
    { name: 'missing non-null variable', ...q(`query($id: ID!) { task(id: $id) { id } }`, {}) },
    { name: 'bad cursor', ...q(`{ tasks(first: 2, after: "bogus") { nodes { id } } backends { name } }`) },
    { name: 'first and last together', ...q(`{ tasks(first: 2, last: 2) { nodes { id } } }`) },
    { name: 'first over maxFirst', ...q(`{ tasks(first: 5000) { nodes { id } } }`) },
    { name: 'unknown operation name', body: { query: NAMED, operationName: 'Nope' } },
    { name: 'syntax error', ...q(`{ tasks(first: 2) { nodes { id }`) },
    { name: 'validation error', ...q(`{ tasks { nodes { id nope } } }`) },
    { name: 'subscription over POST', ...q(`subscription { taskEvents { type } }`) },
    // Limits.
    { name: 'maxDepth', ...q(deep(14)) },
    { name: 'maxAliases', ...q(`{ ${Array.from({ length: 31 }, (_, i) => `a${i}: backends { name }`).join(' ')} }`) },
    { name: 'a text within limits', ...q(`query($n: Int!) { tasks(first: $n) { nodes { subtasks(first: 100) { nodes { id operation status progress } } } } }`, { n: 2 }) },
    { name: 'maxCost: the same text, known, with another variable', ...q(`query($n: Int!) { tasks(first: $n) { nodes { subtasks(first: 100) { nodes { id operation status progress } } } } }`, { n: 1000 }) },
    { name: 'maxTokens', ...q(`{ backends { ${'name '.repeat(5001)}} }`) },
    { name: 'maxDirectives', ...q(`{ backends { name ${'@include(if: true) '.repeat(51)}} }`) },
    { name: 'fragments spread twice over', ...q(fragmentBomb(20, 'backends { name }')) },
    { name: 'maxReadsPerBackend', ...q(`{ _entities(representations: [${Array.from({ length: 201 }, (_, i) => `{ __typename: "Task", id: "${Buffer.from(`Task:pc:ZXJnb24=:${i}`).toString('base64url')}" }`).join(', ')}]) { ... on Task { id } } }`) },
    { name: 'batch over maxBatch', body: [{ query: '{ backends { name } }' }, { query: '{ backends { name } }' }] },
    { name: 'introspection', ...q(`{ __schema { queryType { name } types { name } } __type(name: "Task") { fields { name } } }`) },
    { name: 'federation SDL', ...q(`{ _service { sdl } }`) },
    // Scoping and masking.
    { name: 'tenant key: list and out-of-scope task', ...q(`query($id: ID!) { tasks(first: 50) { totalCount nodes { id tenant } } task(id: $id) { id } }`, { id: f.otherTenant }, { key: KEYS.tenant }) },
    { name: 'tenant key: backends', ...q(`{ backends { name } }`, undefined, { key: KEYS.tenant }) },
    // Partial errors: the test makes backend "flaky" fail for the cases named "flaky".
    { name: 'flaky: list with a failing backend', ...q(LIST) },
    { name: 'flaky: read by id on a failing backend', ...q(`{ backends { name } task(id: "${Buffer.from('Task:flaky:ZXJnb24=:x').toString('base64url')}") { id } }`) },
    // Mutations.
    { name: 'cancel: running task', ...q(`mutation($id: ID!) { cancelTask(id: $id) { task { id status cancelRequested } error { code message backend } } }`, { id: f.cancelable }) },
    { name: 'cancel: finished task', ...q(`mutation($id: ID!) { cancelTask(id: $id) { task { id } error { code message backend } } }`, { id: f.finished }) },
    { name: 'cancel: not cancelable', ...q(`mutation($id: ID!) { cancelTask(id: $id) { error { code backend } } }`, { id: f.subtask }) },
    { name: 'cancel: not found', ...q(`mutation { cancelTask(id: "VGFzazpwYzpub25l") { error { code } } }`) },
    { name: 'cancel: no cancel action', ...q(`mutation($id: ID!) { cancelTask(id: $id) { error { code message } } }`, { id: f.cancelable }, { key: KEYS.reader }) },
    { name: 'cancel: out of scope', ...q(`mutation($id: ID!) { cancelTask(id: $id) { error { code } } }`, { id: f.otherTenant }, { key: KEYS.tenant }) },
    { name: 'create: external vCD task', ...q(`mutation { createTask(input: { backend: "vcd", operation: "corpusBackup", serviceNamespace: "com.example.corpus", progress: 5 }) { task { operation status progress } error { code message } } }`) },
    { name: 'create: unsupported backend', ...q(`mutation { createTask(input: { backend: "pc", operation: "x" }) { task { id } error { code message backend } } }`) },
    { name: 'update: external task', ...q(`mutation($id: ID!) { updateTask(input: { id: $id, progress: 60, details: "half" }) { task { id progress status } error { code message } } }`, { id: f.external }) },
    { name: 'update: bad input', ...q(`mutation($id: ID!) { updateTask(input: { id: $id, result: "done" }) { task { id } error { code message } } }`, { id: f.external }) },
    // HTTP itself: methods, media types, bodies, credentials.
    { name: 'GET query', method: 'GET', search: `?query=${encodeURIComponent('{ backends { name } }')}` },
    { name: 'GET with variables', method: 'GET', search: `?query=${encodeURIComponent('query($n: Int) { tasks(first: $n) { nodes { id } } }')}&variables=${encodeURIComponent('{"n":2}')}` },
    { name: 'GET mutation', method: 'GET', search: `?query=${encodeURIComponent('mutation { cancelTask(id: "x") { error { code } } }')}` },
    { name: 'GET over a limit', method: 'GET', search: `?query=${encodeURIComponent(deep(14))}` },
    { name: 'graphql-response+json accepted', ...q(LIST, undefined, { headers: { accept: 'application/graphql-response+json' } }) },
    { name: 'negotiated accept', ...q(LIST, undefined, { headers: { accept: 'application/json;q=0.5, application/graphql-response+json' } }) },
    { name: 'nothing acceptable (406)', ...q(LIST, undefined, { headers: { accept: 'text/html' } }) },
    { name: 'charset utf-8 and a query string', ...q(`{ backends { name } }`, undefined, { headers: { 'content-type': 'application/json; charset=utf-8' } }) },
    { name: 'another UTF charset', raw: JSON.stringify({ query: '{ backends { name } }' }), headers: { 'content-type': 'application/json; charset=utf-16' } },
    { name: 'unsupported charset', raw: JSON.stringify({ query: '{ backends { name } }' }), headers: { 'content-type': 'application/json; charset=latin1' } },
    { name: 'persisted query', body: { query: LIST, extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } } },
    { name: 'text/plain (CSRF prevention)', raw: JSON.stringify({ query: '{ backends { name } }' }), headers: { 'content-type': 'text/plain' } },
    { name: 'not JSON', raw: '{ "query": ' },
    { name: 'empty body', raw: '' },
    { name: 'a JSON string', raw: '"{ backends { name } }"' },
    { name: 'null', raw: 'null' },
    { name: 'no query', body: { variables: {} } },
    { name: 'query not a string', body: { query: 5 } },
    { name: 'over 1 MB', body: { query: '{ backends { name } }', variables: { pad: 'x'.repeat(1024 * 1024) } } },
    { name: 'no credentials', ...q(`{ backends { name } }`, undefined, { key: null }) },
    { name: 'unknown key', ...q(`{ backends { name } }`, undefined, { key: 'not-a-key-0123456789' }) },
    { name: 'bearer token in apiKey mode', ...q(`{ backends { name } }`, undefined, { key: null, headers: { authorization: 'Bearer abc.def.ghi' } }) },
  ];
  return cases as HttpCase[];
}

/** A graphql-ws `subscribe` payload, with the key of its connection. */
export interface WsCase {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  key?: string;
}

export function wsCases(f: Facts): WsCase[] {
  return [
    { name: 'query over the socket', query: LIST },
    { name: 'query with variables and defaults', query: NAMED, operationName: 'Recent', variables: { n: 2 } },
    { name: 'nested relations', query: `query($id: ID!) { task(id: $id) { id subtasks(first: 5) { nodes { id parent { id } root { id } } } } }`, variables: { id: f.withSubtasks } },
    { name: 'bad variables', query: `query($n: Int, $id: ID!) { tasks(first: $n) { nodes { id } } task(id: $id) { id } }`, variables: { n: 'secret-1', id: ['secret-2'] } },
    { name: 'resolver error', query: `{ tasks(first: 2, after: "bogus") { nodes { id } } }` },
    { name: 'syntax error', query: `{ tasks {` },
    { name: 'validation error', query: `{ tasks { nodes { nope } } }` },
    { name: 'over a limit', query: deep(14) },
    { name: 'introspection', query: `{ __type(name: "TaskStatus") { enumValues { name } } }` },
    { name: 'mutation', query: `mutation { cancelTask(id: "VGFzazpwYzpub25l") { error { code } } }` },
    { name: 'tenant key: list', query: `{ tasks(first: 50) { nodes { id tenant } } }`, key: KEYS.tenant },
    { name: 'flaky: partial error', query: LIST },
  ];
}
