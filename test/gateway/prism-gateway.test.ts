/**
 * The gateway over real HTTP in front of Prism simulators: paging, filters reaching Prism as
 * $filter, get, cancel, bad credentials, and a backend that is down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTaskId } from '../../src/model/global-id.js';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { gql, manualClock, startTestGateway } from '../support/gateway.js';

const LIST = `query($first: Int, $after: String, $filter: TaskFilter) {
  tasks(first: $first, after: $after, filter: $filter) {
    totalCount
    edges { cursor node { id backend nativeId operation status createdAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe('gateway over Prism simulators', () => {
  const clock = manualClock();
  let a: PrismSimulator;
  let b: PrismSimulator;
  let gw: GatewayServer;
  const filters: string[] = [];

  beforeAll(async () => {
    a = await startPrismSimulator({ now: clock.fn, seed: 11 });
    b = await startPrismSimulator({ now: clock.fn, seed: 12 });
    a.world.backfill(40, 10 * 60_000);
    b.world.backfill(25, 10 * 60_000);
    gw = await startTestGateway([a.backendConfig('pc-a'), b.backendConfig('pc-b')]);
  });
  afterAll(async () => {
    await gw?.stop();
    await a?.close();
    await b?.close();
  });

  it('pages through every task of both backends, newest first, none repeated or skipped', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    let total = 0;
    do {
      const res: any = await gql(gw.url, LIST, { first: 9, after });
      expect(res.errors).toBeUndefined();
      if (pages === 0) total = res.data.tasks.totalCount;
      seen.push(...res.data.tasks.edges.map((e: any) => e.node.id));
      after = res.data.tasks.pageInfo.hasNextPage ? res.data.tasks.pageInfo.endCursor : null;
      pages++;
    } while (after && pages < 50);
    const expected = a.world.list().length + b.world.list().length;
    expect(total).toBe(expected);
    expect(seen).toHaveLength(expected);
    expect(new Set(seen).size).toBe(expected);
    expect(pages).toBe(Math.ceil(expected / 9));
  });

  it('sends status and entity filters to Prism as $filter, and finishes the operation filter locally', async () => {
    const task = a.world.list().find((t) => t.entity)!;
    a.server.resetCounts();
    const res: any = await gql(gw.url, LIST, {
      filter: { backend: ['pc-a'], status: ['RUNNING', 'QUEUED'], operation: [task.operation], entity: { nativeId: task.entity!.id } },
    });
    expect(res.errors).toBeUndefined();
    const seen = a.server.recent().map((r) => r.query.get('$filter') ?? '');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain("status eq Prism.Config.TaskStatus'RUNNING' or status eq Prism.Config.TaskStatus'QUEUED'");
    expect(seen[0]).not.toContain('operation eq'); // not filterable in the v4 tasks API
    expect(seen[0]).toContain(`entitiesAffected/any(a:a/extId eq '${task.entity!.id}')`);
    for (const e of res.data.tasks.edges) {
      expect(['RUNNING', 'QUEUED']).toContain(e.node.status);
      expect(e.node.operation).toBe(task.operation);
    }
  });

  it('gets a task by id with its parent and subtasks', async () => {
    const child = a.world.list().find((t) => t.parentId)!;
    const parentExtId = `ZXJnb24=:${child.parentId}`;
    const res: any = await gql(
      gw.url,
      `query($id: ID!) { task(id: $id) { nativeId operation parent { nativeId } subtasks { totalCount nodes { nativeId } } } }`,
      { id: encodeTaskId('pc-a', parentExtId) },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.task.nativeId).toBe(parentExtId);
    expect(res.data.task.parent).toBeNull();
    expect(res.data.task.subtasks.nodes.map((n: any) => n.nativeId)).toContain(`ZXJnb24=:${child.id}`);
    const missing: any = await gql(gw.url, `query($id: ID!) { task(id: $id) { id } }`, {
      id: encodeTaskId('pc-a', 'ZXJnb24=:00000000-0000-4000-8000-000000000000'),
    });
    expect(missing.data.task).toBeNull();
    expect(missing.errors).toBeUndefined();
  });

  it('cancels a running task (CANCELING, then CANCELED) and refuses finished ones', async () => {
    const task = a.world.create({ operation: 'kVmMigrate', cancelable: true, plan: { queuedMs: 0, runMs: 600_000 } });
    clock.advance(100);
    const id = encodeTaskId('pc-a', `ZXJnb24=:${task.id}`);
    const CANCEL = `mutation($id: ID!) { cancelTask(id: $id) { task { status cancelRequested } error { code message backend } } }`;
    const first: any = await gql(gw.url, CANCEL, { id });
    expect(first.data.cancelTask).toEqual({ task: { status: 'CANCELING', cancelRequested: true }, error: null });
    clock.advance(2000);
    const after: any = await gql(gw.url, `query($id: ID!) { task(id: $id) { status isTerminal } }`, { id });
    expect(after.data.task).toEqual({ status: 'CANCELED', isTerminal: true });
    const again: any = await gql(gw.url, CANCEL, { id });
    expect(again.data.cancelTask.error).toMatchObject({ code: 'ALREADY_FINISHED', backend: 'pc-a' });
    const missing: any = await gql(gw.url, CANCEL, { id: encodeTaskId('pc-a', 'ZXJnb24=:00000000-0000-4000-8000-000000000001') });
    expect(missing.data.cancelTask.error.code).toBe('NOT_FOUND');
  });

  it('rejects bad page sizes and foreign cursors with clear errors', async () => {
    const big: any = await gql(gw.url, LIST, { first: 5000 });
    expect(big.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(big.errors[0].message).toContain('at most 1000');
    const bad: any = await gql(gw.url, LIST, { first: 5, after: 'garbage!' });
    expect(bad.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const page: any = await gql(gw.url, LIST, { first: 2 });
    const other: any = await gql(gw.url, LIST, { first: 2, after: page.data.tasks.pageInfo.endCursor, filter: { status: ['FAILED'] } });
    expect(other.errors[0].message).toContain('another filter or order');
  });

  it('keeps answering with the healthy backend when the other is down, naming the failed one', async () => {
    b.server.setFaults({ failNext: 5, failStatus: 503 });
    const res: any = await gql(gw.url, LIST, { first: 100 });
    b.server.setFaults({ failNext: 0 });
    expect(res.data.tasks.edges.length).toBeGreaterThan(0);
    expect(res.data.tasks.edges.every((e: any) => e.node.backend === 'pc-a')).toBe(true);
    expect(res.data.tasks.totalCount).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors[0].extensions).toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'pc-b' });
    const health: any = await gql(gw.url, `{ backends { name health lastError } }`);
    const pcb = health.data.backends.find((x: any) => x.name === 'pc-b');
    // Health follows the circuit: one failed call (its three attempts all 503) is DEGRADED,
    // DOWN only once the circuit opens.
    expect(pcb.health).toBe('DEGRADED');
    expect(pcb.lastError).toContain('pc-b');
  });
});

describe('gateway with a backend whose credentials are wrong, and one that is not running', () => {
  it('returns the good backend data plus one error per broken backend', async () => {
    const good = await startPrismSimulator({ seed: 3 });
    const bad = await startPrismSimulator({ seed: 4 });
    good.world.backfill(5);
    bad.world.backfill(5);
    const gw = await startTestGateway([
      good.backendConfig('good'),
      { ...bad.backendConfig('badcreds'), password: 'wrong-password-xyz' },
      { name: 'down', type: 'prism', url: 'http://127.0.0.1:9', username: 'admin', password: 'x', timeoutMs: 2000 },
    ]);
    try {
      const res: any = await gql(gw.url, LIST, { first: 50 });
      expect(res.data.tasks.edges).toHaveLength(good.world.list().length);
      const byBackend = Object.fromEntries(res.errors.map((e: any) => [e.extensions.backend, e.extensions]));
      expect(byBackend.badcreds).toMatchObject({ code: 'BACKEND_UNAVAILABLE', reason: 'BACKEND_AUTH_FAILED' });
      expect(byBackend.down).toMatchObject({ code: 'BACKEND_UNAVAILABLE', reason: 'BACKEND_UNAVAILABLE' });
      expect(JSON.stringify(res)).not.toContain('wrong-password-xyz');
    } finally {
      await gw.stop();
      await good.close();
      await bad.close();
    }
  });
});

