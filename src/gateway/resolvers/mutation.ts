import { GraphQLError } from 'graphql';
import type { CallContext, TaskAdapter } from '../../adapters/contract.js';
import { BackendError } from '../../adapters/errors.js';
import type { MutationError, MutationResolvers, TaskErrorCode } from '../../generated/graphql.js';
import { wellFormedTaskKey } from '../client-input.js';
import type { GatewayContext } from '../context.js';

function mutationError(code: TaskErrorCode, message: string, backend?: string): { task: null; error: MutationError } {
  return { task: null, error: { code, message, backend: backend ?? null } };
}

/** Backend failures become typed payload errors; mutations are never retried blindly. */
function fromBackendError(err: unknown): { task: null; error: MutationError } {
  if (!(err instanceof BackendError)) throw err;
  switch (err.code) {
    case 'NOT_FOUND':
    case 'NOT_CANCELABLE':
    case 'ALREADY_FINISHED':
    case 'BAD_USER_INPUT':
    case 'UNSUPPORTED':
      return mutationError(err.code, err.message, err.backend);
    default:
      return mutationError('BACKEND_UNAVAILABLE', err.message, err.backend);
  }
}

function resolveTarget(ctx: GatewayContext, id: string): { adapter: TaskAdapter; nativeId: string } | { task: null; error: MutationError } {
  const key = wellFormedTaskKey(id);
  if (!key) return mutationError('BAD_USER_INPUT', 'id: not a task id from this API');
  const backend = ctx.backends.get(key.backend);
  if (!backend) return mutationError('NOT_FOUND', `no backend named ${key.backend} is configured`, key.backend);
  return { adapter: backend.adapter, nativeId: key.nativeId };
}

/** Refusal for a caller whose scope lacks the action (checked before anything is read). */
function forbidden(ctx: GatewayContext, action: 'cancel' | 'create' | 'update', backend: string): { task: null; error: MutationError } {
  return mutationError('FORBIDDEN', `${ctx.access.principal.id} may not ${action} tasks`, backend);
}

/**
 * Null when the caller may see the task; otherwise the payload error. A task out of the
 * caller's scope reads exactly like a missing one, so ids cannot be probed. Callers who see
 * everything skip the read (the backend answers NOT_FOUND itself).
 */
async function outOfScope(ctx: GatewayContext, backend: string, nativeId: string, what = 'task'): Promise<{ task: null; error: MutationError } | null> {
  if (ctx.access.unrestricted) return null;
  try {
    if (await ctx.loaders.task.load({ backend, nativeId })) return null;
  } catch (err) {
    return fromBackendError(err);
  }
  return mutationError('NOT_FOUND', `${backend}: ${what} ${nativeId} not found`, backend);
}

function clearCached(ctx: GatewayContext, backend: string, nativeId: string): void {
  ctx.loaders.task.clear({ backend, nativeId });
}

export const mutationResolvers: MutationResolvers = {
  cancelTask: async (_root, { id }, ctx) => {
    const target = resolveTarget(ctx, id);
    if ('error' in target) return target;
    const { adapter, nativeId } = target;
    if (!ctx.access.may('cancel')) return forbidden(ctx, 'cancel', adapter.name);
    if (!adapter.cancelTask) return mutationError('UNSUPPORTED', `${adapter.name} cannot cancel tasks`, adapter.name);
    const hidden = await outOfScope(ctx, adapter.name, nativeId);
    if (hidden) return hidden;
    try {
      const outcome = await adapter.cancelTask(nativeId, ctx.call);
      clearCached(ctx, adapter.name, nativeId);
      if (!outcome.ok) return mutationError(outcome.code, outcome.message, adapter.name);
      return { task: outcome.task, error: null };
    } catch (err) {
      return fromBackendError(err);
    }
  },

  createTask: async (_root, { input }, ctx) => {
    const backend = ctx.backends.get(input.backend);
    if (!backend) return mutationError('NOT_FOUND', `no backend named ${input.backend} is configured`);
    const { adapter } = backend;
    if (!ctx.access.may('create')) return forbidden(ctx, 'create', adapter.name);
    if (!ctx.access.mayCreateOn(adapter.name)) {
      return mutationError('FORBIDDEN', `tasks created on ${adapter.name} would belong to a tenant outside the scope of ${ctx.access.principal.id}`, adapter.name);
    }
    if (!adapter.createTask) return mutationError('UNSUPPORTED', `${adapter.name} does not support external tasks`, adapter.name);
    let parentId: string | null = null;
    if (input.parent) {
      const parent = wellFormedTaskKey(input.parent);
      if (!parent || parent.backend !== adapter.name) {
        return mutationError('BAD_USER_INPUT', 'parent: must be a task id on the same backend', adapter.name);
      }
      parentId = parent.nativeId;
      const hidden = await outOfScope(ctx, adapter.name, parentId, 'parent task');
      if (hidden) return hidden;
    }
    if (input.progress != null && (input.progress < 0 || input.progress > 100)) {
      return mutationError('BAD_USER_INPUT', 'progress: must be between 0 and 100', adapter.name);
    }
    try {
      const task = await adapter.createTask(
        {
          operation: input.operation,
          description: input.description ?? null,
          serviceNamespace: input.serviceNamespace ?? null,
          owner: input.owner ? { nativeId: input.owner.nativeId, type: input.owner.type ?? null, name: input.owner.name ?? null } : null,
          status: input.status ?? 'RUNNING',
          progress: input.progress ?? null,
          details: input.details ?? null,
          cancelable: input.cancelable ?? false,
          parentId,
        },
        ctx.call,
      );
      return { task, error: null };
    } catch (err) {
      return fromBackendError(err);
    }
  },

  updateTask: async (_root, { input }, ctx) => {
    const target = resolveTarget(ctx, input.id);
    if ('error' in target) return target;
    const { adapter, nativeId } = target;
    if (!ctx.access.may('update')) return forbidden(ctx, 'update', adapter.name);
    if (!adapter.updateTask) return mutationError('UNSUPPORTED', `${adapter.name} does not support external tasks`, adapter.name);
    const hidden = await outOfScope(ctx, adapter.name, nativeId);
    if (hidden) return hidden;
    const call: CallContext = ctx.call;
    try {
      const task = await adapter.updateTask(
        {
          nativeId,
          ...(input.status ? { status: input.status } : {}),
          ...(input.progress != null ? { progress: input.progress } : {}),
          ...(input.operation != null ? { operation: input.operation } : {}),
          ...(input.description != null ? { description: input.description } : {}),
          ...(input.details != null ? { details: input.details } : {}),
          ...(input.errorMessage != null ? { errorMessage: input.errorMessage } : {}),
          ...(input.result != null ? { result: input.result } : {}),
        },
        call,
      );
      clearCached(ctx, adapter.name, nativeId);
      return { task, error: null };
    } catch (err) {
      if (err instanceof GraphQLError) throw err;
      return fromBackendError(err);
    }
  },
};
