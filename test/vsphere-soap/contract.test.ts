import { describeAdapterContract } from '../contract/adapter-contract.js';

describeAdapterContract('vsphere-soap', 'vsphere-soap');
