/**
 * The reported leak through the sharing key: a principal granted the org named `acme,globex`
 * (which sees nothing of acme or globex) ran the same query, at the same time, as a principal
 * granted acme and globex, and received that principal's answer. With sharing on, work is
 * shared only between principals of the very same scope: over HTTP (query executions, list
 * pages) and over graphql-ws (subscription event executions), for other separators too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { startVcdSimulator, type VcdSimulator } from '../../src/simulators/vcd/index.js';
import { encodeTaskId } from '../../src/model/global-id.js';
import { startTestGateway, waitFor } from '../support/gateway.js';
import { apiKeyEntry, handshake, post } from './support.js';

const C1 = '0005f1e2-8a6c-4d1b-9c33-3f2b7a9e6d10';
const C2 = '0005f1e2-77b0-4e2a-8f51-aa0c3d2e9b21';
const C3 = '0005f1e2-0000-4000-8000-0000000000c3';
const BOTH = { key: 'both-key-0123456789abcdef', scope: { backends: ['*'], vcdOrgs: ['acme', 'globex'], prismClusters: [C1, C2, C3] } };
/** Names that join the two tenants' names (in sorted order) with a separator; each sees C3 only. */
const JOINED = [',', '\u0000', '\n', '","', ' '].map((sep, i) => ({
  sep,
  key: `joined-key-${i}-0123456789abcdef`,
  scope: { backends: ['*'], vcdOrgs: [`acme${sep}globex`], prismClusters: [[C1, C2].sort().join(sep), C3] },
}));
const FOREIGN = new Set(['acme', 'globex', C1, C2]);

describe('sharing between principals whose scopes only look alike', () => {
  let vcd: VcdSimulator;
  let pc: PrismSimulator;
  let gw: GatewayServer;
  let parentId: string;
  let childId: string;
  const as = (key: string, query: string, variables: Record<string, unknown> = {}) => post(gw.url, { query, variables }, { 'x-api-key': key }).then((r) => r.body);

  beforeAll(async () => {
    vcd = await startVcdSimulator({ seed: 5, spawnOrgs: ['acme', 'globex'] });
    pc = await startPrismSimulator({ seed: 7 });
    vcd.world.backfill(24, 10 * 60_000);
    pc.world.backfill(12, 10 * 60_000);
    // A C3 task (visible to every principal here) with a subtask on C1 (visible to BOTH only).
    const parent = pc.world.create({ operation: 'kVmCreate', tenant: C3, state: 'running', external: true });
    const child = pc.world.create({ operation: 'kVmCreate.step1', parentId: parent.id, tenant: C1 });
    parentId = encodeTaskId('pc', `ZXJnb24=:${parent.id}`);
    childId = encodeTaskId('pc', `ZXJnb24=:${child.id}`);
    gw = await startTestGateway([vcd.systemBackendConfig('vcd'), pc.backendConfig('pc')], {
      subscriptions: { pollFastMs: 50, pollIdleMs: 50 },
      auth: { mode: 'apiKey', apiKeys: [apiKeyEntry('both', BOTH.key, BOTH.scope), ...JOINED.map((j, i) => apiKeyEntry(`joined-${i}`, j.key, j.scope))] },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await Promise.all([vcd?.close(), pc?.close()]);
  });

  const LISTS = [
    `{ tasks(first: 200) { edges { node { id tenant } } } }`,
    `{ tasks(first: 200, filter: { backend: ["vcd"] }) { nodes { id tenant } totalCount } }`,
    `query Named($n: Int) { tasks(first: $n) { nodes { id tenant subtasks { nodes { id tenant } } } } }`,
  ];

  it('over HTTP: the same query at the same time gives each principal its own answer', async () => {
    for (const [i, query] of LISTS.entries()) {
      for (const joined of JOINED) {
        // Both requests are in flight together: the backends answer after 200 ms.
        vcd.server.setFaults({ latencyMs: 200 });
        pc.server.setFaults({ latencyMs: 200 });
        const variables = i === 2 ? { n: 200 } : {};
        const [mine, theirs] = await Promise.all([as(BOTH.key, query, variables), as(joined.key, query, variables)]);
        vcd.server.setFaults({ latencyMs: 0 });
        pc.server.setFaults({ latencyMs: 0 });
        const tenants = (body: any) => JSON.stringify(body).match(/"tenant":"[^"]*"/g)?.map((t) => t.slice(10, -1)) ?? [];
        expect(tenants(theirs).filter((t) => FOREIGN.has(t)), `${JSON.stringify(joined.sep)} ${query}`).toEqual([]);
        expect(theirs.errors).toBeUndefined();
        if (i !== 1) expect(tenants(theirs)).toContain(C3);
        expect(tenants(mine).some((t) => FOREIGN.has(t))).toBe(true);
      }
    }
  });

  it('over HTTP: different texts that make the same list call share no page across scopes', async () => {
    const mineText = `{ tasks(first: 200) { nodes { id tenant } } }`;
    const theirText = `query Other { tasks(first: 200) { edges { node { tenant id } } } }`;
    for (const joined of JOINED) {
      vcd.server.setFaults({ latencyMs: 200 });
      pc.server.setFaults({ latencyMs: 200 });
      const [mine, theirs] = await Promise.all([as(BOTH.key, mineText), as(joined.key, theirText)]);
      vcd.server.setFaults({ latencyMs: 0 });
      pc.server.setFaults({ latencyMs: 0 });
      const theirTenants = theirs.data.tasks.edges.map((e: any) => e.node.tenant);
      expect(theirTenants.filter((t: string) => FOREIGN.has(t))).toEqual([]);
      expect(theirTenants).toContain(C3);
      expect(mine.data.tasks.nodes.some((n: any) => FOREIGN.has(n.tenant))).toBe(true);
    }
  });

  it('over graphql-ws: a shared event execution is never handed to a principal of another scope', async () => {
    const SUB = `subscription($id: ID!) { taskUpdated(id: $id) { id progress subtasks { nodes { id tenant } } } }`;
    const open = async (key: string) => {
      const ws = await handshake(gw.wsUrl, { apiKey: key });
      if (!ws.acked) throw new Error(`refused: ${ws.code}`);
      const results: any[] = [];
      ws.socket.on('message', (data) => {
        const message = JSON.parse(String(data));
        if (message.type === 'next') results.push(message.payload);
      });
      ws.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUB, variables: { id: parentId } } }));
      return { socket: ws.socket as WebSocket, results };
    };
    // BOTH subscribes first, so on a shared key its execution is the one the others would get.
    const mine = await open(BOTH.key);
    const theirs = await Promise.all(JOINED.map((j) => open(j.key)));
    await waitFor(() => mine.results.length >= 1 && theirs.every((t) => t.results.length >= 1), 'first results');
    await waitFor(() => gw.hub.stats().watchers.every((w) => w.polls > 1), 'watchers polling');
    for (const progress of [40, 60]) {
      pc.world.update(pc.world.list().find((t) => encodeTaskId('pc', `ZXJnb24=:${t.id}`) === parentId)!.id, { progress });
      await waitFor(() => [mine, ...theirs].every((s) => s.results.some((r) => r.data?.taskUpdated?.progress === progress)), `events of progress ${progress}: ${JSON.stringify(mine.results)}`);
    }
    for (const s of [mine, ...theirs]) s.socket.close();
    const subtaskIds = (r: any) => (r.data?.taskUpdated?.subtasks.nodes ?? []).map((n: any) => n.id);
    expect(mine.results.slice(1).every((r) => subtaskIds(r).includes(childId))).toBe(true);
    for (const t of theirs) {
      expect(t.results.length).toBeGreaterThanOrEqual(3);
      for (const r of t.results) expect(subtaskIds(r)).toEqual([]);
    }
  });
});
