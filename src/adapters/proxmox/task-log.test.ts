import { describe, expect, it } from 'vitest';
import type { ProxmoxClient } from './client.js';
import { createTaskLogs, LOG_TAIL } from './task-log.js';

/** A client whose task log is `lines`, answered as dump_logfile pages it; records each read. */
function fakeClient(lines: string[]) {
  const reads: Array<[number, number]> = [];
  const client = {
    async taskLog(_node: string, _upid: string, start: number, limit: number) {
      reads.push([start, limit]);
      const page = lines.slice(start, start + limit).map((t, i) => ({ n: start + i + 1, t }));
      return { lines: page, total: lines.length };
    },
  } as unknown as ProxmoxClient;
  return { client, reads };
}

const ctx = { requestId: 't' };

describe('task logs', () => {
  it('reads a long log\'s tail, then only the lines added since, then nothing once the task ended', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => `line ${i + 1}`);
    const { client, reads } = fakeClient(lines);
    const logs = createTaskLogs(client);

    const first = await logs.read('pve1', 'UPID:a', false, ctx);
    expect(reads).toEqual([
      [0, LOG_TAIL],
      [500 - LOG_TAIL, LOG_TAIL],
    ]);
    expect(first.lines.map((l) => l.n)).toEqual(Array.from({ length: LOG_TAIL }, (_, i) => 500 - LOG_TAIL + i + 1));
    expect(first.skipped).toBe(500 - LOG_TAIL);

    lines.push('line 501', 'line 502', 'TASK OK');
    reads.length = 0;
    const second = await logs.read('pve1', 'UPID:a', true, ctx);
    expect(reads).toEqual([[500, LOG_TAIL]]);
    expect(second.lines.at(-1)).toEqual({ n: 503, t: 'TASK OK' });
    expect(second.lines).toHaveLength(LOG_TAIL);
    expect(second.skipped).toBe(503 - LOG_TAIL);

    reads.length = 0;
    expect(await logs.read('pve1', 'UPID:a', true, ctx)).toBe(second);
    expect(reads).toEqual([]);
  });

  it('reads a short log once per poll from where it stopped', async () => {
    const lines = ['a'];
    const { client, reads } = fakeClient(lines);
    const logs = createTaskLogs(client);
    await logs.read('pve1', 'UPID:b', false, ctx);
    lines.push('b', 'c');
    const tail = await logs.read('pve1', 'UPID:b', false, ctx);
    expect(reads).toEqual([
      [0, LOG_TAIL],
      [1, LOG_TAIL],
    ]);
    expect(tail).toMatchObject({ lines: [{ n: 1, t: 'a' }, { n: 2, t: 'b' }, { n: 3, t: 'c' }], skipped: 0 });
  });

  it('takes the placeholder of a log that cannot be opened for no log, and keeps nothing', async () => {
    const { client, reads } = fakeClient(['unable to open file - No such file or directory']);
    const logs = createTaskLogs(client);
    expect(await logs.read('pve1', 'UPID:c', true, ctx)).toEqual({ lines: [], skipped: 0 });
    await logs.read('pve1', 'UPID:c', true, ctx);
    expect(reads).toHaveLength(2);
  });
});
