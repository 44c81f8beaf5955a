/**
 * The work one request can cause on one backend is bounded (issue 25, defect 8):
 * `limits.maxReadsPerBackend` tasks read by id. `_entities` with more Task representations of
 * one backend is refused before execution; reads beyond it by other paths (`task`, `node`,
 * parents...) fail with the same limit before any upstream call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTaskId } from '../../src/model/global-id.js';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { startVcdSimulator, type VcdSimulator } from '../../src/simulators/vcd/index.js';
import { startTestGateway } from '../support/gateway.js';
import { post } from './support.js';

const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Task { id } } }';

describe('work per backend and request', () => {
  let vcd: VcdSimulator;
  let pc: PrismSimulator;
  let gw: GatewayServer;
  let tight: GatewayServer;
  const vcdIds = () => vcd.world.list().map((t) => encodeTaskId('vcd', `urn:vcloud:task:${t.id}`));
  const reps = (ids: string[]) => ids.map((id) => ({ __typename: 'Task', id }));

  beforeAll(async () => {
    vcd = await startVcdSimulator({ seed: 4 });
    pc = await startPrismSimulator({ seed: 4 });
    vcd.world.backfill(10);
    pc.world.backfill(10);
    gw = await startTestGateway([vcd.backendConfig('vcd'), pc.backendConfig('pc')]);
    tight = await startTestGateway([vcd.backendConfig('vcd'), pc.backendConfig('pc')], { limits: { maxReadsPerBackend: 3 } });
    await post(gw.url, { query: '{ tasks(first: 1) { nodes { id } } }' }); // sessions
    await post(tight.url, { query: '{ tasks(first: 1) { nodes { id } } }' });
  });
  afterAll(async () => {
    await gw?.stop();
    await tight?.stop();
    await Promise.all([vcd?.close(), pc?.close()]);
  });

  it('refuses _entities with more representations of one backend than the limit, before any upstream call', async () => {
    for (const count of [201, 600]) {
      const ids = Array.from({ length: count }, (_, i) => vcdIds()[i % vcdIds().length]!.replace(/.$/, '') + String.fromCharCode(65 + (i % 26)));
      vcd.server.resetCounts();
      const res = await post(gw.url, { query: ENTITIES, variables: { r: reps(ids) } });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'limits.maxReadsPerBackend', max: 200, actual: count });
      expect(vcd.server.total()).toBe(0);
    }
    // The bound is per backend: 150 of each of two backends pass.
    const pcIds = pc.world.list().map((t) => encodeTaskId('pc', `ZXJnb24=:${t.id}`));
    const mixed = [...Array.from({ length: 150 }, (_, i) => vcdIds()[i % 10]!), ...Array.from({ length: 150 }, (_, i) => pcIds[i % 10]!)];
    const ok = await post(gw.url, { query: ENTITIES, variables: { r: reps(mixed) } });
    expect(ok.status).toBe(200);
    expect(ok.body.data._entities).toHaveLength(300);
  });

  it('fails reads by id beyond the limit on other paths, without calling the backend for them', async () => {
    const ids = vcdIds().slice(0, 5);
    const query = `{ ${ids.map((id, i) => `t${i}: task(id: "${id}") { id }`).join(' ')} }`;
    vcd.server.resetCounts();
    const res = await post(tight.url, { query });
    expect(res.body.errors.length).toBeGreaterThan(0);
    for (const e of res.body.errors) expect(e.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'limits.maxReadsPerBackend', backend: 'vcd' });
    expect(vcd.server.total()).toBe(0);
    // Within the limit, reads go through.
    const three = await post(tight.url, { query: `{ ${ids.slice(0, 3).map((id, i) => `t${i}: node(id: "${id}") { id }`).join(' ')} }` });
    expect(three.body.errors).toBeUndefined();
    expect(Object.values(three.body.data).map((t: any) => t.id)).toEqual(ids.slice(0, 3));
  });
});
