import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveRoots, toTaskModel } from './map.js';
import { parseSessionId, parseTaskInfo, parseTaskMap, parseVapiError, WireShapeError } from './wire.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));
const model = (id: string, raw: unknown) => toTaskModel(id, parseTaskInfo(raw), { backend: 'vc1' });

describe('vsphere-rest wire: DOC examples', () => {
  it('reads the Cis Task Info DOC example without choking on its placeholders', () => {
    const info = parseTaskInfo(fixture('broadcom-doc.cis-task-info.json'));
    expect(info).toMatchObject({ service: 'string', operation: 'string', status: 'PENDING', parent: 'string', cancelable: false, user: 'string' });
    expect(info.target).toEqual({ type: 'string', id: 'string' });
    expect(info.description?.params).toEqual({ key: 'string' });
    expect(info.error).toBeNull(); // `{}`: neither a type nor messages
    const t = model('t1', fixture('broadcom-doc.cis-task-info.json'));
    expect(t).toMatchObject({ status: 'PENDING', nativeStatus: 'PENDING', operation: 'string.string', description: 'string', createdAt: null, progress: null });
    expect(t.progressMessage).toBe('string');
  });

  it('reads the DOC error body and the UNAUTHENTICATED body vCenter sends', () => {
    expect(parseVapiError(fixture('broadcom-doc.vapi-error.json'))).toMatchObject({ errorType: 'NOT_FOUND', messages: [{ id: '...', localized: '...' }] });
    const unauth = parseVapiError(fixture('vcenter.unauthenticated.json'));
    expect(unauth?.errorType).toBe('UNAUTHENTICATED');
    expect(unauth?.messages[0]).toMatchObject({ id: 'com.vmware.vapi.endpoint.method.authentication.required', defaultMessage: 'Authentication required.' });
  });

  it('reads the /rest error form and @class', () => {
    expect(parseVapiError({ type: 'com.vmware.vapi.std.errors.not_allowed_in_current_state', value: { messages: [] } })?.errorType).toBe('NOT_ALLOWED_IN_CURRENT_STATE');
    expect(parseVapiError({ '@class': 'com.vmware.vapi.std.errors.unsupported' })?.errorType).toBe('UNSUPPORTED');
    expect(parseVapiError('nope')).toBeNull();
  });

  it('reads the session id from the JSON string (and the /rest {value} form)', () => {
    expect(parseSessionId('"b00db39f948d13ea1e59b4d6fce11389"')).toBe('b00db39f948d13ea1e59b4d6fce11389');
    expect(parseSessionId('{"value":"abc"}')).toBe('abc');
    expect(() => parseSessionId('b00db39f')).toThrow(WireShapeError);
    expect(() => parseSessionId('""')).toThrow(WireShapeError);
  });
});

describe('vsphere-rest wire: vCenter 8.0.3 replies', () => {
  it('maps a succeeded vLCM task', () => {
    const t = model('ca65525c-b324-49e1-9e7e-008d08dfecb4:com.vmware.esx.settings.clusters.configuration', fixture('vcenter-8.0.3.cis-task-info.vlcm-succeeded.json'));
    expect(t).toMatchObject({
      backend: 'vc1',
      backendType: 'vsphere-rest',
      status: 'SUCCEEDED',
      operation: 'com.vmware.esx.settings.clusters.configuration.check_compliance$task',
      description: 'Task created by VMware vSphere Lifecycle Manager',
      progress: 100,
      progressMessage: 'Current progress for task created by VMware vSphere Lifecycle Manager',
      parentId: null,
      isCancelable: true,
      initiatedBy: { kind: 'USER', name: 'Administrator@VSPHERE.LOCAL', nativeId: null },
      entitiesAffected: [{ backend: 'vc1', nativeId: 'domain-c9', type: 'ClusterComputeResource', name: null, href: null }],
      errors: [],
      warnings: [],
    });
    expect(t.createdAt?.toISOString()).toBe('2024-11-08T19:39:45.987Z');
    expect(t.startedAt).toEqual(t.createdAt);
    expect(t.completedAt?.toISOString()).toBe('2024-11-08T19:39:57.399Z');
    expect(t.lastUpdatedAt?.toISOString()).toBe('2024-11-08T19:39:57.420Z');
    expect(JSON.parse(t.result!)).toMatchObject({ cluster_status: 'COMPLIANT', compliant_hosts: ['host-17', 'host-23', 'host-29'] });
  });

  it('maps a failed vLCM task: std error with @class, notifications not duplicated', () => {
    const t = model('x:com.vmware.esx.settings.clusters.configuration', fixture('vcenter-8.0.3.cis-task-info.vlcm-failed.json'));
    expect(t.status).toBe('FAILED');
    expect(t.progress).toBe(40);
    expect(t.errors).toEqual([
      {
        message: "The vSphere Configuration Plugin '/storage/updatemgr/plugins/prod/com.vmware.vcIntegrity/8.0.3.24364488/network_group/network_pre' failed to perform 'VALIDATE' operation.",
        code: 'INTERNAL_SERVER_ERROR',
        severity: 'ERROR',
      },
    ]);
  });
});

describe('vsphere-rest wire: the list map, tolerant parsing', () => {
  const map = parseTaskMap(fixture('constructed.cis-tasks-list.json'));
  const models = resolveRoots([...map].map(([id, info]) => toTaskModel(id, info, { backend: 'vc1' })));
  const byId = (suffix: string) => models.find((t) => t.nativeId.startsWith(suffix))!;

  it('keys tasks by id', () => {
    expect(map.size).toBe(6);
    expect([...map.keys()]).toContain('52b3cef6-00df-033a-9778-f243a1e96e97:com.vmware.esx.settings.clusters.software');
  });

  it('substitutes {0} args, {0,number} and named params, guards a zero total', () => {
    const t = byId('52a8f1c0-1d2e-4f3a-9b8c-7d6e5f4a3b2c');
    expect(t.description).toBe('Clone virtual machine web-01 to web-01-copy');
    expect(t.progressMessage).toBe('Copying disk 1 of 3');
    expect(t.progress).toBeNull();
    expect(t.status).toBe('RUNNING');
  });

  it('reads params in the [{key, value}] encoding, BLOCKED, and resolves the parent chain', () => {
    const t = byId('52b3cef6');
    expect(t.status).toBe('BLOCKED');
    expect(t.progress).toBe(25);
    expect(t.progressMessage).toBe('Waiting for host 10.0.0.7');
    expect(t.parentId).toBe('52a8f1c0-1d2e-4f3a-9b8c-7d6e5f4a3b2c:com.vmware.vcenter.vm');
    expect(t.rootId).toBe('52a8f1c0-1d2e-4f3a-9b8c-7d6e5f4a3b2c:com.vmware.vcenter.vm');
    expect(byId('52a8f1c0-1d2e-4f3a-9b8c-7d6e5f4a3b2c').rootId).toBeNull();
  });

  it('leaves createdAt null for a PENDING task (no start_time)', () => {
    const t = byId('52a8f1c0-1d2e-4f3a-9b8c-7d6e5f4a3b2d');
    expect(t).toMatchObject({ status: 'PENDING', createdAt: null, startedAt: null, progress: null, entitiesAffected: [], parentId: null });
  });

  it('reads FAILED with a Canceled error as CANCELED and clamps progress over 100', () => {
    const t = byId('52c00000-0000-4000-8000-000000000001');
    expect(t).toMatchObject({ status: 'CANCELED', nativeStatus: 'FAILED', progress: 100, progressMessage: null });
    expect(t.errors).toEqual([{ message: 'The operation was canceled.', code: 'CANCELED', severity: 'ERROR' }]);
  });

  it('keeps an unknown status as UNKNOWN with nativeStatus, and wrong-typed fields read as absent', () => {
    const t = byId('52c00000-0000-4000-8000-000000000002');
    expect(t).toMatchObject({ status: 'UNKNOWN', nativeStatus: 'SUSPENDED_BY_A_FUTURE_RELEASE', isCancelable: false, createdAt: null, description: null, initiatedBy: null, result: 'vm-1099' });
  });

  it('takes a bare-string description and JSON-stringifies a structured result', () => {
    const t = byId('52c00000-0000-4000-8000-000000000003');
    expect(t.description).toBe('a bare string description');
    expect(t.progress).toBe(100);
    expect(JSON.parse(t.result!)).toEqual({ vm: 'vm-1100', power_on: false });
  });

  it('reads the /rest {value: [{key, value}]} encoding', () => {
    const pairs = parseTaskMap(fixture('constructed.cis-tasks-list.rest-pairs.json'));
    expect([...pairs.keys()]).toEqual(['52a8f1c0-1d2e-4f3a-9b8c-7d6e5f4a3b2d:com.vmware.vcenter.vm']);
    expect(pairs.get('52a8f1c0-1d2e-4f3a-9b8c-7d6e5f4a3b2d:com.vmware.vcenter.vm')?.status).toBe('PENDING');
  });

  it('accepts an empty map and refuses what is no map at all', () => {
    expect(parseTaskMap({}).size).toBe(0);
    expect(parseTaskMap([]).size).toBe(0);
    expect(() => parseTaskMap('x')).toThrow(WireShapeError);
    expect(() => parseTaskMap(null)).toThrow(WireShapeError);
    expect(() => parseTaskMap({ 'a:b': 'not an object' })).toThrow(WireShapeError);
  });
});
