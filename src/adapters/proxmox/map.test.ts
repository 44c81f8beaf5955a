/**
 * Proxmox VE payloads (fixtures named after their source) narrowed and mapped, and the
 * status mapping case by case.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TASK_STATUSES } from '../../model/task.js';
import { mapStatus, stateOfExit, stateOfRecord, stateOfStatus, statusTypesFor, toTaskModel, type PveState } from './map.js';
import { describeTask, guestOf } from './task-types.js';
import { narrowEnvelope, narrowLog, narrowNodes, narrowTaskList, narrowTaskStatus, narrowTicket } from './wire.js';
import { decodeUpid } from './upid.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));

function records(name: string) {
  const envelope = narrowEnvelope(fixture(name));
  const list = narrowTaskList(envelope?.data);
  if (!list) throw new Error(`${name}: not a task list`);
  return { envelope: envelope!, list };
}

describe('how a task ended', () => {
  it.each<[string | undefined, PveState]>([
    ['OK', { kind: 'ok' }],
    ['WARNINGS: 3', { kind: 'warnings', count: 3 }],
    ['received interrupt', { kind: 'interrupted', exitstatus: 'received interrupt' }],
    ['interrupted by signal', { kind: 'interrupted', exitstatus: 'interrupted by signal' }],
    ['got interrupted by signal', { kind: 'interrupted', exitstatus: 'got interrupted by signal' }],
    ['unexpected status', { kind: 'error', exitstatus: 'unexpected status' }],
    ["command 'qemu-img' failed: exit code 1", { kind: 'error', exitstatus: "command 'qemu-img' failed: exit code 1" }],
    ['WARNINGS: many', { kind: 'error', exitstatus: 'WARNINGS: many' }],
    [undefined, { kind: 'ended' }],
  ])('%s', (exitstatus, state) => {
    expect(stateOfExit(exitstatus)).toEqual(state);
  });

  it('maps each state to our status, a stop this gateway asked for included', () => {
    const table = (['running', 'ok', 'warnings', 'interrupted', 'error', 'ended'] as const).map((kind) => {
      const state = { kind, count: 1, exitstatus: 'x' } as PveState;
      return [kind, mapStatus(state, false), mapStatus(state, true)];
    });
    expect(table).toEqual([
      ['running', 'RUNNING', 'CANCELING'],
      ['ok', 'SUCCEEDED', 'SUCCEEDED'],
      ['warnings', 'SUCCEEDED', 'SUCCEEDED'],
      ['interrupted', 'CANCELED', 'CANCELED'],
      ['error', 'FAILED', 'CANCELED'],
      ['ended', 'UNKNOWN', 'CANCELED'],
    ]);
  });

  it('finds every status under the statusfilter types its tasks have', () => {
    const byType = { running: ['unknown'], ok: ['ok'], warnings: ['warning'], interrupted: ['error'], error: ['error'], ended: ['unknown'] } as const;
    for (const kind of Object.keys(byType) as Array<keyof typeof byType>) {
      for (const requested of [false, true]) {
        const state = { kind, count: 1, exitstatus: 'x' } as PveState;
        expect(statusTypesFor(mapStatus(state, requested))).toEqual(expect.arrayContaining([...byType[kind]]));
      }
    }
    // A task that said `unexpected status` is FAILED and filed under unknown by Tasks.pm.
    expect(statusTypesFor('FAILED')).toContain('unknown');
    for (const s of TASK_STATUSES) expect(Array.isArray(statusTypesFor(s))).toBe(true);
  });
});

describe('list records', () => {
  it('maps the proxmoxer docs node list (source=all): a running backup and two finished tasks', () => {
    const { envelope, list } = records('proxmoxer-docs-node-tasks-source-all.json');
    expect(envelope.total).toBe(3);
    const models = list.map((r) => toTaskModel('pve', { upid: r.upid, parts: r.parts, state: stateOfRecord(r), endtime: r.endtime }, { cancelRequested: false }));
    expect(models.map((m) => [m.operation, m.status, m.nativeStatus, m.description])).toEqual([
      ['vzdump', 'RUNNING', 'running', 'VM/CT 103 - Backup'],
      ['aptupdate', 'SUCCEEDED', 'OK', 'Update package database'],
      ['vncshell', 'SUCCEEDED', 'OK', 'Shell'],
    ]);
    expect(models[0]).toMatchObject({
      backend: 'pve',
      backendType: 'proxmox',
      nativeId: 'UPID:example-node:000CFFFA:03E8EF53:619480BA:vzdump:103:root@pam:',
      tenant: 'example-node',
      isCancelable: true,
      cancelRequested: false,
      completedAt: null,
      progress: null,
      initiatedBy: { kind: 'USER', name: 'root@pam', nativeId: 'root@pam' },
      entitiesAffected: [{ backend: 'pve', nativeId: '103', type: null, name: null, href: null }],
      parentId: null,
      subtaskCount: 0,
    });
    expect(models[0]!.createdAt?.toISOString()).toBe('2021-11-17T04:10:34.000Z');
    expect(models[1]).toMatchObject({ progress: 100, isCancelable: false, entitiesAffected: [] });
    expect(models[1]!.completedAt?.toISOString()).toBe(new Date(1637122161 * 1000).toISOString());
  });

  it('maps the cluster list: running without status, a token\'s task, warnings, a failure, a stop, a lost end', () => {
    const { list } = records('constructed-cluster-tasks.json');
    const models = list.map((r) => toTaskModel('pve', { upid: r.upid, parts: r.parts, state: stateOfRecord(r), endtime: r.endtime }, { cancelRequested: false }));
    expect(models.map((m) => [m.operation, m.status, m.tenant])).toEqual([
      ['qmigrate', 'RUNNING', 'pve1'],
      ['vzdump', 'SUCCEEDED', 'pve1'],
      ['vzstart', 'FAILED', 'pve2'],
      ['qmshutdown', 'CANCELED', 'pve2'],
      ['qmclone', 'FAILED', 'pve3'],
    ]);
    expect(models[0]!.entitiesAffected).toEqual([{ backend: 'pve', nativeId: '101', type: 'qemu', name: null, href: null }]);
    // The UPID keeps the whole token id; the record splits it (user, tokenid).
    expect(models[1]!.initiatedBy).toEqual({ kind: 'USER', name: 'ops@pve!nightly', nativeId: 'ops@pve!nightly' });
    expect(models[1]!.warnings).toEqual([{ message: 'Task finished with 2 warning(s)', code: 'WARNINGS', severity: 'WARNING' }]);
    expect(models[2]!.errors).toEqual([{ message: "startup for container '205' failed", code: null, severity: 'ERROR' }]);
    expect(models[2]!.entitiesAffected[0]!.type).toBe('lxc');
    expect(models[3]).toMatchObject({ cancelRequested: true, errors: [{ message: 'received interrupt' }] });
    expect(models[4]!.nativeStatus).toBe('unexpected status');
  });

  it('refuses a list with a record that has no valid UPID, and reads digit strings as numbers', () => {
    expect(narrowTaskList([{ upid: 'UPID:pve:x' }])).toBeUndefined();
    expect(narrowTaskList({ upid: 'UPID:pve1:00000001:00000001:00000001:qmstart:100:root@pam:' })).toBeUndefined();
    const [record] = narrowTaskList([{ upid: 'UPID:pve1:00000001:00000001:00000001:qmstart:100:root@pam:', endtime: '1757362760', status: '' }])!;
    expect(record).toMatchObject({ endtime: 1757362760, status: undefined });
    expect(stateOfRecord(record!)).toEqual({ kind: 'ended' });
  });
});

describe('status, nodes, logs, tickets, errors', () => {
  it('maps a stopped status answer (proxmoxer docs), whose end time the status does not give', () => {
    const envelope = narrowEnvelope(fixture('proxmoxer-docs-task-status-stopped.json'))!;
    const status = narrowTaskStatus(envelope.data)!;
    expect(status).toEqual({ running: false, exitstatus: 'OK' });
    const upid = 'UPID:example-node:002E096A:0E10F08E:6382D261:vzcreate:123:root@pam:';
    const model = toTaskModel('pve', { upid, parts: decodeUpid(upid)!, state: stateOfStatus(status), endtime: undefined }, { cancelRequested: false });
    // The node is the UPID's: the path a task is read and stopped at.
    expect(model).toMatchObject({ status: 'SUCCEEDED', tenant: 'example-node', completedAt: null, entitiesAffected: [{ nativeId: '123', type: 'lxc' }] });
    expect(narrowTaskStatus({ status: 'paused' })).toBeUndefined();
  });

  it('reads the parameter error envelope', () => {
    expect(narrowEnvelope(fixture('constructed-param-error-no-such-task.json'))).toEqual({
      data: null,
      total: undefined,
      message: 'Parameter verification failed.',
      errors: { upid: 'no such task' },
    });
    expect(narrowEnvelope({ message: 'no data' })).toBeUndefined();
  });

  it('reads nodes, taking an unknown status as unknown', () => {
    expect(narrowNodes([{ node: 'pve1', status: 'online', cpu: 0.1 }, { node: 'pve2', status: 'offline' }, { node: 'pve3', status: 'maintenance' }])).toEqual([
      { node: 'pve1', status: 'online' },
      { node: 'pve2', status: 'offline' },
      { node: 'pve3', status: 'unknown' },
    ]);
    expect(narrowNodes([{ status: 'online' }])).toBeUndefined();
  });

  it('reads log lines and refuses other shapes', () => {
    expect(narrowLog([{ n: 1, t: 'TASK OK' }, { n: '2' }])).toEqual([{ n: 1, t: 'TASK OK' }, { n: 2, t: '' }]);
    expect(narrowLog([{ t: 'no number' }])).toBeUndefined();
    expect(narrowLog({ n: 1 })).toBeUndefined();
  });

  it('reads a ticket and notices a second factor', () => {
    const data = { ticket: 'PVE:root@pam:68BF3A41::c2ln', CSRFPreventionToken: '68BF3A41:c2ln', username: 'root@pam' };
    expect(narrowTicket(data)).toEqual({ ticket: data.ticket, csrfToken: data.CSRFPreventionToken, username: 'root@pam', needTfa: false });
    expect(narrowTicket({ ...data, NeedTFA: 1 })?.needTfa).toBe(true);
    expect(narrowTicket({ username: 'root@pam' })).toBeUndefined();
  });
});

describe('task types', () => {
  it('knows the guest kind where the type tells, and no guest where the id is none', () => {
    expect(guestOf('qmstart', '100')).toEqual({ vmid: '100', kind: 'qemu' });
    expect(guestOf('vzmigrate', '205')).toEqual({ vmid: '205', kind: 'lxc' });
    expect(guestOf('vzdump', '103')).toEqual({ vmid: '103', kind: null });
    expect(guestOf('someday-new-type', '104')).toEqual({ vmid: '104', kind: null });
    expect(guestOf('srvrestart', 'pveproxy')).toBeNull();
    expect(guestOf('download', '100')).toBeNull();
    expect(guestOf('vzdump', '')).toBeNull();
  });

  it('describes tasks as the PVE web UI does', () => {
    expect(describeTask('qmigrate', '101')).toBe('VM 101 - Migrate');
    expect(describeTask('vzdump', '')).toBe('Backup Job');
    expect(describeTask('hastart', '100')).toBe('HA 100 - Start');
    expect(describeTask('srvrestart', 'pveproxy')).toBe('SRV pveproxy - Restart');
    expect(describeTask('imgcopy', '')).toBe('Copy data');
    expect(describeTask('brandnew', 'x')).toBe('brandnew x');
  });
});
