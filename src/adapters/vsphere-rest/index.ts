/**
 * The `vsphere-rest` backend: tasks of the vSphere Automation REST API (`com.vmware.cis.tasks`).
 * Docs: docs/backends/vsphere-rest.md.
 */
import { z } from 'zod';
import { baseBackendSchema, requirePassword } from '../config.js';
import { defineAdapter } from '../contract.js';
import { createTransport } from '../http.js';
import { VsphereRestClient } from './client.js';
import { VsphereRestAdapter } from './adapter.js';
import { serviceGroups } from './services.js';

const serviceId = z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/, 'a vAPI service id such as com.vmware.vcenter.vm');

const vsphereRestSchema = baseBackendSchema.extend({
  type: z.literal('vsphere-rest'),
  /**
   * Services whose tasks are listed (the list call requires them). A nested list groups services
   * of one provider into one call. Default: see services.ts.
   */
  services: z.array(z.union([serviceId, z.array(serviceId).min(1)])).min(1).optional(),
});

export const vsphereRestAdapter = defineAdapter({
  type: 'vsphere-rest',
  title: 'VMware vSphere Automation REST',
  docs: 'docs/backends/vsphere-rest.md',
  configSchema: vsphereRestSchema,
  // vCenter has no tenants: whoever may see the backend sees all of its tasks.
  scope: [],
  simulator: async () => (await import('../../simulators/vsphere-rest/index.js')).startVsphereRestSimulator,
  testing: async () => (await import('./testing.js')).vsphereRestTesting,
  create(config, options = {}) {
    if (!config.username) throw new Error(`backends.${config.name}: set username (e.g. administrator@vsphere.local)`);
    const transport = createTransport({ backend: config.name, baseUrl: config.url, timeoutMs: config.timeoutMs, tls: config.tls, shareInFlight: options.shareInFlight });
    const client = new VsphereRestClient({ backend: config.name, transport, username: config.username, password: requirePassword(config) });
    return new VsphereRestAdapter({ name: config.name, client, serviceGroups: serviceGroups(config.services), close: () => transport.close() });
  },
});
