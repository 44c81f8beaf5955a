import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from './config.js';

const prism = { name: 'pc1', type: 'prism', url: 'https://pc.example.com:9440', username: 'admin', password: 'pw' };

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('applies defaults and validates each backend with its own schema', () => {
    const config = parseConfig({ backends: [prism] });
    expect(config.server).toEqual({ host: '127.0.0.1', port: 4000, fastPath: true, knownOperations: true, shareInFlight: true, sse: { maxStreamsPerPrincipal: 1000, maxOperationsPerStream: 100 } });
    expect(config.backends[0]!.config).toMatchObject({ name: 'pc1', type: 'prism', timeoutMs: 10000, apiVersion: 'v4.0', tls: { insecure: false } });
  });

  it('names the field and what was expected', () => {
    expect(errorOf(() => parseConfig({ backends: [{ ...prism, url: 'not a url' }] }))).toMatch(/^backends\[0\] \(pc1\)\.url: an absolute http\(s\) URL/);
    expect(errorOf(() => parseConfig({ backends: [{ ...prism, type: 'hyperv' }] }))).toContain('backends[0] (pc1).type: expected one of prism');
    expect(errorOf(() => parseConfig({ backends: [{ ...prism, pasword: 'typo' }] }))).toContain('pasword');
    expect(errorOf(() => parseConfig({ backends: [{ ...prism, name: 'has space' }] }))).toContain('backends[0] (has space).name: use 1-64 letters');
    expect(errorOf(() => parseConfig({ backends: [prism, prism] }))).toContain('backends[1] (pc1).name: "pc1" is used twice');
    expect(errorOf(() => parseConfig({ server: { port: 'eighty' }, backends: [prism] }))).toContain('server.port');
    expect(errorOf(() => parseConfig({ server: { knownOperations: 'yes' }, backends: [prism] }))).toContain('server.knownOperations');
    expect(parseConfig({ backends: [prism] }).server.knownOperations).toBe(true);
    expect(errorOf(() => parseConfig({ backends: [] }))).toContain('backends: list at least one backend');
  });

  it('turns the whole fast path off with server.fastPath, its parts with their own switches', () => {
    const server = (s: Record<string, unknown>) => parseConfig({ server: s, backends: [prism] }).server;
    expect(server({ fastPath: false })).toMatchObject({ fastPath: false, knownOperations: false, shareInFlight: false });
    expect(server({ fastPath: false, knownOperations: false })).toMatchObject({ fastPath: false, knownOperations: false, shareInFlight: false });
    expect(server({ shareInFlight: false })).toMatchObject({ fastPath: true, knownOperations: true, shareInFlight: false });
    expect(server({ knownOperations: false })).toMatchObject({ fastPath: true, knownOperations: false, shareInFlight: true });
    // A part asked for while the whole is off is a contradiction, not a silent no.
    expect(errorOf(() => parseConfig({ server: { fastPath: false, shareInFlight: true }, backends: [prism] }))).toBe(
      'server.shareInFlight: a part of the fast path, which server.fastPath: false turns off; remove server.shareInFlight or set server.fastPath: true',
    );
    expect(errorOf(() => parseConfig({ server: { fastPath: 'off' }, backends: [prism] }))).toContain('server.fastPath');
  });

  it('interpolates ${ENV} and ${ENV:-default}, and names a missing variable', () => {
    const config = parseConfig(
      { server: { host: '${HOST:-0.0.0.0}' }, backends: [{ ...prism, password: '${PC_PASSWORD}' }] },
      { PC_PASSWORD: 's3cret' },
    );
    expect(config.server.host).toBe('0.0.0.0');
    const password = config.backends[0]!.config.password as { reveal(): string };
    expect(password.reveal()).toBe('s3cret');
    expect(errorOf(() => parseConfig({ backends: [{ ...prism, password: '${NOPE}' }] }, {}))).toBe(
      'backends[0].password: environment variable NOPE is not set (set it, or write ${NOPE:-default})',
    );
  });

  it('never prints a secret when the config is logged', () => {
    const config = parseConfig({ backends: [{ ...prism, password: 'hunter2-very-secret' }] });
    expect(JSON.stringify(config.backends[0]!.config)).not.toContain('hunter2');
    expect(inspect(config, { depth: 10 })).not.toContain('hunter2');
    expect(String(config.backends[0]!.config.password)).toBe('[secret]');
  });

  it('reads YAML files and reports syntax errors with the file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-config-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'backends:\n  - name: pc1\n    type: prism\n    url: https://pc:9440\n    apiKey: k\n');
    expect(loadConfig(good).backends).toHaveLength(1);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'backends: [\n');
    expect(errorOf(() => loadConfig(bad))).toContain(`${bad}: not valid YAML`);
    expect(errorOf(() => loadConfig(join(dir, 'missing.yaml')))).toContain('ENOENT');
  });
});
