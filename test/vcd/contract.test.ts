import { describeAdapterContract } from '../contract/adapter-contract.js';

describeAdapterContract('vcd', 'vcd');
