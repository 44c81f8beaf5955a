/**
 * The Proxmox VE adapter (`type: proxmox`): the tasks of every node of a cluster, through
 * its API (`/api2/json`). Docs: docs/backends/proxmox.md.
 */
import { z } from 'zod';
import { baseBackendSchema, readSecretFile, requirePassword } from '../config.js';
import { defineAdapter, Keyed, keyedPage, type AdapterOptions, type CallContext, type CancelOutcome, type ListQuery, type TaskAdapter, type TaskPage } from '../contract.js';
import { BackendError } from '../errors.js';
import { Secret } from '../../model/secret.js';
import { createProxmoxClient } from './client.js';
import { listRecords } from './listing.js';
import { LOG_FIELDS } from './map.js';
import { createTaskReads } from './reads.js';
import type { ProxmoxAuth } from './session.js';
import { decodeUpid } from './upid.js';

/** pve-access-control `PVE::Auth::Plugin` user_regex and realm_regex; token names as realms. */
const USER_ID = /^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+$/;
const TOKEN_ID = /^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+![A-Za-z][A-Za-z0-9.\-_]+$/;

/** Ids per getTasks call the gateway's loaders send at most. */
const MAX_BATCH = 100;

const secret = z
  .string()
  .min(1)
  .transform((value) => new Secret(value));

export const proxmoxConfigSchema = baseBackendSchema
  .extend({
    type: z.literal('proxmox'),
    username: z.string().regex(USER_ID, 'a user id with its realm, such as root@pam or ops@pve').optional(),
    /** API token id, `user@realm!tokenname`: sent as `Authorization: PVEAPIToken=<tokenId>=<tokenSecret>`. */
    tokenId: z.string().regex(TOKEN_ID, 'an API token id such as root@pam!taskgraph (user@realm!tokenname)').optional(),
    tokenSecret: secret.optional(),
    /** A file holding the token secret (Docker/Kubernetes secrets); read once at start-up. */
    tokenSecretFile: z.string().min(1).optional(),
  })
  .superRefine((config, ctx) => {
    const token = config.tokenId !== undefined || config.tokenSecret !== undefined || config.tokenSecretFile !== undefined;
    const user = config.username !== undefined || config.password !== undefined || config.passwordFile !== undefined;
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    for (const unused of ['apiKey', 'apiKeyFile', 'org'] as const) {
      if (config[unused] !== undefined) issue(unused, 'not a Proxmox setting: use tokenId and tokenSecret, or username and password');
    }
    if (token && user) issue('tokenId', 'use an API token (tokenId, tokenSecret) or a user (username, password), not both');
    else if (token) {
      if (config.tokenId === undefined) issue('tokenId', 'set the API token id, such as root@pam!taskgraph');
      if ((config.tokenSecret === undefined) === (config.tokenSecretFile === undefined)) issue('tokenSecret', 'set tokenSecret or tokenSecretFile (one of them)');
    } else if (config.username === undefined) {
      issue('tokenId', 'set an API token (tokenId, tokenSecret) or a user (username, password)');
    }
  });

export type ProxmoxConfig = z.infer<typeof proxmoxConfigSchema>;

function authOf(config: ProxmoxConfig): ProxmoxAuth {
  if (config.tokenId) {
    const tokenSecret = config.tokenSecret ?? readSecretFile(config.tokenSecretFile!, `backends.${config.name}.tokenSecretFile`);
    return { kind: 'token', tokenId: config.tokenId, secret: tokenSecret };
  }
  return { kind: 'ticket', username: config.username!, password: requirePassword(config) };
}

export function createProxmoxAdapter(config: ProxmoxConfig, options: AdapterOptions = {}): TaskAdapter {
  const backend = config.name;
  const client = createProxmoxClient({ backend, url: config.url, timeoutMs: config.timeoutMs, tls: config.tls, auth: authOf(config), shareInFlight: options.shareInFlight });
  const reads = createTaskReads(backend, client);

  async function listTasks(query: ListQuery, ctx: CallContext): Promise<TaskPage> {
    const page = await listRecords(query, ctx, { backend, client, toModel: reads.recordModel });
    const partial = (errors: readonly BackendError[]) => (errors.length ? { partialErrors: errors } : {});
    const needsLog = !query.select || LOG_FIELDS.some((f) => query.select!.has(f));
    if (!needsLog) return { ...keyedPage(query, page.records, page.hasMore, page.totalCount), ...partial(page.partialErrors) };
    const records = page.records.map((k) => k.record);
    if (query.completesKept) {
      // The caller reads the tasks it keeps with getTasks: this request's records answer
      // their state, so only their logs are read.
      reads.noteListed(records, ctx);
      return { ...keyedPage(query, page.records, page.hasMore, page.totalCount), incomplete: true, ...partial(page.partialErrors) };
    }
    const { models, errors } = await reads.hydrate(records, ctx);
    const keyed = models.map((m, i) => new Keyed(page.records[i]!.time, m.nativeId, m, (t) => t));
    return { ...keyedPage(query, keyed, page.hasMore, page.totalCount), ...partial([...page.partialErrors, ...errors]) };
  }

  async function cancelTask(upid: string, ctx: CallContext): Promise<CancelOutcome> {
    const parts = decodeUpid(upid);
    if (!parts) return { ok: false, code: 'NOT_FOUND', message: `${backend}: ${upid} is not a task id (UPID)` };
    // Stopping an ended task answers 200 all the same (Tasks.pm stop_task): ask first.
    const status = await client.taskStatus(parts.node, upid, ctx);
    if (!status) return { ok: false, code: 'NOT_FOUND', message: `${backend}: node ${parts.node} has no task ${upid}` };
    if (!status.running) return { ok: false, code: 'ALREADY_FINISHED', message: `${backend}: task already ended (${status.exitstatus ?? 'stopped'})` };
    try {
      await client.stopTask(parts.node, upid, ctx);
    } catch (err) {
      if (err instanceof BackendError && err.code === 'NOT_FOUND') return { ok: false, code: 'NOT_FOUND', message: err.message };
      if (err instanceof BackendError && err.status === 403) return { ok: false, code: 'NOT_CANCELABLE', message: err.message };
      throw err;
    }
    reads.rememberCancel(upid);
    const [task] = await reads.getTasks([upid], ctx).catch(() => [null]);
    return { ok: true, task: task instanceof Error ? null : (task ?? null) };
  }

  return {
    name: backend,
    type: 'proxmox',
    // batchGet: a task's log is one call per task; the state of many comes from one call.
    capabilities: { batchGet: false, maxBatchSize: MAX_BATCH, pushChanges: false, cancel: true, externalTasks: false, totalCount: true },
    listTasks,
    getTasks: (ids, ctx) => reads.getTasks(ids, ctx),
    cancelTask,
    close: async () => client.close(),
  };
}

export const proxmoxAdapter = defineAdapter({
  type: 'proxmox',
  title: 'Proxmox VE',
  docs: 'docs/backends/proxmox.md',
  configSchema: proxmoxConfigSchema,
  create: createProxmoxAdapter,
  scope: [
    {
      name: 'proxmoxNodes',
      claim: 'taskgraph_proxmox_nodes',
      description: 'Proxmox VE node names',
      // A task's tenant is its node (from its UPID); a restricted list reads the granted nodes only.
      field: 'tenant',
      pushedDown: true,
    },
  ],
  simulator: async () => (await import('../../simulators/proxmox/index.js')).startProxmoxSimulator,
  testing: async () => (await import('./testing.js')).proxmoxTesting,
});
