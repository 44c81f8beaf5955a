/**
 * The VMware Cloud Director adapter (`type: vcd`), over the legacy XML API (`/api`).
 */
import { z } from 'zod';
import { baseBackendSchema, requirePassword } from '../config.js';
import { defineAdapter, type AdapterOptions, type TaskAdapter } from '../contract.js';
import { createVcdTaskAdapter } from './adapter.js';
import { createVcdClient } from './client.js';

export const vcdConfigSchema = baseBackendSchema.extend({
  type: z.literal('vcd'),
  /** The org to log in to; `System` for a provider (system administrator) account. */
  org: z.string().min(1),
  /** Pin the API version (e.g. "36.0"); by default the highest non-deprecated one both sides speak. */
  apiVersion: z
    .string()
    .regex(/^\d+\.\d+$/, 'an API version such as "36.0"')
    .optional(),
  /** Task GETs in flight at once (listing and get-by-id share the cap). */
  maxConcurrentGets: z.number().int().min(1).max(64).default(8),
});

export type VcdConfig = z.infer<typeof vcdConfigSchema>;

function createAdapter(config: VcdConfig, options: AdapterOptions = {}): TaskAdapter {
  if (!config.username) throw new Error(`backends.${config.name}: set username (the vCD user, without @org)`);
  const client = createVcdClient({
    backend: config.name,
    baseUrl: config.url,
    username: config.username,
    password: requirePassword(config),
    org: config.org,
    apiVersion: config.apiVersion,
    timeoutMs: config.timeoutMs,
    tls: config.tls,
    maxSockets: Math.max(config.maxConcurrentGets + 2, 8),
    shareInFlight: options.shareInFlight,
  });
  return createVcdTaskAdapter({
    name: config.name,
    org: config.org,
    username: config.username,
    client,
    maxConcurrentGets: config.maxConcurrentGets,
  });
}

export const vcdAdapter = defineAdapter({
  type: 'vcd',
  title: 'VMware Cloud Director',
  docs: 'docs/backends/vcd.md',
  configSchema: vcdConfigSchema,
  create: createAdapter,
  scope: [
    {
      name: 'vcdOrgs',
      claim: 'taskgraph_vcd_orgs',
      description: 'vCD organization names',
      field: 'tenant',
      // The query service is filtered locally on orgName (the adapter's matchesFilter).
      pushedDown: false,
    },
  ],
  // External tasks are created in the org the backend's account logs in to.
  homeScope: (config) => ({ vcdOrgs: config.org }),
  simulator: async () => (await import('../../simulators/vcd/index.js')).startVcdSimulator,
  testing: async () => (await import('./testing.js')).vcdTesting,
});
