import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import type { GraphQLScalarType } from 'graphql';
import { createOperationRunner, type ValidOperation } from './jit-executor.js';

// The graphql instance jit-executor.ts loads (CommonJS), not vitest's ESM copy.
const { buildSchema, execute, parse } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

// A schema shaped like ours where it matters: an input object with a custom scalar and a list,
// and `_entities` taking a custom scalar (`_Any`) that reads its literal whole.
const schema = buildSchema(`
  scalar DateTime
  scalar _Any
  input Filter { createdAfter: DateTime, status: [String!], sub: [Filter!] }
  type Query { tasks(first: Int, filter: Filter): String, _entities(representations: [_Any!]!): String }
`);
const fields = schema.getQueryType()!.getFields();
fields.tasks!.resolve = (_root, args) => JSON.stringify(args);
fields._entities!.resolve = (_root, args) => JSON.stringify(args);
(schema.getType('DateTime') as GraphQLScalarType).parseValue = (value) => `parsed:${String(value)}`;

function operation(source: string): ValidOperation {
  const document = parse(source);
  const definition = document.definitions[0]!;
  if (definition.kind !== 'OperationDefinition') throw new Error('not an operation');
  return { source, document, operationName: null, type: definition.operation, definition };
}

describe('compiled execution', () => {
  const variables = { t: '2026-01-01T00:00:00Z', s: 'RUNNING', id: 'VGFzazpwYzox' };
  const cases = [
    'query($t: DateTime!) { tasks(first: 5, filter: { createdAfter: $t }) }',
    'query($s: String!, $t: DateTime) { tasks(filter: { status: [$s, "QUEUED"], sub: [{ createdAfter: $t }] }) }',
    // A variable inside a scalar's literal: graphql-jit would drop `id` (this stays on graphql-js).
    'query($id: String) { _entities(representations: [{ __typename: "Task", id: $id }]) }',
  ];
  it.each(cases)('answers as graphql-js does: %s', async (source) => {
    const runner = createOperationRunner(schema);
    const op = operation(source);
    const expected = await execute({ schema, document: op.document, variableValues: variables });
    expect(await runner.run(op, variables, {})).toEqual(JSON.parse(JSON.stringify(expected)));
  });
});
