/**
 * Attribute names of taskgraph's spans. OpenTelemetry's semantic conventions where one fits
 * (https://opentelemetry.io/docs/specs/semconv/: http, url, server, error, graphql), and
 * `taskgraph.*` for the rest. Values are bounded and never secret: no query text, variables,
 * raw upstream paths (ids), credentials or headers.
 */
export const ATTR = {
  httpMethod: 'http.request.method',
  httpStatus: 'http.response.status_code',
  httpResendCount: 'http.request.resend_count',
  urlPath: 'url.path',
  urlScheme: 'url.scheme',
  urlTemplate: 'url.template',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  errorType: 'error.type',
  operationType: 'graphql.operation.type',
  operationName: 'graphql.operation.name',

  requestId: 'taskgraph.request_id',
  principal: 'taskgraph.principal',
  transport: 'taskgraph.transport',
  knownOperation: 'taskgraph.known_operation',
  errorCodes: 'taskgraph.graphql.error_codes',
  backend: 'taskgraph.backend.name',
  backendType: 'taskgraph.backend.type',
  upstreamOperation: 'taskgraph.upstream.operation',
  upstreamOutcome: 'taskgraph.upstream.outcome',
  circuitState: 'taskgraph.circuit.state',
  limit: 'taskgraph.upstream.limit',
  tasks: 'taskgraph.upstream.tasks',
  ids: 'taskgraph.upstream.ids',
  itemsFailed: 'taskgraph.upstream.items_failed',
  httpOperation: 'taskgraph.http.operation',
  watcherPhase: 'taskgraph.watcher.phase',
  watcherSeen: 'taskgraph.watcher.tasks_seen',
  watcherTracked: 'taskgraph.watcher.tracked',
} as const;
