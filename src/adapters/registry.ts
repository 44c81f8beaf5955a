/**
 * The backend types taskgraph knows: adding one is its folder (src/adapters/<type>/ with its
 * simulator in src/simulators/<type>/) plus one line in MODULES. Everything else (config,
 * authorization dimensions, the sharing key, `taskgraph simulate`, the demo, the shared test
 * suites) iterates this list.
 */
import type { AdapterModule, ScopeDimension } from './contract.js';
import { prismAdapter } from './prism/index.js';
import { vcdAdapter } from './vcd/index.js';
import { vsphereRestAdapter } from './vsphere-rest/index.js';
import { vsphereSoapAdapter } from './vsphere-soap/index.js';

const MODULES: readonly AdapterModule[] = [
  prismAdapter as AdapterModule,
  vsphereRestAdapter as AdapterModule,
  vsphereSoapAdapter as AdapterModule,
  vcdAdapter as AdapterModule,
];

export function adapterModule(type: string): AdapterModule | undefined {
  return MODULES.find((m) => m.type === type);
}

export function adapterModules(): readonly AdapterModule[] {
  return MODULES;
}

export function adapterTypes(): string[] {
  return MODULES.map((m) => m.type);
}

/** Every authorization dimension of every backend type, sorted by name (names are unique). */
export function scopeDimensions(): readonly ScopeDimension[] {
  return DIMENSIONS;
}

const DIMENSIONS: readonly ScopeDimension[] = (() => {
  const all = MODULES.flatMap((m) => m.scope);
  const names = all.map((d) => d.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`two backend types declare the scope dimension ${twice}`);
  return [...all].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
})();
