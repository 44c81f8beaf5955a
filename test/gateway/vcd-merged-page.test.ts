/**
 * A page merged across vCD and Prism: vCD's query-service records are its candidates, and
 * only the vCD tasks that make the page are read in full (ListQuery.completesKept), not every
 * candidate. What the page shows of them is what reading them by id shows. Filters a record
 * cannot decide (a cancel request is not a query attribute) still read every candidate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { startVcdSimulator, type VcdSimulator } from '../../src/simulators/vcd/index.js';
import { gql, manualClock, startTestGateway, waitFor } from '../support/gateway.js';

const FIELDS = `id backend nativeId operation description status nativeStatus progress createdAt startedAt completedAt
  isCancelable cancelRequested tenant initiatedBy { kind name } entitiesAffected { nativeId type name }
  errors { message } subtasks(first: 5) { totalCount edges { node { nativeId status } } }`;

const gets = (sim: VcdSimulator) => sim.server.counts.get('get task') ?? 0;
const lists = (sim: VcdSimulator) => sim.server.counts.get('list tasks') ?? 0;

describe('a page merged across vCD and Prism', () => {
  const clock = manualClock();
  let vcd: VcdSimulator;
  let prism: PrismSimulator;
  let gw: GatewayServer;
  let canceling: string;

  beforeAll(async () => {
    vcd = await startVcdSimulator({ spawnEveryMs: 0, initialTasks: 0, seed: 5, now: clock.fn });
    prism = await startPrismSimulator({ now: clock.fn, seed: 6 });
    // Interleaved in time: a page of 20 holds about half of each.
    for (let i = 0; i < 40; i++) {
      vcd.world.spawn();
      prism.world.spawn();
      clock.advance(1_000);
    }
    const running = vcd.world.list().find((t) => t.state === 'running' && t.cancelable)!;
    expect(vcd.world.cancel(running.id)).toBe('ok');
    canceling = running.id;
    gw = await startTestGateway([vcd.orgBackendConfig('v', 'acme'), prism.backendConfig('p')]);
  });
  afterAll(async () => {
    await gw?.stop();
    await vcd?.close();
    await prism?.close();
  });

  it('reads in full only the vCD tasks that made the page, and shows them as read by id', async () => {
    vcd.server.resetCounts();
    const res: any = await gql(gw.url, `{ tasks(first: 20) { edges { node { ${FIELDS} } } } }`);
    expect(res.errors).toBeUndefined();
    const onPage = res.data.tasks.edges.map((e: any) => e.node).filter((t: any) => t.backend === 'v');
    expect(res.data.tasks.edges).toHaveLength(20);
    expect(onPage.length).toBeGreaterThan(3);
    expect(onPage.length).toBeLessThan(18);
    expect(lists(vcd)).toBe(1);
    // One GET per vCD task on the page; listing eagerly would read 21 candidates.
    expect(gets(vcd)).toBe(onPage.length);

    // Same request, or a later one by id: the same task, field for field.
    for (const task of onPage) {
      const byId: any = await gql(gw.url, `query($id: ID!) { task(id: $id) { ${FIELDS} } }`, { id: task.id });
      expect(byId.data.task).toEqual(task);
    }
    const cancelRequested = onPage.find((t: any) => t.nativeId.endsWith(canceling));
    expect(cancelRequested?.status).toBe('CANCELING');
  });

  it('fills the place of a vCD task gone between the query and its read with the next candidate', async () => {
    // A page size no other test lists: nothing read beside the query from an earlier answer.
    const ids = async () => {
      const res: any = await gql(gw.url, `{ tasks(first: 19) { edges { node { nativeId } } pageInfo { hasNextPage } } }`);
      expect(res.errors).toBeUndefined();
      return { ids: res.data.tasks.edges.map((e: any) => e.node.nativeId), more: res.data.tasks.pageInfo.hasNextPage };
    };
    const gone = vcd.world.list().find((t) => !t.parentId && !['success', 'error', 'aborted'].includes(t.state))!;
    // The query's answer is built when it arrives and held for the latency: the task expires
    // after the record is on its way, before the gateway reads it.
    vcd.server.setFaults({ latencyMs: 300 });
    vcd.server.resetCounts();
    const page = ids();
    await waitFor(() => vcd.server.recent().some((r) => r.path.endsWith('/query')), 'the gateway to query vCD', 5_000);
    expect(vcd.world.remove(gone.id)).toBe(true);
    const answered = await page;
    vcd.server.setFaults({ latencyMs: 0 });
    expect(vcd.server.recent().some((r) => r.path.endsWith(gone.id))).toBe(true);
    expect(answered.ids).toHaveLength(19);
    expect(answered.ids.some((id: string) => id.endsWith(gone.id))).toBe(false);
    // The same page as a query made after the task was gone: no gap, nothing skipped.
    expect(answered).toEqual(await ids());
  });

  it('reads every candidate when the filter needs what only a whole task says (CANCELING)', async () => {
    const running: any = await gql(gw.url, `{ tasks(first: 50, filter: { backend: ["v"], status: [RUNNING] }) { edges { node { nativeId status } } } }`);
    expect(running.errors).toBeUndefined();
    expect(running.data.tasks.edges.length).toBeGreaterThan(0);
    expect(running.data.tasks.edges.every((e: any) => e.node.status === 'RUNNING')).toBe(true);
    expect(running.data.tasks.edges.some((e: any) => e.node.nativeId.endsWith(canceling))).toBe(false);

    const cancelingPage: any = await gql(gw.url, `{ tasks(first: 50, filter: { status: [CANCELING] }) { edges { node { nativeId status } } } }`);
    expect(cancelingPage.data.tasks.edges.map((e: any) => e.node.nativeId.endsWith(canceling))).toEqual([true]);
  });
});
