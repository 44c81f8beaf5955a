/**
 * No acknowledged transition is lost when the gateway's process is killed with SIGKILL mid-
 * ingest: a child records transitions as fast as it can and prints what each committed write
 * held; it is killed -9 while writing; then every acknowledged transition is in the store,
 * which opens again (SQLite recovers its WAL) and takes a second run that is killed too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../src/history/embedded.js';
import { openPostgresStore } from '../../src/history/postgres.js';
import type { HistoryStore } from '../../src/history/store.js';
import { startTestPostgres } from '../support/postgres.js';
import { waitFor } from '../support/gateway.js';

const CHILD = new URL('./support/ingest-child.ts', import.meta.url).pathname;
const pg = await startTestPostgres();
afterAll(async () => pg?.stop());
const dir = mkdtempSync(join(tmpdir(), 'taskgraph-sigkill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const kinds: Array<[string, string, () => Promise<HistoryStore>]> = [
  ['embedded', join(dir, 'history.db'), () => openEmbeddedStore(join(dir, 'history.db'))],
  ...(pg ? [['postgres', pg.url, () => openPostgresStore({ url: pg.url })] as [string, string, () => Promise<HistoryStore>]] : []),
];

/** Runs the child until it has acknowledged at least `min` transitions, then kills it with SIGKILL mid-write. */
async function ingestAndKill(kind: string, location: string, run: number, min: number): Promise<Array<[string, number, string]>> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD, kind, location, String(run)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked: Array<[string, number, string]> = [];
  let buffer = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) if (line.startsWith('[')) acked.push(...(JSON.parse(line) as Array<[string, number, string]>));
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  try {
    await waitFor(() => acked.length >= min || child.exitCode !== null, `${min} acknowledged transitions`, 60_000);
    expect(child.exitCode, stderr).toBeNull();
  } finally {
    child.kill('SIGKILL');
  }
  expect(await exited).toBe('SIGKILL');
  // Only whole lines count: a line cut by the kill was never fully acknowledged.
  return acked;
}

describe.each(kinds)('SIGKILL mid-ingest (%s store)', (kind, location, open) => {
  it('keeps every acknowledged transition, across two killed runs', async () => {
    const acked = [...(await ingestAndKill(kind, location, 1, 3000)), ...(await ingestAndKill(kind, location, 2, 3000))];
    const store = await open();
    try {
      const keys = [...new Set(acked.map(([id]) => id))].map((nativeId) => ({ backend: 'vcd1', nativeId }));
      const stored = new Set((await store.transitions(keys)).map((t) => `${t.nativeId}/${t.at}/${t.status}`));
      const missing = acked.filter(([id, at, status]) => !stored.has(`${id}/${at}/${status}`));
      expect(missing).toEqual([]);
      expect(acked.length).toBeGreaterThanOrEqual(6000);
    } finally {
      await store.close();
    }
  });
});
