/**
 * OpenTelemetry traces, off by default (config `telemetry.tracing`, docs/operations.md "Traces").
 *
 * With tracing off nothing of OpenTelemetry is loaded: every instrumentation point asks
 * `activeTracing()`, gets null, and does nothing more. With it on, `startTracing` loads the SDK
 * (sdk.ts, a dynamic import) and the instrumentation points get this facade: a span per GraphQL
 * operation (server-spans.ts), per adapter call and per upstream HTTP request, with the W3C
 * `traceparent` sent upstream (upstream-spans.ts), and per watcher poll.
 *
 * Tracing is process-wide, like OpenTelemetry's own context: the spans of one request find
 * their parent through the active context (AsyncLocalStorage), from the GraphQL operation down
 * to the HTTP request an adapter sends, and the transport and the watchers sit below the
 * adapter contract and the hub, which carry no tracing parameter. One traced gateway runs per
 * process.
 */
import type { RequestListener } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { ExecutionArgs } from 'graphql';
import type { OperationResult } from 'graphql-ws';
import type { Hooks } from 'got';
import type { Logger } from 'pino';
import type { TaskAdapter } from '../adapters/contract.js';
import type { GatewayContext } from '../gateway/context.js';
import type { CircuitSnapshot } from '../gateway/resilience/breaker.js';
import type { TracingConfig } from './config.js';

/** graphql-ws server options as far as tracing wraps them. */
export interface WsExecution {
  execute?: ((args: ExecutionArgs) => OperationResult) | undefined;
  subscribe?: ((args: ExecutionArgs) => OperationResult) | undefined;
}

/** What an upstream HTTP request looks like to its span (never the raw path: ids stay out). */
export interface HttpSpanStart {
  backend: string;
  method: string;
  /** The request's URL; only its origin and path template are recorded. */
  url: URL;
  /** What the request is for, e.g. "list tasks". */
  operation: string;
}

/** The span of one upstream HTTP request, retries included. */
export interface HttpSpan {
  /** The request's headers plus `traceparent` (and `tracestate`) of this span. */
  headers(base: Record<string, string> | undefined): Record<string, string>;
  /** got hooks of this request: each retry is an event on the span. */
  readonly hooks: Partial<Hooks>;
  /** The backend answered with `status` (any status: errors by status are the adapter's to judge). */
  answered(status: number): void;
  /** No answer: `error` is the transport's BackendError. */
  failed(error: unknown): void;
}

/** What a watcher poll found, for its span. */
export interface WatcherPollSummary {
  /** Tasks the poll read (running, recently created, and those that left the running set). */
  tasksSeen: number;
  /** Running tasks tracked after the poll. */
  tracked: number;
}

export interface Tracing {
  /** Wraps the HTTP server's listener: a span for each GraphQL request, made active for everything it causes. */
  traceRequests(listener: RequestListener): RequestListener;
  /** Names the request's span after its operation and records the operation's attributes and error codes. */
  readonly graphqlPlugin: ApolloServerPlugin<GatewayContext>;
  /** The same for an answer sent without Apollo's plugins (the known-operations path). */
  knownOperationAnswered(context: GatewayContext, operation: { type: string; name: string | null }): void;
  /** Wraps graphql-ws' execute and subscribe: a span for each operation over a WebSocket. */
  traceWebSocket<O extends WsExecution>(options: O): O;
  /** The adapter with a span around each call (guard included: bulkhead wait, circuit, budget). */
  traceAdapter(adapter: TaskAdapter, circuit: () => Pick<CircuitSnapshot, 'state'>): TaskAdapter;
  /** Starts the span of one upstream HTTP request, a child of the active span. */
  startHttpSpan(request: HttpSpanStart): HttpSpan;
  /** Runs one watcher poll in a span of its own (a new trace). */
  traceWatcherPoll(backend: string, phase: string, poll: () => Promise<WatcherPollSummary>): Promise<WatcherPollSummary>;
  /** The trace id of the active span, for log lines; undefined outside any sampled span. */
  activeTraceId(): string | undefined;
  /** Exports every finished span now. */
  flush(): Promise<void>;
  /** Exports what is left and stops; instrumentation points see no tracing afterwards. */
  shutdown(): Promise<void>;
}

let active: Tracing | null = null;

/** The process's tracing, or null while tracing is off (the common case: one branch, nothing more). */
export function activeTracing(): Tracing | null {
  return active;
}

/**
 * Starts tracing when the config enables it (null otherwise, with nothing loaded). Start it
 * before the adapters and the server are made: they ask `activeTracing()` as they are built.
 */
export async function startTracing(config: TracingConfig, logger: Logger): Promise<Tracing | null> {
  if (!config.enabled) return null;
  if (active) throw new Error('telemetry.tracing: tracing already runs in this process (one traced gateway per process)');
  const { createTracing } = await import('./sdk.js');
  // Instrumentation points see no tracing from the moment it shuts down.
  const tracing: Tracing = createTracing(config, logger, () => {
    if (active === tracing) active = null;
  });
  active = tracing;
  return tracing;
}
