/**
 * Cross-backend pagination: ties in time across backends, both directions, and stability
 * while new tasks keep arriving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { gql, manualClock, startTestGateway } from '../support/gateway.js';

const PAGE = `query($first: Int, $after: String, $last: Int, $before: String, $dir: OrderDirection!) {
  tasks(first: $first, after: $after, last: $last, before: $before, orderBy: { field: CREATED_AT, direction: $dir }) {
    edges { node { id createdAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

async function walk(url: string, vars: Record<string, unknown>, forward: boolean, onPage?: () => void): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const res: any = await gql(url, PAGE, { ...vars, ...(forward ? { after: cursor } : { before: cursor }) });
    expect(res.errors).toBeUndefined();
    const page = res.data.tasks;
    const pageIds = page.edges.map((e: any) => e.node.id);
    forward ? ids.push(...pageIds) : ids.unshift(...pageIds);
    onPage?.();
    const more = forward ? page.pageInfo.hasNextPage : page.pageInfo.hasPreviousPage;
    if (!more) return ids;
    cursor = forward ? page.pageInfo.endCursor : page.pageInfo.startCursor;
  }
  throw new Error('paging did not end');
}

describe('cross-backend pagination', () => {
  const clock = manualClock();
  let sims: PrismSimulator[];
  let gw: GatewayServer;

  beforeAll(async () => {
    sims = await Promise.all([1, 2, 3].map((seed) => startPrismSimulator({ now: clock.fn, seed })));
    // Same instants on every backend: ties across backends at every time step.
    for (let step = 0; step < 6; step++) {
      for (const sim of sims) for (let k = 0; k < 2; k++) sim.world.create({ operation: 'kTie', plan: { queuedMs: 0, runMs: 1e9 } });
      clock.advance(1000);
    }
    gw = await startTestGateway(sims.map((s, i) => s.backendConfig(`pc${i}`)));
  });
  afterAll(async () => {
    await gw?.stop();
    await Promise.all(sims.map((s) => s.close()));
  });

  it('gives the same order in pages of any size, with ties across backends', async () => {
    const all = await walk(gw.url, { first: 1000, dir: 'DESC' }, true);
    expect(all).toHaveLength(36);
    for (const size of [1, 4, 5, 7]) expect(await walk(gw.url, { first: size, dir: 'DESC' }, true)).toEqual(all);
  });

  it('pages backwards with last/before to the same sequence', async () => {
    const all = await walk(gw.url, { first: 1000, dir: 'DESC' }, true);
    for (const size of [1, 5, 8]) expect(await walk(gw.url, { last: size, dir: 'DESC' }, false)).toEqual(all);
  });

  it('ascending order is the exact reverse', async () => {
    const desc = await walk(gw.url, { first: 1000, dir: 'DESC' }, true);
    expect(await walk(gw.url, { first: 5, dir: 'ASC' }, true)).toEqual([...desc].reverse());
  });

  it('neither repeats nor skips a task while new tasks arrive between pages', async () => {
    const before = await walk(gw.url, { first: 1000, dir: 'DESC' }, true);
    const paged = await walk(gw.url, { first: 4, dir: 'DESC' }, true, () => {
      clock.advance(10);
      for (const sim of sims) sim.world.create({ operation: 'kNew', plan: { queuedMs: 0, runMs: 1e9 } });
    });
    // Tasks that existed when paging started are all there once; new ones sort first and do not shift pages.
    expect(paged).toEqual(before);
  });
});
