/**
 * A page one part of a backend failed to give (TaskPage.partialErrors: a cluster node that is
 * down): the answer holds the tasks the other parts gave, and the part's error next to them,
 * naming the backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskAdapter } from '../../src/adapters/contract.js';
import { BackendError } from '../../src/adapters/errors.js';
import { createBackendSet } from '../../src/gateway/backends.js';
import { buildSchema } from '../../src/gateway/schema.js';
import { startGatewayServer, type GatewayServer } from '../../src/server/http.js';
import { task } from '../reliability/support/memory-adapter.js';
import { gql } from '../support/gateway.js';

describe('a backend that answers a page with a part missing', () => {
  let gw: GatewayServer;

  beforeAll(async () => {
    const adapter: TaskAdapter = {
      name: 'mem',
      type: 'vsphere-soap',
      capabilities: { batchGet: true, maxBatchSize: 100, pushChanges: false, cancel: false, externalTasks: false, totalCount: false },
      listTasks: async () => ({
        tasks: [task('t1', 'RUNNING')],
        hasMore: false,
        totalCount: null,
        partialErrors: [new BackendError('BACKEND_UNAVAILABLE', 'mem', 'mem: node n2: list tasks failed: ECONNREFUSED')],
      }),
      getTasks: async (ids) => ids.map(() => null),
      close: async () => {},
    };
    gw = await startGatewayServer({ schema: buildSchema(), backends: createBackendSet([{ adapter }]) });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('answers the other parts\' tasks with the part\'s error, naming the backend', async () => {
    const res: any = await gql(gw.url, '{ tasks(first: 10) { nodes { nativeId } } }');
    expect(res.data.tasks.nodes).toEqual([{ nativeId: 't1' }]);
    expect(res.errors).toHaveLength(1);
    expect(res.errors[0].message).toContain('node n2');
    expect(res.errors[0].extensions).toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'mem' });
  });
});
