/**
 * Task actions: `CancelTask`, and for tasks an extension owns `TaskManager.CreateTask`,
 * `SetTaskState`, `UpdateProgress` and `SetTaskDescription` (govmomi request types; element
 * order as in the WSDL). Each returns the task as re-read after the change.
 */
import type { CallContext, CancelOutcome, CreateTaskRequest, UpdateTaskRequest } from '../contract.js';
import { BackendError, badResponse } from '../errors.js';
import { escapeXml } from '../xml.js';
import { clampProgress, isTerminal, type TaskModel, type TaskStatus } from '../../model/task.js';
import type { VimClient, VimSession } from './client.js';
import { isFault } from './faults.js';
import { parseMoRef } from './filter.js';
import { toTaskModel, type VimTaskState } from './map.js';
import { el, node, ref, returnvals, type MoRef, type Part } from './soap.js';
import { narrow, taskInfosById } from './task-info.js';
import { readTaskInfo, type TaskInfo } from './wire.js';

const task = (id: string): MoRef => ({ type: 'Task', value: id });

/** The state SetTaskState is called with for a requested status; null when vim has none to set. */
function settable(status: TaskStatus): VimTaskState | null {
  switch (status) {
    case 'QUEUED':
      return 'queued';
    case 'RUNNING':
      return 'running';
    case 'SUCCEEDED':
      return 'success';
    case 'FAILED':
    case 'CANCELED':
      return 'error';
    case 'PENDING':
    case 'BLOCKED':
    case 'CANCELING':
    case 'SUSPENDED':
    case 'UNKNOWN':
      return null;
  }
}

/** `LocalizedMethodFault` for SetTaskState: RequestCanceled for a cancel, else SystemError{reason}. */
function faultArg(status: TaskStatus, message: string | undefined): string {
  const text = message ?? (status === 'CANCELED' ? 'The task was canceled.' : 'The task failed.');
  const inner = status === 'CANCELED' ? node('fault', [], 'xsi:type="RequestCanceled"') : node('fault', [el('reason', text)], 'xsi:type="SystemError"');
  return node('fault', [inner, el('localizedMessage', text)]);
}

export function createActions(client: VimClient) {
  const backend = client.backend;
  const input = (message: string) => new BackendError('BAD_USER_INPUT', backend, `${backend}: ${message}`);

  async function read(session: VimSession, id: string, ctx: CallContext): Promise<TaskInfo | null> {
    const info = (await taskInfosById(client, session, [id], ctx)).get(id);
    if (info instanceof Error) throw new BackendError('BACKEND_ERROR', backend, info.message);
    return info ?? null;
  }

  async function reread(session: VimSession, id: string, ctx: CallContext): Promise<TaskModel> {
    const info = await read(session, id, ctx);
    if (!info) throw new BackendError('NOT_FOUND', backend, `${backend}: task ${id} not found`);
    return toTaskModel(backend, info);
  }

  function checkStatus(status: TaskStatus | undefined): VimTaskState | undefined {
    if (status === undefined) return undefined;
    const state = settable(status);
    if (!state) throw input(`a vim task cannot be set to ${status} (use QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELED)`);
    return state;
  }

  /** SetTaskState, UpdateProgress and SetTaskDescription for whatever the request changes. */
  async function apply(session: VimSession, info: TaskInfo, change: UpdateTaskRequest, ctx: CallContext): Promise<void> {
    const self = task(info.key);
    if (change.description !== undefined || change.operation !== undefined) {
      const key = change.operation ?? info.description?.key ?? info.descriptionId ?? info.key;
      const message = change.description ?? info.description?.message ?? null;
      await client.call(session, 'SetTaskDescription', self, [node('description', [el('key', key), el('message', message)])], ctx);
    }
    const failed = change.status === 'FAILED' || change.status === 'CANCELED' || (change.status === undefined && change.errorMessage !== undefined);
    const status = change.status ?? (failed ? 'FAILED' : undefined);
    const state = checkStatus(status) ?? (change.result !== undefined ? (info.state as VimTaskState) : undefined);
    if (state) {
      const args: Part[] = [el('state', state)];
      if (change.result !== undefined) args.push(`<result xsi:type="xsd:string">${escapeXml(change.result)}</result>`);
      if (failed) args.push(faultArg(status!, change.errorMessage));
      await client.call(session, 'SetTaskState', self, args, ctx);
    }
    if (change.progress !== undefined) {
      await client.call(session, 'UpdateProgress', self, [el('percentDone', clampProgress(change.progress) ?? 0)], ctx);
    }
  }

  return {
    async cancel(id: string, ctx: CallContext): Promise<CancelOutcome> {
      return client.run(ctx, async (session) => {
        try {
          await client.call(session, 'CancelTask', task(id), [], ctx);
        } catch (err) {
          if (isFault(err, 'ManagedObjectNotFound')) return { ok: false, code: 'NOT_FOUND', message: `${backend}: task ${id} not found` };
          // vim: InvalidState when the task already finished, NotSupported when it cannot be canceled.
          if (!isFault(err, 'InvalidState', 'NotSupported')) throw err;
          const info = await read(session, id, ctx);
          if (!info) return { ok: false, code: 'NOT_FOUND', message: `${backend}: task ${id} not found` };
          const model = toTaskModel(backend, info);
          if (isTerminal(model.status)) return { ok: false, code: 'ALREADY_FINISHED', message: `${backend}: task ${id} already ${model.status.toLowerCase()}` };
          return { ok: false, code: 'NOT_CANCELABLE', message: err.message };
        }
        return { ok: true, task: await reread(session, id, ctx).catch(() => null) };
      });
    },

    async create(request: CreateTaskRequest, ctx: CallContext): Promise<TaskModel> {
      checkStatus(request.status);
      if (request.details !== null) throw input('vim tasks have no details field; put the text in description');
      return client.run(ctx, async (session) => {
        let obj = session.content.rootFolder;
        if (request.owner) {
          const owner = parseMoRef(request.owner.nativeId, request.owner.type);
          if (!owner) throw input(`owner ${request.owner.nativeId}: give a moref such as vm-42 or VirtualMachine:vm-42`);
          obj = owner;
        }
        const res = await client.call(
          session,
          'CreateTask',
          session.content.taskManager,
          [ref('obj', obj), el('taskTypeId', request.operation), el('initiatedBy', request.serviceNamespace), el('cancelable', request.cancelable), el('parentTaskKey', request.parentId)],
          ctx,
        );
        const returned = returnvals(res)[0];
        if (!returned) throw badResponse(backend, 'CreateTask: no TaskInfo returned');
        const info = narrow(backend, 'CreateTask', () => readTaskInfo(returned));
        await apply(
          session,
          info,
          {
            nativeId: info.key,
            status: request.status === 'QUEUED' ? undefined : request.status,
            progress: request.progress ?? undefined,
            description: request.description ?? undefined,
          },
          ctx,
        );
        return reread(session, info.key, ctx);
      });
    },

    async update(request: UpdateTaskRequest, ctx: CallContext): Promise<TaskModel> {
      checkStatus(request.status);
      if (request.details !== undefined) throw input('vim tasks have no details field; put the text in description');
      return client.run(ctx, async (session) => {
        const info = await read(session, request.nativeId, ctx);
        if (!info) throw new BackendError('NOT_FOUND', backend, `${backend}: task ${request.nativeId} not found`);
        await apply(session, info, request, ctx);
        return reread(session, request.nativeId, ctx);
      });
    },
  };
}
