/**
 * Task routes: the query service, GET / cancel / PUT of a task, and creating external tasks in
 * an org's tasksList (reference §1.2-§1.4). A tenant sees its own org's tasks; the System org
 * sees every org's through `adminTask`; a task out of sight answers like a missing one.
 */
import { parseXml, type XmlElement } from '../../adapters/xml.js';
import type { SimRequest, SimResponse } from '../harness.js';
import type { SimState, SimTask, TaskWorld } from '../task-world.js';
import type { SimSession } from './auth.js';
import type { VcdStatusText } from './catalog.js';
import { isSystem, orgByUuid } from './directory.js';
import { evaluate, FilterError, parseFields, parseFilter, projectRecord, RECORD_ATTRIBUTES, sortRecords, type FilterMode } from './query.js';
import { RECORDS_TYPE, recordAttributes, renderQueryPage, renderTask, renderTasksList, TASK_TYPE, type RenderContext } from './render.js';
import { empty, noAccess, vcdError, xml } from './respond.js';

export interface TaskRouteContext {
  req: SimRequest;
  world: TaskWorld;
  session: SimSession;
  origin: string;
  version: string;
}

const STATES: Record<VcdStatusText, SimState> = {
  queued: 'queued',
  preRunning: 'queued',
  running: 'running',
  postRunning: 'running',
  success: 'succeeded',
  error: 'failed',
  canceled: 'canceled',
  aborted: 'canceled',
};

function renderContext(c: TaskRouteContext): RenderContext {
  return { origin: c.origin, apiVersion: c.version, now: c.world.now(), viewerIsSystem: isSystem(c.session.org), lookup: (id) => c.world.get(id) };
}

function visible(c: TaskRouteContext, task: SimTask | undefined): task is SimTask {
  return task !== undefined && (isSystem(c.session.org) || task.tenant === c.session.org.name);
}

function versionAtLeast(version: string, major: number): boolean {
  return Number.parseFloat(version) >= major;
}

export function queryRoute(c: TaskRouteContext): SimResponse {
  const { req } = c;
  const route = 'list tasks';
  const bad = (message: string) => vcdError(req, 400, 'BAD_REQUEST', message, route, c.version);
  const type = req.query.get('type');
  if (type !== 'task' && type !== 'adminTask') return bad(`Unknown query type: ${type ?? '(none)'}`);
  const admin = type === 'adminTask';
  if (admin && !isSystem(c.session.org)) {
    return vcdError(req, 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN', 'This operation is denied: the adminTask query is for system administrators.', route, c.version);
  }
  const format = req.query.get('format') ?? 'records';
  if (format !== 'records' && format !== 'idrecords') return bad(`The simulator serves format=records and idrecords, not ${format}`);
  const page = Number(req.query.get('page') ?? '1');
  const requested = Number(req.query.get('pageSize') ?? '25');
  if (!Number.isInteger(page) || page < 1 || !Number.isInteger(requested) || requested < 1) return bad('page and pageSize must be positive integers');
  const pageSize = Math.min(128, requested);

  const now = c.world.now();
  let records = c.world
    .list()
    .filter((t) => (admin ? true : t.tenant === c.session.org.name))
    .map((t) => ({ seq: t.seq, attrs: recordAttributes(t, { origin: c.origin, now }, admin) }));
  const filterText = req.query.get('filter');
  if (filterText) {
    const mode: FilterMode = versionAtLeast(c.version, 35) ? 'escaped' : req.query.get('filterEncoded') === 'true' ? 'encoded' : 'raw';
    try {
      const node = parseFilter(filterText, mode);
      records = records.filter((r) => evaluate(node, r.attrs));
    } catch (err) {
      if (err instanceof FilterError) return bad(`Bad filter: ${err.message}`);
      throw err;
    }
  }
  const sortAsc = req.query.get('sortAsc');
  const sortDesc = req.query.get('sortDesc');
  const sortBy = sortDesc ?? sortAsc;
  if (sortBy && !RECORD_ATTRIBUTES.has(sortBy)) return bad(`${sortBy} is not a sortable attribute`);
  records.sort((a, b) => a.seq - b.seq);
  if (sortBy) sortRecords(records, sortBy, sortDesc !== null);

  const fields = parseFields(req.query.get('fields'));
  const total = records.length;
  const lastPage = Math.max(1, Math.ceil(total / pageSize));
  const base = `${c.origin}${req.path}`;
  const hrefFor = (p: number, f = format) => {
    const params = new URLSearchParams(req.query);
    params.set('page', String(p));
    params.set('pageSize', String(pageSize));
    params.set('format', f);
    return `${base}?${params.toString()}`;
  };
  const link = (rel: string, p: number) => ({ rel, type: RECORDS_TYPE, href: hrefFor(p) });
  const links = [link('firstPage', 1)];
  if (page > 1) links.push(link('previousPage', page - 1));
  if (page < lastPage) links.push(link('nextPage', page + 1));
  links.push(link('lastPage', lastPage));
  links.push({ rel: 'alternate', type: 'application/vnd.vmware.vcloud.query.references+xml', href: hrefFor(page, 'references') });
  const body = renderQueryPage({
    name: type,
    href: hrefFor(page),
    page,
    pageSize,
    total,
    links,
    records: records.slice((page - 1) * pageSize, page * pageSize).map((r) => projectRecord(r.attrs, fields)),
    recordElement: admin ? 'AdminTaskRecord' : 'TaskRecord',
  });
  return xml(req, 200, body, RECORDS_TYPE, c.version, route);
}

export function getTaskRoute(c: TaskRouteContext, uuid: string): SimResponse {
  const task = c.world.get(uuid);
  if (!visible(c, task)) return noAccess(c.req, 'task', uuid, 'get task', c.version);
  return xml(c.req, 200, renderTask(task, renderContext(c)), TASK_TYPE, c.version, 'get task');
}

/** 204 on success (POST-CancelTask doc); refusals are 400 (UNCONFIRMED wording and code). */
export function cancelRoute(c: TaskRouteContext, uuid: string): SimResponse {
  const route = 'cancel task';
  if (!visible(c, c.world.get(uuid))) return noAccess(c.req, 'task', uuid, route, c.version);
  switch (c.world.cancel(uuid)) {
    case 'ok':
      return empty(c.req, 204, c.version, route, { 'content-type': `application/*+xml;version=${c.version}` });
    case 'not-found':
      return noAccess(c.req, 'task', uuid, route, c.version);
    case 'finished':
      return vcdError(c.req, 400, 'BAD_REQUEST', `The task ${uuid} has already completed and cannot be canceled.`, route, c.version);
    case 'not-cancelable':
      return vcdError(c.req, 400, 'BAD_REQUEST', `The task ${uuid} cannot be canceled.`, route, c.version);
  }
}

interface TaskInput {
  status?: VcdStatusText;
  serviceNamespace?: string;
  operation?: string;
  operationName?: string;
  owner?: { href: string; name?: string; type?: string };
  error?: { message: string; major?: string; minor?: string };
  progress?: number;
  details?: string;
}

type Read = { input: TaskInput; refused?: undefined } | { refused: SimResponse };

function refuse(...args: Parameters<typeof vcdError>): Read {
  return { refused: vcdError(...args) };
}

function readInput(c: TaskRouteContext, route: string): Read {
  const contentType = String(c.req.headers['content-type'] ?? '');
  if (!contentType.startsWith(TASK_TYPE)) {
    return refuse(c.req, 415, 'BAD_REQUEST', `Content-Type must be ${TASK_TYPE}`, route, c.version);
  }
  let root: XmlElement;
  try {
    root = parseXml(c.req.body);
  } catch (err) {
    return refuse(c.req, 400, 'BAD_REQUEST', `The request body is not valid XML: ${(err as Error).message}`, route, c.version);
  }
  if (root.name !== 'Task') return refuse(c.req, 400, 'BAD_REQUEST', 'The request body must be a Task', route, c.version);
  const el = (name: string) => root.children.find((x) => x.name === name);
  const status = root.attrs.status;
  if (status !== undefined && !(status in STATES)) {
    return refuse(c.req, 400, 'BAD_REQUEST', `Invalid task status: ${status}`, route, c.version);
  }
  const owner = el('Owner');
  const error = el('Error');
  const progressText = el('Progress')?.text.trim();
  return {
    input: {
      status: status as VcdStatusText | undefined,
      serviceNamespace: root.attrs.serviceNamespace,
      operation: root.attrs.operation,
      operationName: root.attrs.operationName,
      owner: owner?.attrs.href ? { href: owner.attrs.href, name: owner.attrs.name, type: owner.attrs.type } : undefined,
      error: error?.attrs.message ? { message: error.attrs.message, major: error.attrs.majorErrorCode, minor: error.attrs.minorErrorCode } : undefined,
      progress: progressText ? Math.max(0, Math.min(100, Number.parseInt(progressText, 10) || 0)) : undefined,
      details: el('Details')?.text,
    },
  };
}

function shortType(mediaType: string | undefined): string {
  return /\.([A-Za-z0-9]+)\+xml/.exec(mediaType ?? '')?.[1] ?? 'entity';
}

/** `POST /api/tasksList/{orgUuid}` (POST-CreateTask doc): a Task the caller's service owns. */
export function createRoute(c: TaskRouteContext, orgUuid: string): SimResponse {
  const route = 'create task';
  const org = orgByUuid(orgUuid);
  if (!org || (!isSystem(c.session.org) && org !== c.session.org)) return noAccess(c.req, 'org', orgUuid, route, c.version);
  const read = readInput(c, route);
  if (read.refused) return read.refused;
  const { input } = read;
  const ns = input.serviceNamespace;
  if (!ns || ns.length > 128 || ns.toLowerCase().startsWith('com.vmware.vcloud')) {
    return vcdError(c.req, 400, 'BAD_REQUEST', 'serviceNamespace must be 1 to 128 characters and must not start with com.vmware.vcloud', route, c.version);
  }
  if (!input.owner) return vcdError(c.req, 400, 'BAD_REQUEST', 'The task must have an Owner', route, c.version);
  const status = input.status ?? 'running';
  const task = c.world.create({
    operation: input.operationName ?? 'jobCustom',
    description: input.operation ?? input.operationName ?? 'jobCustom',
    entity: { id: input.owner.href, type: shortType(input.owner.type), name: input.owner.name ?? '' },
    tenant: org.name,
    owner: c.session.user.name,
    external: true,
    cancelable: false,
    state: STATES[status],
    progress: input.progress,
    details: input.details ?? null,
    extra: { serviceNamespace: ns, vcdStatus: status, ...(input.owner.type ? { ownerType: input.owner.type } : {}) },
  });
  if (input.error) {
    c.world.update(task.id, { errorMessage: input.error.message, extra: { errorMajor: input.error.major ?? '500', errorMinor: input.error.minor ?? 'INTERNAL_SERVER_ERROR' } });
  }
  return xml(c.req, 200, renderTask(task, renderContext(c)), TASK_TYPE, c.version, route);
}

/** `PUT /api/task/{uuid}` (PUT-Task doc, since 5.1): external tasks only. */
export function updateRoute(c: TaskRouteContext, uuid: string): SimResponse {
  const route = 'update task';
  const task = c.world.get(uuid);
  if (!visible(c, task)) return noAccess(c.req, 'task', uuid, route, c.version);
  if (!task.external) return vcdError(c.req, 400, 'BAD_REQUEST', 'Only tasks created through the API (external tasks) can be updated.', route, c.version);
  const read = readInput(c, route);
  if (read.refused) return read.refused;
  const { input } = read;
  const status = input.status ?? (task.extra.vcdStatus as VcdStatusText);
  if (input.owner) task.entity = { id: input.owner.href, type: shortType(input.owner.type), name: input.owner.name ?? '' };
  c.world.update(uuid, {
    state: STATES[status],
    progress: input.progress ?? task.progress,
    operation: input.operationName ?? task.operation,
    description: input.operation ?? task.description,
    details: input.details ?? null,
    errorMessage: input.error?.message ?? null,
    extra: {
      vcdStatus: status,
      ...(input.owner?.type ? { ownerType: input.owner.type } : {}),
      ...(input.error ? { errorMajor: input.error.major ?? '500', errorMinor: input.error.minor ?? 'INTERNAL_SERVER_ERROR' } : {}),
    },
  });
  return xml(c.req, 200, renderTask(c.world.get(uuid)!, renderContext(c)), TASK_TYPE, c.version, route);
}

/** `GET /api/tasksList/{orgUuid}`: the org's tasks, newest first. */
export function tasksListRoute(c: TaskRouteContext, orgUuid: string): SimResponse {
  const org = orgByUuid(orgUuid);
  if (!org || (!isSystem(c.session.org) && org !== c.session.org)) return noAccess(c.req, 'org', orgUuid, 'tasks list', c.version);
  const tasks = c.world.list().filter((t) => t.tenant === org.name && t.parentId === null);
  return xml(c.req, 200, renderTasksList(org, tasks, renderContext(c)), 'application/vnd.vmware.vcloud.tasksList+xml', c.version, 'tasks list');
}
