/**
 * The `telemetry:` section of taskgraph.yaml. Tracing is off unless `tracing.enabled` is true;
 * then spans go to an OTLP/HTTP collector (docs/operations.md, "Traces"). Header values are
 * Secrets (a collector's API key never reaches a log line or an error).
 */
import { z } from 'zod';
import { Secret } from '../model/secret.js';

/** OTLP/HTTP's default traces URL (OpenTelemetry Protocol Exporter spec, "Endpoint URLs for OTLP/HTTP"). */
export const DEFAULT_TRACES_ENDPOINT = 'http://localhost:4318/v1/traces';

/** An HTTP header name (RFC 9110 §5.6.2 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;

export const tracingSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** The collector's OTLP/HTTP traces URL, path included (`/v1/traces`). */
    endpoint: z
      .url({ protocol: /^https?$/, error: 'an absolute http(s) URL of the collector, such as http://otel-collector:4318/v1/traces' })
      .refine((url) => !new URL(url).username && !new URL(url).password, 'no credentials in the URL; put them in tracing.headers (e.g. Authorization)')
      .default(DEFAULT_TRACES_ENDPOINT),
    /** `service.name` of every span's resource. */
    serviceName: z.string().min(1).max(255).default('taskgraph'),
    /**
     * Share of new traces recorded, 0 to 1. A request that arrives with a sampled W3C
     * `traceparent` is recorded whatever the ratio (parent-based sampling).
     */
    sampleRatio: z.number().min(0).max(1).default(1),
    /** Sent with every export (a collector's API key); values are secrets. */
    headers: z
      .record(
        z.string(),
        z
          .string()
          .min(1)
          .regex(/^[^\r\n]*$/, 'one line, no line breaks')
          .transform((value) => new Secret(value)),
      )
      .superRefine((headers, ctx) => {
        for (const name of Object.keys(headers)) {
          if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: "an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)" });
        }
      })
      .default({}),
  })
  .strict();

export const telemetrySchema = z
  .object({
    tracing: tracingSchema.default({ enabled: false, endpoint: DEFAULT_TRACES_ENDPOINT, serviceName: 'taskgraph', sampleRatio: 1, headers: {} }),
  })
  .strict()
  .default({ tracing: { enabled: false, endpoint: DEFAULT_TRACES_ENDPOINT, serviceName: 'taskgraph', sampleRatio: 1, headers: {} } });

export type TracingConfig = z.infer<typeof tracingSchema>;
export type TelemetryConfig = z.infer<typeof telemetrySchema>;
