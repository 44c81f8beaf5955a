/**
 * The `taskgraph` command. Names and flags are a contract with users: keep them stable.
 *   taskgraph serve --config taskgraph.yaml [--port N] [--log-level L]
 *   taskgraph check --config taskgraph.yaml [--timeout-ms N]
 *   taskgraph demo [--port N]
 *   taskgraph simulate <type> [--port N] [--host H] [--tls]   (a backend type of the registry)
 *   taskgraph schema [--federation] [--config taskgraph.yaml]
 */
import { parseArgs } from 'node:util';
import { printSchema } from 'graphql';
import { printSubgraphSchema } from '@apollo/subgraph';
import { simulator, simulatorNames } from '../simulators/registry.js';
import { ConfigError, loadConfig } from './config.js';
import { startDemo } from './demo.js';
import { startGateway } from './gateway.js';
import { runCheck } from './check.js';
import { createLogger, LOG_LEVELS, setProcessLogger, type LogLevel } from './plugins/logging.js';
import { buildSchema } from '../gateway/schema.js';
import { loadFederationConfig } from '../federation/load.js';
import { federationModules } from '../federation/schema.js';

const USAGE = `usage:
  taskgraph serve --config taskgraph.yaml [--port N] [--host H] [--log-level ${LOG_LEVELS.join('|')}]
  taskgraph check --config taskgraph.yaml [--timeout-ms N]
  taskgraph demo [--port N] [--host H] [--log-level L]
  taskgraph simulate <${simulatorNames().join('|')}> [--port N] [--host H]
  taskgraph schema [--federation] [--config taskgraph.yaml]`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function logLevelOf(value: string | undefined): LogLevel | undefined {
  if (value === undefined) return undefined;
  if (!(LOG_LEVELS as readonly string[]).includes(value)) fail(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  return value as LogLevel;
}

function portOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port: expected a number from 0 to 65535, got "${value}"`);
  return port;
}

/** Longest a graceful stop may take (the HTTP/WebSocket drain has 10 s of it). */
const SHUTDOWN_LIMIT_MS = 25_000;

/** Stops cleanly on SIGINT/SIGTERM; a second signal exits at once. */
function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) {
      process.stderr.write(`taskgraph: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`taskgraph: ${signal}, shutting down\n`);
    // Past the drain's grace period something hangs (a logout that never answers): go anyway.
    setTimeout(() => {
      process.stderr.write('taskgraph: shutdown took too long, exiting\n');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`taskgraph: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      'log-level': { type: 'string' },
      'timeout-ms': { type: 'string' },
      host: { type: 'string' },
      federation: { type: 'boolean' },
      tls: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = portOf(values.port);
  switch (command) {
    case 'serve': {
      if (!values.config) fail('serve: --config FILE is required\n' + USAGE);
      const config = loadConfig(values.config);
      setProcessLogger(createLogger({ level: logLevelOf(values['log-level']) ?? config.logging.level }));
      const gateway = await startGateway(config, { port, host: values.host });
      process.stdout.write(`taskgraph serving ${config.backends.length} backend(s) at ${gateway.url} (graphql-ws at ${gateway.wsUrl})\n`);
      onShutdown(() => gateway.stop());
      return;
    }
    case 'demo': {
      setProcessLogger(createLogger({ level: logLevelOf(values['log-level']) ?? 'info' }));
      const demo = await startDemo({ port: port ?? 4000, host: values.host });
      process.stdout.write(
        [
          `taskgraph demo: ${demo.simulators.map((s) => `${s.name} simulator at ${s.server.url}`).join(', ')}`,
          `GraphQL at ${demo.gateway.url} (subscriptions: ${demo.gateway.wsUrl})`,
          `try: curl -s ${demo.gateway.url} -H 'content-type: application/json' \\`,
          `       -d '{"query":"{ tasks(first: 5) { edges { node { backend operation status progress } } } }"}'`,
          '',
        ].join('\n'),
      );
      onShutdown(() => demo.stop());
      return;
    }
    case 'simulate': {
      const name = positionals[0];
      const start = name ? simulator(name) : undefined;
      if (!start) fail(`simulate: expected one of ${simulatorNames().join(', ')}${name ? `, got "${name}"` : ''}`);
      // --tls: https with a self-signed certificate; the config entry names its CA file.
      const sim = await start({ port: port ?? 0, host: values.host, spawnEveryMs: 3000, initialTasks: 25, tls: values.tls });
      process.stdout.write(`${sim.name} simulator at ${sim.server.url}\nconfig entry: ${JSON.stringify(sim.backendConfig(`${sim.name}-sim`))}\n`);
      onShutdown(() => sim.close());
      return;
    }
    case 'check': {
      if (!values.config) fail('check: --config FILE is required\n' + USAGE);
      const timeoutMs = values['timeout-ms'] === undefined ? undefined : Number(values['timeout-ms']);
      if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) fail(`--timeout-ms: expected a positive number, got "${values['timeout-ms']}"`);
      process.exit(await runCheck(values.config, process.stdout, { timeoutMs }));
    }
    case 'schema': {
      // With --config, the types generated from its `federation` section (no secrets needed).
      const schema = buildSchema({}, values.config ? federationModules(loadFederationConfig(values.config)) : []);
      process.stdout.write(values.federation ? printSubgraphSchema(schema) : printSchema(schema));
      process.stdout.write('\n');
      return;
    }
    default:
      fail(`unknown command "${command}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) fail(`taskgraph: invalid configuration\n${err.message}`);
  process.stderr.write(`taskgraph: ${(err as Error).message}\n`);
  process.exit(1);
});
