/**
 * The OpenTelemetry SDK as taskgraph runs it, loaded only when tracing is on (tracing.ts):
 * a tracer provider of its own (not registered globally: libraries in the process that use
 * OpenTelemetry's global tracer stay silent), parent-based ratio sampling, a batch processor
 * exporting OTLP/HTTP JSON to the configured collector, the W3C trace context propagator, and
 * the AsyncLocalStorage context manager that carries the active span from a GraphQL operation
 * to the HTTP requests it causes.
 */
import { createRequire } from 'node:module';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import type { TracingConfig } from './config.js';
import { serverSpans } from './server-spans.js';
import type { Tracing } from './tracing.js';
import { upstreamSpans } from './upstream-spans.js';

/** How long a stopping gateway waits for its last spans to reach the collector (it may be down). */
const SHUTDOWN_EXPORT_MS = 5_000;

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/**
 * The exporter, with its failures in the log: once when exports start failing (with the
 * reason: refused, timed out, HTTP 401 ...) and once when they work again, not once per batch.
 */
function loggingExporter(inner: SpanExporter, endpoint: string, logger: Logger): SpanExporter {
  let failing = 0;
  return {
    export(spans: ReadableSpan[], done) {
      inner.export(spans, (result) => {
        if (result.code === ExportResultCode.SUCCESS) {
          if (failing) logger.info({ endpoint, failedExports: failing }, 'trace export recovered');
          failing = 0;
        } else if (failing++ === 0) {
          // OTLPExporterError's code is the collector's HTTP status, when it answered.
          const status = (result.error as { code?: unknown } | undefined)?.code;
          logger.warn(
            { endpoint, status: typeof status === 'number' ? status : undefined, error: result.error?.message?.slice(0, 300) },
            'trace export failed; spans are dropped until the collector answers',
          );
        }
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

/** The facade of tracing.ts over a started SDK; `onShutdown` runs as soon as shutdown begins. */
export function createTracing(config: TracingConfig, logger: Logger, onShutdown: () => void): Tracing {
  // URL without user info (the schema refuses it) and without the query, which may hold a token.
  const endpoint = new URL(config.endpoint);
  const shownEndpoint = `${endpoint.origin}${endpoint.pathname}`;
  const exporter = new OTLPTraceExporter({
    url: config.endpoint,
    headers: Object.fromEntries(Object.entries(config.headers).map(([name, value]) => [name, value.reveal()])),
  });
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ 'service.name': config.serviceName, 'service.version': version }));
  const provider = new BasicTracerProvider({
    resource,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor(loggingExporter(exporter, shownEndpoint, logger))],
  });
  const tracer = provider.getTracer('taskgraph', version);
  const propagator = new W3CTraceContextPropagator();
  const contextManager = new AsyncLocalStorageContextManager();
  contextManager.enable();
  if (!context.setGlobalContextManager(contextManager)) {
    contextManager.disable();
    throw new Error('telemetry.tracing: another OpenTelemetry context manager is registered in this process');
  }
  logger.info({ endpoint: shownEndpoint, serviceName: config.serviceName, sampleRatio: config.sampleRatio }, 'tracing on');

  let stopped: Promise<void> | null = null;
  return {
    ...serverSpans(tracer, propagator),
    ...upstreamSpans(tracer, propagator),
    // An export that fails is logged by the exporter's wrapper; it never fails the caller.
    flush: () => provider.forceFlush().catch(() => undefined),
    shutdown: () =>
      (stopped ??= (async () => {
        onShutdown();
        let timer: NodeJS.Timeout | undefined;
        const gaveUp = new Promise<'gave up'>((resolve) => {
          timer = setTimeout(() => resolve('gave up'), SHUTDOWN_EXPORT_MS);
          timer.unref();
        });
        try {
          const outcome = await Promise.race([provider.shutdown().catch(() => 'failed' as const), gaveUp]);
          if (outcome === 'gave up') logger.warn({ endpoint: shownEndpoint }, `trace export did not finish within ${SHUTDOWN_EXPORT_MS} ms of shutdown; the remaining spans are dropped`);
        } finally {
          clearTimeout(timer);
          // Unregisters the global context manager and disables it.
          context.disable();
        }
      })()),
  };
}
