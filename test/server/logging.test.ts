/**
 * Structured logs: one JSON line per GraphQL request carrying the request id that also went
 * upstream (NTNX-Request-Id) and comes back as X-Request-Id; levels; no secret in any line,
 * even at trace level with a backend refusing a wrong password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, ConfigError } from '../../src/server/config.js';
import type { GatewayServer } from '../../src/server/http.js';
import { createLogger, setProcessLogger } from '../../src/server/plugins/logging.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { gql, startTestGateway, waitFor } from '../support/gateway.js';
import { memoryLog } from '../support/memory-log.js';

const WRONG_PASSWORD = 'Wr0ng-Log-Passw0rd!';
const QUERY = 'query RecentTasks { tasks(first: 3) { nodes { id status } } }';

interface LogLine {
  level: string;
  msg: string;
  requestId?: string;
  [key: string]: unknown;
}


async function post(url: string, query: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  return { res, body: (await res.json()) as { data?: any; errors?: any[] } };
}

describe('request logs', () => {
  const log = memoryLog();
  let sim: PrismSimulator;
  let gw: GatewayServer;
  let password: string;

  beforeAll(async () => {
    // Servers take the process logger when none is passed (the CLI sets it the same way).
    setProcessLogger(createLogger({ level: 'trace', destination: log.stream }));
    sim = await startPrismSimulator({ initialTasks: 5, seed: 41 });
    password = String(sim.backendConfig('x').password);
    gw = await startTestGateway([sim.backendConfig('pc'), { ...sim.backendConfig('pc-locked'), password: WRONG_PASSWORD }]);
  });
  afterAll(async () => {
    await gw?.stop();
    await sim?.close();
    setProcessLogger(createLogger({ level: 'silent' }));
  });

  it('writes one line per request with the caller request id, echoes it, and sends it upstream', async () => {
    const id = 'ops-trace-0001';
    sim.server.resetCounts();
    const { res } = await post(gw.url, QUERY, { 'x-request-id': id });
    expect(res.headers.get('x-request-id')).toBe(id);
    const line = await waitFor(() => log.parsed<LogLine>().find((l) => l.msg === 'graphql request' && l.requestId === id), 'the request line');
    expect(line).toMatchObject({ level: 'warn', service: 'taskgraph', principal: 'anonymous', operationName: 'RecentTasks', operationType: 'query', status: 200 });
    expect(typeof line.durationMs).toBe('number');
    expect(log.parsed<LogLine>().filter((l) => l.msg === 'graphql request' && l.requestId === id)).toHaveLength(1);
    // pc-locked refused the login: named with its code, no secret.
    expect(line.errors).toEqual([expect.objectContaining({ code: 'BACKEND_UNAVAILABLE', backend: 'pc-locked' })]);
    const upstream = sim.server.recent().filter((r) => r.path.includes('/tasks'));
    expect(upstream.length).toBeGreaterThan(0);
    expect(upstream.every((r) => r.headers['ntnx-request-id'] === id)).toBe(true);
    // Upstream calls are logged at debug/info with the same id.
    expect(log.parsed<LogLine>().filter((l) => l.requestId === id && l.msg.startsWith('upstream call')).map((l) => l.backend).sort()).toEqual(['pc', 'pc-locked']);
  });

  it('creates a request id when the caller sends none (or an unsafe one)', async () => {
    const { res } = await post(gw.url, '{ backends { name } }', { 'x-request-id': 'bad id with spaces; and a "quote"' });
    const id = res.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = await waitFor(() => log.parsed<LogLine>().find((l) => l.msg === 'graphql request' && l.requestId === id), 'the line');
    expect(line.level).toBe('info');
    expect(line.operationType).toBe('query');
  });

  it('never logs a password, even at trace level and after a refused login', async () => {
    await post(gw.url, `mutation { cancelTask(id: "VGFzazpwYzp4") { error { code } } }`);
    await post(gw.url, QUERY);
    const text = log.raw();
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(WRONG_PASSWORD);
    expect(text).not.toContain(password);
    expect(text).not.toContain(Buffer.from(`admin:${password}`).toString('base64'));
    expect(text).not.toContain(Buffer.from(`admin:${WRONG_PASSWORD}`).toString('base64'));
    for (const line of log.parsed<LogLine>()) expect(line).not.toHaveProperty('variables');
  });

  it('redacts credential-named keys as a last line of defence', () => {
    const mem = memoryLog();
    createLogger({ level: 'info', destination: mem.stream }).info({ password: 'p1', backend: { apiKey: 'k1', headers: { authorization: 'Basic x' } } }, 'oops');
    expect(mem.raw()).not.toMatch(/p1|k1|Basic x/);
    expect(mem.parsed<LogLine>()[0]).toMatchObject({ password: '[redacted]', backend: { apiKey: '[redacted]', headers: { authorization: '[redacted]' } } });
  });
});

describe('log levels', () => {
  it('a warn-level logger drops successful request lines and keeps failures', async () => {
    const log = memoryLog();
    setProcessLogger(createLogger({ level: 'warn', destination: log.stream }));
    const sim = await startPrismSimulator({ initialTasks: 2, seed: 42 });
    const gw = await startTestGateway([sim.backendConfig('pc')]);
    try {
      await post(gw.url, QUERY);
      await post(gw.url, '{ nosuchfield }');
      await waitFor(() => log.parsed<LogLine>().some((l) => l.msg === 'graphql request'), 'the failed request line');
      const lines = log.parsed<LogLine>().filter((l) => l.msg === 'graphql request');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'warn', errors: [expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' })] });
      expect(log.parsed<LogLine>().some((l) => l.msg === 'upstream call')).toBe(false);
    } finally {
      await gw.stop();
      await sim.close();
      setProcessLogger(createLogger({ level: 'silent' }));
    }
  });

  it('reads `logging.level` from the config and names a bad one', () => {
    const backends = [{ name: 'pc', type: 'prism', url: 'https://pc.example.com:9440', username: 'admin', password: 'x' }];
    expect(parseConfig({ backends }).logging).toEqual({ level: 'info' });
    expect(parseConfig({ backends, logging: { level: 'debug' } }).logging).toEqual({ level: 'debug' });
    expect(() => parseConfig({ backends, logging: { level: 'chatty' } })).toThrow(ConfigError);
    expect(() => parseConfig({ backends, logging: { level: 'chatty' } })).toThrow(/logging\.level/);
  });
});
