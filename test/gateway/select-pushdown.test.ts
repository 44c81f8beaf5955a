/**
 * Select pushdown: a task list asks Prism for the fields the operation reads ($select), and
 * vCD's query service for the record attributes it needs (`fields`), and what comes back is the
 * same, field by field, as the full task read by id. vSphere REST leaves task results upstream
 * (ResultSpec.exclude_result) for lists that do not read them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import type { GraphQLField, GraphQLObjectType } from 'graphql';
import { buildSchema } from '../../src/gateway/schema.js';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { startVcdSimulator, type VcdSimulator } from '../../src/simulators/vcd/index.js';
import { startVsphereRestSimulator, type VsphereRestSimulator } from '../../src/simulators/vsphere-rest/index.js';
import { gql, manualClock, startTestGateway } from '../support/gateway.js';

// The graphql instance the schema is built with (see src/gateway/selection.ts).
const { getNamedType, isLeafType, isObjectType } = createRequire(import.meta.url)('graphql') as typeof import('graphql');
const schema = buildSchema();
const taskType = schema.getType('Task') as GraphQLObjectType;

/** A selection of `field` that reads something of every part of it (one level into objects). */
function selectionOf(field: GraphQLField<unknown, unknown>): string {
  const type = getNamedType(field.type);
  if (isLeafType(type)) return field.name;
  if (type.name === 'Task') return `${field.name} { id nativeId status operation }`;
  if (type.name === 'TaskConnection') return `${field.name} { totalCount nodes { id status } }`;
  if (!isObjectType(type)) throw new Error(`no selection for ${field.name}`);
  const leaves = Object.values(type.getFields()).filter((f) => isLeafType(getNamedType(f.type)) && !f.args.some((a) => a.type.toString().endsWith('!')));
  const tasks = Object.values(type.getFields()).filter((f) => getNamedType(f.type).name === 'Task');
  return `${field.name} { ${leaves.map((f) => f.name).join(' ')} ${tasks.map((f) => `${f.name} { id status }`).join(' ')} }`;
}

/** Every Task field, listed, equals the same field of the task read by id (`filter`: GraphQL text or ''). */
function listsEveryFieldAsReadById(url: () => string, filter: string, listed: (mark: number) => void, mark: () => number) {
  // transitions reads task history, off here (HISTORY_UNAVAILABLE): test/history/gateway.test.ts covers it.
  for (const field of Object.values(taskType.getFields()).filter((f) => f.name !== 'transitions')) {
    it(`lists ${field.name} exactly as the full read by id gives it`, async () => {
      const selection = selectionOf(field);
      const at = mark();
      const list = await gql<{ tasks: { nodes: Array<Record<string, unknown> & { id: string }> } }>(url(), `{ tasks(first: 30${filter}) { nodes { id ${selection} } } }`);
      expect(list.errors).toBeUndefined();
      listed(at);
      const nodes = list.data!.tasks.nodes;
      expect(nodes.length).toBeGreaterThan(20);
      const byId = await gql<Record<string, Record<string, unknown>>>(
        url(),
        `{ ${nodes.map((n, i) => `t${i}: task(id: ${JSON.stringify(n.id)}) { id ${selection} }`).join('\n')} }`,
      );
      expect(byId.errors).toBeUndefined();
      expect(nodes).toEqual(nodes.map((_, i) => byId.data![`t${i}`]));
    });
  }
}

describe('select pushdown (Prism)', () => {
  const clock = manualClock();
  let pc: PrismSimulator;
  let gw: GatewayServer;

  beforeAll(async () => {
    pc = await startPrismSimulator({ now: clock.fn, seed: 21 });
    pc.world.backfill(30, 10 * 60_000);
    gw = await startTestGateway([pc.backendConfig('pc')]);
  });
  afterAll(async () => {
    await gw?.stop();
    await pc?.close();
  });

  /** The $select of the first list call Prism received since `mark` (a recent() length). */
  function listSelect(mark: number): string | null {
    const list = pc.server.recent().slice(mark).find((r) => r.method === 'GET' && r.path.endsWith('/config/tasks'));
    return list ? list.query.get('$select') : null;
  }

  it('asks Prism only for what a flat list reads', async () => {
    const mark = pc.server.recent().length;
    const res = await gql(gw.url, '{ tasks(first: 20) { nodes { id progress initiatedBy { name } } } }');
    expect(res.errors).toBeUndefined();
    expect(listSelect(mark)!.split(',').sort()).toEqual(['createdTime', 'extId', 'ownedBy', 'progressPercentage', 'startedTime']);
  });

  it('adds what the adapter re-checks the filter on', async () => {
    const mark = pc.server.recent().length;
    const res = await gql(gw.url, '{ tasks(first: 20, filter: { status: [RUNNING, SUCCEEDED] }) { nodes { id progress } } }');
    expect(res.errors).toBeUndefined();
    expect(listSelect(mark)!.split(',').sort()).toEqual(['createdTime', 'extId', 'progressPercentage', 'startedTime', 'status']);
  });

  it('fetches what any task of the operation reads, not only the listed ones', async () => {
    // `steps` read on a parent elsewhere in the operation: the page's tasks prime the loaders, so they carry it too.
    const mark = pc.server.recent().length;
    await gql(gw.url, '{ tasks(first: 5) { nodes { id parent { steps { name } } } } }');
    expect(listSelect(mark)!.split(',')).toEqual(expect.arrayContaining(['subSteps', 'parentTask']));
  });

  listsEveryFieldAsReadById(() => gw.url, '', (at) => expect(listSelect(at)).not.toBeNull(), () => pc.server.recent().length);
});

describe('select pushdown (vCD)', () => {
  const clock = manualClock();
  let vcd: VcdSimulator;
  let gw: GatewayServer;

  beforeAll(async () => {
    vcd = await startVcdSimulator({ now: clock.fn, seed: 22 });
    vcd.world.backfill(30, 10 * 60_000);
    gw = await startTestGateway([vcd.backendConfig('vcd')]);
  });
  afterAll(async () => {
    await gw?.stop();
    await vcd?.close();
  });

  /** The `fields` of every task query vCD received since `mark` (a recent() length), sorted; null: none sent. */
  function listFields(mark: number): Array<string[] | null> {
    return vcd.server
      .recent()
      .slice(mark)
      .filter((r) => r.method === 'GET' && r.path === '/api/query')
      .map((r) => r.query.get('fields')?.split(',').sort() ?? null);
  }

  it('asks only for the sort key and status when the gateway completes the records it keeps', async () => {
    const mark = vcd.server.recent().length;
    const res = await gql(gw.url, '{ tasks(first: 20) { nodes { id progress initiatedBy { name } } } }');
    expect(res.errors).toBeUndefined();
    expect(listFields(mark)).toEqual([['startDate', 'status']]);
  });

  it('adds what the adapter re-checks the records on', async () => {
    const mark = vcd.server.recent().length;
    const res = await gql(gw.url, '{ tasks(first: 20, filter: { status: [SUCCEEDED], operation: ["vdcInstantiateVapp"] }) { nodes { id } } }');
    expect(res.errors).toBeUndefined();
    expect(listFields(mark)).toEqual([['name', 'startDate', 'status']]);
  });

  it('asks for the selection when records stand in for tasks it cannot re-read', async () => {
    // A running task may be CANCELING, which no record says: the listing reads every task itself,
    // and a record is what it keeps of one whose read fails.
    const mark = vcd.server.recent().length;
    const res = await gql(gw.url, '{ tasks(first: 20, filter: { status: [RUNNING] }) { nodes { id progress initiatedBy { name } entitiesAffected { name } } } }');
    expect(res.errors).toBeUndefined();
    expect(listFields(mark)).toEqual([['object', 'objectName', 'objectType', 'ownerName', 'progress', 'startDate', 'status']]);
  });

  describe('records the gateway completes', () => {
    listsEveryFieldAsReadById(() => gw.url, '', (at) => expect(listFields(at)).toEqual([['startDate', 'status']]), () => vcd.server.recent().length);
  });
  describe('tasks the listing reads itself', () => {
    const every = ', filter: { status: [QUEUED, PENDING, RUNNING, CANCELING, SUCCEEDED, FAILED, CANCELED] }';
    listsEveryFieldAsReadById(() => gw.url, every, (at) => expect(listFields(at).every((f) => f?.includes('startDate'))).toBe(true), () => vcd.server.recent().length);
  });
});

describe('select pushdown (vSphere REST)', () => {
  const clock = manualClock();
  let vc: VsphereRestSimulator;
  let gw: GatewayServer;

  beforeAll(async () => {
    vc = await startVsphereRestSimulator({ now: clock.fn, seed: 23 });
    vc.world.backfill(30, 10 * 60_000);
    gw = await startTestGateway([vc.backendConfig('vc')]);
  });
  afterAll(async () => {
    await gw?.stop();
    await vc?.close();
  });

  /** The ResultSpec.exclude_result of every list call by service the simulator received since `mark`. */
  function excludeResults(mark: number): unknown[] {
    return vc.server
      .recent()
      .slice(mark)
      .filter((r) => r.method === 'POST' && r.path === '/api/cis/tasks')
      .map((r) => JSON.parse(r.body) as { filter_spec: { services?: string[] }; result_spec: { exclude_result: unknown } })
      .filter((b) => b.filter_spec.services)
      .map((b) => b.result_spec.exclude_result);
  }

  it('leaves results upstream for a list that does not read them, and lists them exactly when it does', async () => {
    let mark = vc.server.recent().length;
    const flat = await gql<{ tasks: { nodes: Array<{ id: string; status: string }> } }>(gw.url, '{ tasks(first: 30) { nodes { id status } } }');
    expect(flat.errors).toBeUndefined();
    expect(flat.data!.tasks.nodes.length).toBeGreaterThan(20);
    const without = excludeResults(mark);
    expect(without.length).toBeGreaterThan(0);
    expect(without.every((e) => e === true)).toBe(true);

    mark = vc.server.recent().length;
    const listed = await gql<{ tasks: { nodes: Array<{ id: string; result: string | null }> } }>(gw.url, '{ tasks(first: 30) { nodes { id result } } }');
    expect(listed.errors).toBeUndefined();
    expect(excludeResults(mark).every((e) => e === false)).toBe(true);
    const nodes = listed.data!.tasks.nodes;
    expect(nodes.some((n) => n.result !== null)).toBe(true);
    const byId = await gql<Record<string, { id: string; result: string | null }>>(
      gw.url,
      `{ ${nodes.map((n, i) => `t${i}: task(id: ${JSON.stringify(n.id)}) { id result }`).join('\n')} }`,
    );
    expect(nodes).toEqual(nodes.map((_, i) => byId.data![`t${i}`]));
  });
});
