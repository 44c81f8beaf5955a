/**
 * Identical queries in flight share one execution (and one upstream call per backend), and
 * every caller still gets the whole answer: data and the partial errors of a failed backend.
 * Reads of the same tasks by different queries share one guarded call. Mutations are never
 * shared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { gql, startTestGateway } from '../support/gateway.js';

const LIST = `{ tasks(first: 20) { edges { node { id backend status } } } }`;

describe('identical queries in flight', () => {
  let good: PrismSimulator;
  let bad: PrismSimulator;
  let gw: GatewayServer;

  beforeAll(async () => {
    good = await startPrismSimulator({ seed: 61 });
    bad = await startPrismSimulator({ seed: 62 });
    good.world.backfill(15);
    bad.world.backfill(15);
    gw = await startTestGateway([good.backendConfig('good'), bad.backendConfig('bad')]);
    await gql(gw.url, LIST); // sessions
  });
  afterAll(async () => {
    await gw?.stop();
    await good?.close();
    await bad?.close();
  });

  it('answer every caller with the data and the partial error of the failed backend, from one upstream call per backend', async () => {
    for (const sim of [good, bad]) sim.server.resetCounts();
    good.server.setFaults({ latencyMs: 400 });
    bad.server.setFaults({ latencyMs: 400, failNext: 5, failStatus: 503 });
    const answers = await Promise.all(Array.from({ length: 5 }, () => gql(gw.url, LIST)));
    good.server.setFaults({ latencyMs: 0 });
    bad.server.setFaults({ latencyMs: 0, failNext: 0 });
    for (const a of answers) {
      expect(a.data.tasks.edges.length).toBeGreaterThan(0);
      expect(a.data.tasks.edges.every((e: any) => e.node.backend === 'good')).toBe(true);
      expect(a.errors?.map((e) => e.extensions?.backend)).toContain('bad');
    }
    expect(answers.map((a) => JSON.stringify(a))).toEqual(answers.map(() => JSON.stringify(answers[0])));
    expect(good.server.total()).toBe(1);
  });
});

describe('reads of the same task in flight', () => {
  let sim: PrismSimulator;
  let gw: GatewayServer;

  beforeAll(async () => {
    sim = await startPrismSimulator({ seed: 63 });
    sim.world.backfill(5);
    // One call at a time and none waiting: a read that is not shared is refused by the bulkhead.
    gw = await startTestGateway([{ ...sim.backendConfig('pc'), bulkhead: { maxConcurrent: 1, maxQueued: 0 } }]);
  });
  afterAll(async () => {
    await gw?.stop();
    await sim?.close();
  });

  it('different queries reading one task at once (a burst of subscribers) share one call through the backend guard', async () => {
    const listed = await gql(gw.url, '{ tasks(first: 1) { nodes { id } } }');
    const id = listed.data.tasks.nodes[0].id as string;
    sim.server.setFaults({ latencyMs: 300 });
    // Distinct texts, so no execution is shared: only the read by id can be.
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => gql(gw.url, `query Read${i}($id: ID!) { task(id: $id) { id status } }`, { id })));
    sim.server.setFaults({ latencyMs: 0 });
    for (const a of answers) {
      expect(a.errors).toBeUndefined();
      expect(a.data.task.id).toBe(id);
    }
  });
});
