/**
 * The CLI's logging: `--log-level` reaches the gateway's request log (JSON lines on stdout),
 * and an unknown level is refused before anything starts.
 */
import { execFile, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/gateway.js';
import { cliArgs } from '../support/cli.js';

describe('taskgraph --log-level', { timeout: 60_000 }, () => {
  it('logs one JSON line per GraphQL request of `taskgraph demo --log-level info`', async () => {
    const child = spawn(process.execPath, cliArgs('demo', '--port', '0', '--log-level', 'info'), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    try {
      const url = await waitFor(() => /GraphQL at (http:\/\/\S+\/graphql)/.exec(stdout)?.[1], 'the demo to start', 30_000);
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'cli-log-check-1' },
        body: JSON.stringify({ query: 'query CliLogCheck { backends { name } }' }),
      });
      expect(res.status).toBe(200);
      const line = await waitFor(
        () => stdout.split('\n').find((l) => l.startsWith('{') && l.includes('"requestId":"cli-log-check-1"')),
        'the request log line',
      );
      expect(JSON.parse(line)).toMatchObject({ level: 'info', msg: 'graphql request', operationName: 'CliLogCheck', service: 'taskgraph' });
      // info hides the debug lines of upstream calls.
      expect(stdout).not.toContain('"msg":"upstream call"');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('refuses an unknown level with exit code 2', async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, cliArgs('demo', '--port', '0', '--log-level', 'chatty'), { timeout: 30_000 }, (err, _stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr }),
      );
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--log-level: expected one of fatal, error, warn, info, debug, trace, silent, got "chatty"');
  });
});
