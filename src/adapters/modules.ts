/**
 * The backend types taskgraph knows, one line each: adding a type is its folder
 * (src/adapters/<type>/, with its simulator in src/simulators/<type>/) plus one line here.
 * registry.ts reads this list; nothing else names a backend type.
 */
export { prismAdapter } from './prism/index.js';
export { vcdAdapter } from './vcd/index.js';
export { vsphereRestAdapter } from './vsphere-rest/index.js';
export { vsphereSoapAdapter } from './vsphere-soap/index.js';
export { proxmoxAdapter } from './proxmox/index.js';
