/**
 * The cross-backend link: a Cloud Director task's VcTaskList entry resolves to the task on
 * the vCenter taskgraph also serves (matched through the vSphere backend's `knownAs`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayServer } from '../../src/server/http.js';
import { linkVcdToVsphere } from '../../src/simulators/links.js';
import { startVcdSimulator, type VcdSimulator } from '../../src/simulators/vcd/index.js';
import { startVsphereSoapSimulator, type VsphereSoapSimulator } from '../../src/simulators/vsphere-soap/index.js';
import { gql, manualClock, startTestGateway } from '../support/gateway.js';

describe('vCD task -> related vSphere task', () => {
  const clock = manualClock();
  let vcd: VcdSimulator;
  let vc: VsphereSoapSimulator;
  let gw: GatewayServer;

  beforeAll(async () => {
    vcd = await startVcdSimulator({ now: clock.fn, seed: 61 });
    vc = await startVsphereSoapSimulator({ now: clock.fn, seed: 62 });
    const { knownAs } = linkVcdToVsphere(vcd, vc);
    vcd.world.create({ operation: 'vappPowerOn', tenant: 'acme', plan: { queuedMs: 0, runMs: 5000, outcome: 'succeeded' } });
    vcd.world.create({ operation: 'catalogCreateCatalog', tenant: 'acme', plan: { queuedMs: 0, runMs: 5000 } });
    clock.advance(1000);
    gw = await startTestGateway([vcd.backendConfig('vcd1'), { ...vc.backendConfig('vc1'), knownAs }, { ...vc.backendConfig('vc-unlinked') }]);
  });
  afterAll(async () => {
    await gw?.stop();
    await vcd?.close();
    await vc?.close();
  });

  it('resolves relatedTasks.task on the vCenter backend known by the VcTask virtualCenterID', async () => {
    const res: any = await gql(
      gw.url,
      `{ tasks(filter: { backend: ["vcd1"] }) { nodes { operation status relatedTasks { backend nativeId systemId nativeStatus task { backend operation status entitiesAffected { nativeId type } } } } } }`,
    );
    expect(res.errors).toBeUndefined();
    const power = res.data.tasks.nodes.find((n: any) => n.operation === 'vappPowerOn');
    const catalog = res.data.tasks.nodes.find((n: any) => n.operation === 'catalogCreateCatalog');
    expect(catalog.relatedTasks).toEqual([]);
    expect(power.relatedTasks).toHaveLength(1);
    const [related] = power.relatedTasks;
    expect(related).toMatchObject({ backend: 'vc1', nativeStatus: 'running', task: { backend: 'vc1', operation: 'VirtualMachine.powerOn', status: 'RUNNING' } });
    expect(related.nativeId).toMatch(/^task-\d+$/);
    expect(related.task.entitiesAffected[0].type).toBe('VirtualMachine');
  });
});
