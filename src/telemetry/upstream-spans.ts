/**
 * Spans below the GraphQL operation, two per upstream call:
 * - the adapter call (`listTasks pc1`), around the backend's guard, so a call refused by an open
 *   circuit or a full bulkhead has its span too: backend name and type, the circuit's state
 *   when the call began, the outcome (ok or the BackendError code) and what came back;
 * - each HTTP request the adapter sends (`GET /api/task/{id}`, a CLIENT span): method, the
 *   path as a template (ids replaced, query left out), status and retries (each an event), with
 *   this span's W3C `traceparent` sent to the backend;
 * and one per watcher poll (`watcher poll pc1`), the root of a trace of its own.
 */
import { context, defaultTextMapSetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type TextMapPropagator, type Tracer } from '@opentelemetry/api';
import type { RequestError } from 'got';
import type { CallContext, CancelOutcome, TaskAdapter, TaskPage } from '../adapters/contract.js';
import { BackendError } from '../adapters/errors.js';
import type { TaskModel } from '../model/task.js';
import { pathTemplate } from './path-template.js';
import { ATTR } from './span-attributes.js';
import type { HttpSpan, HttpSpanStart, Tracing, WatcherPollSummary } from './tracing.js';

/** The code a failure is known by: the BackendError's, else the error's name. */
function failureType(err: unknown): string {
  if (err instanceof BackendError) return err.code;
  return err instanceof Error ? err.name : 'Error';
}

function fail(span: Span, err: unknown): void {
  const type = failureType(err);
  span.setAttribute(ATTR.errorType, type);
  // A BackendError's message names the backend and the operation, never a credential.
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof BackendError ? err.message : type });
}

const pageAttributes = (page: TaskPage): Attributes => ({ [ATTR.tasks]: page.keyed?.length ?? page.tasks.length });
const itemAttributes = (items: Array<TaskModel | null | Error>): Attributes => ({ [ATTR.itemsFailed]: items.filter((i) => i instanceof Error).length });
const cancelAttributes = (outcome: CancelOutcome): Attributes => (outcome.ok ? {} : { [ATTR.upstreamOutcome]: outcome.code });

/** The upstream part of the Tracing facade, over the SDK's tracer and the W3C propagator. */
export function upstreamSpans(tracer: Tracer, propagator: TextMapPropagator): Pick<Tracing, 'traceAdapter' | 'startHttpSpan' | 'traceWatcherPoll'> {
  function traceAdapter(adapter: TaskAdapter, circuit: () => { state: string }): TaskAdapter {
    const base = { [ATTR.backend]: adapter.name, [ATTR.backendType]: adapter.type };
    function traced<T>(operation: string, ctx: CallContext, attributes: Attributes, call: () => Promise<T>, after?: (result: T) => Attributes): Promise<T> {
      const started = { ...base, ...attributes, [ATTR.upstreamOperation]: operation, [ATTR.requestId]: ctx.requestId, [ATTR.circuitState]: circuit().state };
      return tracer.startActiveSpan(`${operation} ${adapter.name}`, { kind: SpanKind.INTERNAL, attributes: started }, async (span) => {
        try {
          const result = await call();
          span.setAttribute(ATTR.upstreamOutcome, 'ok');
          if (after) span.setAttributes(after(result));
          return result;
        } catch (err) {
          span.setAttribute(ATTR.upstreamOutcome, failureType(err));
          fail(span, err);
          throw err;
        } finally {
          span.end();
        }
      });
    }
    const wrapped: TaskAdapter = {
      name: adapter.name,
      type: adapter.type,
      capabilities: adapter.capabilities,
      listTasks: (q, ctx) => traced('listTasks', ctx, { [ATTR.limit]: q.limit }, () => adapter.listTasks(q, ctx), pageAttributes),
      getTasks: (ids, ctx) => traced('getTasks', ctx, { [ATTR.ids]: ids.length }, () => adapter.getTasks(ids, ctx), itemAttributes),
      close: () => adapter.close(),
    };
    if (adapter.cancelTask) wrapped.cancelTask = (id, ctx) => traced('cancelTask', ctx, {}, () => adapter.cancelTask!(id, ctx), cancelAttributes);
    if (adapter.createTask) wrapped.createTask = (r, ctx) => traced('createTask', ctx, {}, () => adapter.createTask!(r, ctx));
    if (adapter.updateTask) wrapped.updateTask = (r, ctx) => traced('updateTask', ctx, {}, () => adapter.updateTask!(r, ctx));
    if (adapter.watch) wrapped.watch = adapter.watch.bind(adapter);
    return wrapped;
  }

  function startHttpSpan(request: HttpSpanStart): HttpSpan {
    const template = pathTemplate(request.url.pathname);
    const span = tracer.startSpan(`${request.method} ${template}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR.httpMethod]: request.method,
        [ATTR.urlTemplate]: template,
        [ATTR.urlScheme]: request.url.protocol.slice(0, -1),
        [ATTR.serverAddress]: request.url.hostname,
        [ATTR.serverPort]: Number(request.url.port) || (request.url.protocol === 'https:' ? 443 : 80),
        [ATTR.backend]: request.backend,
        [ATTR.httpOperation]: request.operation,
      },
    });
    const spanContext = trace.setSpan(context.active(), span);
    let retries = 0;
    const beforeRetry = (error: RequestError, retryCount: number) => {
      retries = retryCount;
      const status = error.response?.statusCode;
      span.addEvent('retry', status ? { [ATTR.httpResendCount]: retryCount, [ATTR.httpStatus]: status } : { [ATTR.httpResendCount]: retryCount, [ATTR.errorType]: error.code ?? error.name });
    };
    const finish = () => {
      if (retries) span.setAttribute(ATTR.httpResendCount, retries);
      span.end();
    };
    return {
      headers(base) {
        const headers = { ...base };
        propagator.inject(spanContext, headers, defaultTextMapSetter);
        return headers;
      },
      hooks: { beforeRetry: [beforeRetry] },
      answered(status) {
        span.setAttribute(ATTR.httpStatus, status);
        // OpenTelemetry's HTTP conventions: a client span fails on 4xx and 5xx.
        if (status >= 400) {
          span.setAttribute(ATTR.errorType, String(status));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        finish();
      },
      failed(error) {
        fail(span, error);
        finish();
      },
    };
  }

  function traceWatcherPoll(backend: string, phase: string, poll: () => Promise<WatcherPollSummary>): Promise<WatcherPollSummary> {
    const attributes = { [ATTR.backend]: backend, [ATTR.watcherPhase]: phase, [ATTR.requestId]: `watch-${backend}` };
    // A new trace: a poll serves every subscriber, not the operation that happened to start the watcher.
    return tracer.startActiveSpan(`watcher poll ${backend}`, { kind: SpanKind.INTERNAL, attributes, root: true }, ROOT_CONTEXT, async (span) => {
      try {
        const summary = await poll();
        span.setAttributes({ [ATTR.watcherSeen]: summary.tasksSeen, [ATTR.watcherTracked]: summary.tracked });
        return summary;
      } catch (err) {
        fail(span, err);
        throw err;
      } finally {
        span.end();
      }
    });
  }

  return { traceAdapter, startHttpSpan, traceWatcherPoll };
}
