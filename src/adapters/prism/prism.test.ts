import { describeAdapterContract } from '../../../test/contract/adapter-contract.js';

describeAdapterContract('prism', 'prism');
