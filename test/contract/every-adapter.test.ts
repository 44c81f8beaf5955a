/**
 * The adapter contract suite against every backend type of the registry, each through its own
 * simulator.
 */
import { adapterModules } from '../../src/adapters/registry.js';
import { describeAdapterContract } from './adapter-contract.js';

for (const module of adapterModules()) {
  const testing = await module.testing();
  describeAdapterContract(module.type, module.type, { subtasks: testing.subtasks });
}
