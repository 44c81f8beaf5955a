/**
 * The adapter's list calls: with the default services, all of them are in flight at once, so a
 * list costs one round trip to the vCenter, not two.
 */
import { describe, expect, it } from 'vitest';
import { VsphereRestAdapter } from './adapter.js';
import type { VsphereRestClient } from './client.js';
import { serviceGroups } from './services.js';

describe('vsphere-rest listTasks', () => {
  it('sends the list call of every default service before any has answered', async () => {
    const groups = serviceGroups(undefined);
    let inFlight = 0;
    let release!: () => void;
    const allSent = new Promise<void>((resolve) => (release = resolve));
    const client = {
      async listTasks() {
        if (++inFlight === groups.length) release();
        await allSent; // answers only once every call is out: a smaller limit never gets there
        return new Map();
      },
    } as unknown as VsphereRestClient;
    const adapter = new VsphereRestAdapter({ name: 'vc', client, serviceGroups: groups, close: () => undefined });
    const page = await Promise.race([
      adapter.listTasks({ filter: {}, direction: 'DESC', limit: 10 }, { requestId: 'r' }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`only ${inFlight} of ${groups.length} list calls sent at once`)), 2000)),
    ]);
    expect(page.tasks).toEqual([]);
    expect(inFlight).toBe(groups.length);
  });
});
