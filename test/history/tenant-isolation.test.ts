/**
 * Tenant isolation of task history, on both stores: tenant A (vCD org acme, Prism cluster 1,
 * no vSphere) never sees tenant B's history or statistics by any path: taskHistory with any
 * filter, taskStats by every dimension, entity filters on an entity both act on, and
 * transitions (only reachable from a task A may see).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { startVcdSimulator, type VcdSimulator } from '../../src/simulators/vcd/index.js';
import { startVsphereRestSimulator } from '../../src/simulators/vsphere-rest/index.js';
import type { RunningSimulator } from '../../src/simulators/registry.js';
import { startTestGateway, waitFor } from '../support/gateway.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { apiKeyEntry, post } from '../security/support.js';

const C1 = '0005f1e2-8a6c-4d1b-9c33-3f2b7a9e6d10';
const C2 = '0005f1e2-77b0-4e2a-8f51-aa0c3d2e9b21';
const KEYS = { root: 'root-key-0123456789abcdef', a: 'tenant-a-key-0123456789' };
const VM = { id: 'aaaaaaaa-0000-4000-8000-00000000f00d', type: 'vmm:ahv:config:vm', name: 'shared' };
const NODE = 'id backend tenant operation status';

const pg = await startTestPostgres();
afterAll(async () => pg?.stop());
const stores: Array<[string, (dir: string, pg: TestPostgres | null) => Record<string, unknown>]> = [
  ['embedded', (dir) => ({ path: join(dir, 'history.db') })],
  ...(pg ? [['postgres', (_dir: string, server: TestPostgres | null) => ({ store: 'postgres', url: server!.url })] as [string, (dir: string, pg: TestPostgres | null) => Record<string, unknown>]] : []),
];

describe.each(stores)('history tenant isolation (%s store)', (_name, historyConfig) => {
  const dir = mkdtempSync(join(tmpdir(), 'taskgraph-history-tenants-'));
  let vcd: VcdSimulator;
  let pc: PrismSimulator;
  let vs: RunningSimulator;
  let gw: GatewayServer;
  let all: Array<{ id: string; backend: string; tenant: string | null; operation: string; status: string }>;
  const as = (key: string) => (query: string, variables: Record<string, unknown> = {}) => post(gw.url, { query, variables }, { 'x-api-key': key }).then((r) => r.body as any);
  const root = () => as(KEYS.root);
  const A = () => as(KEYS.a);
  const ofA = () => all.filter((t) => t.tenant === 'acme' || t.tenant === C1);
  const ids = (res: any) => res.data.taskHistory.edges.map((e: any) => e.node.id).sort();

  beforeAll(async () => {
    vcd = await startVcdSimulator({ seed: 5, spawnOrgs: ['acme', 'globex'] });
    pc = await startPrismSimulator({ seed: 7 });
    vs = await startVsphereRestSimulator({ seed: 9 });
    vcd.world.backfill(12, 10 * 60_000);
    pc.world.backfill(12, 10 * 60_000);
    vs.world.backfill(4, 10 * 60_000);
    pc.world.create({ operation: 'kVmPowerOn', entity: VM, tenant: C1 });
    pc.world.create({ operation: 'kVmMigrate', entity: VM, tenant: C2 });
    gw = await startTestGateway([vcd.systemBackendConfig('vcd'), pc.backendConfig('pc'), vs.backendConfig('vs')], {
      history: { ...historyConfig(dir, pg), pollIdleBackends: 1000 },
      auth: {
        mode: 'apiKey',
        apiKeys: [
          apiKeyEntry('root', KEYS.root, { backends: ['*'], vcdOrgs: ['*'], prismClusters: ['*'] }),
          apiKeyEntry('tenant-a', KEYS.a, { backends: ['vcd', 'pc'], vcdOrgs: ['acme'], prismClusters: [C1] }),
        ],
      },
    });
    const total = vcd.world.list().length + pc.world.list().length + vs.world.list().length;
    // The idle poller's first pass lists what each backend retains.
    const res = await waitFor(async () => {
      const r = await root()(`{ taskHistory(first: 1000) { totalCount edges { node { ${NODE} } } } }`);
      // The count and the page are two queries: wait until both have every task.
      return r.data?.taskHistory.totalCount === total && r.data.taskHistory.edges.length === total ? r : null;
    }, 'every task in history', 20_000);
    all = res.data.taskHistory.edges.map((e: any) => e.node);
  });
  afterAll(async () => {
    await gw?.stop();
    await Promise.all([vcd?.close(), pc?.close(), vs?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('has history of both tenants, and of vSphere, to work with', () => {
    for (const tenant of ['acme', 'globex', C1, C2]) expect(all.filter((t) => t.tenant === tenant).length).toBeGreaterThan(0);
    expect(all.some((t) => t.backend === 'vs')).toBe(true);
  });

  it('taskHistory answers exactly the tenant\'s own tasks, whatever the filter asks for', async () => {
    expect(ids(await A()(`{ taskHistory(first: 1000) { edges { node { ${NODE} } } } }`))).toEqual(ofA().map((t) => t.id).sort());
    for (const filter of [{ tenant: ['globex', C2] }, { backend: ['vs'] }, { entity: { nativeId: VM.id } }, { retained: true }, { status: ['SUCCEEDED', 'FAILED', 'RUNNING', 'QUEUED'] }]) {
      const res = await A()(`query($f: TaskHistoryFilter) { taskHistory(first: 1000, filter: $f) { totalCount edges { node { ${NODE} } } } }`, { f: filter });
      expect(res.errors).toBeUndefined();
      expect(res.data.taskHistory.edges.every((e: any) => e.node.tenant === 'acme' || e.node.tenant === C1)).toBe(true);
      expect(res.data.taskHistory.totalCount).toBe(res.data.taskHistory.edges.length);
    }
    const shared = await A()(`{ taskHistory(filter: { entity: { nativeId: "${VM.id}" } }) { edges { node { tenant operation } } } }`);
    expect(shared.data.taskHistory.edges.map((e: any) => e.node)).toEqual([{ tenant: C1, operation: 'kVmPowerOn' }]);
  });

  it('taskStats counts only the tenant\'s own tasks, by every dimension', async () => {
    for (const groupBy of [[], ['BACKEND'], ['OPERATION'], ['STATUS'], ['DAY'], ['OPERATION', 'DAY']]) {
      const res = await A()(`query($g: [TaskStatsDimension!]!) { taskStats(groupBy: $g) { backend operation count failed } }`, { g: groupBy });
      expect(res.errors).toBeUndefined();
      expect(res.data.taskStats.reduce((n: number, g: any) => n + g.count, 0)).toBe(ofA().length);
      expect(res.data.taskStats.every((g: any) => g.backend === null || g.backend !== 'vs')).toBe(true);
    }
    const byOp = await A()(`{ taskStats(groupBy: [OPERATION]) { operation count } }`);
    const expected = new Map<string, number>();
    for (const t of ofA()) expected.set(t.operation, (expected.get(t.operation) ?? 0) + 1);
    expect(new Map(byOp.data.taskStats.map((g: any) => [g.operation, g.count]))).toEqual(expected);
    const entity = await A()(`{ taskStats(groupBy: [ENTITY], filter: { entity: { nativeId: "${VM.id}" } }) { entity { nativeId } count } }`);
    expect(entity.data.taskStats).toEqual([{ entity: { nativeId: VM.id }, count: 1 }]);
    const outside = await A()(`{ taskStats(filter: { tenant: ["globex", "${C2}"] }) { count } }`);
    expect(outside.data.taskStats.reduce((n: number, g: any) => n + g.count, 0)).toBe(0);
  });

  it('reaches transitions only through a task the tenant may see', async () => {
    const other = all.find((t) => t.tenant === 'globex')!;
    const res = await A()(`query($id: ID!) { task(id: $id) { transitions { status } } node(id: $id) { id } }`, { id: other.id });
    expect(res.data).toEqual({ task: null, node: null });
    const own = ofA()[0]!;
    const mine = await A()(`query($id: ID!) { task(id: $id) { transitions { status } } }`, { id: own.id });
    expect(mine.data.task.transitions.length).toBeGreaterThan(0);
  });
});
