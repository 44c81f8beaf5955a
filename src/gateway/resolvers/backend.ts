import type { BackendResolvers, RelatedTaskResolvers } from '../../generated/graphql.js';
import { toGraphQLError } from '../errors.js';

export const backendResolvers: BackendResolvers = {
  name: (b) => b.adapter.name,
  type: (b) => b.adapter.type,
  health: (b) => b.status.health,
  latencyMs: (b) => b.status.latencyMs,
  lastError: (b) => b.status.lastError,
  lastErrorAt: (b) => b.status.lastErrorAt,
  capabilities: (b) => {
    const c = b.adapter.capabilities;
    return { batchGet: c.batchGet, maxBatchSize: c.maxBatchSize, pushChanges: c.pushChanges, cancel: c.cancel, externalTasks: c.externalTasks };
  },
};

/** A vCD VcTask resolves to the configured vCenter known by its `virtualCenterID` (config `knownAs`). */
export const relatedTaskResolvers: RelatedTaskResolvers = {
  backend: (r, _args, ctx) => r.ref.backend ?? (r.ref.systemId ? (ctx.backends.byAlias(r.ref.systemId)?.adapter.name ?? null) : null),
  nativeId: (r) => r.ref.nativeId,
  systemId: (r) => r.ref.systemId,
  nativeStatus: (r) => r.ref.nativeStatus,
  description: (r) => r.ref.description,
  task: async (r, _args, ctx) => {
    const name = r.ref.backend ?? (r.ref.systemId ? ctx.backends.byAlias(r.ref.systemId)?.adapter.name : undefined);
    if (!name) return null;
    try {
      return await ctx.loaders.task.load({ backend: name, nativeId: r.ref.nativeId });
    } catch (err) {
      throw toGraphQLError(err);
    }
  },
};
