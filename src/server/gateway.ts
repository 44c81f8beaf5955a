/**
 * Wires a validated config into a running gateway: adapters, backend set, schema, server.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createBackendSet } from '../gateway/backends.js';
import { createRedisEngine } from '../subscriptions/redis.js';
import { buildSchema } from '../gateway/schema.js';
import { federationModules } from '../federation/schema.js';
import { ConfigError, type Config } from './config.js';
import { securityFromConfig } from '../security/options.js';
import { startGatewayServer, type GatewayServer } from './http.js';
import { createHistory } from '../history/service.js';
import { historyResolvers } from '../history/resolvers.js';
import { startTracing } from '../telemetry/tracing.js';
import { getProcessLogger } from './plugins/logging.js';

export async function startGateway(config: Config, overrides: { port?: number; host?: string } = {}): Promise<GatewayServer> {
  // First: a missing key file fails before any backend is logged in to.
  const security = securityFromConfig(config);
  // Before the adapters and the server: they are instrumented as they are made.
  const tracing = await startTracing(config.telemetry.tracing, getProcessLogger());
  const entries = config.backends.map(({ module, config: backend }) => {
    try {
      return { adapter: module.create(backend, { shareInFlight: config.server.shareInFlight }), knownAs: backend.knownAs, resilience: backend };
    } catch (err) {
      void tracing?.shutdown();
      throw new ConfigError(`backends (${backend.name}): ${(err as Error).message}`);
    }
  });
  const backends = createBackendSet(entries);
  const redis = config.redis
    ? createRedisEngine({ ...config.redis, replicaId: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}` })
    : undefined;
  const history = config.history ? createHistory(config.history, { backends, logger: getProcessLogger() }) : null;
  try {
    const server = await startGatewayServer({
      schema: buildSchema(historyResolvers(history?.store ?? null), federationModules(config.federation)),
      backends,
      host: overrides.host ?? config.server.host,
      port: overrides.port ?? config.server.port,
      fastPath: config.server.fastPath,
      knownOperations: config.server.knownOperations,
      shareInFlight: config.server.shareInFlight,
      sse: config.server.sse,
      subscriptions: { ...config.subscriptions, ...(redis ? { bus: redis.bus, leases: redis.leases, storeFor: redis.store } : {}) },
      cleanup: async () => {
        await history?.close();
        await redis?.close();
        // Last: the spans of the shutdown itself (the backends' logouts) are exported too.
        await tracing?.shutdown();
      },
      registerMetrics: history?.registerMetrics,
      security,
    });
    if (!history) return server;
    history.start(server.hub);
    // The history's own polls stop before the backends log out (server.stop closes them).
    return {
      ...server,
      stop: async () => {
        await history.stopBackground();
        await server.stop();
      },
    };
  } catch (err) {
    await history?.close();
    await redis?.close();
    await backends.close();
    await tracing?.shutdown();
    throw err;
  }
}
