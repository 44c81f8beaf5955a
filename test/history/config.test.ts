/**
 * The `history:` config section: defaults, and errors that name the field and the fix.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/server/config.js';
import { idlePollMs } from '../../src/history/config.js';

const backends = [{ name: 'pc1', type: 'prism', url: 'https://pc.example.com:9440', username: 'admin', password: 'x' }];
const parse = (history: unknown) => parseConfig({ backends, history });
const error = (history: unknown) => {
  try {
    parse(history);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('history config', () => {
  it('is off when absent, and embedded with defaults when empty', () => {
    expect(parseConfig({ backends }).history).toBeUndefined();
    expect(parse({}).history).toEqual({ store: 'embedded', path: 'taskgraph-history.db', retentionDays: 90, maxRows: 5_000_000, pollIdleBackends: false, progressGranularity: 10 });
  });

  it('names the field and the fix', () => {
    expect(error({ store: 'postgres' })).toBe('history.url: required with store: postgres (postgres://user:password@host:5432/database)');
    expect(error({ store: 'postgres', url: 'mysql://x' })).toMatch(/^history\.url: a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(error({ store: 'sqlite' })).toMatch(/^history\.store: /);
    expect(error({ retentionDays: 0 })).toMatch(/^history\.retentionDays: /);
    expect(error({ pollIdleBackends: 10 })).toMatch(/^history\.pollIdleBackends: /);
    expect(error({ retention: 5 })).toMatch(/^history: .*retention/);
  });

  it('reads the idle poll interval', () => {
    expect(idlePollMs({ pollIdleBackends: false })).toBeNull();
    expect(idlePollMs({ pollIdleBackends: true })).toBe(60_000);
    expect(idlePollMs({ pollIdleBackends: 15_000 })).toBe(15_000);
  });
});
