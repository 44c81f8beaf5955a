/**
 * External (custom) task bodies, built as pyvcloud `Task.update` builds them
 * (`pyvcloud/vcd/task.py`; reference §1.3): a default-namespace `Task` with status,
 * serviceNamespace, type, operation, operationName and name="task", then the children in this
 * order: Owner, Error (only with an error message), User, Progress (only when known), Details.
 * The same body is POSTed to the org's tasksList to create a task and PUT to the task to update it.
 */
import { BackendError } from '../errors.js';
import { escapeXml } from '../xml.js';
import { clampProgress, type TaskStatus } from '../../model/task.js';
import type { CreateTaskRequest, UpdateTaskRequest } from '../contract.js';
import type { VcdReference, VcdTask } from './wire.js';

const VCLOUD_NS = 'http://www.vmware.com/vcloud/v1.5';
const USER_MEDIA_TYPE = 'application/vnd.vmware.admin.user+xml';

export interface TaskBody {
  status: string;
  serviceNamespace: string;
  operation: string;
  operationName: string;
  owner: VcdReference;
  errorMessage: string | null;
  user: VcdReference | null;
  progress: number | null;
  details: string;
}

function invalid(backend: string, message: string): BackendError {
  return new BackendError('BAD_USER_INPUT', backend, `${backend}: ${message}`);
}

/**
 * pyvcloud's docstring: "It must not start with com.vmware.vcloud and the length must be
 * between 1 and 128 symbols". Checked before any call.
 */
export function checkServiceNamespace(backend: string, value: string | null | undefined): string {
  if (value === null || value === undefined || value.length === 0 || value.length > 128) {
    throw invalid(backend, 'vCD external tasks need a serviceNamespace of 1 to 128 characters (the id of the service that owns the task)');
  }
  if (value.toLowerCase().startsWith('com.vmware.vcloud')) {
    throw invalid(backend, `serviceNamespace "${value}" is reserved: it must not start with com.vmware.vcloud`);
  }
  return value;
}

/** The status an external task is set to; vCD has no BLOCKED, SUSPENDED or settable CANCELING. */
export function vcdStatusForInput(backend: string, status: TaskStatus): string {
  switch (status) {
    case 'QUEUED':
      return 'queued';
    case 'PENDING':
      return 'preRunning';
    case 'RUNNING':
      return 'running';
    case 'SUCCEEDED':
      return 'success';
    case 'FAILED':
      return 'error';
    case 'CANCELED':
      return 'canceled';
    case 'BLOCKED':
    case 'SUSPENDED':
    case 'CANCELING':
    case 'UNKNOWN':
      throw invalid(backend, `vCD external tasks cannot be set to ${status}; use QUEUED, PENDING, RUNNING, SUCCEEDED, FAILED or CANCELED`);
    default: {
      const unreachable: never = status;
      return unreachable;
    }
  }
}

function progressOf(backend: string, value: number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isFinite(value)) throw invalid(backend, 'progress must be a number from 0 to 100');
  return clampProgress(value);
}

/** A short type (`vApp`) becomes the vcloud media type; a media type is kept. */
function ownerMediaType(type: string | null): string | undefined {
  if (!type) return undefined;
  return type.includes('/') ? type : `application/vnd.vmware.vcloud.${type}+xml`;
}

export interface CreateContext {
  /** Absolute href of the logged-in org (the owner when the request names none). */
  orgHref: string | null;
  org: string;
  userHref: string | null;
  username: string;
}

export function createBody(backend: string, request: CreateTaskRequest, context: CreateContext): TaskBody {
  const serviceNamespace = checkServiceNamespace(backend, request.serviceNamespace);
  if (!request.operation.trim()) throw invalid(backend, 'operation (the vCD operationName) must not be empty');
  if (request.parentId !== null) throw invalid(backend, 'vCD external tasks cannot have a parent task');
  let owner: VcdReference;
  if (request.owner) {
    if (!/^https?:\/\//.test(request.owner.nativeId)) {
      throw invalid(backend, 'a vCD task owner is the href of an entity, e.g. https://vcd.example.com/api/vApp/vapp-<uuid>');
    }
    owner = { href: request.owner.nativeId, name: request.owner.name ?? undefined, type: ownerMediaType(request.owner.type) };
  } else if (context.orgHref) {
    owner = { href: context.orgHref, name: context.org, type: 'application/vnd.vmware.vcloud.org+xml' };
  } else {
    throw invalid(backend, 'give the task an owner (the href of the entity it works on)');
  }
  const status = vcdStatusForInput(backend, request.status);
  return {
    status,
    serviceNamespace,
    operation: request.description ?? request.operation,
    operationName: request.operation,
    owner,
    errorMessage: null,
    user: context.userHref ? { href: context.userHref, name: context.username, type: USER_MEDIA_TYPE } : null,
    progress: progressOf(backend, request.progress),
    details: request.details ?? '',
  };
}

/** The current task with the request's changes; vCD's PUT replaces the whole task. */
export function updateBody(backend: string, request: UpdateTaskRequest, current: VcdTask): TaskBody {
  if (request.result !== undefined) throw invalid(backend, 'vCD external tasks take no result; put it in details');
  const namespace = current.serviceNamespace;
  if (!namespace || namespace.toLowerCase().startsWith('com.vmware.vcloud')) {
    throw invalid(backend, `task ${request.nativeId} is a vCD system task; only external tasks (created with createTask) can be updated`);
  }
  if (!current.owner?.href) throw invalid(backend, `task ${request.nativeId} has no owner; vCD cannot update it`);
  const status = request.status !== undefined ? vcdStatusForInput(backend, request.status) : (current.status ?? 'running');
  const errorMessage = request.errorMessage ?? (status === 'error' ? (current.error?.message ?? null) : null);
  return {
    status,
    serviceNamespace: namespace,
    operation: request.description ?? current.operation ?? request.operation ?? current.operationName ?? 'task',
    operationName: request.operation ?? current.operationName ?? 'task',
    owner: current.owner,
    errorMessage,
    user: current.user ?? null,
    progress: request.progress !== undefined ? progressOf(backend, request.progress) : (current.progress ?? null),
    details: request.details ?? current.details ?? '',
  };
}

function attrs(pairs: Array<[string, string | undefined]>): string {
  return pairs
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
}

export function renderBody(body: TaskBody): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<Task xmlns="${VCLOUD_NS}"${attrs([
      ['status', body.status],
      ['serviceNamespace', body.serviceNamespace],
      ['type', 'application/vnd.vmware.vcloud.task+xml'],
      ['operation', body.operation],
      ['operationName', body.operationName],
      ['name', 'task'],
    ])}>`,
    `  <Owner${attrs([['href', body.owner.href], ['name', body.owner.name], ['type', body.owner.type]])}/>`,
  ];
  if (body.errorMessage !== null) {
    lines.push(
      `  <Error${attrs([['stackTrace', ''], ['majorErrorCode', '500'], ['message', body.errorMessage], ['minorErrorCode', 'INTERNAL_SERVER_ERROR']])}/>`,
    );
  }
  if (body.user) lines.push(`  <User${attrs([['href', body.user.href], ['name', body.user.name], ['type', body.user.type ?? USER_MEDIA_TYPE]])}/>`);
  if (body.progress !== null) lines.push(`  <Progress>${body.progress}</Progress>`);
  lines.push(`  <Details>${escapeXml(body.details)}</Details>`, '</Task>');
  return lines.join('\n');
}
