import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planListCalls, splitOperation } from './filter.js';
import { DEFAULT_SERVICES, serviceGroups } from './services.js';

const docRequest = JSON.parse(readFileSync(new URL('./__fixtures__/broadcom-doc.cis-tasks-list.request.json', import.meta.url), 'utf8')) as {
  filter_spec: Record<string, unknown>;
};
const groups = [['com.vmware.vcenter.vm'], ['com.vmware.esx.settings.clusters.software', 'com.vmware.esx.settings.clusters.configuration']];

describe('vsphere-rest filter pushdown', () => {
  it('sends one call per service group, with nothing else when the filter is empty', () => {
    expect(planListCalls({}, groups)).toEqual([
      { services: ['com.vmware.vcenter.vm'] },
      { services: ['com.vmware.esx.settings.clusters.software', 'com.vmware.esx.settings.clusters.configuration'] },
    ]);
  });

  it('uses only the FilterSpec field names of the DOC request', () => {
    const specs = planListCalls({ statuses: ['RUNNING'], entity: { nativeId: 'vm-1', type: 'VirtualMachine' }, operations: ['com.vmware.vcenter.vm.clone$task'] }, groups);
    const allowed = Object.keys(docRequest.filter_spec);
    for (const spec of specs) for (const key of Object.keys(spec)) expect(allowed).toContain(key);
  });

  it('maps model statuses to native ones; CANCELED reads FAILED; unmatchable statuses send nothing', () => {
    expect(planListCalls({ statuses: ['CANCELED', 'FAILED', 'PENDING'] }, groups)[0]?.status).toEqual(['FAILED', 'PENDING']);
    expect(planListCalls({ statuses: ['QUEUED', 'CANCELING', 'SUSPENDED'] }, groups)).toEqual([]);
    // UNKNOWN means "any status vAPI may add": it cannot be pushed down.
    expect(planListCalls({ statuses: ['UNKNOWN', 'RUNNING'] }, groups)[0]).toEqual({ services: ['com.vmware.vcenter.vm'] });
  });

  it('pushes an entity as a target only when its type is known', () => {
    expect(planListCalls({ entity: { nativeId: 'domain-c9', type: 'ClusterComputeResource' } }, groups)[0]?.targets).toEqual([{ type: 'ClusterComputeResource', id: 'domain-c9' }]);
    expect(planListCalls({ entity: { nativeId: 'domain-c9' } }, groups)[0]?.targets).toBeUndefined();
  });

  it('turns operations into service + operation calls, beyond the configured services too', () => {
    const specs = planListCalls(
      { operations: ['com.vmware.esx.settings.clusters.software.apply$task', 'com.vmware.esx.settings.clusters.software.scan$task', 'com.vmware.appliance.update.stage$task', 'nodots'] },
      groups,
    );
    expect(specs).toEqual([
      { services: ['com.vmware.esx.settings.clusters.software'], operations: ['apply$task', 'scan$task'] },
      { services: ['com.vmware.appliance.update'], operations: ['stage$task'] },
    ]);
    expect(planListCalls({ operations: ['nodots'] }, groups)).toEqual([]);
  });

  it('splits an operation at the longest known service', () => {
    expect(splitOperation('com.vmware.esx.settings.clusters.software.apply$task', ['com.vmware.esx.settings.clusters', 'com.vmware.esx.settings.clusters.software'])).toEqual({
      service: 'com.vmware.esx.settings.clusters.software',
      operation: 'apply$task',
    });
    expect(splitOperation('com.vmware.vcenter.vm.clone.step1', ['com.vmware.vcenter.vm'])).toEqual({ service: 'com.vmware.vcenter.vm', operation: 'clone.step1' });
    expect(splitOperation('a.b', [])).toEqual({ service: 'a', operation: 'b' });
    expect(splitOperation('trailing.', [])).toBeNull();
  });

  it('defaults to the documented service list, each in its own call', () => {
    expect(serviceGroups(undefined)).toEqual(DEFAULT_SERVICES.map((s) => [s]));
    expect(serviceGroups(['a.b', ['c.d', 'e.f']])).toEqual([['a.b'], ['c.d', 'e.f']]);
  });
});
