import { describe, expect, it } from 'vitest';
import { parseMoRef, toTaskFilterSpec } from './filter.js';

describe('parseMoRef', () => {
  it.each([
    ['vm-42', null, { type: 'VirtualMachine', value: 'vm-42' }],
    ['VirtualMachine:vm-42', null, { type: 'VirtualMachine', value: 'vm-42' }],
    ['host-7', null, { type: 'HostSystem', value: 'host-7' }],
    ['domain-c8', null, { type: 'ClusterComputeResource', value: 'domain-c8' }],
    ['group-d1', null, { type: 'Folder', value: 'group-d1' }],
    ['resgroup-v12', null, { type: 'VirtualApp', value: 'resgroup-v12' }],
    ['ha-host', 'HostSystem', { type: 'HostSystem', value: 'ha-host' }],
    ['mystery-1', null, undefined],
  ])('%s (type %s)', (id, type, expected) => {
    expect(parseMoRef(id, type)).toEqual(expected);
  });
});

describe('toTaskFilterSpec', () => {
  it('is an empty filter for an empty TaskFilter', () => {
    expect(toTaskFilterSpec({}, 'DESC')).toEqual({ spec: '<filter></filter>', empty: false });
  });

  it('bounds ASC pages from the keyset and keeps the tighter of two bounds', () => {
    const { spec } = toTaskFilterSpec({ createdAfter: new Date('2026-01-01T00:00:00Z') }, 'ASC', { time: Date.parse('2026-02-01T00:00:00Z'), nativeId: 'task-1' });
    expect(spec).toBe('<filter><time><timeType>queuedTime</timeType><beginTime>2026-02-01T00:00:00.000Z</beginTime></time></filter>');
    const desc = toTaskFilterSpec({ createdBefore: new Date('2026-01-01T00:00:00Z') }, 'DESC', { time: Date.parse('2026-02-01T00:00:00Z'), nativeId: 'task-1' });
    expect(desc.spec).toContain('<endTime>2026-01-01T00:00:00.000Z</endTime>');
  });

  it('drops the state pushdown for UNKNOWN, and answers empty for states vim never has or crossed bounds', () => {
    expect(toTaskFilterSpec({ statuses: ['FAILED', 'UNKNOWN'] }, 'DESC').spec).toBe('<filter></filter>');
    expect(toTaskFilterSpec({ statuses: ['BLOCKED', 'PENDING'] }, 'DESC').empty).toBe(true);
    expect(toTaskFilterSpec({ statuses: ['FAILED', 'CANCELED'] }, 'DESC').spec).toBe('<filter><state>error</state></filter>');
    expect(toTaskFilterSpec({ createdAfter: new Date(2000), createdBefore: new Date(1000) }, 'DESC').empty).toBe(true);
  });

  it('escapes what it sends and leaves out an entity of unknown type', () => {
    expect(toTaskFilterSpec({ parentId: 'task-<1>' }, 'DESC').spec).toBe('<filter><parentTaskKey>task-&lt;1&gt;</parentTaskKey></filter>');
    expect(toTaskFilterSpec({ entity: { nativeId: 'mystery-1' } }, 'DESC').spec).toBe('<filter></filter>');
  });
});
