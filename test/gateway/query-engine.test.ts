/**
 * The query engine proven by upstream request counts (the simulator counts every request):
 * a deep page costs one list call per backend plus one batched call per relation level,
 * never one call per task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTaskId } from '../../src/model/global-id.js';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import type { SimRequest } from '../../src/simulators/harness.js';
import { gql, manualClock, startTestGateway } from '../support/gateway.js';

const DEEP = `query($first: Int) {
  tasks(first: $first) { edges { node {
    parent { status } root { operation }
    subtasks(first: 10) { edges { node { progress } } }
  } } }
}`;

type Kind = 'page' | 'by-id' | 'by-parent' | 'get';
function kindOf(r: SimRequest): Kind {
  if (/\/tasks\/[^/]+$/.test(r.path)) return 'get';
  const filter = r.query.get('$filter') ?? '';
  if (filter.startsWith('extId eq')) return 'by-id';
  if (filter.includes('parentTask/extId')) return 'by-parent';
  return 'page';
}
function tally(sim: PrismSimulator): Record<Kind, number> {
  const out: Record<Kind, number> = { page: 0, 'by-id': 0, 'by-parent': 0, get: 0 };
  for (const r of sim.server.recent()) out[kindOf(r)]++;
  return out;
}

describe('query engine request counts (Prism)', () => {
  const clock = manualClock();
  let pcA: PrismSimulator;
  let pcB: PrismSimulator;
  let gw: GatewayServer;

  beforeAll(async () => {
    pcA = await startPrismSimulator({ now: clock.fn, seed: 31 });
    pcB = await startPrismSimulator({ now: clock.fn, seed: 32 });
    pcA.world.backfill(80, 30 * 60_000);
    pcB.world.backfill(80, 30 * 60_000);
    gw = await startTestGateway([pcA.backendConfig('a'), pcB.backendConfig('b')]);
  });
  afterAll(async () => {
    await gw?.stop();
    await pcA?.close();
    await pcB?.close();
  });

  it('tasks(first: 100) with parent, root and subtasks: one page call plus one batch per relation level, per backend', async () => {
    for (const sim of [pcA, pcB]) sim.server.resetCounts();
    const res: any = await gql(gw.url, DEEP, { first: 100 });
    expect(res.errors).toBeUndefined();
    expect(res.data.tasks.edges).toHaveLength(100);
    for (const sim of [pcA, pcB]) {
      const t = tally(sim);
      expect(t.page).toBe(1);
      // Parents and roots resolve in one batch (same tick); those already on the page cost
      // nothing. A batch of one id is a plain GET.
      expect(t['by-id'] + t.get).toBeLessThanOrEqual(1);
      // All subtasks of every parent on the page in one filtered list (Prism $limit 100 per page).
      expect(t['by-parent']).toBeGreaterThanOrEqual(1);
      expect(t['by-parent']).toBeLessThanOrEqual(2);
      expect(sim.server.total()).toBeLessThanOrEqual(4);
    }
  });

  it('fetches same-request duplicates once', async () => {
    const task = pcA.world.list().find((t) => t.parentId)!;
    const id = encodeTaskId('a', `ZXJnb24=:${task.id}`);
    pcA.server.resetCounts();
    const res: any = await gql(
      gw.url,
      `query($id: ID!) { x: task(id: $id) { parent { operation } } y: task(id: $id) { root { operation } } z: node(id: $id) { id } }`,
      { id },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.x.parent.operation).toBe(res.data.y.root.operation);
    // one batch for the task (three references), one for its parent (= its root)
    expect(pcA.server.total()).toBe(2);
  });

  it('resolves over 100 federation references with batched calls capped at 100 ids per call', async () => {
    const ids = pcA.world.list().map((t) => encodeTaskId('a', `ZXJnb24=:${t.id}`));
    expect(ids.length).toBeGreaterThan(100);
    expect(ids.length).toBeLessThanOrEqual(200);
    pcA.server.resetCounts();
    const res: any = await gql(
      gw.url,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Task { id status } } }`,
      { r: ids.map((id) => ({ __typename: 'Task', id })) },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data._entities.map((e: any) => e.id)).toEqual(ids);
    const t = tally(pcA);
    expect(t['by-id']).toBe(2);
    expect(pcA.server.total()).toBe(2);
  });

  it('answers an affected-entity filter with one pushed-down call', async () => {
    const task = pcB.world.list().find((t) => t.entity)!;
    pcB.server.resetCounts();
    const res: any = await gql(gw.url, `query($e: String!) { tasks(filter: { backend: ["b"], entity: { nativeId: $e } }) { edges { node { entitiesAffected { nativeId } } } } }`, {
      e: task.entity!.id,
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.tasks.edges.length).toBeGreaterThan(0);
    expect(res.data.tasks.edges.every((e: any) => e.node.entitiesAffected.some((x: any) => x.nativeId === task.entity!.id))).toBe(true);
    expect(pcB.server.total()).toBe(1);
    expect(pcB.server.recent()[0]!.query.get('$filter')).toContain(`entitiesAffected/any(a:a/extId eq '${task.entity!.id}')`);
  });
});
