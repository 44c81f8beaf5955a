/**
 * Structured logs (pino, one JSON object per line): one line per GraphQL request, with the
 * request id that the adapters also send upstream (NTNX-Request-Id,
 * X-Vmware-Vcloud-Client-Request-Id, vim operationID), so a line here finds its calls in the
 * backend's own logs.
 *
 * What is never logged: variables, query text, headers, configuration values, and any key
 * named like a credential (redacted as a last line of defence).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { pino, type DestinationStream, type Logger } from 'pino';
import { BackendError, capBackendText, MAX_BACKEND_TEXT } from '../../adapters/errors.js';
import type { BackendSet } from '../../gateway/backends.js';
import type { GatewayContext } from '../../gateway/context.js';
import { activeTracing } from '../../telemetry/tracing.js';
import type { RefusedRequest } from '../refusals.js';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Credential-like keys, at the top level and one or two levels down. */
const SECRET_KEYS = ['password', 'secret', 'token', 'apiKey', 'authorization', 'cookie', 'sessionId'];
const REDACT = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go (default: stdout). Tests pass a stream to read them. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'taskgraph' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    options.destination,
  );
}

let processLogger: Logger | null = null;

/** Sets the logger servers use when none is passed (the CLI does, from --log-level or `logging.level`). */
export function setProcessLogger(logger: Logger): void {
  processLogger = logger;
}

/** The process logger; silent until the CLI sets one, so tests and embedders get no output by default. */
export function getProcessLogger(): Logger {
  return (processLogger ??= createLogger({ level: 'silent' }));
}

/** Client-chosen text is shortened before it reaches a log line. */
function short(value: string | null | undefined, max = 120): string | undefined {
  if (!value) return undefined;
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

/** An error the edge masks as "Unexpected error.": what it really was (name, message, stack; no other properties). */
function unexpected(error: GraphQLError): { type: string; message: string; stack?: string } | null {
  if (unwrapResolverError(error) instanceof BackendError) return null;
  const code = error.extensions?.code;
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return null;
  let cause: unknown = error;
  while (cause instanceof GraphQLError && cause.originalError) cause = cause.originalError;
  if (cause instanceof BackendError) return null;
  if (cause instanceof GraphQLError && typeof cause.extensions?.code === 'string' && cause.extensions.code !== 'INTERNAL_SERVER_ERROR') return null;
  // An unexpected error may still quote a backend's answer: its text is capped like a BackendError's.
  return cause instanceof Error
    ? { type: cause.name, message: capBackendText(cause.message), stack: cause.stack && capBackendText(cause.stack, 4 * MAX_BACKEND_TEXT) }
    : { type: typeof cause, message: capBackendText(String(cause)) };
}

/**
 * Error codes whose messages go into the request line: failures of a backend or of the gateway.
 * Other errors are the client's (bad input, not found, refused, invalid document), and their
 * messages may quote what the client sent, variables included: the line keeps their code and
 * argument only.
 */
const LOGGED_MESSAGES = new Set(['BACKEND_UNAVAILABLE', 'BACKEND_ERROR', 'INTERNAL_SERVER_ERROR']);

/** What the request line says about an answer. */
export interface AnsweredRequest {
  operationName: string | null | undefined;
  operationType: string;
  status: number;
  errors: readonly GraphQLFormattedError[];
}

/** The request line of an answer (info; warn with errors; error with an internal one). */
export function logRequest(logger: Logger, context: GatewayContext, answer: AnsweredRequest): void {
  const sent = answer.errors;
  const line = {
    requestId: context.call.requestId,
    // With tracing on, the trace this request's spans are in (src/telemetry).
    traceId: activeTracing()?.activeTraceId(),
    // The API key's name or the JWT subject ('anonymous' without authentication); never a credential.
    principal: context.access?.principal.id,
    operationName: short(answer.operationName),
    operationType: answer.operationType,
    status: answer.status,
    durationMs: Math.round((performance.now() - context.receivedAt) * 10) / 10,
    errors: sent.length
      ? sent.slice(0, 10).map((e) => ({
          code: e.extensions?.code,
          backend: e.extensions?.backend,
          argument: e.extensions?.argument,
          message: LOGGED_MESSAGES.has(String(e.extensions?.code)) ? short(e.message, 300) : undefined,
        }))
      : undefined,
  };
  const level = sent.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR') ? 'error' : sent.length ? 'warn' : 'info';
  logger[level](line, 'graphql request');
}

/** The `request refused` line of a request refused before Apollo Server or graphql-sse ran it (info: a client's mistake, not ours). */
export function logRefusal(logger: Logger, refused: RefusedRequest): void {
  logger.info(refused, 'request refused');
}

/** What the line of one operation over graphql-ws or SSE says: never its variables or text. */
export interface StreamedOperation {
  transport: 'graphql-ws' | 'sse';
  requestId?: string;
  /** The API key's name or the JWT subject ('anonymous' without authentication). */
  principal: string | undefined;
  operationName: string | null | undefined;
  operationType: string;
  /** `complete`: the server or the client ended it; `closed`: its connection or stream went; `refused`: never ran. */
  outcome: 'complete' | 'closed' | 'refused';
  /** The WebSocket close code when the socket closed under it. */
  closeCode?: number;
  /** The refusal's error code (QUERY_LIMIT_EXCEEDED, UNAUTHENTICATED, ...). */
  errorCode?: string;
  /** From its start (`performance.now()`). */
  startedAt: number;
}

/** The error code of the first of `errors` (QUERY_LIMIT_EXCEEDED, UNAUTHENTICATED, ...), if it has one. */
export function errorCodeOf(errors: readonly GraphQLError[]): string | undefined {
  const code = errors[0]?.extensions.code;
  return typeof code === 'string' ? code : undefined;
}

/** The record of an operation refused before it ran (limits, expired credentials): its type is not known yet. */
export function refusedOperation(transport: StreamedOperation['transport'], principal: string | undefined, operationName: string | null | undefined, errors: readonly GraphQLError[]): StreamedOperation {
  return { transport, principal, operationName, operationType: 'unknown', outcome: 'refused', errorCode: errorCodeOf(errors), startedAt: performance.now() };
}

/** The `graphql operation` line of a graphql-ws or SSE operation, written when it ends. */
export function logStreamedOperation(logger: Logger, operation: StreamedOperation): void {
  const { startedAt, operationName, ...rest } = operation;
  const line = { ...rest, operationName: short(operationName), durationMs: Math.round((performance.now() - startedAt) * 10) / 10 };
  if (operation.outcome === 'refused') logger.warn(line, 'graphql operation');
  else logger.info(line, 'graphql operation');
}

/** One line per GraphQL request over HTTP; also echoes the request id as X-Request-Id. */
export function requestLogPlugin(logger: Logger): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const requestId = contextValue.call.requestId;
      return {
        async didEncounterErrors({ errors, operationName }) {
          for (const error of errors) {
            const cause = unexpected(error);
            if (cause) logger.error({ requestId, operationName: short(operationName), path: error.path?.join('.'), cause }, 'unexpected error in a GraphQL request');
          }
        },
        async willSendResponse({ operation, operationName, request, response }) {
          response.http.headers.set('x-request-id', requestId);
          logRequest(logger, contextValue, {
            operationName: operationName ?? request.operationName,
            operationType: operation?.operation ?? 'unknown',
            status: response.http.status ?? 200,
            errors: response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [],
          });
        },
      };
    },
  };
}

/** Upstream calls at debug level (failures at info): backend, adapter operation, duration, request id. */
export function logUpstreamCalls(logger: Logger, backends: BackendSet): () => void {
  return backends.observe((call) => {
    const line = { requestId: call.requestId, backend: call.backend, operation: call.operation, durationMs: Math.round(call.durationMs * 10) / 10, errorCode: call.errorCode ?? undefined };
    if (call.errorCode) logger.info(line, 'upstream call failed');
    else logger.debug(line, 'upstream call');
  });
}
