/**
 * Parsing tests on real payloads: vcsim captures (scripts/vcsim/capture.sh), the CAPTURED
 * vCenter 5.0 traffic and govmomi's fault test from the reference, and CONSTRUCTED payloads for
 * the fields neither shows. See __fixtures__/README.md.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sessionCookieOf } from './client.js';
import { faultError } from './faults.js';
import { toTaskModel } from './map.js';
import { readEnvelope, requestEnvelope, returnvals, type SoapResult } from './soap.js';
import { readRetrieveResult, readServiceContent, readTaskInfo, readUpdateSet, type TaskInfo } from './wire.js';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');

function body(name: string) {
  const result: SoapResult = readEnvelope(fixture(name));
  if (!result.ok) throw new Error(`${name} is a fault`);
  return result.body;
}

function infos(name: string): TaskInfo[] {
  const result = readRetrieveResult(returnvals(body(name))[0]);
  return result.objects.flatMap((o) => (o.props.get('info') ? [readTaskInfo(o.props.get('info')!)] : []));
}

describe('vcsim captures', () => {
  it('reads ServiceContent', () => {
    const sc = readServiceContent(returnvals(body('vcsim-retrieveservicecontent.xml'))[0]);
    expect(sc).toMatchObject({
      propertyCollector: { type: 'PropertyCollector', value: 'propertyCollector' },
      sessionManager: { type: 'SessionManager', value: 'SessionManager' },
      taskManager: { type: 'TaskManager', value: 'TaskManager' },
      rootFolder: { type: 'Folder', value: 'group-d1' },
      apiType: 'VirtualCenter',
    });
  });

  it('keeps the session cookie as set (vcsim unquoted, vCenter 5.0 quoted)', () => {
    const vcsim = fixture('vcsim-login-set-cookie.txt').replace(/^set-cookie:\s*/i, '').trim();
    expect(sessionCookieOf(vcsim)).toMatch(/^vmware_soap_session=[0-9a-f-]{36}$/);
    const vc50 = fixture('vcenter50-cookie.txt').replace(/^cookie:\s*/i, '').trim();
    expect(sessionCookieOf([vc50])).toBe('vmware_soap_session="520b60d9-0187-0c70-4a65-290c24f32a05"');
    expect(sessionCookieOf(['other=1; Path=/'])).toBeNull();
  });

  it('reads Task.info with XMLSchema-instance:type, a success and a failed PowerOff; a missing task is left out', () => {
    const [ok, failed, ...rest] = infos('vcsim-retrievepropertiesex-task-info.xml');
    expect(rest).toHaveLength(0);
    expect(ok).toMatchObject({ name: 'PowerOff', descriptionId: 'VirtualMachine.powerOff', state: 'success', reason: { kind: 'user', userName: 'vcsim' } });
    expect(ok!.entity?.type).toBe('VirtualMachine');
    expect(failed!.error).toEqual({ type: 'InvalidPowerState', localizedMessage: '*types.InvalidPowerState' });
    const model = toTaskModel('vc', failed!);
    expect(model).toMatchObject({ status: 'FAILED', nativeStatus: 'error', operation: 'VirtualMachine.powerOff' });
    expect(model.errors).toEqual([{ message: '*types.InvalidPowerState', code: 'InvalidPowerState', severity: 'ERROR' }]);
    expect(toTaskModel('vc', ok!)).toMatchObject({ status: 'SUCCEEDED', progress: 100, initiatedBy: { kind: 'USER', name: 'vcsim' } });
  });

  it('reads every recent task through the traversal, MoRef results as type:value', () => {
    const all = infos('vcsim-retrievepropertiesex-recenttask-traversal.xml');
    expect(all.length).toBeGreaterThan(10);
    const dvs = all.find((t) => t.name === 'CreateDVS');
    expect(dvs?.result).toMatch(/^DistributedVirtualSwitch:dvs-\d+$/);
    expect(all.every((t) => /^task-\d+$/.test(t.key) && t.queueTime instanceof Date)).toBe(true);
  });

  it('reads recentTask as an ArrayOfManagedObjectReference', () => {
    const [obj] = readRetrieveResult(returnvals(body('vcsim-retrievepropertiesex-recenttask.xml'))[0]).objects;
    const val = obj!.props.get('recentTask')!;
    expect(val.attrs['xsi:type']).toBe('ArrayOfManagedObjectReference');
    expect(val.children.every((c) => c.attrs.type === 'Task')).toBe(true);
  });

  it('reads NotAuthenticated inside a missingSet (vcsim answers property reads after Logout that way)', () => {
    const [obj] = readRetrieveResult(returnvals(body('vcsim-retrievepropertiesex-notauthenticated-missingset.xml'))[0]).objects;
    expect(obj!.props.size).toBe(0);
    expect(obj!.missing).toEqual([{ path: 'info', fault: { type: 'NotAuthenticated', localizedMessage: null } }]);
  });

  it('reads WaitForUpdatesEx: the initial state, enter and modify batches, and an empty wait', () => {
    const initial = readUpdateSet(returnvals(body('vcsim-waitforupdatesex-initial.xml'))[0])!;
    expect(initial.version).toBe('-');
    expect(initial.updates.length).toBeGreaterThan(5);
    expect(initial.updates.every((u) => u.kind === 'enter' && u.changes[0]?.name === 'info')).toBe(true);
    const later = readUpdateSet(returnvals(body('vcsim-waitforupdatesex-enter-modify.xml'))[0])!;
    expect(later.updates.map((u) => u.kind)).toContain('enter');
    expect(new Set(later.updates.map((u) => u.obj.value)).size).toBe(1);
    const info = readTaskInfo(later.updates[0]!.changes[0]!.val!);
    expect(info).toMatchObject({ name: 'PowerOn', state: 'success' });
    expect(readUpdateSet(returnvals(body('vcsim-waitforupdatesex-empty.xml'))[0])).toBeNull();
  });

  it.each([
    ['vcsim-login-invalidlogin-fault.xml', 'InvalidLogin', 'Login failure', 'BACKEND_AUTH_FAILED'],
    ['govmomi-fault-test-invalidlogin.xml', 'InvalidLogin', 'Cannot complete login due to an incorrect user name or password.', 'BACKEND_AUTH_FAILED'],
    ['vcsim-createpropertycollector-notauthenticated-fault.xml', 'NotAuthenticated', '', 'BACKEND_AUTH_FAILED'],
    ['vcsim-createcollectorfortasks-methodnotfound-fault.xml', 'MethodNotFound', 'TaskManager:TaskManager does not implement: CreateCollectorForTasks', 'UNSUPPORTED'],
    ['vcsim-canceltask-methodnotfound-fault.xml', 'MethodNotFound', undefined, 'UNSUPPORTED'],
    ['vcsim-canceltask-managedobjectnotfound-fault.xml', 'ManagedObjectNotFound', 'managed object not found: Task:task-99999', 'NOT_FOUND'],
    ['vcsim-retrievepropertiesex-managedobjectnotfound-fault.xml', 'ManagedObjectNotFound', 'The object has already been deleted or has not been completely created', 'NOT_FOUND'],
    ['vcsim-invalidrequest-fault.xml', 'InvalidRequest', "no vmomi type defined for 'NoSuchMethod'", 'BACKEND_ERROR'],
  ])('reads the fault in %s', (name, type, message, code) => {
    const result = readEnvelope(fixture(name));
    if (result.ok) return expect.fail('expected a fault');
    expect(result.fault.type).toBe(type);
    if (message !== undefined) expect(result.fault.message).toBe(message);
    const err = faultError('vc1', 'Login', result.fault, 500);
    expect(err).toMatchObject({ code, vendorCode: type, backend: 'vc1', status: 500 });
    expect(err.message).toMatch(/^vc1: Login failed: /);
    expect(err.message).not.toContain('<');
  });

  it('reads the empty responses of Logout and the Destroy methods', () => {
    for (const name of ['vcsim-logout.xml', 'vcsim-destroypropertyfilter.xml', 'vcsim-destroypropertycollector.xml']) {
      expect(body(name).children).toHaveLength(0);
    }
    expect(returnvals(body('vcsim-createfilter.xml'))[0]!.attrs.type).toBe('PropertyFilter');
    expect(returnvals(body('vcsim-poweroffvm-task.xml'))[0]!.attrs.type).toBe('Task');
  });
});

describe('CAPTURED vCenter 5.0 traffic', () => {
  it('maps the CloneVM_Task TaskInfo field by field', () => {
    const result = readEnvelope(fixture('vcenter50-retrieveproperties-task-info.xml'));
    if (!result.ok) return expect.fail('fault');
    const [content] = returnvals(result.body);
    const val = content!.children.find((c) => c.name === 'propSet')!.children.find((c) => c.name === 'val')!;
    const model = toTaskModel('vc50', readTaskInfo(val));
    expect(model).toMatchObject({
      nativeId: 'task-518718',
      operation: 'VirtualMachine.clone',
      status: 'SUCCEEDED',
      nativeStatus: 'success',
      result: 'VirtualMachine:vm-58946',
      initiatedBy: { kind: 'USER', name: 'AMER\\svcvcent', nativeId: null },
      entitiesAffected: [{ backend: 'vc50', nativeId: 'vm-58499', type: 'VirtualMachine', name: 'CentOS 6 16 GB Template', href: null }],
      isCancelable: false,
      cancelRequested: false,
      parentId: null,
      rootId: null,
    });
    expect(model.createdAt?.toISOString()).toBe('2013-12-31T01:01:51.154Z');
    expect(model.completedAt?.toISOString()).toBe('2013-12-31T01:02:15.779Z');
    expect(model.completionDetails).toEqual([
      { name: 'method', value: 'CloneVM_Task' },
      { name: 'eventChainId', value: '57514083' },
    ]);
  });

  it('reads a *_Task response and a WaitForUpdates partial change (info.state)', () => {
    expect(returnvals(body('vcenter50-clonevm-task-response.xml'))[0]!.text).toBe('task-518718');
    const set = readUpdateSet(returnvals(body('vcenter50-waitforupdates-info-state.xml'))[0])!;
    expect(set.version).toBe('6');
    expect(set.updates).toHaveLength(1);
    expect(set.updates[0]).toMatchObject({ kind: 'enter', obj: { type: 'Task', value: 'task-518718' } });
    expect(set.updates[0]!.changes[0]).toMatchObject({ name: 'info.state', op: 'assign' });
    expect(set.updates[0]!.changes[0]!.val!.text).toBe('success');
  });

  it('writes requests shaped like the captured RetrieveProperties request', () => {
    const xml = requestEnvelope('RetrieveProperties', { type: 'PropertyCollector', value: 'propertyCollector' }, ['<specSet/>'], 'req-1');
    expect(xml).toContain('<soapenv:Header><operationID>req-1</operationID></soapenv:Header>');
    expect(xml).toContain('<RetrieveProperties xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet/></RetrieveProperties>');
    const captured = readEnvelope(fixture('vcenter50-retrieveproperties-task-info-request.xml'));
    expect(captured.ok && captured.body.name).toBe('RetrieveProperties');
  });
});

describe('CONSTRUCTED payloads: every field, other prefixes', () => {
  const result = readRetrieveResult(returnvals(body('constructed-retrievepropertiesex-task-info-all-fields.xml'))[0]);
  const byId = new Map(result.objects.map((o) => [o.obj.value, o]));
  const model = (id: string) => toTaskModel('vc', readTaskInfo(byId.get(id)!.props.get('info')!));

  it('keeps the continuation token and the missingSet faults', () => {
    expect(result.token).toBe('4f1a2b3c-token-2');
    expect(byId.get('task-404')!.missing[0]!.fault?.type).toBe('ManagedObjectNotFound');
    expect(byId.get('task-403')!.missing[0]!.fault?.type).toBe('NoPermission');
  });

  it('maps a cancelled running task with an alarm reason, parents, description and progress', () => {
    expect(model('task-9001')).toMatchObject({
      status: 'CANCELING',
      cancelRequested: true,
      isCancelable: true,
      progress: 40,
      description: 'Backing up db-01',
      operation: 'VirtualMachine.relocate',
      initiatedBy: { kind: 'ALARM', name: 'Host CPU usage', nativeId: 'alarm-7' },
      parentId: 'task-9000',
      rootId: 'task-8999',
    });
    expect(model('task-9001').createdAt?.toISOString()).toBe('2024-05-02T08:00:00.123Z');
    expect(model('task-9001').completionDetails).toContainEqual({ name: 'activationId', value: 'act-55' });
    expect(model('task-9001').completionDetails).toContainEqual({ name: 'alarmEntity', value: 'HostSystem:host-33' });
    const info = readTaskInfo(byId.get('task-9001')!.props.get('info')!);
    expect(info.locked).toEqual([{ type: 'Datastore', value: 'datastore-15' }, { type: 'HostSystem', value: 'host-33' }]);
    expect(info.description?.args).toEqual([{ key: 'vm', value: 'db-01' }]);
  });

  it('maps RequestCanceled to CANCELED, a schedule reason, array and data-object results, and unknown states', () => {
    expect(model('task-9002')).toMatchObject({ status: 'CANCELED', initiatedBy: { kind: 'SCHEDULE', name: 'Nightly backup', nativeId: 'schedule-4' } });
    expect(model('task-9003')).toMatchObject({
      status: 'SUCCEEDED',
      result: 'VirtualMachineSnapshot:snapshot-1,VirtualMachineSnapshot:snapshot-2',
      initiatedBy: { kind: 'SYSTEM' },
      entitiesAffected: [],
    });
    expect(model('task-9004')).toMatchObject({ status: 'UNKNOWN', nativeStatus: 'paused' });
    expect(JSON.parse(model('task-9004').result!)).toEqual({
      _type: 'HostProfileManagerConfigTaskList',
      taskDescription: [{ key: 'k1', message: 'step one' }, { key: 'k2' }],
    });
    expect(model('task-9005')).toMatchObject({ status: 'FAILED', result: 'partial' });
    expect(model('task-9005').errors[0]).toMatchObject({ code: 'InvalidPowerState', message: expect.stringContaining('Powered on') });
  });

  it('reads history pages (returnval* of TaskInfo without xsi:type)', () => {
    const tasks = returnvals(body('constructed-readprevioustasks.xml')).map((r) => toTaskModel('vc', readTaskInfo(r)));
    expect(tasks.map((t) => [t.nativeId, t.status])).toEqual([
      ['task-101', 'SUCCEEDED'],
      ['task-102', 'QUEUED'],
    ]);
    expect(tasks[1]!.isCancelable).toBe(true);
  });
});

describe('refused input', () => {
  it.each([
    ['truncated', '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><X>'],
    ['a DTD', '<!DOCTYPE x [<!ENTITY a "b">]><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"/>'],
    ['not SOAP', '<html><body>503</body></html>'],
    ['an empty Body', '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>'],
  ])('throws on %s', (_, text) => {
    expect(() => readEnvelope(text)).toThrow();
  });

  it('refuses a TaskInfo without key', () => {
    expect(() => readTaskInfo({ name: 'val', ns: 'urn:vim25', attrs: {}, children: [], text: '' })).toThrow(/without key/);
  });
});
