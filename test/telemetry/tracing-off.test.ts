/**
 * Tracing off (the default) costs nothing: the OpenTelemetry SDK is not even loaded, and no
 * `traceparent` goes upstream. Each case runs in a child process of its own, so the modules
 * it loaded are its own (support/module-probe.ts); tracing on is the control.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const PROBE = new URL('./support/module-probe.ts', import.meta.url).pathname;

async function probe(mode: 'on' | 'off'): Promise<{ sdkModules: string[]; traceparents: Array<string | null> }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', PROBE, mode], { timeout: 30_000 });
  return JSON.parse(stdout);
}

describe('tracing off', { timeout: 40_000 }, () => {
  it('loads no OpenTelemetry SDK module and sends no traceparent', async () => {
    const [off, on] = await Promise.all([probe('off'), probe('on')]);
    expect(off.sdkModules).toEqual([]);
    expect(off.traceparents.length).toBeGreaterThan(0);
    expect(off.traceparents.every((t) => t === null)).toBe(true);
    // The control: the same run with tracing on loads the SDK and sends one.
    expect(on.sdkModules).toEqual(expect.arrayContaining(['@opentelemetry/sdk-trace-base', '@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/context-async-hooks']));
    expect(on.traceparents.every((t) => /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/.test(String(t)))).toBe(true);
  });
});
