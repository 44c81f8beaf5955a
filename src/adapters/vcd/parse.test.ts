/**
 * Parsing and mapping on payloads shaped like real vCD ones (see each fixture's header for its
 * source), not on the simulator's output.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseXml } from '../xml.js';
import { mapStatus, recordToModel, taskToModel } from './map.js';
import { narrowError, narrowQueryPage, narrowSession, narrowTask, narrowVersions } from './wire.js';
import { chooseVersion } from './session.js';

const fixture = (name: string) => parseXml(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));
const task = (name: string) => {
  const wire = narrowTask(fixture(name));
  if (!wire) throw new Error(`${name} did not narrow`);
  return taskToModel('vcd1', wire);
};

describe('vCD Task parsing', () => {
  it('reads the GET-Task doc example (running, cancel link, offsets)', () => {
    const t = task('doc-get-task-running-36.0.xml');
    expect(t).toMatchObject({
      nativeId: 'urn:vcloud:task:8d47a40c-9cf1-4f20-9d98-13f3e71ae469',
      operation: 'systemUpdateAmqpTruststore',
      description: 'Updating AMQP truststore Organization (a93c9db9-7471-3192-8d09-a8f7eeda85f9)',
      status: 'RUNNING',
      nativeStatus: 'running',
      isCancelable: true,
      cancelRequested: false,
      progress: null,
      initiatedBy: null,
      tenant: null,
      embeddedSubtasks: [],
      errors: [],
    });
    expect(t.createdAt?.toISOString()).toBe('2013-04-01T08:17:51.600Z');
    expect(t.startedAt?.toISOString()).toBe('2013-04-01T08:17:51.600Z');
    expect(t.expiresAt?.toISOString()).toBe('2013-06-30T08:17:51.600Z');
    expect(t.completedAt).toBeNull();
  });

  it('reads the CAPTURED failed external task, and its stackTrace never reaches the model', () => {
    const wire = narrowTask(fixture('captured-failed-external-task.xml'))!;
    expect(JSON.stringify(wire)).not.toContain('stackTrace');
    const t = taskToModel('vcd1', wire);
    expect(t).toMatchObject({
      nativeId: 'urn:vcloud:task:de88f868-8402-4a66-aa7b-18a45223d640',
      operation: 'jobCustom',
      status: 'FAILED',
      progress: 20,
      progressMessage: 'The task is still in progress.',
      tenant: 'Default',
      isCancelable: false,
      initiatedBy: { kind: 'USER', name: 'user', nativeId: 'https://vcloud.example.com/api/admin/user/007a5dfd-...' },
      errors: [{ message: 'The task is still in progress.', code: 'INTERNAL_SERVER_ERROR', severity: 'ERROR' }],
      entitiesAffected: [
        { backend: 'vcd1', nativeId: 'https://vcloud.example.com/api/admin/org/7b832bc5-...', type: 'organization', name: 'Default', href: 'https://vcloud.example.com/api/admin/org/7b832bc5-...' },
      ],
    });
    expect(wire.links.map((l) => l.rel)).toEqual(['edit']);
    expect(wire.serviceNamespace).toBe('ServiceNamespace');
    expect(t.completedAt?.toISOString()).toBe('2013-02-14T11:12:08.617Z');
  });

  it('reads the CAPTURED embedded <Tasks> example: queued, no Progress, empty Details, elided ids', () => {
    const root = fixture('captured-embedded-tasks.xml');
    const [only] = root.children.filter((c) => c.name === 'Task').map((el) => narrowTask(el)!);
    const t = taskToModel('vcd1', only!);
    expect(t).toMatchObject({
      nativeId: 'urn:vcloud:task:0600f592-...',
      operation: 'networkCreateOrgVdcNetwork',
      status: 'QUEUED',
      progress: null,
      progressMessage: null,
      startedAt: null,
      tenant: 'System',
      initiatedBy: { name: 'administrator' },
      entitiesAffected: [{ type: 'network', name: 'Test_network-...' }],
    });
    expect(t.createdAt?.toISOString()).toBe('2017-09-15T09:00:39.865Z');
  });

  it('reads vcloud:-prefixed elements, TenantError, unknown elements and attributes', () => {
    const t = task('constructed-system-task-error-prefixed.xml');
    expect(t.status).toBe('FAILED');
    expect(t.operation).toBe('vdcUpdateStorageProfiles');
    expect(t.errors).toEqual([
      { message: 'The storage profile *Gold* is in use.', code: 'BAD_REQUEST', severity: 'ERROR' },
      { message: 'A storage profile is in use.', code: 'BAD_REQUEST', severity: 'ERROR' },
    ]);
    expect(JSON.stringify(t)).not.toContain('BadRequestException');
    expect(t.entitiesAffected[0]).toMatchObject({ type: 'vdc', name: 'Default VDC' });
    expect(t.progressMessage).toBe('The storage profile *Gold* is in use.');
  });

  it('reads postRunning with cancelRequested, nested subtasks, Params, VcTaskList and Result', () => {
    const t = task('constructed-postrunning-with-subtasks-and-vctasks.xml');
    expect(t.status).toBe('CANCELING');
    expect(mapStatus('postRunning', false)).toBe('RUNNING');
    expect(t.description).toBe('Starting Virtual Application web-7(4a9f0c2e-5b1d-4e3f-8a6c-7d2e1f0a9b8c)');
    expect(t.subtaskCount).toBe(2);
    expect(t.embeddedSubtasks!.map((s) => [s.operation, s.status, s.parentId, s.rootId, s.progress])).toEqual([
      ['vappPowerOn', 'QUEUED', t.nativeId, t.nativeId, null],
      ['vdcCopyTemplate', 'SUCCEEDED', t.nativeId, t.nativeId, 100],
    ]);
    expect(t.embeddedSubtasks![0]!.entitiesAffected[0]!.type).toBe('vm');
    expect(t.relatedTasks).toEqual([
      { backend: null, nativeId: 'task-4711', systemId: '5f1c3b6e-0d2a-4c8e-9b7a-2e4d6f8a0c1e', nativeStatus: 'success', description: 'Power On virtual machine' },
    ]);
    expect(t.result).toBe('vapp-4a9f0c2e-5b1d-4e3f-8a6c-7d2e1f0a9b8c');
    expect(t.completionDetails).toEqual([
      { name: 'param:PowerOn', value: 'true' },
      { name: 'param:DeploymentLeaseSeconds', value: '86400' },
      { name: 'resultType', value: 'xs:string' },
    ]);
    expect(t.progressMessage).toBe('Waiting for guest customization');
  });

  it('tolerates a real success with progress 0, no name and Owner ids (terraform vcd_task sample)', () => {
    const t = task('constructed-task-from-terraform-vcd-task-sample.xml');
    expect(t).toMatchObject({ status: 'SUCCEEDED', progress: 0, tenant: 'datacloud', operation: 'catalogCreateCatalog' });
    expect(t.initiatedBy).toEqual({ kind: 'USER', name: 'administrator', nativeId: 'urn:vcloud:user:cb5df7fb-34c4-4ce1-99e2-f0094458c486' });
    expect(t.entitiesAffected[0]!.nativeId).toBe('https://example.com/api/admin/catalog/919e800b-088b-40ea-813c-5458b55829e7');
  });

  it('maps every status, and keeps an unknown one as nativeStatus', () => {
    const cases: Array<[string, boolean, string]> = [
      ['queued', false, 'QUEUED'],
      ['preRunning', false, 'PENDING'],
      ['running', false, 'RUNNING'],
      ['postRunning', false, 'RUNNING'],
      ['running', true, 'CANCELING'],
      ['success', false, 'SUCCEEDED'],
      ['error', false, 'FAILED'],
      ['canceled', false, 'CANCELED'],
      ['aborted', true, 'CANCELED'],
      ['RUNNING', false, 'RUNNING'],
      ['paused', false, 'UNKNOWN'],
    ];
    for (const [status, cancel, expected] of cases) expect(mapStatus(status, cancel), status).toBe(expected);
    const el = parseXml('<Task xmlns="http://www.vmware.com/vcloud/v1.5" status="suspendedByAdmin" href="https://x/api/task/8d47a40c-9cf1-4f20-9d98-13f3e71ae469"/>');
    expect(taskToModel('vcd1', narrowTask(el)!)).toMatchObject({ status: 'UNKNOWN', nativeStatus: 'suspendedByAdmin' });
  });

  it('refuses what is not an addressable Task', () => {
    expect(narrowTask(parseXml('<Task status="running"/>'))).toBeUndefined();
    expect(narrowTask(parseXml('<Error message="x" majorErrorCode="500" minorErrorCode="X"/>'))).toBeUndefined();
  });
});

describe('vCD query records', () => {
  it('reads TaskRecords with missing optional attributes, and the nextPage link', () => {
    const page = narrowQueryPage(fixture('constructed-query-records-task.xml'))!;
    expect(page).toMatchObject({ name: 'task', page: 1, pageSize: 2, total: 3 });
    expect(page.links.find((l) => l.rel === 'nextPage')?.href).toBe('https://vcd.example.com/api/query?type=task&page=2&pageSize=2&format=records');
    const [first, bare, failed] = page.records.map((r) => recordToModel('vcd1', r));
    expect(first).toMatchObject({
      nativeId: 'urn:vcloud:task:3f20ec16-3780-43ca-840a-0e2b727b24a4',
      operation: 'vdcInstantiateVapp',
      status: 'RUNNING',
      progress: 1,
      tenant: 'acme',
      initiatedBy: { kind: 'USER', name: 'user1', nativeId: null },
      entitiesAffected: [{ nativeId: 'https://vcd.example.com/api/vApp/vapp-b5f878a3-0c1d-4e2f-8a3b-4c5d6e7f8a9b', type: 'vApp', name: 'web' }],
      embeddedSubtasks: null,
      parentId: null,
    });
    expect(bare).toMatchObject({ nativeId: 'urn:vcloud:task:7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f', status: 'UNKNOWN', nativeStatus: '', createdAt: null });
    expect(failed!.errors).toEqual([{ message: 'Unable to start vApp web.', code: null, severity: 'ERROR' }]);
    expect(failed!.completedAt?.toISOString()).toBe('2015-12-28T18:00:05.000Z');
  });

  it('reads vcloud:-prefixed AdminTaskRecords (owner href, no message)', () => {
    const page = narrowQueryPage(fixture('constructed-query-records-admintask-prefixed.xml'))!;
    expect(page.links.some((l) => l.rel === 'nextPage')).toBe(false);
    expect(page.records[0]!.kind).toBe('AdminTaskRecord');
    expect(recordToModel('vcd1', page.records[0]!)).toMatchObject({
      status: 'RUNNING',
      nativeStatus: 'postRunning',
      tenant: 'globex',
      initiatedBy: { name: 'globex-admin', nativeId: 'https://vcd.example.com/api/admin/user/6f7a8b9c-0d1e-4f2a-8b3c-4d5e6f7a8b9c' },
      entitiesAffected: [{ type: 'catalog', name: 'c1' }],
    });
  });

  it('calls a page with records of another type malformed', () => {
    const root = parseXml('<QueryResultRecords total="1"><VAppRecord href="https://x/api/vApp/vapp-1" name="web"/></QueryResultRecords>');
    expect(narrowQueryPage(root)).toBeUndefined();
  });
});

describe('vCD versions, session and errors', () => {
  it('picks the highest non-deprecated version taskgraph speaks, or the pin', () => {
    const versions = narrowVersions(fixture('constructed-supported-versions.xml'))!;
    expect(versions.map((v) => [v.version, v.deprecated])).toEqual([
      ['32.0', true],
      ['36.0', false],
      ['38.1', false],
      ['40.0', false],
      ['37.0', false],
    ]);
    expect(chooseVersion('vcd1', versions, undefined).version).toBe('38.1');
    expect(chooseVersion('vcd1', versions, '32.0').version).toBe('32.0');
    expect(() => chooseVersion('vcd1', versions, '31.0')).toThrow(/apiVersion 31.0 is not offered/);
    expect(() => chooseVersion('vcd1', [{ version: '40.0', deprecated: false }], undefined)).toThrow(/no API version in common/);
  });

  it('reads the legacy Session (org link, userId)', () => {
    const s = narrowSession(fixture('doc-session-5.5.xml'))!;
    expect(s).toMatchObject({ org: 'System', user: 'vcloud', userId: 'urn:vcloud:user:44fd8b5e-6b5f-4c4d-8e8c-0a9c4d1e2f3a' });
    expect(s.links.find((l) => l.name === 'System')?.href).toBe('https://vcloud.example.com/api/org/a93c9db9-7471-3192-8d09-a8f7eeda85f9');
  });

  it('reads a top-level Error body', () => {
    expect(narrowError(fixture('jclouds-live-error-403-no-access.xml'))).toEqual({
      message: 'No access to entity "(com.vmware.vcloud.entity.task:8d47a40c-9cf1-4f20-9d98-13f3e71ae469)".',
      majorErrorCode: '403',
      minorErrorCode: 'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
      vendorSpecificErrorCode: undefined,
      tenantMessage: undefined,
    });
  });
});
