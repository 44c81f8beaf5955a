/**
 * Shared subscription execution: an event object reaching several subscribers is executed
 * once per (document, variables, scope); other scopes, documents or variables execute apart,
 * and return() reaches the source at once even while a next() waits.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { ExecutionResult } from 'graphql';
import type { TaskModel } from '../model/task.js';
import { createEventQueue, type EventQueue } from '../subscriptions/queue.js';
import { scopeOf, type Principal } from '../security/principal.js';
import { createSharedExecution, type Results } from './shared-execution.js';

// The CommonJS graphql, as the module under test uses (see its header).
const { buildSchema } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

function setup() {
  let executions = 0;
  const schema = buildSchema(`type Query { ok: Boolean } type Subscription { tick(k: Int): Tick } type Tick { n: Int runs: Int late: Int }`);
  const sources: Array<{ push: (v: unknown) => void; returned: () => boolean }> = [];
  (schema.getSubscriptionType()!.getFields().tick as any).subscribe = () => {
    const queue: unknown[] = [];
    let wake: (() => void) | null = null;
    let done = false;
    const iterator: AsyncIterableIterator<unknown> = {
      async next() {
        while (!queue.length && !done) await new Promise<void>((r) => (wake = r));
        return done ? { value: undefined, done: true } : { value: queue.shift(), done: false };
      },
      async return() {
        done = true;
        wake?.();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    sources.push({ push: (v) => (queue.push(v), wake?.()), returned: () => done });
    return iterator;
  };
  (schema.getType('Tick') as any).getFields().runs.resolve = () => ++executions;
  (schema.getType('Tick') as any).getFields().late.resolve = async (t: { n: number }) => t.n * 10;
  return { schema, sources, executions: () => executions };
}

/** Two principals of one scope, and one of another. */
const S1: Principal = { id: 'a', kind: 'api-key', scope: scopeOf({ backends: ['b'], vcdOrgs: ['x'] }) };
const S1_TOO: Principal = { id: 'b', kind: 'api-key', scope: scopeOf({ backends: ['b'], vcdOrgs: ['x', 'x'] }) };
const S2: Principal = { id: 'c', kind: 'api-key', scope: scopeOf({ backends: ['b'], vcdOrgs: ['y'] }) };
const sharing = (shareEvents = true) => ({ principalOf: (ctx: unknown) => (ctx as { principal?: Principal }).principal ?? S1, shareEvents });

describe('shared subscription execution', () => {
  it('executes an event once for subscribers with the same document, variables and scope', async () => {
    const { schema, sources, executions } = setup();
    const shared = createSharedExecution(sharing());
    const document = shared.parse('subscription($k: Int) { tick(k: $k) { n runs } }');
    expect(shared.parse('subscription($k: Int) { tick(k: $k) { n runs } }')).toBe(document);
    expect(shared.validate(schema, document)).toEqual([]);
    const subscribe = (principal: Principal, k: number) =>
      shared.subscribe({ schema, document, contextValue: { principal }, variableValues: { k } }) as Promise<AsyncIterableIterator<any>>;
    const [a, b, other, otherVars] = await Promise.all([subscribe(S1, 1), subscribe(S1_TOO, 1), subscribe(S2, 1), subscribe(S1, 2)]);
    const event = { n: 7 };
    for (const s of sources) s.push({ tick: event });
    const results = await Promise.all([a, b, other, otherVars].map((it) => it.next()));
    expect(results.map((r) => r.value.data.tick.n)).toEqual([7, 7, 7, 7]);
    expect(results[0]!.value).toBe(results[1]!.value);
    expect(executions()).toBe(3);
    // A new event object executes again.
    const later = { n: 8 };
    for (const s of sources) s.push({ tick: later });
    await Promise.all([a, b, other, otherVars].map((it) => it.next()));
    expect(executions()).toBe(6);
  });

  it('executes every event for every subscriber when sharing is off (server.shareInFlight: false)', async () => {
    const { schema, sources, executions } = setup();
    const shared = createSharedExecution(sharing(false));
    const document = shared.parse('subscription { tick { runs } }');
    const its = await Promise.all([1, 2, 3].map(() => shared.subscribe({ schema, document, contextValue: { principal: S1 } }) as Promise<AsyncIterableIterator<any>>));
    const event = { n: 1 };
    for (const s of sources) s.push({ tick: event });
    const results = await Promise.all(its.map((it) => it.next()));
    expect(results.map((r) => r.value.data.tick.runs).sort()).toEqual([1, 2, 3]);
    expect(executions()).toBe(3);
  });

  it('yields the settled result when execution is asynchronous', async () => {
    const { schema, sources } = setup();
    const shared = createSharedExecution(sharing());
    const document = shared.parse('subscription { tick { late } }');
    const it = (await shared.subscribe({ schema, document, contextValue: {} })) as AsyncIterableIterator<any>;
    sources[0]!.push({ tick: { n: 4 } });
    const step = await it.next();
    expect(step).toEqual({ value: { data: { tick: { late: 40 } } }, done: false });
  });

  it('ends the source at once on return(), even while a next() is waiting', async () => {
    const { schema, sources } = setup();
    const shared = createSharedExecution(sharing());
    const document = shared.parse('subscription { tick { n } }');
    const it = (await shared.subscribe({ schema, document, contextValue: {} })) as AsyncIterableIterator<unknown>;
    const waiting = it.next();
    await it.return!();
    expect(sources[0]!.returned()).toBe(true);
    expect(await waiting).toEqual({ value: undefined, done: true });
  });

  it('pulls through a pullable source in the producer turn, and calls back when execution is asynchronous', async () => {
    const schema = buildSchema(`type Query { ok: Boolean } type Subscription { tick: Tick } type Tick { n: Int late: Int }`);
    let queue: EventQueue<unknown> | undefined;
    (schema.getSubscriptionType()!.getFields().tick as any).subscribe = () =>
      (queue = createEventQueue({ maxPending: 10, render: (e) => ({ tick: { n: e.task.progress } }), onClose: () => {} }));
    (schema.getType('Tick') as any).getFields().late.resolve = async (t: { n: number }) => t.n * 10;
    const shared = createSharedExecution(sharing());
    const push = (n: number) => queue!.push({ type: 'UPDATED', task: { backend: 'b', nativeId: 't', status: 'RUNNING', progress: n } as TaskModel });
    const got: unknown[] = [];
    const resolve = (r: IteratorResult<ExecutionResult>) => got.push(r.value);
    const reject = (e: Error) => got.push(e);

    const sync = (await shared.subscribe({ schema, document: shared.parse('subscription { tick { n } }'), contextValue: {} })) as Results;
    expect(sync.pull!(resolve, reject)).toBeNull();
    push(1);
    expect(got).toEqual([{ data: { tick: { n: 1 } } }]);
    push(2);
    expect(sync.pull!(resolve, reject)).toEqual({ value: { data: { tick: { n: 2 } } }, done: false });

    const later = (await shared.subscribe({ schema, document: shared.parse('subscription { tick { late } }'), contextValue: {} })) as Results;
    push(3);
    expect(later.pull!(resolve, reject)).toBeNull();
    await new Promise((r) => setImmediate(r));
    expect(got.at(-1)).toEqual({ data: { tick: { late: 30 } } });
  });
});
