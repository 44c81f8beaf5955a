/**
 * The hand-over from the known-operations path to Apollo's executor: a run that fails outside
 * the resolvers (no result at all) goes to Apollo as it settled, and the runner gives it to
 * the executor's copy of the context instead of running the operation a second time.
 */
import { createRequire } from 'node:module';
import type { OperationDefinitionNode, OperationTypeNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../gateway/context.js';
import { createOperationRunner, type OperationRunner, type Result } from './jit-executor.js';
import { knownOperations } from './known-operations.js';

// The CommonJS graphql, as graphql-jit and the runner use.
const { buildSchema, parse } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

const schema = buildSchema('type Query { n: Int }');
const source = '{ n }';
const document = parse(source);
const operation = { source, document, operationName: null, type: 'query' as OperationTypeNode, definition: document.definitions[0] as OperationDefinitionNode, resolvedName: null };

describe('known operations hand-over', () => {
  it('hands a run that failed to Apollo as it settled, and answers nothing itself', async () => {
    const failed = Promise.reject(new Error('compiled query threw'));
    failed.catch(() => undefined);
    const handed: Array<Promise<Result>> = [];
    const runner: OperationRunner = { run: () => failed, handOver: (_context, run) => void handed.push(run), clear: () => {} };
    const known = knownOperations({ schema, runner, verdictOf: () => null, answered: () => expect.unreachable('an answer was counted') });
    const context = { partialErrors: [], call: { requestId: 'r' }, receivedAt: 0 } as unknown as GatewayContext;
    expect(await known.serve({ operation, variables: {} }, undefined, context)).toBeNull();
    expect(handed).toHaveLength(1);
    expect(handed[0]).toBe(failed);
  });

  it("gives the handed-over run to the executor's shallow copy of the context, once", async () => {
    const runner = createOperationRunner(schema);
    const context = {};
    expect(await runner.run(operation, {}, context)).toEqual({ data: { n: null } }); // run for real: no root value
    runner.handOver(context, Promise.resolve({ data: { n: 7 } }));
    // Apollo Server hands its executor `Object.assign(Object.create(proto), context)`.
    const copy = Object.assign(Object.create(Object.getPrototypeOf(context) as object) as object, context);
    expect(await runner.run(operation, {}, copy)).toEqual({ data: { n: 7 } });
    expect(await runner.run(operation, {}, copy)).toEqual({ data: { n: null } }); // taken once
  });
});
