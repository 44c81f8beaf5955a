/**
 * The backend types taskgraph knows. Adding a backend type is one line here plus its folder.
 */
import type { AdapterModule } from './contract.js';
import { prismAdapter } from './prism/index.js';
import { vcdAdapter } from './vcd/index.js';
import { vsphereRestAdapter } from './vsphere-rest/index.js';
import { vsphereSoapAdapter } from './vsphere-soap/index.js';

const MODULES: AdapterModule[] = [prismAdapter as AdapterModule, vsphereRestAdapter as AdapterModule, vsphereSoapAdapter as AdapterModule, vcdAdapter as AdapterModule];

export function adapterModule(type: string): AdapterModule | undefined {
  return MODULES.find((m) => m.type === type);
}

export function adapterTypes(): string[] {
  return MODULES.map((m) => m.type);
}
