/**
 * Prometheus metrics at /metrics (prom-client), one registry per server so several gateways
 * in one process (tests) do not share counters.
 *
 * Labels carry only bounded values: the operation type (query, mutation, subscription), error
 * codes from the gateway's own set, configured backend names and types, the adapter method and
 * the watcher phase. Never an operation name, a variable, a task id, a URL or a user name.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import client from 'prom-client';
import type { BackendSet, UpstreamCall } from '../../gateway/backends.js';
import type { GatewayContext } from '../../gateway/context.js';
import type { SubscriptionHub } from '../../subscriptions/hub.js';
import { REFUSAL_REASONS, type RefusalReason } from '../refusals.js';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const HEALTH = ['UNKNOWN', 'UP', 'DEGRADED', 'DOWN'] as const;
const PHASES = ['stopped', 'polling', 'pushing'] as const;
const CIRCUIT = ['CLOSED', 'OPEN', 'HALF_OPEN'] as const;
const OPERATION_TYPES = new Set(['query', 'mutation', 'subscription']);

/** Codes are the gateway's own constants; anything else (should not happen) is folded into OTHER. */
function codeLabel(code: unknown): string {
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,47}$/.test(code) ? code : 'OTHER';
}

export interface MetricsOptions {
  backends: BackendSet;
  hub: SubscriptionHub;
  /** Open graphql-ws connections. */
  connections: () => number;
  /** Open GraphQL over SSE streams, by graphql-sse mode (sse.ts). */
  sseStreams?: () => { distinct: number; single: number };
  /** Node.js process metrics (CPU, memory, event loop lag, GC); default true. */
  processMetrics?: boolean;
}

export interface GatewayMetrics {
  readonly registry: client.Registry;
  /** Counts GraphQL requests, their errors by code, and their duration. */
  readonly plugin: ApolloServerPlugin<GatewayContext>;
  /** The same, for an error-free answer sent without Apollo's pipeline (known-operations.ts), also counted there. */
  answeredKnown(operationType: string, receivedAt: number): void;
  /** Counts a request refused before Apollo Server or graphql-sse ran it. */
  refused(reason: RefusalReason): void;
  /** Counts a graphql-ws or SSE operation that ended. */
  streamedOperation(transport: 'graphql-ws' | 'sse', operationType: string, outcome: 'complete' | 'closed' | 'refused'): void;
  /** GET /metrics in the Prometheus text format. */
  readonly handler: RequestHandler;
  /** Stops observing upstream calls. */
  close(): void;
}

export function createMetrics(options: MetricsOptions): GatewayMetrics {
  const { backends, hub } = options;
  const registry = new client.Registry();
  if (options.processMetrics !== false) client.collectDefaultMetrics({ register: registry });

  const requests = new client.Counter({
    name: 'taskgraph_graphql_requests_total',
    help: 'GraphQL requests over HTTP, by operation type and outcome (ok, or error when the response has errors).',
    labelNames: ['operation_type', 'outcome'] as const,
    registers: [registry],
  });
  const errors = new client.Counter({
    name: 'taskgraph_graphql_errors_total',
    help: 'Errors in GraphQL responses, by extensions.code (partial backend errors included).',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const duration = new client.Histogram({
    name: 'taskgraph_graphql_request_duration_seconds',
    help: 'Time from receiving a GraphQL request to sending its response.',
    labelNames: ['operation_type'] as const,
    buckets: SECONDS,
    registers: [registry],
  });
  const knownAnswers = new client.Counter({
    name: 'taskgraph_graphql_known_operation_answers_total',
    help: "GraphQL requests answered without Apollo Server's request pipeline: a query seen before, answered without error (also counted in taskgraph_graphql_requests_total).",
    registers: [registry],
  });
  const upstreamCalls = new client.Counter({
    name: 'taskgraph_upstream_calls_total',
    help: 'Adapter calls to a backend (each attempt, retries included), by backend, adapter operation and outcome (ok or the error code).',
    labelNames: ['backend', 'backend_type', 'operation', 'outcome'] as const,
    registers: [registry],
  });
  const upstreamDuration = new client.Histogram({
    name: 'taskgraph_upstream_call_duration_seconds',
    help: 'Duration of adapter calls to a backend (one call may be several HTTP requests: login, pages).',
    labelNames: ['backend', 'operation'] as const,
    buckets: SECONDS,
    registers: [registry],
  });
  new client.Gauge({
    name: 'taskgraph_backend_health',
    help: 'Health of each backend as the gateway sees it: 1 for the current state, 0 for the others.',
    labelNames: ['backend', 'backend_type', 'health'] as const,
    registers: [registry],
    collect() {
      for (const b of backends.all()) {
        for (const health of HEALTH) this.set({ backend: b.adapter.name, backend_type: b.adapter.type, health }, b.status.health === health ? 1 : 0);
      }
    },
  });
  new client.Gauge({
    name: 'taskgraph_backend_circuit',
    help: "Each backend's circuit breaker: 1 for its current state (CLOSED, OPEN, HALF_OPEN), 0 for the others.",
    labelNames: ['backend', 'state'] as const,
    registers: [registry],
    collect() {
      for (const b of backends.all()) {
        const current = b.circuit.state;
        for (const state of CIRCUIT) this.set({ backend: b.adapter.name, state }, current === state ? 1 : 0);
      }
    },
  });
  new client.Gauge({
    name: 'taskgraph_backend_consecutive_failures',
    help: 'Failed calls in a row per backend, as the circuit breaker counts them.',
    labelNames: ['backend'] as const,
    registers: [registry],
    collect() {
      for (const b of backends.all()) this.set({ backend: b.adapter.name }, b.circuit.consecutiveFailures);
    },
  });
  new client.Gauge({
    name: 'taskgraph_subscriptions_active',
    help: 'Active subscriptions (taskUpdated and taskEvents) registered with the hub.',
    registers: [registry],
    collect() {
      this.set(hub.stats().subscribers);
    },
  });
  new client.Gauge({
    name: 'taskgraph_websocket_connections',
    help: 'Open graphql-ws connections.',
    registers: [registry],
    collect() {
      this.set(options.connections());
    },
  });
  new client.Gauge({
    name: 'taskgraph_sse_streams',
    help: 'Open GraphQL over SSE event streams, by graphql-sse mode (distinct: one operation per stream; single: a reserved stream carrying many).',
    labelNames: ['mode'] as const,
    registers: [registry],
    collect() {
      const open = options.sseStreams?.() ?? { distinct: 0, single: 0 };
      this.set({ mode: 'distinct' }, open.distinct);
      this.set({ mode: 'single' }, open.single);
    },
  });
  const refusals = new client.Counter({
    name: 'taskgraph_requests_refused_total',
    help: 'Requests to /graphql refused before Apollo Server or graphql-sse ran them, by reason (unauthenticated, forbidden, csrf, limit, body_too_large, malformed_json, bad_request, too_many_streams, internal_error).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  // Every reason from the start, so a rate() over a reason never seen is 0, not absent.
  for (const reason of REFUSAL_REASONS) refusals.inc({ reason }, 0);
  const streamed = new client.Counter({
    name: 'taskgraph_streamed_operations_total',
    help: 'Operations over graphql-ws and SSE that ended, by transport, operation type and outcome (complete, closed with their connection, refused).',
    labelNames: ['transport', 'operation_type', 'outcome'] as const,
    registers: [registry],
  });
  new client.Gauge({
    name: 'taskgraph_watcher_subscribers',
    help: 'Subscribers served by each backend watcher.',
    labelNames: ['backend'] as const,
    registers: [registry],
    collect() {
      for (const w of hub.stats().watchers) this.set({ backend: w.backend }, w.subscribers);
    },
  });
  new client.Gauge({
    name: 'taskgraph_watcher_phase',
    help: 'Each backend watcher: 1 for its current phase (stopped, polling, or pushing for backends with push), 0 for the others.',
    labelNames: ['backend', 'phase'] as const,
    registers: [registry],
    collect() {
      for (const w of hub.stats().watchers) for (const phase of PHASES) this.set({ backend: w.backend, phase }, w.phase === phase ? 1 : 0);
    },
  });
  // The hub reports each watcher's cumulative poll count; the counter adds the difference
  // since the last scrape (a count that went down means a new watcher: start over from it).
  const seenPolls = new Map<string, number>();
  new client.Counter({
    name: 'taskgraph_watcher_polls_total',
    help: 'Upstream poll cycles completed by each backend watcher.',
    labelNames: ['backend'] as const,
    registers: [registry],
    collect() {
      for (const w of hub.stats().watchers) {
        const last = seenPolls.get(w.backend) ?? 0;
        const delta = w.polls >= last ? w.polls - last : w.polls;
        seenPolls.set(w.backend, w.polls);
        this.inc({ backend: w.backend }, delta);
      }
    },
  });

  const unobserve = backends.observe((call: UpstreamCall) => {
    const outcome = call.errorCode === null ? 'ok' : codeLabel(call.errorCode);
    upstreamCalls.inc({ backend: call.backend, backend_type: call.backendType, operation: call.operation, outcome });
    upstreamDuration.observe({ backend: call.backend, operation: call.operation }, call.durationMs / 1000);
  });

  function answered(operationType: string, receivedAt: number, sent: readonly { extensions?: Record<string, unknown> }[] = []): void {
    const type = OPERATION_TYPES.has(operationType) ? operationType : 'unknown';
    for (const e of sent) errors.inc({ code: codeLabel(e.extensions?.code) });
    requests.inc({ operation_type: type, outcome: sent.length ? 'error' : 'ok' });
    duration.observe({ operation_type: type }, (performance.now() - receivedAt) / 1000);
  }

  const plugin: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, response, contextValue }) {
          const sent = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          answered(operation?.operation ?? 'unknown', contextValue.receivedAt, sent);
        },
      };
    },
  };

  return {
    registry,
    plugin,
    refused: (reason) => refusals.inc({ reason }),
    streamedOperation: (transport, operationType, outcome) =>
      streamed.inc({ transport, operation_type: OPERATION_TYPES.has(operationType) ? operationType : 'unknown', outcome }),
    answeredKnown: (operationType, receivedAt) => {
      knownAnswers.inc();
      answered(operationType, receivedAt);
    },
    handler: async (_req, res) => {
      res.set('Content-Type', registry.contentType);
      res.set('Cache-Control', 'no-store');
      res.end(await registry.metrics());
    },
    close: unobserve,
  };
}
