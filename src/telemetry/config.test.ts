/**
 * `telemetry.tracing` in taskgraph.yaml: off by default, errors that name the field, header
 * values held as secrets.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../server/config.js';

const prism = { name: 'pc1', type: 'prism', url: 'https://pc.example.com:9440', username: 'admin', password: 'pw' };

function errorOf(tracing: unknown): string {
  try {
    parseConfig({ backends: [prism], telemetry: { tracing } });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('telemetry.tracing config', () => {
  it('is off by default, with OTLP/HTTP defaults', () => {
    const { tracing } = parseConfig({ backends: [prism] }).telemetry;
    expect(tracing).toEqual({ enabled: false, endpoint: 'http://localhost:4318/v1/traces', serviceName: 'taskgraph', sampleRatio: 1, headers: {} });
    expect(parseConfig({ backends: [prism], telemetry: { tracing: { enabled: true } } }).telemetry.tracing.enabled).toBe(true);
  });

  it('names the field and what was expected', () => {
    expect(errorOf({ enabled: true, endpoint: 'otel-collector:4318' })).toMatch(/^telemetry\.tracing\.endpoint: an absolute http\(s\) URL of the collector/);
    expect(errorOf({ endpoint: 'grpc://otel-collector:4317' })).toMatch(/^telemetry\.tracing\.endpoint: /);
    expect(errorOf({ endpoint: 'https://user:pw@collector.example.com/v1/traces' })).toBe(
      'telemetry.tracing.endpoint: no credentials in the URL; put them in tracing.headers (e.g. Authorization)',
    );
    expect(errorOf({ sampleRatio: 1.5 })).toMatch(/^telemetry\.tracing\.sampleRatio: /);
    expect(errorOf({ enabled: 'yes' })).toMatch(/^telemetry\.tracing\.enabled: /);
    expect(errorOf({ sampleRate: 0.1 })).toContain('sampleRate');
    expect(errorOf({ headers: { 'bad header': 'x' } })).toMatch(/^telemetry\.tracing\.headers\.bad header: an HTTP header name/);
    expect(errorOf({ headers: { authorization: 'Bearer a\r\nInjected: yes' } })).toMatch(/^telemetry\.tracing\.headers\.authorization: one line/);
  });

  it('holds header values as secrets, from ${ENV} too', () => {
    const config = parseConfig(
      { backends: [prism], telemetry: { tracing: { enabled: true, headers: { authorization: 'Bearer ${OTEL_TOKEN}', 'x-scope-orgid': 'tenant-1' } } } },
      { OTEL_TOKEN: 'tok-51c0ffee' },
    );
    const { headers } = config.telemetry.tracing;
    expect(headers.authorization!.reveal()).toBe('Bearer tok-51c0ffee');
    expect(JSON.stringify(config.telemetry)).not.toContain('tok-51c0ffee');
    expect(inspect(config.telemetry, { depth: 10 })).not.toContain('tok-51c0ffee');
  });
});
