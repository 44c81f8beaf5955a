import { describe, expect, it } from 'vitest';
import { planList, withKeyset } from './filter.js';

describe('TaskFilter -> node task list parameters', () => {
  it('pushes one type, one guest, the time bounds (seconds, inclusive) and the statuses', () => {
    const plan = planList({
      operations: ['qmigrate'],
      entity: { nativeId: '101' },
      statuses: ['FAILED'],
      createdAfter: new Date('2026-03-01T10:00:00.500Z'),
      createdBefore: new Date('2026-03-01T11:00:00.000Z'),
    });
    expect(plan).toMatchObject({ empty: false, runningOnly: false, exact: false });
    expect(plan.params).toEqual({ typefilter: 'qmigrate', vmid: '101', statusfilter: 'error,unknown', since: 1772359201, until: 1772362799 });
  });

  it('is exact without a status filter, a guest type or several types', () => {
    expect(planList({ operations: ['vzdump'], entity: { nativeId: '100' } }).exact).toBe(true);
    expect(planList({ operations: ['vzdump', 'qmstart'] })).toMatchObject({ exact: false, params: {} });
    expect(planList({ entity: { nativeId: '100', type: 'qemu' } })).toMatchObject({ exact: false, params: { vmid: '100' } });
    expect(planList({ statuses: ['SUCCEEDED', 'FAILED', 'RUNNING'] })).toMatchObject({ exact: false, params: {} });
  });

  it('answers running-only lists from the cluster list', () => {
    expect(planList({ statuses: ['RUNNING', 'CANCELING', 'QUEUED'] }).runningOnly).toBe(true);
    expect(planList({ statuses: ['RUNNING', 'UNKNOWN'] }).runningOnly).toBe(false);
    expect(planList({}).runningOnly).toBe(false);
  });

  it('knows what cannot match: parents, statuses Proxmox has not, guests that are no vmid, empty windows', () => {
    expect(planList({ parentId: 'UPID:x' }).empty).toBe(true);
    expect(planList({ parentIds: [] }).empty).toBe(true);
    expect(planList({ statuses: ['QUEUED', 'SUSPENDED'] }).empty).toBe(true);
    expect(planList({ entity: { nativeId: 'vm-42' } }).empty).toBe(true);
    expect(planList({ entity: { nativeId: '100' }, entities: [{ nativeId: '101' }] }).empty).toBe(true);
    expect(planList({ scope: [{ dimension: 'proxmoxNodes', field: 'tenant', values: [] }] }).empty).toBe(true);
    expect(planList({ createdAfter: new Date(2000), createdBefore: new Date(1500) }).empty).toBe(true);
  });

  it('restricts nodes to the granted ones (a task\'s tenant is its node)', () => {
    expect([...planList({ scope: [{ dimension: 'proxmoxNodes', field: 'tenant', values: ['pve2'] }] }).nodes!]).toEqual(['pve2']);
  });

  it('pushes the keyset position as the start second, ties included', () => {
    const after = { time: Date.parse('2026-03-01T10:00:05.000Z'), nativeId: 'UPID:pve1:...' };
    expect(withKeyset({ until: 1772359999 }, 'DESC', after)).toEqual({ until: 1772359205 });
    expect(withKeyset({}, 'ASC', { ...after, time: after.time + 1 })).toEqual({ since: 1772359206 });
    expect(withKeyset({ since: 5 }, 'ASC', undefined)).toEqual({ since: 5 });
  });
});
