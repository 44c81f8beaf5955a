import { describe, expect, it } from 'vitest';
import { vsphereRestAdapter } from './index.js';

const base = { name: 'vc1', type: 'vsphere-rest', url: 'https://vcenter.example.com', username: 'svc@vsphere.local', password: 'pw' };

describe('vsphere-rest config', () => {
  it('accepts services as ids and provider groups, and leaves them optional', () => {
    const parsed = vsphereRestAdapter.configSchema.parse({
      ...base,
      services: ['com.vmware.vcenter.vm', ['com.vmware.esx.settings.clusters.software', 'com.vmware.esx.settings.clusters.configuration']],
    });
    expect(parsed.services).toHaveLength(2);
    expect(vsphereRestAdapter.configSchema.parse(base).services).toBeUndefined();
  });

  it('names what is wrong: a bad service id, an empty list, an unknown field', () => {
    expect(vsphereRestAdapter.configSchema.safeParse({ ...base, services: ['Not A Service'] }).success).toBe(false);
    expect(vsphereRestAdapter.configSchema.safeParse({ ...base, services: [] }).success).toBe(false);
    expect(vsphereRestAdapter.configSchema.safeParse({ ...base, service: ['com.vmware.vcenter.vm'] }).success).toBe(false);
  });

  it('requires a username and a password when created', () => {
    const { username: _u, ...noUser } = base;
    expect(() => vsphereRestAdapter.create(vsphereRestAdapter.configSchema.parse(noUser))).toThrow(/username/);
    const { password: _p, ...noPassword } = base;
    expect(() => vsphereRestAdapter.create(vsphereRestAdapter.configSchema.parse(noPassword))).toThrow(/password/);
  });
});
