/**
 * Every simulator over https (`--tls`): its certificate is made at start and its config entry
 * names the CA file; taskgraph's adapter lists tasks through it with certificate verification
 * on, and refuses the same server without that CA. The command line prints the entry.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { afterAll, describe, expect, it } from 'vitest';
import type { TaskAdapter } from '../../src/adapters/contract.js';
import { adapterModule } from '../../src/adapters/registry.js';
import { simulator, simulatorNames, type RunningSimulator } from '../../src/simulators/registry.js';
import { cliArgs } from '../support/cli.js';

const ctx = { requestId: 'tls-test' };

function adapterFor(entry: Record<string, unknown>): TaskAdapter {
  const module = adapterModule(String(entry.type))!;
  return module.create(module.configSchema.parse({ ...entry, timeoutMs: 5000 }));
}

describe.each(simulatorNames())('%s simulator with tls', (name) => {
  let sim: RunningSimulator;
  afterAll(() => sim?.close());

  it('serves https whose CA the config entry names; the adapter verifies it', async () => {
    sim = await simulator(name)!({ tls: true, initialTasks: 6, seed: 5 });
    const entry = sim.backendConfig(`${name}-tls`);
    expect(sim.server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(entry).toMatchObject({ url: sim.server.url, tls: { caFile: sim.server.caFile } });
    expect(readFileSync(sim.server.caFile!, 'utf8')).toContain('-----BEGIN CERTIFICATE-----');

    const trusted = adapterFor(entry);
    try {
      const page = await trusted.listTasks({ filter: {}, direction: 'DESC', limit: 3 }, ctx);
      expect(page.tasks.length).toBeGreaterThan(0);
    } finally {
      await trusted.close();
    }

    // Verification is on: without the CA the same server is refused.
    const { tls: _tls, ...withoutCa } = entry;
    const untrusted = adapterFor(withoutCa);
    try {
      await expect(untrusted.listTasks({ filter: {}, direction: 'DESC', limit: 3 }, ctx)).rejects.toThrow(/SELF_SIGNED|certificate/i);
    } finally {
      await untrusted.close();
    }
  });

  it('removes its certificate file when closed', async () => {
    const file = sim.server.caFile!;
    await sim.close();
    expect(existsSync(file)).toBe(false);
  });
});

describe('taskgraph simulate --tls', () => {
  it('prints an https config entry carrying the caFile, and serves with that certificate', async () => {
    const child = spawn(process.execPath, cliArgs('simulate', 'prism', '--tls', '--port', '0'), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      const entry = await new Promise<Record<string, any>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`simulate did not start:\n${out}`)), 20_000);
        child.stdout.on('data', () => {
          const m = /config entry: (\{.*\})\n/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(JSON.parse(m[1]!));
          }
        });
      });
      expect(entry.url).toMatch(/^https:\/\//);
      const status = await new Promise<number>((resolve, reject) => {
        https
          .get(`${entry.url}/api/prism/v4.0/config/tasks`, { ca: readFileSync(entry.tls.caFile), auth: `${entry.username}:${entry.password}` }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject);
      });
      expect(status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
