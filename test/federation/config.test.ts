/**
 * The `federation:` config section: validation messages that name the field, the key mapping
 * in both directions, the generated SDL, and `taskgraph schema --federation --config`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printSubgraphSchema } from '@apollo/subgraph';
import { describe, expect, it } from 'vitest';
import { parseFederation, type FederationConfig } from '../../src/federation/config.js';
import { entityKeysFor, foreignKeyOf } from '../../src/federation/mapping.js';
import { federationModules, federationSdl } from '../../src/federation/schema.js';
import { buildSchema } from '../../src/gateway/schema.js';
import { ConfigError, parseConfig } from '../../src/server/config.js';
import { cliArgs } from '../support/cli.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** The mapping the docs describe: vim morefs prefixed with the vCenter, Prism extIds, vCD URNs. */
const VM_MAPPING = {
  entities: [
    {
      type: 'VirtualMachine',
      key: 'id',
      resolve: [
        { backend: 'vc1', pattern: '^vc1:(?<id>vm-\\d+)$', entityType: 'VirtualMachine', reverse: { key: 'vc1:{nativeId}' } },
        { backend: 'pc1', pattern: `^(?<id>${UUID})$`, reverse: { types: ['vmm:ahv:vm', 'vmm:ahv:config:vm'], key: '{nativeId}' } },
        {
          backend: 'vcd1',
          pattern: `^urn:vcloud:vm:(?<uuid>${UUID})$`,
          nativeId: 'https://vcd.example.com/api/vApp/vm-{uuid}',
          entityType: 'vm',
          reverse: { pattern: `/vApp/vm-(?<uuid>${UUID})$`, key: 'urn:vcloud:vm:{uuid}' },
        },
      ],
    },
  ],
};

function parsed(raw: unknown, backends = ['vc1', 'pc1', 'vcd1']): FederationConfig {
  const result = parseFederation(raw, backends);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.value;
}

function errorsOf(raw: unknown, backends = ['vc1', 'pc1', 'vcd1']): string {
  const result = parseFederation(raw, backends);
  if (result.ok) throw new Error('expected errors');
  return result.errors.join('\n');
}

const rule = { backend: 'vc1', pattern: '^(?<id>vm-\\d+)$' };

describe('federation config', () => {
  it('is optional and defaults the key, its type and the field names', () => {
    expect(parsed(undefined)).toEqual({ entities: [] });
    const [vm] = parsed(VM_MAPPING).entities;
    expect(vm).toMatchObject({ type: 'VirtualMachine', key: 'id', keyType: 'ID', tasksField: 'tasks', referenceField: 'virtualMachine' });
    expect(vm!.rules).toHaveLength(3);
    expect(parsed({ entities: [{ type: 'VM', resolve: [rule] }] }).entities[0]!.referenceField).toBeNull();
    expect(parsed({ entities: [{ type: 'HTTPServer', resolve: [{ ...rule, reverse: { key: '{nativeId}' } }] }] }).entities[0]!.referenceField).toBe('httpServer');
  });

  it('names the field of every mistake', () => {
    expect(errorsOf({ entities: [{ type: 'VirtualMachine', resolve: [{ ...rule, backend: 'pc9' }] }] })).toBe(
      'federation.entities[0] (VirtualMachine).resolve[0].backend: no backend named "pc9"; configured: vc1, pc1, vcd1',
    );
    expect(errorsOf({ entities: [{ type: 'VirtualMachine', resolve: [{ ...rule, pattern: '^(vm-' }] }] })).toMatch(
      /^federation\.entities\[0\] \(VirtualMachine\)\.resolve\[0\]\.pattern: not a valid regular expression/,
    );
    expect(errorsOf({ entities: [{ type: 'VirtualMachine', resolve: [{ ...rule, pattern: '^vm-\\d+$' }] }] })).toBe(
      'federation.entities[0] (VirtualMachine).resolve[0].pattern: needs a named group for {id} of nativeId "{id}"; write (?<id>...)',
    );
    expect(errorsOf({ entities: [{ type: 'VirtualMachine', resolve: [{ ...rule, reverse: { key: 'vc1:{moref}' } }] }] })).toBe(
      'federation.entities[0] (VirtualMachine).resolve[0].reverse.key: {moref} is not {nativeId} nor a named group of reverse.pattern',
    );
    expect(errorsOf({ entities: [{ type: 'Task', resolve: [rule] }] })).toContain(
      'federation.entities[0] (Task).type: "Task" is a type of taskgraph\'s own schema',
    );
    expect(errorsOf({ entities: [{ type: 'VM', referenceField: 'nativeId', resolve: [{ ...rule, reverse: { key: '{nativeId}' } }] }] })).toContain(
      'federation.entities[0] (VM).referenceField: EntityReference already has a field "nativeId"',
    );
    expect(errorsOf({ entities: [{ type: 'VM', resolve: [rule] }, { type: 'VM', resolve: [rule] }] })).toContain('federation.entities[1] (VM).type: "VM" is configured twice');
    expect(errorsOf({ entities: [{ type: 'Virtual Machine', resolve: [rule] }] })).toContain('federation.entities[0].type: a GraphQL name');
    expect(errorsOf({ entities: [{ type: 'VM', resolve: [{ ...rule, patern: 'x' }] }] })).toContain('federation.entities[0].resolve[0]');
    expect(errorsOf({ entities: [{ type: 'VM', resolve: [] }] })).toBe('federation.entities[0].resolve: list at least one rule');
  });

  it('is checked with the rest of the config, against its backend names', () => {
    const prism = { name: 'pc1', type: 'prism', url: 'https://pc.example.com:9440', username: 'admin', password: 'pw' };
    expect(parseConfig({ backends: [prism] }).federation).toEqual({ entities: [] });
    const ok = parseConfig({ backends: [prism], federation: { entities: [{ type: 'VM', resolve: [{ backend: 'pc1', pattern: '^(?<id>.+)$' }] }] } });
    expect(ok.federation.entities[0]!.rules[0]!.backend).toBe('pc1');
    expect(() => parseConfig({ backends: [prism], federation: { entities: [{ type: 'VM', resolve: [rule] }] } })).toThrow(ConfigError);
    expect(() => parseConfig({ backends: [prism], federation: { entities: [{ type: 'VM', resolve: [rule] }] } })).toThrow(
      'federation.entities[0] (VM).resolve[0].backend: no backend named "vc1"; configured: pc1',
    );
  });
});

describe('key mapping', () => {
  const vm = parsed(VM_MAPPING).entities[0]!;

  it('maps a foreign key to the entities of every rule that matches', () => {
    expect(entityKeysFor(vm, 'vc1:vm-42')).toEqual([{ backend: 'vc1', nativeId: 'vm-42', type: 'VirtualMachine' }]);
    const extId = 'aaaaaaaa-0000-4000-8000-00000000002a';
    expect(entityKeysFor(vm, extId)).toEqual([{ backend: 'pc1', nativeId: extId, type: null }]);
    expect(entityKeysFor(vm, `urn:vcloud:vm:${extId}`)).toEqual([{ backend: 'vcd1', nativeId: `https://vcd.example.com/api/vApp/vm-${extId}`, type: 'vm' }]);
    expect(entityKeysFor(vm, 'vc2:vm-42')).toEqual([]);
    expect(entityKeysFor(vm, 'vc1:vm-42x')).toEqual([]);
  });

  it('queries every backend an ambiguous id may live on, once each', () => {
    const two = parsed(
      { entities: [{ type: 'VM', resolve: [{ backend: 'pc1', pattern: '^(?<id>.+)$' }, { backend: 'pc2', pattern: '^(?<id>.+)$' }, { backend: 'pc1', pattern: '^(?<id>.+)$' }] }] },
      ['pc1', 'pc2'],
    ).entities[0]!;
    expect(entityKeysFor(two, 'x').map((k) => k.backend)).toEqual(['pc1', 'pc2']);
  });

  it('maps an entity reference back to the foreign key, by backend, type and native id', () => {
    expect(foreignKeyOf(vm, { backend: 'vc1', nativeId: 'vm-42', type: 'VirtualMachine' })).toBe('vc1:vm-42');
    expect(foreignKeyOf(vm, { backend: 'vc1', nativeId: 'host-7', type: 'HostSystem' })).toBeNull();
    const extId = 'aaaaaaaa-0000-4000-8000-00000000002a';
    expect(foreignKeyOf(vm, { backend: 'pc1', nativeId: extId, type: 'vmm:ahv:vm' })).toBe(extId);
    expect(foreignKeyOf(vm, { backend: 'pc1', nativeId: extId, type: 'vmm:content:image' })).toBeNull();
    expect(foreignKeyOf(vm, { backend: 'vcd1', nativeId: `https://vcd.example.com/api/vApp/vm-${extId}`, type: 'vm' })).toBe(`urn:vcloud:vm:${extId}`);
    expect(foreignKeyOf(vm, { backend: 'vcd1', nativeId: `https://vcd.example.com/api/vApp/vapp-${extId}`, type: 'vm' })).toBeNull();
    expect(foreignKeyOf(vm, { backend: 'vc2', nativeId: 'vm-42', type: 'VirtualMachine' })).toBeNull();
  });
});

describe('generated SDL', () => {
  const config = parsed(VM_MAPPING);

  it('declares the entity with its key and tasks, and the way back from EntityReference', () => {
    const sdl = federationSdl(config);
    expect(sdl).toContain('type VirtualMachine @key(fields: "id") {\n  id: ID!\n');
    expect(sdl).toContain('  tasks(filter: TaskFilter, first: Int = 50, after: String): TaskConnection!\n}');
    expect(sdl).toContain('extend type EntityReference {');
    expect(sdl).toContain('  virtualMachine: VirtualMachine\n}');
    expect(federationSdl({ entities: [] })).toBe('');
    expect(federationModules({ entities: [] })).toEqual([]);
  });

  it('is part of the printed subgraph schema', () => {
    const printed = printSubgraphSchema(buildSchema({}, federationModules(config)));
    expect(printed).toMatch(/type VirtualMachine\s+@key\(fields: "id"\)\s+\{\s+id: ID!/);
    expect(printed).toContain('virtualMachine: VirtualMachine');
    expect(printed).toContain('type Task implements Node');
  });

  it('is printed by `taskgraph schema --federation --config FILE`, without backend secrets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-fed-'));
    const file = join(dir, 'taskgraph.yaml');
    writeFileSync(
      file,
      [
        'backends:',
        '  - { name: vc1, type: vsphere-soap, url: "${VC_URL}", username: u, password: "${VC_PASSWORD}" }',
        'federation:',
        '  entities:',
        '    - type: VirtualMachine',
        '      resolve:',
        "        - { backend: vc1, pattern: '^vc1:(?<id>vm-\\d+)$', reverse: { key: 'vc1:{nativeId}' } }",
        '',
      ].join('\n'),
    );
    const env = { ...process.env, VC_URL: '', VC_PASSWORD: '' };
    const out = spawnSync(process.execPath, cliArgs('schema', '--federation', '--config', file), { encoding: 'utf8', timeout: 30_000, env });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/type VirtualMachine\s+@key\(fields: "id"\)/);
    expect(out.stdout).toContain('virtualMachine: VirtualMachine');

    writeFileSync(file, 'backends: [{ name: vc1 }]\nfederation:\n  entities: [{ type: VirtualMachine, resolve: [{ backend: vc9, pattern: "^(?<id>.+)$" }] }]\n');
    const bad = spawnSync(process.execPath, cliArgs('schema', '--federation', '--config', file), { encoding: 'utf8', timeout: 30_000, env });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('federation.entities[0] (VirtualMachine).resolve[0].backend: no backend named "vc9"; configured: vc1');
  });
});
