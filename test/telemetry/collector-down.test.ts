/**
 * A collector that refuses the spans (HTTP 401: a wrong API key) costs the gateway nothing but
 * one warning: queries are answered, flush and stop resolve, and the collector's key appears
 * in no log line.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, setProcessLogger } from '../../src/server/plugins/logging.js';
import type { GatewayServer } from '../../src/server/http.js';
import { simulator, type RunningSimulator } from '../../src/simulators/registry.js';
import { activeTracing } from '../../src/telemetry/tracing.js';
import { gql, startTestGateway, waitFor } from '../support/gateway.js';
import { memoryLog } from '../support/memory-log.js';

const KEY = 'wrong-key-0c7e';

describe('a collector that refuses the spans', { timeout: 30_000 }, () => {
  const log = memoryLog();
  let collector: http.Server;
  let exports = 0;
  let sim: RunningSimulator;
  let gw: GatewayServer;

  beforeAll(async () => {
    setProcessLogger(
      createLogger({
        level: 'info',
        destination: log.stream,
      }),
    );
    collector = http.createServer((req, res) => {
      exports++;
      req.resume();
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":16,"message":"unauthenticated"}');
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;
    sim = await simulator('prism')!({ spawnEveryMs: 0, initialTasks: 3 });
    gw = await startTestGateway([sim.backendConfig('pc')], { telemetry: { tracing: { enabled: true, endpoint, headers: { 'x-api-key': KEY } } } });
  });

  afterAll(async () => {
    await sim?.close();
    await new Promise((resolve) => collector?.close(resolve));
    setProcessLogger(createLogger({ level: 'silent' }));
  });

  it('answers queries, warns once, and stops', async () => {
    for (let i = 0; i < 3; i++) {
      const { data, errors } = await gql(gw.url, `{ tasks(first: 2) { nodes { id } } }`);
      expect(errors).toBeUndefined();
      expect((data as any).tasks.nodes).toHaveLength(2);
      await activeTracing()!.flush();
    }
    await waitFor(() => exports >= 3, 'three refused exports');
    const warnings = log.parsed().filter((l) => l.msg.startsWith('trace export failed'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', endpoint: expect.stringMatching(/\/v1\/traces$/) });
    await gw.stop();
    expect(activeTracing()).toBeNull();
    expect(log.raw()).not.toContain(KEY);
  });
});
