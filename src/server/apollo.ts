/**
 * Apollo Server as the gateway runs it: masked errors, CSRF prevention, the parser's token
 * limit, batching only when `limits.maxBatch` allows it, and the server's plugins. Every
 * Apollo plugin of the gateway is registered here, in `plugins`, in the order they run.
 */
import type http from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { FastPath } from '../fast-path/index.js';
import type { GatewayContext } from '../gateway/context.js';
import type { ServerSecurity } from '../security/options.js';
import { limitsPlugin, type OperationVerdict } from './plugins/limits.js';
import type { Logger } from './plugins/logging.js';
import { requestLogPlugin } from './plugins/logging.js';
import { httpSubscriptionsPlugin } from './plugins/http-subscriptions.js';
import { formatError } from './plugins/mask-errors.js';
import type { GatewayMetrics } from './plugins/metrics.js';
import { partialErrorsPlugin } from './plugins/partial-errors.js';
import { variablesPlugin } from './plugins/variables.js';
import { activeTracing } from '../telemetry/tracing.js';

export interface ApolloOptions {
  schema: GraphQLSchema;
  /** Its executor and plugins; null: Apollo executes `schema` with graphql-js. */
  fastPath: Pick<FastPath, 'gateway' | 'plugins'> | null;
  httpServer: http.Server;
  /** In-flight requests get this long on stop before their connections are cut. */
  graceMs: number;
  security: ServerSecurity;
  verdictOf: OperationVerdict;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Apollo's drain phase on stop: closes the WebSockets. */
  drain(): Promise<void>;
}

/** A started Apollo Server. */
export async function startApollo(options: ApolloOptions): Promise<ApolloServer<GatewayContext>> {
  const { security } = options;
  // OpenTelemetry spans per operation (src/telemetry); null while tracing is off.
  const tracing = activeTracing();
  const plugins: Array<ApolloServerPlugin<GatewayContext>> = [
    ApolloServerPluginDrainHttpServer({ httpServer: options.httpServer, stopGracePeriodMillis: options.graceMs }),
    ApolloServerPluginLandingPageDisabled(),
    ApolloServerPluginInlineTraceDisabled(),
    // No cache hints are used; without it no plugin wraps every field resolver (docs/performance.md, "What was changed").
    ApolloServerPluginCacheControlDisabled(),
    httpSubscriptionsPlugin(),
    limitsPlugin(options.verdictOf),
    variablesPlugin(),
    partialErrorsPlugin(),
    // After partialErrorsPlugin, so both see the errors it adds.
    options.metrics.plugin,
    requestLogPlugin(options.logger),
    ...(tracing ? [tracing.graphqlPlugin] : []),
    ...(options.fastPath?.plugins ?? []),
    {
      async serverWillStart() {
        return {
          async drainServer() {
            await options.drain();
          },
        };
      },
    },
  ];
  const { fastPath } = options;
  const apollo = new ApolloServer<GatewayContext>({
    ...(fastPath ? { gateway: fastPath.gateway } : { schema: options.schema }),
    formatError,
    includeStacktraceInErrorResponses: false,
    // limitsPlugin decides on introspection (limits.introspection), for HTTP and WebSocket alike.
    introspection: true,
    csrfPrevention: true,
    parseOptions: { maxTokens: security.limits.maxTokens },
    allowBatchedHttpRequests: security.limits.maxBatch > 1,
    // The CLI owns SIGINT/SIGTERM (graceful shutdown of the whole gateway); Apollo's own
    // handlers would race it and leave stop() waiting forever.
    stopOnTerminationSignals: false,
    plugins,
  });
  await apollo.start();
  return apollo;
}
