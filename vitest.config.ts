import { defineConfig } from 'vitest/config';

/**
 * Two projects, both run by `npm test`:
 * - "all": every test, with the fast path on (the default config);
 * - "fast-path-off": the tests that go through a gateway, again with `server.fastPath: false`
 *   (test support reads TASKGRAPH_FAST_PATH=off; the gateway itself reads no environment).
 *   Left out: tests of the fast path itself, which start the gateways they compare, or test
 *   sharing, which is off with it; tests of the command line; and two slow tests covered
 *   elsewhere: the bystander's latency budget under attack (the refusals it times happen
 *   before Apollo on both paths, which security/limits.test.ts checks; the budget is the fast
 *   path's, docs/performance.md "The fast path") and the Redis failover (graphql-ws' own
 *   delivery: subscriptions/each-backend and the corpus).
 * `npx vitest run --project fast-path-off <files>` runs one file with the fast path off.
 */
const FAST_PATH_TESTS = ['test/server/known-operations.test.ts', 'test/server/query-sharing.test.ts', 'test/server/fast-path-corpus.test.ts', 'test/security/sharing-scope-leak.test.ts'];
const COMMAND_LINE_TESTS = ['test/server/check.test.ts', 'test/server/cli-logging.test.ts', 'test/federation/config.test.ts'];
const COVERED_ELSEWHERE = ['test/security/bystander.test.ts', 'test/subscriptions/redis-failover.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Integration tests start real HTTP servers on port 0; files run in parallel on 2 cores.
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'all', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'fast-path-off',
          include: [
            'test/server/**/*.test.ts',
            'test/security/**/*.test.ts',
            'test/gateway/**/*.test.ts',
            'test/federation/**/*.test.ts',
            'test/subscriptions/**/*.test.ts',
            'test/e2e/**/*.test.ts',
            'test/reliability/hostile-payloads.test.ts',
            'test/reliability/partial-results.test.ts',
            'test/history/gateway.test.ts',
            'test/history/tenant-isolation.test.ts',
            'test/proxmox/nodes.test.ts',
            'test/telemetry/traces.test.ts',
          ],
          exclude: [...FAST_PATH_TESTS, ...COMMAND_LINE_TESTS, ...COVERED_ELSEWHERE],
          env: { TASKGRAPH_FAST_PATH: 'off' },
        },
      },
    ],
  },
});
