/**
 * `cis/tasks?action=list` refuses a list matching over 1000 tasks with ResourceInaccessible
 * (vsphere-automation-sdk TasksClient.List) rather than cutting it: the simulator does, and the
 * adapter narrows the call (by service, then by status) or asks for a narrower filter.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskAdapter } from '../../src/adapters/contract.js';
import { vsphereRestAdapter } from '../../src/adapters/vsphere-rest/index.js';
import type { SimState } from '../../src/simulators/task-world.js';
import { startVsphereRestSimulator, type VsphereRestSimulator } from '../../src/simulators/vsphere-rest/index.js';

const ctx = { requestId: 'too-many' };
const VM = 'com.vmware.vcenter.vm';
const SOFTWARE = 'com.vmware.esx.settings.clusters.software';

let sim: VsphereRestSimulator;
let adapter: TaskAdapter;
afterEach(async () => {
  await adapter?.close();
  await sim?.close();
});

async function start(tasks: Array<[operation: string, state: SimState, count: number]>, services?: unknown): Promise<void> {
  let now = Date.parse('2026-03-01T10:00:00.000Z');
  sim = await startVsphereRestSimulator({ now: () => now });
  for (const [operation, state, count] of tasks) {
    for (let i = 0; i < count; i++) {
      sim.world.create({ operation, state, plan: { queuedMs: 0, runMs: 3_600_000 } });
      now += 10;
    }
  }
  adapter = vsphereRestAdapter.create(vsphereRestAdapter.configSchema.parse({ ...sim.backendConfig('vc'), ...(services ? { services } : {}) }));
}

/** The services and statuses of each list call the simulator received, in order. */
function listCalls(): Array<{ services: string[]; statuses: string[] | null }> {
  return sim.received
    .filter((r) => r.path === '/api/cis/tasks' && r.query === 'action=list')
    .map((r) => {
      const spec = JSON.parse(r.body).filter_spec;
      return { services: spec.services ?? [], statuses: spec.status ?? null };
    });
}

describe('lists matching over 1000 tasks', () => {
  it('the simulator refuses them with ResourceInaccessible (HTTP 500), as vCenter does', async () => {
    await start([[`${VM}.clone$task`, 'succeeded', 1001]]);
    const session = await fetch(`${sim.server.url}/api/session`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from('administrator@vsphere.local:VMware1!sim').toString('base64')}` } });
    const id = (await session.json()) as string;
    const res = await fetch(`${sim.server.url}/api/cis/tasks?action=list`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'vmware-api-session-id': id },
      body: JSON.stringify({ filter_spec: { services: [VM] } }),
    });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error_type: 'RESOURCE_INACCESSIBLE' });
  });

  it('the adapter splits a refused call by status and lists every task', async () => {
    await start([
      [`${VM}.clone$task`, 'succeeded', 800],
      [`${VM}.clone$task`, 'running', 700],
    ]);
    const page = await adapter.listTasks({ filter: {}, direction: 'DESC', limit: 10 }, ctx);
    expect(page.totalCount).toBe(1500);
    expect(page.tasks).toHaveLength(10);
    const vmCalls = listCalls().filter((c) => c.services.includes(VM));
    expect(vmCalls.map((c) => c.statuses)).toEqual([null, ['PENDING'], ['RUNNING'], ['BLOCKED'], ['SUCCEEDED'], ['FAILED']]);
  });

  it('splits a configured group of services into one call per service first', async () => {
    await start(
      [
        [`${VM}.clone$task`, 'succeeded', 600],
        [`${SOFTWARE}.apply$task`, 'succeeded', 600],
      ],
      [[VM, SOFTWARE]],
    );
    const page = await adapter.listTasks({ filter: {}, direction: 'ASC', limit: 5 }, ctx);
    expect(page.totalCount).toBe(1200);
    expect(listCalls().map((c) => c.services)).toEqual([[VM, SOFTWARE], [VM], [SOFTWARE]]);
  });

  it('asks for a narrower filter when one service and one status still match over 1000', async () => {
    await start([[`${VM}.clone$task`, 'succeeded', 1100]]);
    const error = await adapter.listTasks({ filter: { statuses: ['SUCCEEDED'] }, direction: 'DESC', limit: 10 }, ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', vendorCode: 'RESOURCE_INACCESSIBLE' });
    expect((error as Error).message).toMatch(/over 1000 tasks .*narrow the filter/);
    // A narrower filter (another status) lists fine.
    expect((await adapter.listTasks({ filter: { statuses: ['RUNNING'] }, direction: 'DESC', limit: 10 }, ctx)).tasks).toEqual([]);
  });
});
