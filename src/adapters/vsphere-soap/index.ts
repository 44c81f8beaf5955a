/**
 * The vSphere vim25 SOAP adapter (`type: vsphere-soap`): vCenter (or ESXi) tasks through the
 * Web Services API at `/sdk`. See docs/backends/vsphere-soap.md for privileges, the filter
 * pushdown and the listing strategy.
 */
import { z } from 'zod';
import { baseBackendSchema, requirePassword } from '../config.js';
import { defineAdapter, type CallContext, type TaskAdapter, type WatchHandle } from '../contract.js';
import type { TaskModel } from '../../model/task.js';
import { createActions } from './actions.js';
import { VimClient } from './client.js';
import { createLister } from './listing.js';
import { toTaskModel } from './map.js';
import { taskInfosById } from './task-info.js';
import { startWatch } from './watch.js';

/** Task ids per RetrievePropertiesEx in getTasks. */
const MAX_BATCH = 200;

const vsphereSoapConfigSchema = baseBackendSchema.extend({
  type: z.literal('vsphere-soap'),
  /** `SOAPAction: urn:vim25/<apiVersion>`; 7.0 is understood by vCenter 7 and 8. */
  apiVersion: z
    .string()
    .regex(/^\d+\.\d+(\.\d+)*$/, 'a vim API version such as 7.0 or 8.0.3.0')
    .default('7.0'),
  /** How long one WaitForUpdatesEx may block before it is re-issued (watch). */
  watchWaitSeconds: z.number().int().min(1).max(3600).default(60),
});

type VsphereSoapConfig = z.infer<typeof vsphereSoapConfigSchema>;

function createVsphereSoapAdapter(config: VsphereSoapConfig): TaskAdapter {
  const backend = config.name;
  if (!config.username) throw new Error(`backends.${backend}: set username (e.g. administrator@vsphere.local)`);
  const client = new VimClient({
    backend,
    // Users paste either https://vc or https://vc/sdk; the client posts to /sdk.
    baseUrl: config.url.replace(/\/sdk\/?$/, '').replace(/\/$/, ''),
    apiVersion: config.apiVersion,
    username: config.username,
    password: requirePassword(config),
    timeoutMs: config.timeoutMs,
    tls: config.tls,
  });
  const lister = createLister(client);
  const actions = createActions(client);
  const watches = new Set<WatchHandle>();

  async function getTasks(ids: readonly string[], ctx: CallContext): Promise<Array<TaskModel | null | Error>> {
    // An empty id names no task; vim would fault on the whole batch for it.
    const unique = [...new Set(ids)].filter((id) => id.trim() !== '');
    const found = new Map<string, TaskModel | null | Error>();
    for (let i = 0; i < unique.length; i += MAX_BATCH) {
      const batch = unique.slice(i, i + MAX_BATCH);
      const infos = await client.run(ctx, (session) => taskInfosById(client, session, batch, ctx));
      for (const [id, info] of infos) found.set(id, info instanceof Error || info === null ? info : toTaskModel(backend, info));
    }
    return ids.map((id) => found.get(id) ?? null);
  }

  return {
    name: backend,
    type: 'vsphere-soap',
    capabilities: { batchGet: true, maxBatchSize: MAX_BATCH, pushChanges: true, cancel: true, externalTasks: true, totalCount: false },
    listTasks: (query, ctx) => lister.list(query, ctx),
    getTasks,
    cancelTask: (id, ctx) => actions.cancel(id, ctx),
    createTask: (request, ctx) => actions.create(request, ctx),
    updateTask: (request, ctx) => actions.update(request, ctx),
    async watch(onChange, onError) {
      const handle = await startWatch(client, onChange, onError, { maxWaitSeconds: config.watchWaitSeconds, timeoutMs: config.timeoutMs });
      const tracked: WatchHandle = {
        close: async () => {
          watches.delete(tracked);
          await handle.close();
        },
      };
      watches.add(tracked);
      return tracked;
    },
    async close() {
      lister.close();
      await Promise.all([...watches].map((w) => w.close()));
      await client.close();
    },
  };
}

export const vsphereSoapAdapter = defineAdapter({
  type: 'vsphere-soap',
  title: 'VMware vSphere (vim25 SOAP)',
  docs: 'docs/backends/vsphere-soap.md',
  configSchema: vsphereSoapConfigSchema,
  create: createVsphereSoapAdapter,
  // vCenter has no tenants: whoever may see the backend sees all of its tasks.
  scope: [],
  simulator: async () => (await import('../../simulators/vsphere-soap/index.js')).startVsphereSoapSimulator,
  testing: async () => (await import('./testing.js')).vsphereSoapTesting,
});
