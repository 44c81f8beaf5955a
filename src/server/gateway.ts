/**
 * Wires a validated config into a running gateway: adapters, backend set, schema, server.
 */
import { createBackendSet } from '../gateway/backends.js';
import { buildSchema } from '../gateway/schema.js';
import { ConfigError, type Config } from './config.js';
import { startGatewayServer, type GatewayServer } from './http.js';

export async function startGateway(config: Config, overrides: { port?: number; host?: string } = {}): Promise<GatewayServer> {
  const entries = config.backends.map(({ module, config: backend }) => {
    try {
      return { adapter: module.create(backend), knownAs: backend.knownAs };
    } catch (err) {
      throw new ConfigError(`backends (${backend.name}): ${(err as Error).message}`);
    }
  });
  const backends = createBackendSet(entries);
  return startGatewayServer({
    schema: buildSchema(),
    backends,
    host: overrides.host ?? config.server.host,
    port: overrides.port ?? config.server.port,
    subscriptions: config.subscriptions,
  });
}
