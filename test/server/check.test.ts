/**
 * `taskgraph check`: a healthy simulator, a wrong password and a backend that is not running,
 * in-process and through the real CLI.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { displayUrl, runCheck } from '../../src/server/check.js';
import type { RunningSimulator } from '../../src/simulators/registry.js';
import { startPrismSimulator } from '../../src/simulators/prism/index.js';
import { startVsphereRestSimulator } from '../../src/simulators/vsphere-rest/index.js';
import { cliArgs } from '../support/cli.js';

const WRONG_PASSWORD = 'Wr0ng-Check-Passw0rd!';

function capture() {
  let text = '';
  const out = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { out, text: () => text };
}

describe('taskgraph check', { timeout: 60_000 }, () => {
  let prism: RunningSimulator;
  let rest: RunningSimulator;
  let dir: string;
  const file = (name: string, config: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, YAML.stringify(config));
    return path;
  };

  beforeAll(async () => {
    prism = await startPrismSimulator({ initialTasks: 3, seed: 5 });
    rest = await startVsphereRestSimulator({ initialTasks: 3, seed: 6 });
    dir = mkdtempSync(join(tmpdir(), 'taskgraph-check-'));
  });
  afterAll(async () => {
    await prism?.close();
    await rest?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function mixed(): string {
    return file('mixed.yaml', {
      backends: [
        prism.backendConfig('pc-healthy'),
        { ...rest.backendConfig('vc-wrong-password'), password: WRONG_PASSWORD },
        { ...prism.backendConfig('pc-not-running'), url: 'http://127.0.0.1:1', timeoutMs: 2000 },
      ],
    });
  }

  it('prints one row per backend and exits 1 when one fails', async () => {
    const { out, text } = capture();
    const code = await runCheck(mixed(), out, { timeoutMs: 10_000 });
    expect(code).toBe(1);
    const lines = text().split('\n');
    expect(lines).toContain('configuration ok, 3 backends');
    const header = lines.find((l) => l.startsWith('BACKEND'))!;
    expect(header.split(/\s{2,}/)).toEqual(['BACKEND', 'TYPE', 'URL', 'RESULT', 'LATENCY', 'DETAIL']);
    const row = (name: string) => lines.find((l) => l.startsWith(`${name} `))!.split(/\s{2,}/);
    const healthy = row('pc-healthy');
    expect(healthy.slice(0, 4)).toEqual(['pc-healthy', 'prism', prism.server.url, 'ok']);
    expect(healthy[4]).toMatch(/^\d+ ms$/);
    expect(healthy[5]).toMatch(/^listed 1 task/);
    const wrong = row('vc-wrong-password');
    expect(wrong.slice(0, 4)).toEqual(['vc-wrong-password', 'vsphere-rest', rest.server.url, 'FAILED']);
    expect(wrong[5]).toMatch(/^BACKEND_AUTH_FAILED: /);
    const down = row('pc-not-running');
    expect(down[3]).toBe('FAILED');
    expect(down[5]).toMatch(/^BACKEND_UNAVAILABLE: .*ECONNREFUSED/);
    expect(lines).toContain('3 backends: 1 ok, 2 failed');
    expect(text()).not.toContain(WRONG_PASSWORD);
    expect(text()).not.toContain(String(prism.backendConfig('x').password));
  });

  it('exits 0 when every backend answers', async () => {
    const { out, text } = capture();
    const code = await runCheck(file('ok.yaml', { backends: [prism.backendConfig('pc'), rest.backendConfig('vc')] }), out);
    expect(code).toBe(0);
    expect(text()).toContain('2 backends: 2 ok, 0 failed');
  });

  it('exits 2 with the validation messages when the file is invalid, without contacting anything', async () => {
    const { out, text } = capture();
    prism.server.resetCounts();
    const path = file('invalid.yaml', { backends: [{ ...prism.backendConfig('pc'), url: 'not a url' }, { name: 'x', type: 'nosuch' }] });
    expect(await runCheck(path, out)).toBe(2);
    expect(text()).toContain('invalid configuration');
    expect(text()).toContain('backends[0] (pc).url');
    expect(text()).toContain('backends[1] (x).type: expected one of');
    expect(prism.server.total()).toBe(0);
  });

  it('shows URLs without credentials or query strings', () => {
    expect(displayUrl('https://user:pw@vc.example.com:8443/sdk?token=abc#x')).toBe('https://vc.example.com:8443/sdk');
    expect(displayUrl('https://pc.example.com:9440/')).toBe('https://pc.example.com:9440');
    expect(displayUrl('garbage')).toBe('(not a URL)');
  });

  it('runs as `taskgraph check --config FILE` with the same table and exit code', async () => {
    const path = mixed();
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(process.execPath, cliArgs('check', '--config', path, '--timeout-ms', '10000'), { timeout: 30_000 }, (err, stdout) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^pc-healthy\s+prism\s+\S+\s+ok\s+\d+ ms/m);
    expect(result.stdout).toMatch(/^vc-wrong-password\s+vsphere-rest\s+\S+\s+FAILED\s+\d+ ms\s+BACKEND_AUTH_FAILED/m);
    expect(result.stdout).toContain('3 backends: 1 ok, 2 failed');
  });
});
