/**
 * graphql-ws options that do the work of a subscription once per distinct operation instead
 * of once per subscriber:
 * - `parse` and `validate`: documents cached by query text, validation by document, so
 *   10,000 clients subscribing with the same query text parse and validate it once;
 * - `subscribe`: each subscriber keeps its own source stream (the hub's queue, scoped to its
 *   caller), but the execution of an event is shared by every subscriber that has the same
 *   document, variables and access scope and got the same event object: 100 subscribers of
 *   one task cost one execution per change, not 100.
 * Results are not kept beyond the event object's life (src/fast-path/sharing/per-event.ts).
 */
import { createRequire } from 'node:module';
import { LRUCache } from 'lru-cache';
import type { DocumentNode, ExecutionArgs, ExecutionResult, GraphQLError, GraphQLSchema, Source } from 'graphql';
import type { Principal } from '../security/principal.js';
import { eventExecutionKey } from './sharing/keys.js';
import { scopeKey } from '../security/scope-key.js';
import { SharedPerEvent } from './sharing/per-event.js';
import { DONE, isPullable, type Pullable } from '../subscriptions/queue.js';

// The same graphql instance as graphql-ws and Apollo load (Node resolves graphql's CommonJS
// `main`); a bundler-style resolver (vitest) would otherwise hand this file the .mjs copy,
// and graphql refuses a schema built by the other copy.
const { createSourceEventStream, execute, parse, validate } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** Distinct query texts kept, the least recently used dropped first (a flood of unique texts costs what it always did). */
const MAX_DOCUMENTS = 1000;

type Result = ExecutionResult | Promise<ExecutionResult>;

const step = (result: ExecutionResult): IteratorResult<ExecutionResult> => ({ value: result, done: false });

/** A subscription's results; pull() only when its source has one (Pullable). */
export type Results = AsyncIterableIterator<ExecutionResult> & Partial<Pullable<ExecutionResult>>;

export interface SharedExecution {
  parse(source: string | Source): DocumentNode;
  validate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[];
  subscribe(args: ExecutionArgs): Promise<Results | ExecutionResult>;
}

export interface SharedExecutionOptions {
  /** The caller of a context; null never shares that caller's results. */
  principalOf(contextValue: unknown): Principal | null;
  /** Config `server.shareInFlight`: false executes every event for every subscriber. */
  shareEvents: boolean;
}

export function createSharedExecution(options: SharedExecutionOptions): SharedExecution {
  const documents = new LRUCache<string, DocumentNode>({ max: MAX_DOCUMENTS });
  const validations = new WeakMap<DocumentNode, readonly GraphQLError[]>();
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;
  const results = new SharedPerEvent<Result>();

  function documentId(document: DocumentNode): number {
    let id = documentIds.get(document);
    if (id === undefined) documentIds.set(document, (id = nextDocumentId++));
    return id;
  }

  return {
    parse(source) {
      if (typeof source !== 'string') return parse(source);
      let document = documents.get(source);
      if (!document) {
        document = parse(source);
        documents.set(source, document);
      }
      return document;
    },
    validate(schema, document) {
      let errors = validations.get(document);
      if (!errors) validations.set(document, (errors = validate(schema, document)));
      return errors;
    },
    async subscribe(args) {
      const stream = await createSourceEventStream(args);
      if (!(Symbol.asyncIterator in stream)) return stream as ExecutionResult;
      const source = stream as AsyncIterableIterator<unknown>;
      const principal = options.shareEvents ? options.principalOf(args.contextValue) : null;
      const key = principal === null ? null : eventExecutionKey(scopeKey(principal), { document: documentId(args.document), operationName: args.operationName, variables: args.variableValues });
      return new SharedStream(source, args, key, results);
    },
  };
}

type Mapped = IteratorResult<ExecutionResult> | Promise<IteratorResult<ExecutionResult>>;

/**
 * One subscriber's results: its source's events, each executed once per key and event object
 * for every subscriber that shares the key. A class, not closures: 10,000 subscribers hold one
 * each (and under tsx every closure also gets its name defined).
 * A plain iterator, not an async generator: return() must reach the source at once, even while
 * a next() is waiting for an event (an async generator would queue it behind that). next() is
 * one promise reaction per event; pull() none, when the source is Pullable (the hub's queue)
 * and the execution synchronous (no async resolver).
 */
class SharedStream implements AsyncIterableIterator<ExecutionResult>, Partial<Pullable<ExecutionResult>> {
  readonly pull: Pullable<ExecutionResult>['pull'] | undefined;
  private readonly map: (event: IteratorResult<unknown>) => Mapped;
  private readonly onEvent: (event: IteratorResult<unknown>) => void;
  private readonly onError: (error: Error) => void;
  private resolveTo: (result: IteratorResult<ExecutionResult>) => void = noop;
  private rejectTo: (error: Error) => void = noop;

  constructor(
    private readonly source: AsyncIterableIterator<unknown>,
    private readonly args: ExecutionArgs,
    private readonly key: string | null,
    private readonly results: SharedPerEvent<Result>,
  ) {
    this.map = this.mapEvent.bind(this);
    this.onEvent = this.pulled.bind(this);
    this.onError = (error) => this.rejectTo(error);
    this.pull = isPullable(source) ? this.pullNow : undefined;
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.source.next().then(this.map);
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return?.();
    return DONE;
  }

  async throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return?.();
    throw error;
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private pullNow(resolve: (result: IteratorResult<ExecutionResult>) => void, reject: (error: Error) => void): IteratorResult<ExecutionResult> | null {
    this.resolveTo = resolve;
    this.rejectTo = reject;
    const event = (this.source as unknown as Pullable<unknown>).pull(this.onEvent, this.onError);
    return event && this.ready(this.map(event));
  }

  /** An event the source pushed to a waiting pull(), in the producer's turn: an execution that throws fails this subscriber only. */
  private pulled(event: IteratorResult<unknown>): void {
    let result: IteratorResult<ExecutionResult> | null;
    try {
      result = this.ready(this.map(event));
    } catch (error) {
      return this.rejectTo(error as Error);
    }
    if (result) this.resolveTo(result);
  }

  private ready(mapped: Mapped): IteratorResult<ExecutionResult> | null {
    if (!(mapped instanceof Promise)) return mapped;
    mapped.then(this.resolveTo, this.rejectTo);
    return null;
  }

  private mapEvent(event: IteratorResult<unknown>): Mapped {
    if (event.done) return DONE;
    const result = this.execute(event.value);
    return result instanceof Promise ? result.then(step) : step(result);
  }

  /** The event's execution for this subscriber's key, run by the first subscriber that needs it. */
  private execute(payload: unknown): Result {
    const root = this.key === null ? null : sharedRoot(payload);
    if (!root) return execute({ ...this.args, rootValue: payload });
    return this.results.get(root, this.key!, () => execute({ ...this.args, rootValue: payload }));
  }
}

const noop = () => {};

/** The shared part of the root value: the one field's value, which the hub passes as is to every subscriber. */
function sharedRoot(payload: unknown): object | null {
  if (!payload || typeof payload !== 'object') return null;
  const values = Object.values(payload);
  return values.length === 1 && values[0] && typeof values[0] === 'object' ? (values[0] as object) : null;
}
