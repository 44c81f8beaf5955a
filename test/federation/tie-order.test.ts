/**
 * `VirtualMachine.tasks` (a federated entity's tasks, sorted in memory) and `Query.tasks`
 * (merged from the backends' pages) order tasks created at the same instant alike: time, then
 * backend name, then native id, all newest first. Two Prism simulators share one VM (one
 * foreign key maps to both) and one clock, so their tasks tie across backends and within each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { gql, manualClock, startTestGateway } from '../support/gateway.js';

const VM = '5b0e5a3c-1f2d-4c3b-9a8e-7d6c5b4a3f21';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

const FEDERATION = {
  entities: [
    {
      type: 'VirtualMachine',
      key: 'id',
      resolve: [
        { backend: 'pc-a', pattern: `^(?<id>${UUID})$` },
        { backend: 'pc-b', pattern: `^(?<id>${UUID})$` },
      ],
    },
  ],
};

const ENTITY_TASKS = `query($first: Int, $after: String) {
  _entities(representations: [{ __typename: "VirtualMachine", id: "${VM}" }]) {
    ... on VirtualMachine { tasks(first: $first, after: $after) { nodes { id backend nativeId createdAt } pageInfo { endCursor } } }
  }
}`;
const QUERY_TASKS = `{ tasks(first: 50, filter: { entity: { nativeId: "${VM}" } }) { nodes { id backend nativeId createdAt } } }`;

describe('tied creation times: VirtualMachine.tasks orders as Query.tasks does', () => {
  const clock = manualClock();
  let sims: PrismSimulator[];
  let gw: GatewayServer;

  beforeAll(async () => {
    sims = await Promise.all([startPrismSimulator({ now: clock.fn, seed: 61 }), startPrismSimulator({ now: clock.fn, seed: 62 })]);
    const entity = { id: VM, type: 'vmm:ahv:config:vm', name: 'web-1' };
    const tied = new Date(clock.now - 60_000);
    for (const sim of sims) {
      for (let i = 0; i < 3; i++) sim.world.create({ operation: 'kVmPowerOn', entity, createdAt: tied });
      sim.world.create({ operation: 'kVmSnapshot', entity, createdAt: new Date(clock.now - 120_000) });
    }
    gw = await startTestGateway([sims[0]!.backendConfig('pc-a'), sims[1]!.backendConfig('pc-b')], { federation: FEDERATION });
  });
  afterAll(async () => {
    await gw?.stop();
    await Promise.all((sims ?? []).map((s) => s.close()));
  });

  it('gives the same order, ties across and within backends included, and pages through it', async () => {
    const merged = await gql<any>(gw.url, QUERY_TASKS);
    expect(merged.errors).toBeUndefined();
    const expected = merged.data.tasks.nodes;
    expect(expected).toHaveLength(8);
    // The ties are real: six tasks of both backends at one instant.
    expect(new Set(expected.slice(0, 6).map((t: any) => t.createdAt)).size).toBe(1);
    expect(new Set(expected.slice(0, 6).map((t: any) => t.backend))).toEqual(new Set(['pc-a', 'pc-b']));

    const entity = await gql<any>(gw.url, ENTITY_TASKS, { first: 50 });
    expect(entity.errors).toBeUndefined();
    expect(entity.data._entities[0].tasks.nodes).toEqual(expected);

    // Page by page (cursors of the in-memory list), the same order again.
    const paged: any[] = [];
    let after: string | null = null;
    for (let page = 0; page < 4; page++) {
      const res: any = await gql<any>(gw.url, ENTITY_TASKS, { first: 3, after });
      expect(res.errors).toBeUndefined();
      paged.push(...res.data._entities[0].tasks.nodes);
      after = res.data._entities[0].tasks.pageInfo.endCursor;
      if (paged.length >= expected.length) break;
    }
    expect(paged).toEqual(expected);
  });
});
