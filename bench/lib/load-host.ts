/**
 * The load generator, in a child process of its own: `connections` keep-alive connections,
 * each sending the next request as soon as the previous answer is read (closed loop, like
 * autocannon without pipelining), for a fixed time. Latencies are kept per request.
 */
import http from 'node:http';
import { serveCalls } from './ipc.js';
import { percentile, round, Samples } from './stats.js';

export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationMs: number;
  /** Requests sent before measuring starts (not counted), e.g. to open connections and warm JITs. */
  warmupMs?: number;
  /**
   * Distinct requests: every request's body has each `placeholder` replaced by an instant of its
   * own (ISO 8601, `before` minus one more millisecond per request sent by this process), so no two
   * requests are the same text-and-variables and nothing can be shared between them.
   */
  vary?: { placeholder: string; before: string };
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Answers with a status other than 200, or a GraphQL `errors` entry. */
  errors: number;
  firstError: string | null;
  bytesPerResponse: number;
  /** One full response body, to compare peers' answers. */
  sample: string;
}

/** Requests sent with `vary` by this process, over all runs: no instant is ever sent twice. */
let sent = 0;

async function run(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  const fixed = spec.body === undefined ? undefined : Buffer.from(spec.body);
  const baseHeaders: Record<string, string | number> = { ...spec.headers };
  if (fixed && !spec.vary) baseHeaders['content-length'] = fixed.length;
  const parts = spec.vary && spec.body !== undefined ? spec.body.split(spec.vary.placeholder) : null;
  const before = spec.vary ? Date.parse(spec.vary.before) : 0;
  /** The body of the next request (and its headers): the same one, or one of its own. */
  function nextRequest(): { body: Buffer | undefined; headers: Record<string, string | number> } {
    if (!parts) return { body: fixed, headers: baseHeaders };
    const body = Buffer.from(parts.join(new Date(before - ++sent).toISOString()));
    return { body, headers: { ...baseHeaders, 'content-length': body.length } };
  }
  const samples = new Samples();
  let errors = 0;
  let firstError: string | null = null;
  let bytes = 0;
  let sample = '';
  let measuring = false;
  let stopAt = 0;

  function once(): Promise<void> {
    const { body, headers } = nextRequest();
    const started = performance.now();
    return new Promise<void>((resolve) => {
      const req = http.request({ hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: spec.method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const elapsed = performance.now() - started;
          const text = Buffer.concat(chunks);
          // Checking every body for `"errors"` would cost the generator; the head is enough for GraphQL.
          const bad = res.statusCode !== 200 || text.subarray(0, 16).includes('"errors"');
          if (measuring) {
            samples.push(elapsed);
            bytes += text.length;
            if (bad) errors++;
          }
          if (bad && !firstError) firstError = `HTTP ${res.statusCode}: ${text.subarray(0, 300).toString()}`;
          if (!sample && !bad) sample = text.toString();
          resolve();
        });
        res.on('error', () => resolve());
      });
      req.on('error', (err) => {
        if (measuring) errors++;
        firstError ??= err.message;
        resolve();
      });
      req.end(body);
    });
  }

  async function loop(): Promise<void> {
    while (performance.now() < stopAt) await once();
  }

  if (spec.warmupMs) {
    stopAt = performance.now() + spec.warmupMs;
    await Promise.all(Array.from({ length: spec.connections }, loop));
  }
  measuring = true;
  const started = performance.now();
  stopAt = started + spec.durationMs;
  await Promise.all(Array.from({ length: spec.connections }, loop));
  const elapsed = performance.now() - started;
  agent.destroy();
  const values = samples.values();
  return {
    requests: values.length,
    rps: round((values.length / elapsed) * 1000, 1),
    p50: round(percentile(values, 50), 2),
    p90: round(percentile(values, 90), 2),
    p99: round(percentile(values, 99), 2),
    max: round(percentile(values, 100), 2),
    errors,
    firstError,
    bytesPerResponse: values.length ? Math.round(bytes / values.length) : 0,
    sample,
  };
}

serveCalls({ run });
