/**
 * Parity of taskgraph's vim25 simulator with vcsim: the same requests scripts/vcsim/capture.sh
 * sent to vcsim are sent to the simulator, and the answers are compared with the captures in
 * src/adapters/vsphere-soap/__fixtures__/vcsim-*.xml: the envelope prefix byte for byte, fault
 * documents byte for byte where they carry no run-specific value, everything else by shape
 * (element names, namespaces, attributes, xsi:types), TaskInfo fields by WSDL order.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { child, parseXml, type XmlElement } from '../../src/adapters/xml.js';
import { startVsphereSoapSimulator, VSPHERE_PASSWORD, VSPHERE_USER, type VsphereSoapSimulator } from '../../src/simulators/vsphere-soap/index.js';

const fixture = (name: string) => readFileSync(new URL(`../../src/adapters/vsphere-soap/__fixtures__/${name}`, import.meta.url), 'utf8');

/** TaskInfo elements in WSDL order (govmomi types.TaskInfo). */
const TASK_INFO_ORDER = ['key', 'task', 'description', 'name', 'descriptionId', 'entity', 'entityName', 'locked', 'state', 'cancelled', 'cancelable', 'error', 'result', 'progress', 'progressDetails', 'reason', 'queueTime', 'startTime', 'completeTime', 'eventChainId', 'changeTag', 'parentTaskKey', 'rootTaskKey', 'activationId'];

function isTaskInfo(el: XmlElement): boolean {
  return el.attrs['xsi:type'] === 'TaskInfo' || (el.children[0]?.name === 'key' && el.children[1]?.name === 'task');
}

/** Checks a TaskInfo's fields are known and in order, typed where vcsim types them; returns a stand-in. */
function taskInfoShape(el: XmlElement): string {
  const names = el.children.map((c) => c.name);
  const positions = names.map((n) => TASK_INFO_ORDER.indexOf(n));
  expect(positions.every((p) => p >= 0), `unknown TaskInfo field in ${names.join(',')}`).toBe(true);
  expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  for (const name of ['reason', 'result']) {
    const field = child(el, name);
    if (field) expect(field.attrs['xsi:type'], `${name} xsi:type`).toBeTruthy();
  }
  const fault = child(child(el, 'error'), 'fault');
  if (fault) expect(fault.attrs['xsi:type']).toBeTruthy();
  expect(child(el, 'task')?.attrs.type).toBe('Task');
  return `TaskInfo[${el.attrs['xsi:type'] ?? ''}]`;
}

/** Element names, namespaces, attribute names (with xsi:type and MoRef type values); runs of equal siblings collapse. */
function shape(el: XmlElement): string {
  if (isTaskInfo(el)) return taskInfoShape(el);
  const attrs = Object.keys(el.attrs)
    .sort()
    .map((k) => (k === 'xsi:type' ? `${k}=${el.attrs[k]}` : k))
    .join(',');
  const kids: string[] = [];
  for (const c of el.children.map(shape)) if (kids[kids.length - 1] !== c) kids.push(c);
  return `${el.name}{${el.ns}}[${attrs}](${kids.join(' ')})`;
}

const prefix = (text: string) => text.slice(0, text.indexOf('<soapenv:Body>') + '<soapenv:Body>'.length);

describe('simulator parity with vcsim captures', () => {
  let sim: VsphereSoapSimulator;
  let cookie = '';
  const ids: Record<string, string> = {};

  async function soap(body: string): Promise<{ status: number; text: string; headers: Headers }> {
    const envelope =
      '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
      `<soapenv:Header><operationID>capture</operationID></soapenv:Header><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
    const res = await fetch(`${sim.server.url}/sdk`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset="utf-8"', soapaction: 'urn:vim25/7.0', ...(cookie ? { cookie } : {}) },
      body: envelope,
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) cookie = setCookie.split(';')[0]!;
    return { status: res.status, text: await res.text(), headers: res.headers };
  }

  async function same(body: string, name: string, exact = false): Promise<string> {
    const ours = await soap(body);
    const theirs = fixture(name);
    expect(prefix(ours.text)).toBe(prefix(theirs));
    expect(ours.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(ours.status).toBe(theirs.includes('<soapenv:Fault>') ? 500 : 200);
    if (exact) expect(ours.text).toBe(theirs);
    else expect(shape(parseXml(ours.text))).toBe(shape(parseXml(theirs)));
    return ours.text;
  }

  const PC = '<_this type="PropertyCollector">propertyCollector</_this>';
  const SM = '<_this type="SessionManager">SessionManager</_this>';
  const TASK_INFO = '<propSet><type>Task</type><pathSet>info</pathSet></propSet>';
  const RECENT = '<objectSet><obj type="TaskManager">TaskManager</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><name>recentTask</name><type>TaskManager</type><path>recentTask</path><skip>false</skip></selectSet></objectSet>';
  const value = (text: string) => /<returnval type="\w+">([^<]+)<\/returnval>/.exec(text)![1]!;

  beforeAll(async () => {
    // A frozen clock: tasks must not move between two calls, or "no change" answers differ by load.
    const frozen = Date.parse('2026-03-01T10:00:00.000Z');
    sim = await startVsphereSoapSimulator({ collectors: false, seed: 5, now: () => frozen });
    for (let i = 0; i < 6; i++) sim.world.spawn();
    const done = sim.world.create({ operation: 'VirtualMachine.powerOff', entity: { id: 'vm-57', type: 'VirtualMachine', name: 'DC0_H0_VM0' }, state: 'succeeded' });
    const failed = sim.world.create({ operation: 'VirtualMachine.powerOff', entity: { id: 'vm-57', type: 'VirtualMachine', name: 'DC0_H0_VM0' } });
    sim.world.update(failed.id, { state: 'failed', errorMessage: 'The attempted operation cannot be performed in the current state (Powered off).', extra: { faultType: 'InvalidPowerState' } });
    ids.ok = `task-${done.seq}`;
    ids.failed = `task-${failed.seq}`;
  });
  afterAll(() => sim?.close());

  it('answers the session calls as vcsim does', async () => {
    await same('<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>', 'vcsim-retrieveservicecontent.xml');
    await same(`<Login xmlns="urn:vim25">${SM}<userName>${VSPHERE_USER}</userName><password>wrong</password></Login>`, 'vcsim-login-invalidlogin-fault.xml', true);
    await same(`<Login xmlns="urn:vim25">${SM}<userName>${VSPHERE_USER}</userName><password>${VSPHERE_PASSWORD}</password></Login>`, 'vcsim-login.xml');
    const theirs = fixture('vcsim-login-set-cookie.txt').trim().replace(/^Set-Cookie: /i, '');
    const pattern = (c: string) => c.replace(/=[0-9a-f-]{36}/, '=<uuid>');
    expect(pattern(`${cookie}; HttpOnly`)).toBe(pattern(theirs));
  });

  it('answers property reads as vcsim does', async () => {
    await same(`<RetrievePropertiesEx xmlns="urn:vim25">${PC}<specSet><propSet><type>TaskManager</type><pathSet>recentTask</pathSet></propSet><objectSet><obj type="TaskManager">TaskManager</obj></objectSet></specSet><options><maxObjects>1000</maxObjects></options></RetrievePropertiesEx>`, 'vcsim-retrievepropertiesex-recenttask.xml');
    const text = await same(
      `<RetrievePropertiesEx xmlns="urn:vim25">${PC}<specSet>${TASK_INFO}<objectSet><obj type="Task">${ids.ok}</obj></objectSet><objectSet><obj type="Task">${ids.failed}</obj></objectSet><objectSet><obj type="Task">task-99999</obj></objectSet><reportMissingObjectsInResults>true</reportMissingObjectsInResults></specSet><options><maxObjects>1000</maxObjects></options></RetrievePropertiesEx>`,
      'vcsim-retrievepropertiesex-task-info.xml',
    );
    expect(text).toContain('<val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="TaskInfo">');
    expect(text).toContain('<error><fault XMLSchema-instance:type="InvalidPowerState">');
    await same(`<RetrievePropertiesEx xmlns="urn:vim25">${PC}<specSet>${TASK_INFO}${RECENT}</specSet><options><maxObjects>1000</maxObjects></options></RetrievePropertiesEx>`, 'vcsim-retrievepropertiesex-recenttask-traversal.xml');
    await same(
      `<RetrievePropertiesEx xmlns="urn:vim25">${PC}<specSet>${TASK_INFO}<objectSet><obj type="Task">${ids.ok}</obj></objectSet><objectSet><obj type="Task">task-99999</obj></objectSet></specSet><options><maxObjects>1000</maxObjects></options></RetrievePropertiesEx>`,
      'vcsim-retrievepropertiesex-managedobjectnotfound-fault.xml',
      true,
    );
  });

  it('faults on what vcsim lacks exactly as vcsim does', async () => {
    await same('<CreateCollectorForTasks xmlns="urn:vim25"><_this type="TaskManager">TaskManager</_this><filter><state>success</state></filter></CreateCollectorForTasks>', 'vcsim-createcollectorfortasks-methodnotfound-fault.xml', true);
    await same('<CancelTask xmlns="urn:vim25"><_this type="Task">task-99999</_this></CancelTask>', 'vcsim-canceltask-managedobjectnotfound-fault.xml', true);
  });

  it('answers the watch calls as vcsim does', async () => {
    const pc = value(await same(`<CreatePropertyCollector xmlns="urn:vim25">${PC}</CreatePropertyCollector>`, 'vcsim-createpropertycollector.xml'));
    const self = `<_this type="PropertyCollector">${pc}</_this>`;
    const filter = value(await same(`<CreateFilter xmlns="urn:vim25">${self}<spec>${TASK_INFO}${RECENT}</spec><partialUpdates>false</partialUpdates></CreateFilter>`, 'vcsim-createfilter.xml'));
    await same(`<WaitForUpdatesEx xmlns="urn:vim25">${self}<version></version><options><maxWaitSeconds>0</maxWaitSeconds></options></WaitForUpdatesEx>`, 'vcsim-waitforupdatesex-initial.xml');
    await same(`<WaitForUpdatesEx xmlns="urn:vim25">${self}<version>1</version><options><maxWaitSeconds>0</maxWaitSeconds></options></WaitForUpdatesEx>`, 'vcsim-waitforupdatesex-empty.xml', true);
    await same(`<DestroyPropertyFilter xmlns="urn:vim25"><_this type="PropertyFilter">${filter}</_this></DestroyPropertyFilter>`, 'vcsim-destroypropertyfilter.xml', true);
    await same(`<DestroyPropertyCollector xmlns="urn:vim25">${self}</DestroyPropertyCollector>`, 'vcsim-destroypropertycollector.xml', true);
  });

  it('answers after Logout as vCenter does: property reads fault NotAuthenticated (vcsim reports it in missingSet)', async () => {
    await same(`<Logout xmlns="urn:vim25">${SM}</Logout>`, 'vcsim-logout.xml', true);
    await same(
      `<RetrievePropertiesEx xmlns="urn:vim25">${PC}<specSet>${TASK_INFO}<objectSet><obj type="Task">${ids.ok}</obj></objectSet><reportMissingObjectsInResults>true</reportMissingObjectsInResults></specSet><options><maxObjects>1000</maxObjects></options></RetrievePropertiesEx>`,
      'vcsim-createpropertycollector-notauthenticated-fault.xml',
      true,
    );
    await same(`<CreatePropertyCollector xmlns="urn:vim25">${PC}</CreatePropertyCollector>`, 'vcsim-createpropertycollector-notauthenticated-fault.xml', true);
  });
});
