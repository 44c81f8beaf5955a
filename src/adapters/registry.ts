/**
 * The backend types taskgraph knows (modules.ts lists them, one line each). Everything else
 * (config, authorization dimensions, the sharing key, `taskgraph simulate`, the demo, the shared
 * test suites) iterates this registry.
 */
import type { AdapterModule, ScopeDimension } from './contract.js';
import * as modules from './modules.js';

/** In type order, so every listing (simulate, the demo, the test suites) is stable. */
const MODULES: readonly AdapterModule[] = (Object.values(modules) as AdapterModule[]).sort((a, b) => (a.type < b.type ? -1 : 1));

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
