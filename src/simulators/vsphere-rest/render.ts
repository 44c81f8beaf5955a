/**
 * TaskWorld tasks rendered as `Cis Task Info` JSON, and vAPI error bodies, as vCenter's /api
 * endpoint serves them (reference §2.2; the Info.error shape as in vCenter 8.0.3 replies).
 */
import type { SimTask } from '../task-world.js';
import { operationOf, serviceOf, taskIdOf } from './catalog.js';

type Lookup = (id: string) => SimTask | undefined;

/**
 * World state -> `com.vmware.cis.task.Status`. vAPI has neither CANCELING nor CANCELED: a task
 * being canceled keeps running (no longer cancelable), and a canceled one ends FAILED with the
 * std error `Canceled`. `extra.status` lets tests show BLOCKED (or any raw value).
 */
export function statusOf(task: SimTask): string {
  if (task.extra.status) return task.extra.status;
  switch (task.state) {
    case 'queued':
      return 'PENDING';
    case 'running':
    case 'canceling':
      return 'RUNNING';
    case 'succeeded':
      return 'SUCCEEDED';
    case 'failed':
    case 'canceled':
      return 'FAILED';
  }
}

function message(id: string, defaultMessage: string, args: string[] = []): Record<string, unknown> {
  return { id, default_message: defaultMessage, args };
}

/** A vAPI std error: `{error_type, messages}` (Vapi Std Errors Error DOC). */
export function vapiError(errorType: string, id: string, text: string, args: string[] = []): { error_type: string; messages: unknown[] } {
  return { error_type: errorType, messages: [message(id, text, args)] };
}

export function errorJson(errorType: string, id: string, text: string, args: string[] = []): string {
  return JSON.stringify(vapiError(errorType, id, text, args));
}

function iso(date: Date | null): string | undefined {
  return date ? date.toISOString() : undefined;
}

export function renderInfo(task: SimTask, lookup: Lookup): Record<string, unknown> {
  const service = serviceOf(task, lookup);
  const operation = operationOf(task, service);
  const status = statusOf(task);
  const parent = task.parentId ? lookup(task.parentId) : undefined;
  const info: Record<string, unknown> = {
    description: { ...message(`${service}.${operation.replace(/\$task$/, '')}.description`, task.description), localized: task.description },
    service,
    operation,
  };
  if (parent) info.parent = taskIdOf(parent, lookup);
  if (task.entity) info.target = { type: task.entity.type, id: task.entity.id };
  info.status = status;
  info.cancelable = task.cancelable && (task.state === 'queued' || task.state === 'running');
  if (task.state === 'failed') {
    info.error = vapiError('ERROR', 'com.vmware.vapi.sim.task.failed', task.errorMessage ?? 'The operation failed.');
  } else if (task.state === 'canceled') {
    info.error = vapiError('CANCELED', 'com.vmware.vapi.sim.task.canceled', task.errorMessage ?? 'The operation was canceled.');
  }
  if (task.startedAt) info.start_time = iso(task.startedAt);
  if (task.completedAt) info.end_time = iso(task.completedAt);
  // "only relevant when status is RUNNING, BLOCKED, SUCCEEDED or FAILED" (Cis Task Info DOC).
  if (status !== 'PENDING') {
    info.progress = {
      total: 100,
      completed: task.progress,
      message: message('com.vmware.vapi.sim.task.progress', 'Completed {0} of {1} work units.', [String(task.progress), '100']),
    };
  }
  if (task.result !== null) info.result = task.result;
  info.user = task.owner;
  return info;
}
