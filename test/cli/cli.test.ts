/**
 * The `taskgraph` command as a user runs it: a real process, real signals.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gql } from '../support/gateway.js';
import { cliArgs } from '../support/cli.js';


function run(args: string[]) {
  return spawnSync(process.execPath, cliArgs(...args), { encoding: 'utf8', timeout: 30_000 });
}

describe('taskgraph CLI', () => {
  it('demo serves live tasks and shuts down cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, cliArgs('demo', '--port', '0'), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`demo did not start:\n${out}`)), 20_000);
        child.stdout.on('data', () => {
          const m = /GraphQL at (http:\/\/\S+\/graphql)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      const res: any = await gql(url, '{ tasks(first: 20) { totalCount edges { node { backend status progress } } } backends { name } }');
      expect(res.errors).toBeUndefined();
      expect(res.data.tasks.edges.length).toBe(20);
      expect(res.data.backends.length).toBeGreaterThanOrEqual(1);
      const code = await new Promise<number | null>((resolve) => {
        child.once('exit', (c) => resolve(c));
        child.kill('SIGTERM');
      });
      expect(code).toBe(0);
      expect(out).toContain('SIGTERM, shutting down');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('serve refuses an invalid config, naming the field and the fix', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-cli-'));
    const file = join(dir, 'taskgraph.yaml');
    writeFileSync(file, 'backends:\n  - name: pc1\n    type: prism\n    url: pc.example.com\n    password: ${MISSING_PW}\n');
    const res = run(['serve', '--config', file]);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('invalid configuration');
    expect(res.stderr).toContain('backends[0].password: environment variable MISSING_PW is not set');
    writeFileSync(file, 'backends:\n  - name: pc1\n    type: prism\n    url: pc.example.com\n    password: x\n');
    const res2 = run(['serve', '--config', file]);
    expect(res2.status).toBe(2);
    expect(res2.stderr).toContain('backends[0] (pc1).url: an absolute http(s) URL');
  });

  it('prints the SDL, with federation directives when asked', () => {
    const plain = run(['schema']);
    expect(plain.status).toBe(0);
    expect(plain.stdout).toContain('type Task implements Node');
    const fed = run(['schema', '--federation']);
    expect(fed.stdout).toContain('@key(fields: "id")');
    expect(fed.stdout).toContain('@link(url: "https://specs.apollo.dev/federation/v2.5"');
  });

  it('rejects unknown commands and simulators with usage', () => {
    expect(run(['frobnicate']).status).toBe(2);
    const sim = run(['simulate', 'hyperv']);
    expect(sim.status).toBe(2);
    expect(sim.stderr).toContain('simulate: expected one of prism');
  });
});
