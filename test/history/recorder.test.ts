/**
 * The recorder against a store double that records calls (the stores themselves are tested
 * in store.test.ts): unchanged observations are not written, the queue is bounded (oldest
 * dropped and counted), a failed write is retried by a later observation, embedded subtasks
 * are records of their own, and progress steps follow the granularity.
 */
import { describe, expect, it } from 'vitest';
import { createRecorder } from '../../src/history/recorder.js';
import type { GoneRecord, TaskRecord } from '../../src/history/store.js';
import { task } from './support.js';

function fakeStore() {
  const writes: Array<{ records: TaskRecord[]; gone: GoneRecord[] }> = [];
  let failing = false;
  let release: (() => void) | null = null;
  return {
    writes,
    fail(value: boolean) {
      failing = value;
    },
    /** Holds the next write until `open()`: a slow store. */
    hold() {
      let resolve!: () => void;
      const gate = new Promise<void>((r) => (resolve = r));
      release = resolve;
      return gate;
    },
    open() {
      release?.();
      release = null;
    },
    async write(records: readonly TaskRecord[], gone: readonly GoneRecord[]) {
      if (release) await new Promise<void>((r) => {
        const open = release!;
        release = () => {
          open();
          r();
        };
      });
      if (failing) throw Object.assign(new Error('disk full'), { code: 'SQLITE_FULL' });
      writes.push({ records: [...records], gone: [...gone] });
    },
  };
}

describe('history recorder', () => {
  it('writes a task when it changes, not when it is seen again unchanged', async () => {
    const store = fakeStore();
    const recorder = createRecorder({ store, progressGranularity: 10, now: () => 1000 });
    recorder.observe([task({ nativeId: 'a', progress: 10 })]);
    recorder.observe([task({ nativeId: 'a', progress: 10 })]);
    await recorder.flush();
    recorder.observe([task({ nativeId: 'a', progress: 10 })]);
    recorder.observe([task({ nativeId: 'a', progress: 14 })]);
    recorder.observe([task({ nativeId: 'a', progress: 25 })]);
    await recorder.flush();
    const records = store.writes.flatMap((w) => w.records);
    expect(records.map((r) => JSON.parse(r.snapshot).progress)).toEqual([10, 14, 25]);
    // 10 -> 14 stays in the 10-point step: the state is written, no transition.
    expect(records.map((r) => r.transition?.progress ?? null)).toEqual([10, null, 25]);
    expect(recorder.stats()).toMatchObject({ recorded: 3, transitions: 2, dropped: 0 });
  });

  it('records status changes only with progressGranularity 0', async () => {
    const store = fakeStore();
    const recorder = createRecorder({ store, progressGranularity: 0 });
    for (const progress of [0, 30, 60]) recorder.observe([task({ nativeId: 'a', progress })]);
    recorder.observe([task({ nativeId: 'a', progress: 100, status: 'SUCCEEDED', completedAt: new Date('2026-03-01T10:05:00Z') })]);
    await recorder.flush();
    expect(store.writes.flatMap((w) => w.records).flatMap((r) => (r.transition ? [r.transition.status] : []))).toEqual(['RUNNING', 'SUCCEEDED']);
  });

  it('bounds its queue: a store slower than the backends loses the oldest observations, counted', async () => {
    const store = fakeStore();
    const recorder = createRecorder({ store, progressGranularity: 10, maxQueued: 100, batchSize: 10 });
    const held = store.hold();
    recorder.observe([task({ nativeId: 'first' })]);
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 250; i++) recorder.observe([task({ nativeId: `t${i}` })]);
    expect(recorder.stats().queued).toBe(100);
    expect(recorder.stats().dropped).toBe(150);
    store.open();
    await held;
    await recorder.flush();
    const ids = store.writes.flatMap((w) => w.records.map((r) => r.nativeId));
    expect(ids).toEqual(['first', ...Array.from({ length: 100 }, (_, i) => `t${150 + i}`)]);
  });

  it('after a failed write, records the task again at its next observation', async () => {
    const store = fakeStore();
    const errors: unknown[] = [];
    const recorder = createRecorder({ store, progressGranularity: 10, onError: (e) => errors.push(e) });
    store.fail(true);
    recorder.observe([task({ nativeId: 'a' })]);
    await recorder.flush();
    expect(recorder.stats().failedWrites).toBe(1);
    expect(errors).toHaveLength(1);
    store.fail(false);
    recorder.observe([task({ nativeId: 'a' })]);
    await recorder.flush();
    expect(store.writes.flatMap((w) => w.records.map((r) => r.nativeId))).toEqual(['a']);
  });

  it('records embedded subtasks as tasks of their own, and tasks a backend answered "not found" for', async () => {
    const store = fakeStore();
    const recorder = createRecorder({ store, progressGranularity: 10 });
    const sub = task({ nativeId: 'child', parentId: 'parent' });
    recorder.observe([task({ nativeId: 'parent', embeddedSubtasks: [sub] })]);
    recorder.gone('vcd1', ['old']);
    await recorder.flush();
    const records = store.writes.flatMap((w) => w.records);
    expect(records.map((r) => r.nativeId)).toEqual(['child', 'parent']);
    expect(JSON.parse(records[1]!.snapshot).embeddedSubtasks).toBeNull();
    expect(store.writes.flatMap((w) => w.gone.map((g) => g.nativeId))).toEqual(['old']);
  });
});
