import { describe, expect, it } from 'vitest';
import type { TaskModel, TaskStatus } from '../model/task.js';
import type { TaskEvent } from './events.js';
import { createEventQueue } from './queue.js';

function ev(id: string, status: TaskStatus, progress: number): TaskEvent {
  const task = { backend: 'b', nativeId: id, status, progress } as TaskModel;
  return { type: status === 'SUCCEEDED' || status === 'FAILED' ? 'COMPLETED' : 'UPDATED', task };
}

describe('subscriber event queue', () => {
  it('coalesces pending progress of one task (latest wins) and keeps the terminal transition', async () => {
    let closed = 0;
    const q = createEventQueue({ maxPending: 10, render: (e) => `${e.task.nativeId}:${e.task.status}:${e.task.progress}`, onClose: () => closed++ });
    for (let p = 1; p <= 50; p++) q.push(ev('t1', 'RUNNING', p));
    q.push(ev('t2', 'RUNNING', 5));
    q.push(ev('t1', 'SUCCEEDED', 100));
    q.push(ev('t1', 'SUCCEEDED', 100));
    expect(q.pending).toBe(3);
    const got: string[] = [];
    q.end();
    for await (const v of q) got.push(v);
    // The pending update of t1 became its terminal state in place; a terminal event is never replaced.
    expect(got).toEqual(['t1:SUCCEEDED:100', 't2:RUNNING:5', 't1:SUCCEEDED:100']);
    expect(closed).toBe(1);
  });

  it('ends with an error instead of growing past its bound', async () => {
    const q = createEventQueue({ maxPending: 3, render: (e) => e.task.nativeId, onClose: () => {} });
    for (let i = 0; i < 4; i++) q.push(ev(`t${i}`, 'RUNNING', 1));
    await expect(q.next()).rejects.toThrow('subscriber too slow');
  });

  it('delivers straight to a waiting consumer and ends after a terminal event when asked', async () => {
    let closed = 0;
    const q = createEventQueue({ maxPending: 3, render: (e) => e.task.status, onClose: () => closed++, endAfterTerminal: true });
    const first = q.next();
    q.push(ev('t', 'RUNNING', 1));
    expect(await first).toEqual({ value: 'RUNNING', done: false });
    q.push(ev('t', 'FAILED', 1));
    expect(await q.next()).toEqual({ value: 'FAILED', done: false });
    expect(await q.next()).toEqual({ value: undefined, done: true });
    expect(closed).toBe(1);
  });

  it('return() releases the subscriber once', async () => {
    let closed = 0;
    const q = createEventQueue({ maxPending: 3, render: (e) => e, onClose: () => closed++ });
    const waiting = q.next();
    await q.return!();
    await q.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(closed).toBe(1);
  });

  it('pull() reads synchronously: a pending event at once, else the next push calls back in its own turn', () => {
    const q = createEventQueue({ maxPending: 3, render: (e) => e.task.progress, onClose: () => {} });
    const got: unknown[] = [];
    const resolve = (r: IteratorResult<unknown>) => got.push(r);
    const reject = (e: Error) => got.push(e.message);
    q.push(ev('t', 'RUNNING', 1));
    expect(q.pull(resolve, reject)).toEqual({ value: 1, done: false });
    expect(q.pull(resolve, reject)).toBeNull();
    q.push(ev('t', 'RUNNING', 2));
    expect(got).toEqual([{ value: 2, done: false }]);
    expect(q.pull(resolve, reject)).toBeNull();
    q.end(new Error('gone'));
    expect(got).toEqual([{ value: 2, done: false }, 'gone']);
    // A failure that is ready when pulled is thrown.
    const failed = createEventQueue({ maxPending: 1, render: (e) => e, onClose: () => {} });
    failed.push(ev('a', 'RUNNING', 1));
    failed.push(ev('b', 'RUNNING', 1));
    expect(() => failed.pull(resolve, reject)).toThrow('subscriber too slow');
    // return() answers a waiting pull with the end.
    const returned = createEventQueue({ maxPending: 1, render: (e) => e, onClose: () => {} });
    expect(returned.pull(resolve, reject)).toBeNull();
    void returned.return!();
    expect(got.at(-1)).toEqual({ value: undefined, done: true });
  });
});
