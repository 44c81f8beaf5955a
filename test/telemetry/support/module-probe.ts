/**
 * Run as a child process (`node --import tsx module-probe.ts off|on`): a gateway in front of the
 * Prism simulator, with tracing as asked, answers one list query; prints which OpenTelemetry
 * SDK modules the process loaded and the traceparent headers the backend received, as JSON.
 */
import { createRequire } from 'node:module';
import { simulator } from '../../../src/simulators/registry.js';
import { gql, startTestGateway } from '../../support/gateway.js';
import { startOtlpReceiver } from '../otlp-receiver.js';

const require = createRequire(import.meta.url);
const on = process.argv[2] === 'on';
const receiver = await startOtlpReceiver();
const sim = await simulator('prism')!({ spawnEveryMs: 0, initialTasks: 3 });
const gw = await startTestGateway([sim.backendConfig('pc')], on ? { telemetry: { tracing: { enabled: true, endpoint: receiver.endpoint } } } : {});
await gql(gw.url, '{ tasks(first: 2) { nodes { id } } }');
// prom-client loads @opentelemetry/api for exemplars whatever the config: the SDK's packages are what tracing adds.
const sdkModules = Object.keys(require.cache)
  .map((path) => /node_modules\/(@opentelemetry\/[^/]+)\//.exec(path)?.[1])
  .filter((name): name is string => Boolean(name) && name !== '@opentelemetry/api');
const traceparents = sim.server.recent().map((r) => r.headers.traceparent ?? null);
await gw.stop();
await sim.close();
await receiver.close();
process.stdout.write(JSON.stringify({ sdkModules: [...new Set(sdkModules)].sort(), traceparents }));
