/**
 * `url.template` of upstream HTTP spans: the paths each adapter sends (as in
 * /work/shared/reference/wire-formats.md and the adapters' clients) keep their fixed segments
 * and versions, and lose every id.
 */
import { describe, expect, it } from 'vitest';
import { pathTemplate } from './path-template.js';

describe('pathTemplate', () => {
  it.each([
    // Cloud Director (XML API and cloudapi)
    ['/api/versions', '/api/versions'],
    ['/cloudapi/1.0.0/sessions', '/cloudapi/1.0.0/sessions'],
    ['/cloudapi/1.0.0/sessions/provider', '/cloudapi/1.0.0/sessions/provider'],
    ['/api/session', '/api/session'],
    ['/api/org/', '/api/org/'],
    ['/api/org/7b832bc5-4e0f-4a3c-9d1e-3c2b1a0f9e8d', '/api/org/{id}'],
    ['/api/query', '/api/query'],
    ['/api/task/8d47a40c-9cf1-4f20-9d98-13f3e71ae469', '/api/task/{id}'],
    ['/api/task/52ab9191-ba07-45d9-b7f8-8f701e926701/action/cancel', '/api/task/{id}/action/cancel'],
    ['/api/tasksList/7b832bc5-4e0f-4a3c-9d1e-3c2b1a0f9e8d', '/api/tasksList/{id}'],
    ['/api/vApp/vapp-b5f878a3-0000-4e4e-8a8a-1c2d3e4f5a6b', '/api/vApp/{id}'],
    // Prism Central v4
    ['/api/prism/v4.0/config/tasks', '/api/prism/v4.0/config/tasks'],
    ['/api/prism/v4.0.b1/config/tasks/ZXJnb24=:278bbfc2-280f-529b-882b-14ea649b9a95', '/api/prism/v4.0.b1/config/tasks/{id}'],
    ['/api/prism/v4.2/config/tasks/ZXJnb24=:278bbfc2-280f-529b-882b-14ea649b9a95/$actions/cancel', '/api/prism/v4.2/config/tasks/{id}/$actions/cancel'],
    ['/api/prism/unversioned/info', '/api/prism/unversioned/info'],
    // vSphere Automation REST and vim25 SOAP
    ['/api/cis/tasks', '/api/cis/tasks'],
    ['/api/cis/tasks/52d0ca33-6b22-4f0a-c5ab-7a1d8a4c5b7e:com.vmware.vcenter.vm', '/api/cis/tasks/{id}'],
    ['/api/vcenter/vm/vm-42', '/api/vcenter/vm/{id}'],
    ['/sdk', '/sdk'],
    // Encoded or bare-number ids, and long opaque tokens
    ['/api/task/urn%3Avcloud%3Atask%3Aabc', '/api/task/{id}'],
    ['/api/things/42', '/api/things/{id}'],
    ['/api/sessions/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV', '/api/sessions/{id}'],
  ])('%s -> %s', (path, template) => {
    expect(pathTemplate(path)).toBe(template);
  });
});
