/**
 * Starts a real gateway over HTTP in front of simulators, for integration tests.
 */
import { parseConfig } from '../../src/server/config.js';
import { startGateway } from '../../src/server/gateway.js';
import type { GatewayServer } from '../../src/server/http.js';

export interface GqlResult<T = Record<string, unknown>> {
  data?: T;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

/**
 * Whether the tests run with the fast path off (`TASKGRAPH_FAST_PATH=off`, the "fast path off"
 * project of vitest.config.ts). Only test support reads it; the gateway knows config
 * `server.fastPath` alone.
 */
export const fastPathOff = process.env.TASKGRAPH_FAST_PATH === 'off';

/** A test gateway's `server` config: loopback, port 0, the fast path as the environment says, then the test's own settings. */
export function testServerConfig(server: Record<string, unknown> = {}): Record<string, unknown> {
  return { host: '127.0.0.1', port: 0, ...(fastPathOff ? { fastPath: false } : {}), ...server };
}

/** A gateway from config, as the CLI starts one; `extra.server` adds to testServerConfig(). */
export async function startTestGateway(
  backends: Array<Record<string, unknown>>,
  extra: Record<string, unknown> = {},
): Promise<GatewayServer> {
  const { server, ...rest } = extra;
  return startGateway(parseConfig({ server: testServerConfig(server as Record<string, unknown> | undefined), backends, ...rest }));
}

/** POSTs a GraphQL operation and returns the parsed body (any HTTP status). */
export async function gql<T = any>(url: string, query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GqlResult<T>;
}

/** A manual clock for simulators. */
export function manualClock(start = Date.parse('2026-03-01T10:00:00.000Z')) {
  const clock = {
    now: start,
    advance(ms: number) {
      clock.now += ms;
    },
    fn: () => clock.now,
  };
  return clock;
}

/** Waits until `check` returns a truthy value, polling; fails with `what` after the deadline. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The value of one series (name and labels as printed) on a gateway's /metrics; 0 when absent. */
export async function metricValue(graphqlUrl: string, series: string): Promise<number> {
  const text = await (await fetch(graphqlUrl.replace('/graphql', '/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
