/**
 * One tenant cannot open the circuit for all (issue 25, defect 3): forged cursors, ids, dates
 * and filters are refused where they are decoded (BAD_USER_INPUT), sent 10 times each, and no
 * backend's circuit opens nor does `/readyz` show a backend other than UP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTaskId } from '../../src/model/global-id.js';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { startVcdSimulator, type VcdSimulator } from '../../src/simulators/vcd/index.js';
import { startVsphereRestSimulator } from '../../src/simulators/vsphere-rest/index.js';
import type { RunningSimulator } from '../../src/simulators/registry.js';
import { gql, startTestGateway } from '../support/gateway.js';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const LIST = 'query($after: String, $f: TaskFilter) { tasks(first: 5, after: $after, filter: $f) { pageInfo { endCursor } nodes { id } } }';

describe('forged client input', () => {
  let pc: PrismSimulator;
  let vcd: VcdSimulator;
  let vs: RunningSimulator;
  let gw: GatewayServer;

  beforeAll(async () => {
    pc = await startPrismSimulator({ seed: 3 });
    vcd = await startVcdSimulator({ seed: 3 });
    vs = await startVsphereRestSimulator({ seed: 3 });
    for (const sim of [pc, vcd, vs]) sim.world.backfill(12);
    gw = await startTestGateway([pc.backendConfig('pc'), vcd.backendConfig('vcd'), vs.backendConfig('vs')]);
  });
  afterAll(async () => {
    await gw?.stop();
    await Promise.all([pc?.close(), vcd?.close(), vs?.close()]);
  });

  async function healthy(): Promise<void> {
    const ready = await (await fetch(gw.url.replace('/graphql', '/readyz'))).json();
    for (const b of ready.backends) {
      expect(b.circuit, b.name).toBe('CLOSED');
      expect(['UP', 'UNKNOWN'], `${b.name}: ${b.lastError}`).toContain(b.health);
    }
  }

  it('refuses forged cursors as BAD_USER_INPUT, ten times each, without opening a circuit', async () => {
    for (const backend of ['pc', 'vcd', 'vs']) {
      const page = await gql(gw.url, LIST, { f: { backend: [backend] } });
      const real = JSON.parse(Buffer.from(page.data.tasks.pageInfo.endCursor, 'base64url').toString());
      const forged = [
        { ...real, t: 1e16 },
        { ...real, t: -1e16 },
        { ...real, t: 8.64e15 },
        { ...real, t: 1.5 },
        { ...real, t: 'NaN' },
        { ...real, t: null },
        { ...real, t: Number.MAX_SAFE_INTEGER + 2 },
        { ...real, b: 'x'.repeat(100_000) },
        { ...real, b: backend === 'pc' ? 'vcd' : 'pc' },
        { ...real, b: 'no such backend' },
        { ...real, i: 'y'.repeat(100_000) },
        { ...real, i: '' },
        { ...real, i: '\u0000\r\n' },
        { ...real, f: 'z'.repeat(10_000) },
      ];
      const texts = [...forged.map(b64), b64(JSON.stringify(real).replace(/"t":\d+/, '"t":1e400')), 'A'.repeat(200_000)];
      for (const after of texts) {
        for (let i = 0; i < 10; i++) {
          const res = await gql(gw.url, LIST, { after, f: { backend: [backend] } });
          // A forged key of another backend is a position like any other: answered, not refused.
          if (res.errors) expect(res.errors.map((e) => e.extensions?.code), `${backend} ${after.slice(0, 80)}`).toEqual(['BAD_USER_INPUT']);
        }
      }
      await healthy();
    }
  });

  it('refuses forged ids, dates, entity filters and parents without calling a backend with them', async () => {
    const ids = [
      encodeTaskId('pc', 'x'.repeat(100_000)),
      encodeTaskId('vcd', 'urn:vcloud:task:\u0000'),
      encodeTaskId('vs', '../../../etc/passwd'),
      encodeTaskId('pc', '%00%0d%0a'),
      'A'.repeat(100_000),
    ];
    for (const id of ids) {
      for (let i = 0; i < 10; i++) {
        const res = await gql(gw.url, 'query($id: ID!) { task(id: $id) { id } }', { id });
        for (const e of res.errors ?? []) expect(['BAD_USER_INPUT', 'NOT_FOUND']).toContain(e.extensions?.code);
        const byParent = await gql(gw.url, LIST, { f: { parent: id } });
        for (const e of byParent.errors ?? []) expect(e.extensions?.code).toBe('BAD_USER_INPUT');
      }
    }
    const filters = [
      { entity: { nativeId: 'v'.repeat(100_000) } },
      { entity: { nativeId: 'vm-1', type: 't'.repeat(100_000) } },
      { operation: ['o'.repeat(100_000)] },
      { createdAfter: '0001-01-01T00:00:00Z', createdBefore: '9999-12-31T23:59:59Z' },
    ];
    for (const f of filters) {
      for (let i = 0; i < 10; i++) {
        const res = await gql(gw.url, LIST, { f });
        for (const e of res.errors ?? []) expect(e.extensions?.code, JSON.stringify(f).slice(0, 80)).toBe('BAD_USER_INPUT');
      }
    }
    await healthy();
  });
});
