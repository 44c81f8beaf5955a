/**
 * Direct delivery of subscription events to a WebSocket: graphql-ws' `next` frames, written in
 * the producer's turn, each shared result serialized once; a backed-up socket is waited for
 * (the subscriber's queue coalesces meanwhile); the stream ends with its results, fails with
 * their failure, and stops on return().
 */
import type { ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { TaskModel } from '../model/task.js';
import { createEventQueue, type EventQueue } from '../subscriptions/queue.js';
import type { TaskEvent } from '../subscriptions/events.js';
import { directDelivery } from './ws-delivery.js';

function fakeSocket() {
  const socket = {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: 0,
    frames: [] as string[],
    /** Write callbacks not yet called (frames sent while the socket was backed up). */
    waiting: [] as Array<() => void>,
    send(data: string, cb?: () => void) {
      socket.frames.push(data);
      if (cb) socket.waiting.push(cb);
    },
  };
  return socket;
}

const event = (nativeId: string, progress: number): TaskEvent => ({
  type: 'UPDATED',
  task: { backend: 'pc', nativeId, status: 'RUNNING', progress } as TaskModel,
});

/** A subscriber's queue whose results are shared per event object, as shared-execution.ts shares them. */
function queueOf(shared: WeakMap<TaskModel, ExecutionResult>, maxPending = 10): EventQueue<ExecutionResult> & { closed: () => boolean } {
  let closed = false;
  const queue = createEventQueue<ExecutionResult>({
    maxPending,
    render: (e) => {
      let result = shared.get(e.task);
      if (!result) shared.set(e.task, (result = { data: { taskUpdated: { nativeId: e.task.nativeId, progress: e.task.progress } } }));
      return result;
    },
    onClose: () => (closed = true),
  });
  return Object.assign(queue, { closed: () => closed });
}

describe('direct subscription delivery', () => {
  it('writes graphql-ws next frames in the producer turn, serializing a shared result once', () => {
    let serializations = 0;
    const deliver = directDelivery((result) => (serializations++, result));
    const shared = new WeakMap<TaskModel, ExecutionResult>();
    const [a, b] = [fakeSocket(), fakeSocket()];
    const [qa, qb] = [queueOf(shared), queueOf(shared)];
    void deliver(a, 'sub "1"', qa).next();
    void deliver(b, '2', qb).next();
    const e = event('t1', 40);
    qa.push(e);
    qb.push(e);
    // No await in between: the frames left in the push itself.
    expect(a.frames.map((f) => JSON.parse(f))).toEqual([
      { id: 'sub "1"', type: 'next', payload: { data: { taskUpdated: { nativeId: 't1', progress: 40 } } } },
    ]);
    expect(JSON.parse(b.frames[0]!)).toMatchObject({ id: '2', type: 'next' });
    expect(serializations).toBe(1);
  });

  it('waits for a backed-up socket before taking the next result; the queue coalesces meanwhile', () => {
    const deliver = directDelivery((result) => result);
    const socket = fakeSocket();
    const queue = queueOf(new WeakMap());
    void deliver(socket, '1', queue).next();
    socket.bufferedAmount = 4096;
    queue.push(event('t1', 1));
    queue.push(event('t1', 2));
    queue.push(event('t1', 3));
    expect(socket.frames).toHaveLength(1);
    expect(socket.waiting).toHaveLength(1);
    expect(queue.pending).toBe(1);
    socket.bufferedAmount = 0;
    socket.waiting.shift()!();
    expect(socket.frames.map((f) => JSON.parse(f).payload.data.taskUpdated.progress)).toEqual([1, 3]);
    // The socket took that one at once: later events go straight out again.
    queue.push(event('t1', 4));
    expect(socket.frames).toHaveLength(3);
  });

  it('finishes when its results end, and fails with their failure', async () => {
    const deliver = directDelivery((result) => result);
    const ending = queueOf(new WeakMap());
    const finished = deliver(fakeSocket(), '1', ending).next();
    ending.push(event('t1', 1));
    ending.end();
    await expect(finished).resolves.toEqual({ value: undefined, done: true });

    const socket = fakeSocket();
    const slow = queueOf(new WeakMap(), 2);
    const failed = deliver(socket, '2', slow).next();
    socket.bufferedAmount = 1;
    for (const id of ['t1', 't2', 't3', 't4']) slow.push(event(id, 1));
    socket.waiting.shift()!();
    await expect(failed).rejects.toThrow('subscriber too slow');
  });

  it('fails only the subscription whose frame cannot be made, and releases its results', async () => {
    const shared = new WeakMap<TaskModel, ExecutionResult>();
    const broken = directDelivery(() => {
      throw new Error('cannot serialize');
    });
    const [bad, good] = [queueOf(shared), queueOf(shared)];
    const failed = broken(fakeSocket(), '1', bad).next();
    const socket = fakeSocket();
    void directDelivery((result) => result)(socket, '2', good).next();
    const e = event('t1', 5);
    expect(() => bad.push(e)).not.toThrow();
    good.push(e);
    await expect(failed).rejects.toThrow('cannot serialize');
    expect(bad.closed()).toBe(true);
    expect(socket.frames).toHaveLength(1);
  });

  it('stops on return() and releases its results, and sends nothing to a closed socket', async () => {
    const deliver = directDelivery((result) => result);
    const socket = fakeSocket();
    const queue = queueOf(new WeakMap());
    const stream = deliver(socket, '1', queue);
    const finished = stream.next();
    await stream.return!();
    await expect(finished).resolves.toEqual({ value: undefined, done: true });
    expect(queue.closed()).toBe(true);
    queue.push(event('t1', 1));
    expect(socket.frames).toEqual([]);

    const closing = fakeSocket();
    const other = queueOf(new WeakMap());
    const ended = deliver(closing, '2', other).next();
    closing.readyState = 2;
    other.push(event('t1', 1));
    await expect(ended).resolves.toEqual({ value: undefined, done: true });
    expect(closing.frames).toEqual([]);
  });

  it('delivers results that cannot be pulled through next()', async () => {
    const deliver = directDelivery((result) => result);
    const socket = fakeSocket();
    const results = (async function* () {
      yield { data: { n: 1 } };
      yield { data: { n: 2 } };
    })();
    await expect(deliver(socket, '9', results).next()).resolves.toEqual({ value: undefined, done: true });
    expect(socket.frames.map((f) => JSON.parse(f).payload.data.n)).toEqual([1, 2]);
  });
});
