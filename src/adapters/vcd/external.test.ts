import { describe, expect, it } from 'vitest';
import { BackendError } from '../errors.js';
import { parseXml } from '../xml.js';
import { checkServiceNamespace, createBody, renderBody, updateBody } from './external.js';
import { narrowTask } from './wire.js';
import type { CreateTaskRequest } from '../contract.js';

const request: CreateTaskRequest = {
  operation: 'backupVapp',
  description: 'Backing up vApp web-1',
  serviceNamespace: 'com.example.backup',
  owner: { nativeId: 'https://vcd.example.com/api/vApp/vapp-1', type: 'vApp', name: 'web-1' },
  status: 'RUNNING',
  progress: 10,
  details: 'Copying <disks> & "metadata"',
  cancelable: false,
  parentId: null,
};
const context = { orgHref: 'https://vcd.example.com/api/org/o1', org: 'acme', userHref: 'https://vcd.example.com/api/admin/user/u1', username: 'acme-admin' };

describe('vCD external task bodies', () => {
  it('checks serviceNamespace: 1-128 characters, not com.vmware.vcloud*', () => {
    expect(checkServiceNamespace('vcd1', 'com.example')).toBe('com.example');
    for (const bad of [null, '', 'x'.repeat(129), 'com.vmware.vcloud', 'com.vmware.vcloud.backup', 'COM.VMWARE.VCLOUD.X']) {
      expect(() => checkServiceNamespace('vcd1', bad)).toThrow(BackendError);
    }
    try {
      checkServiceNamespace('vcd1', 'com.vmware.vcloud.x');
    } catch (err) {
      expect((err as BackendError).code).toBe('BAD_USER_INPUT');
      expect((err as Error).message).toMatch(/must not start with com\.vmware\.vcloud/);
    }
  });

  it('builds the body in pyvcloud Task.update child order, escaped', () => {
    const xml = renderBody({ ...createBody('vcd1', request, context), errorMessage: 'disk <full>' });
    const root = parseXml(xml);
    expect(root.ns).toBe('http://www.vmware.com/vcloud/v1.5');
    expect(root.attrs).toEqual({
      status: 'running',
      serviceNamespace: 'com.example.backup',
      type: 'application/vnd.vmware.vcloud.task+xml',
      operation: 'Backing up vApp web-1',
      operationName: 'backupVapp',
      name: 'task',
    });
    expect(root.children.map((c) => c.name)).toEqual(['Owner', 'Error', 'User', 'Progress', 'Details']);
    expect(root.children[0]!.attrs).toEqual({ href: 'https://vcd.example.com/api/vApp/vapp-1', name: 'web-1', type: 'application/vnd.vmware.vcloud.vApp+xml' });
    expect(root.children[1]!.attrs).toEqual({ stackTrace: '', majorErrorCode: '500', message: 'disk <full>', minorErrorCode: 'INTERNAL_SERVER_ERROR' });
    expect(root.children[4]!.text).toBe('Copying <disks> & "metadata"');
  });

  it('defaults the owner to the org, omits Error and Progress when absent', () => {
    const body = createBody('vcd1', { ...request, owner: null, progress: null }, context);
    const root = parseXml(renderBody(body));
    expect(root.children.map((c) => c.name)).toEqual(['Owner', 'User', 'Details']);
    expect(root.children[0]!.attrs.type).toBe('application/vnd.vmware.vcloud.org+xml');
  });

  it('refuses what vCD cannot take', () => {
    expect(() => createBody('vcd1', { ...request, status: 'BLOCKED' }, context)).toThrow(/cannot be set to BLOCKED/);
    expect(() => createBody('vcd1', { ...request, parentId: 'urn:vcloud:task:1' }, context)).toThrow(/parent/);
    expect(() => createBody('vcd1', { ...request, owner: { nativeId: 'vm-1', type: null, name: null } }, context)).toThrow(/href/);
  });

  it('merges an update into the current task (PUT replaces the whole task)', () => {
    const current = narrowTask(
      parseXml(
        '<Task status="running" serviceNamespace="com.example" operation="Working" operationName="job" href="https://x/api/task/8d47a40c-9cf1-4f20-9d98-13f3e71ae469">' +
          '<Owner href="https://x/api/vApp/vapp-1" name="web" type="application/vnd.vmware.vcloud.vApp+xml"/><User href="https://x/api/admin/user/u" name="u"/>' +
          '<Progress>40</Progress><Details>half</Details></Task>',
      ),
    )!;
    const body = updateBody('vcd1', { nativeId: 'urn:vcloud:task:8d47a40c-9cf1-4f20-9d98-13f3e71ae469', status: 'FAILED', errorMessage: 'boom' }, current);
    expect(body).toMatchObject({ status: 'error', operation: 'Working', operationName: 'job', progress: 40, details: 'half', errorMessage: 'boom' });
    const system = { ...current, serviceNamespace: 'com.vmware.vcloud' };
    expect(() => updateBody('vcd1', { nativeId: 'x' }, system)).toThrow(/system task/);
  });
});
