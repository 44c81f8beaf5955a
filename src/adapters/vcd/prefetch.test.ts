import { describe, expect, it } from 'vitest';
import type { TaskModel } from '../../model/task.js';
import { createPrefetch } from './prefetch.js';

const UUID = { a: '0f3c8a1e-0000-4000-8000-00000000000a', b: '0f3c8a1e-0000-4000-8000-00000000000b', c: '0f3c8a1e-0000-4000-8000-00000000000c' };
const task = (uuid: string, status: TaskModel['status']) => ({ nativeId: `urn:vcloud:task:${uuid}`, status }) as TaskModel;

const r1 = { requestId: 'same-id', request: Symbol('r1') };
/** Another request, though its client sent the same request id. */
const r2 = { requestId: 'same-id', request: Symbol('r2') };

describe('vcd prefetch', () => {
  function setup(fail = new Set<string>()) {
    const reads: Array<[string, string]> = [];
    const clock = { now: 0 };
    const prefetch = createPrefetch(async (uuid, ctx) => {
      reads.push([uuid, ctx.request === r1.request ? 'r1' : 'other']);
      if (fail.has(uuid)) {
        fail.delete(uuid);
        throw new Error('connection reset');
      }
      return task(uuid, 'RUNNING');
    }, () => clock.now);
    prefetch.remember('list', [task(UUID.a, 'RUNNING'), task(UUID.b, 'SUCCEEDED'), task(UUID.c, 'QUEUED')]);
    return { reads, clock, prefetch };
  }

  it('reads the unfinished tasks of the last answer, once each, for the request that sent them', async () => {
    const { reads, prefetch } = setup();
    prefetch.start('list', r1);
    expect(reads).toEqual([[UUID.a, 'r1'], [UUID.c, 'r1']]);
    expect(prefetch.take(UUID.a, r2)).toBeUndefined(); // another request reads for itself
    expect(await prefetch.take(UUID.a, r1)).toMatchObject({ nativeId: `urn:vcloud:task:${UUID.a}` });
    expect(prefetch.take(UUID.a, r1)).toBeUndefined(); // once
    expect(prefetch.take(UUID.b, r1)).toBeUndefined(); // finished: not prefetched
    prefetch.start('another list', r1); // nothing remembered for it
    prefetch.start('list', { requestId: 'same-id' }); // a call outside any request prefetches nothing
    expect(reads).toHaveLength(2);
  });

  it('gives concurrent requests of the same list each their own reads', async () => {
    const { reads, prefetch } = setup();
    prefetch.start('list', r1);
    prefetch.start('list', r2);
    expect(reads).toEqual([[UUID.a, 'r1'], [UUID.c, 'r1'], [UUID.a, 'other'], [UUID.c, 'other']]);
    expect(prefetch.take(UUID.a, r1)).toBeDefined();
    expect(prefetch.take(UUID.a, r2)).toBeDefined();
    expect(reads).toHaveLength(4);
  });

  it('keeps the reads of at most 256 requests', () => {
    const { prefetch } = setup();
    const requests = Array.from({ length: 257 }, (_, i) => ({ requestId: `r${i}`, request: Symbol(`r${i}`) }));
    for (const r of requests) prefetch.start('list', r);
    expect(prefetch.take(UUID.a, requests[0]!)).toBeUndefined();
    expect(prefetch.take(UUID.a, requests[256]!)).toBeDefined();
  });

  it('drops what the page did not take within seconds, and reads again what failed', async () => {
    const { reads, clock, prefetch } = setup(new Set([UUID.c]));
    prefetch.start('list', r1);
    expect(await prefetch.take(UUID.c, r1)).toMatchObject({ nativeId: `urn:vcloud:task:${UUID.c}` });
    expect(reads.filter(([uuid]) => uuid === UUID.c)).toHaveLength(2);
    clock.now += 5_000;
    expect(prefetch.take(UUID.a, r1)).toBeUndefined();
  });

  it('keeps a list polled all along when a flood of other lists comes (least recently used go first)', () => {
    const { reads, prefetch } = setup();
    for (let i = 0; i < 300; i++) {
      prefetch.remember(`flood ${i}`, []);
      if (i % 50 === 0) prefetch.start('list', { requestId: `poll ${i}`, request: Symbol(`poll ${i}`) }); // the view polls it
    }
    reads.length = 0;
    prefetch.start('list', r1);
    expect(reads).toEqual([[UUID.a, 'r1'], [UUID.c, 'r1']]);
  });
});
