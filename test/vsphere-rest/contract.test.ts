import { describeAdapterContract } from '../contract/adapter-contract.js';

describeAdapterContract('vsphere-rest', 'vsphere-rest');
