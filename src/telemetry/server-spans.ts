/**
 * A span per GraphQL operation, named as OpenTelemetry's GraphQL conventions name them
 * (`query ConsoleTasks`, or `query` when unnamed):
 * - over HTTP, the span starts when the request arrives (`POST /graphql` until the operation is
 *   known), continues a W3C `traceparent` the caller sent, and is active for everything the
 *   request causes; Apollo's plugin (or the known-operations path, which skips Apollo's
 *   plugins) names it and adds the operation, request id, principal and error codes;
 * - over graphql-ws, execute and subscribe run in a span of their own. A subscription's span
 *   covers setting it up (its events come from the watchers, whose polls have spans of their
 *   own), not the hours it may stay open.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { context, defaultTextMapGetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Span, type TextMapPropagator, type Tracer } from '@opentelemetry/api';
import type { ApolloServerPlugin } from '@apollo/server';
import type { ExecutionArgs, ExecutionResult, GraphQLFormattedError } from 'graphql';
import type { OperationResult } from 'graphql-ws';
import type { GatewayContext } from '../gateway/context.js';
import { formatError } from '../server/plugins/mask-errors.js';
import { ATTR } from './span-attributes.js';
import type { Tracing, WsExecution } from './tracing.js';

// The graphql instance graphql-ws loads (its CommonJS `main`), for the defaults of execute and subscribe.
const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** Client-chosen text is shortened before it becomes a span name or attribute. */
const MAX_NAME = 120;

/** `POST /graphql`, and `GET /graphql?query=…` (a GET without a query string is GraphiQL's page). */
function isGraphqlRequest(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  const query = url.indexOf('?');
  if ((query === -1 ? url : url.slice(0, query)) !== '/graphql') return false;
  return req.method === 'POST' || (req.method === 'GET' && query !== -1);
}

function nameOperation(span: Span, type: string, name: string | null | undefined): void {
  const shortName = name ? name.slice(0, MAX_NAME) : undefined;
  span.updateName(shortName ? `${type} ${shortName}` : type);
  span.setAttribute(ATTR.operationType, type);
  if (shortName) span.setAttribute(ATTR.operationName, shortName);
}

/** Who asked: the request id and the principal's id (an API key's name, a JWT subject); never a credential. */
function annotateCaller(span: Span, ctx: GatewayContext | undefined): void {
  if (!ctx?.call) return;
  span.setAttribute(ATTR.requestId, ctx.call.requestId);
  const principal = ctx.access?.principal.id;
  if (principal) span.setAttribute(ATTR.principal, principal);
}

/** The distinct `extensions.code`s of an answer; any error marks the span as failed. */
function recordErrors(span: Span, errors: readonly GraphQLFormattedError[]): void {
  if (!errors.length) return;
  const codes = [...new Set(errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
  span.setAttribute(ATTR.errorCodes, codes);
  span.setAttribute(ATTR.errorType, codes[0]!);
  span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(', ') });
}

function isExecutionResult(result: unknown): result is ExecutionResult {
  return typeof result === 'object' && result !== null && !(Symbol.asyncIterator in result);
}

/** The operation-level part of the Tracing facade, over the SDK's tracer and the W3C propagator. */
export function serverSpans(tracer: Tracer, propagator: TextMapPropagator): Pick<Tracing, 'traceRequests' | 'graphqlPlugin' | 'knownOperationAnswered' | 'traceWebSocket' | 'activeTraceId'> {
  function traceRequests(listener: RequestListener): RequestListener {
    return (req: IncomingMessage, res: ServerResponse) => {
      if (!isGraphqlRequest(req)) return listener(req, res);
      const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
      const span = tracer.startSpan(
        `${req.method} /graphql`,
        { kind: SpanKind.SERVER, attributes: { [ATTR.httpMethod]: req.method!, [ATTR.urlPath]: '/graphql', [ATTR.transport]: 'http' } },
        parent,
      );
      res.once('close', () => {
        span.setAttribute(ATTR.httpStatus, res.statusCode);
        // A refusal before any operation (401, 413 ...) is the caller's; a 5xx is ours.
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      context.with(trace.setSpan(parent, span), () => listener(req, res));
    };
  }

  const graphqlPlugin: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart({ contextValue }) {
      const span = trace.getActiveSpan();
      if (!span) return;
      annotateCaller(span, contextValue);
      return {
        async didResolveOperation({ operation, operationName }) {
          if (operation) nameOperation(span, operation.operation, operationName);
        },
        async willSendResponse({ response }) {
          if (response.body.kind === 'single') recordErrors(span, response.body.singleResult.errors ?? []);
        },
      };
    },
  };

  /** Runs one graphql-ws execution in its operation's span; the span ends with the result (or the subscription's stream). */
  function traced(args: ExecutionArgs, run: (args: ExecutionArgs) => OperationResult): OperationResult {
    const operation = graphql.getOperationAST(args.document, args.operationName);
    const span = tracer.startSpan('graphql', { kind: SpanKind.SERVER, attributes: { [ATTR.transport]: 'websocket' } }, ROOT_CONTEXT);
    nameOperation(span, operation?.operation ?? 'query', args.operationName ?? operation?.name?.value);
    annotateCaller(span, args.contextValue as GatewayContext | undefined);
    const finish = (result: Awaited<OperationResult>) => {
      if (isExecutionResult(result)) recordErrors(span, result.errors?.map((e) => formatError(e.toJSON(), e)) ?? []);
      span.end();
      return result;
    };
    const fail = (err: unknown) => {
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' });
      span.end();
      throw err;
    };
    let result: OperationResult;
    try {
      result = context.with(trace.setSpan(ROOT_CONTEXT, span), () => run(args));
    } catch (err) {
      return fail(err);
    }
    return result instanceof Promise ? result.then(finish, fail) : finish(result);
  }

  return {
    traceRequests,
    graphqlPlugin,
    knownOperationAnswered(ctx, operation) {
      const span = trace.getActiveSpan();
      if (!span) return;
      nameOperation(span, operation.type, operation.name);
      annotateCaller(span, ctx);
      span.setAttribute(ATTR.knownOperation, true);
    },
    traceWebSocket<O extends WsExecution>(options: O): O {
      const execute = options.execute ?? (graphql.execute as (args: ExecutionArgs) => OperationResult);
      const subscribe = options.subscribe ?? (graphql.subscribe as (args: ExecutionArgs) => OperationResult);
      return { ...options, execute: (args: ExecutionArgs) => traced(args, execute), subscribe: (args: ExecutionArgs) => traced(args, subscribe) };
    },
    activeTraceId() {
      const span = trace.getActiveSpan()?.spanContext();
      return span && span.traceFlags & TraceFlags.SAMPLED ? span.traceId : undefined;
    },
  };
}
