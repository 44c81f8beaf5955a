/**
 * How tests run the `taskgraph` command: the TypeScript sources through tsx, in one process as
 * bin/taskgraph.js runs dist/ (signals reach the server directly). Tests exercise the code of
 * the checkout, whether or not dist/ was rebuilt since it changed; test/cli/built.test.ts
 * covers bin/taskgraph.js itself.
 */
const CLI_SOURCE = new URL('../../src/server/cli.ts', import.meta.url).pathname;

/** Arguments for `process.execPath` that run `taskgraph <args>`. */
export function cliArgs(...args: string[]): string[] {
  return ['--import', 'tsx', CLI_SOURCE, ...args];
}
