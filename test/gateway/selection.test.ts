import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { GraphQLObjectType, GraphQLSchema } from 'graphql';
import { buildSchema } from '../../src/gateway/schema.js';
import { TASK_FIELD_NEEDS, taskFieldsRead } from '../../src/gateway/selection.js';

// The graphql instance the schema is built with (see src/gateway/selection.ts).
const { parse, Kind, buildSchema: buildSdl } = createRequire(import.meta.url)('graphql') as typeof import('graphql');
const schema = buildSchema();

function read(text: string, on: GraphQLSchema = schema) {
  const document = parse(text);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const fields = taskFieldsRead({ schema: on, operation, fragments });
  return fields && [...fields].sort();
}

describe('taskFieldsRead', () => {
  it('knows what every Task field of the schema reads', () => {
    const fields = Object.keys((schema.getType('Task') as GraphQLObjectType).getFields());
    expect(fields.filter((f) => !TASK_FIELD_NEEDS[f])).toEqual([]);
  });

  it('collects fields of a list, its relations, fragments and node() alike', () => {
    const fields = read(`
      query { tasks(first: 5) { edges { cursor node { ...Row parent { status } } } totalCount }
              node(id: "x") { id ... on Task { warnings } }
              backends { name } }
      fragment Row on Task { id progress initiatedBy { name } subtasks { nodes { steps { name } } } }`);
    expect(fields).toEqual(['embeddedSubtasks', 'initiatedBy', 'parentId', 'progress', 'status', 'steps', 'subtaskCount', 'warnings'].sort());
  });

  it('answers "all" (null) for a Task field it has no entry for', () => {
    const other = buildSdl('type Query { tasks: [Task] } type Task { id: ID! status: String shinyNewField: String }');
    expect(read('{ tasks { id status } }', other)).toEqual(['status']);
    expect(read('{ tasks { id shinyNewField } }', other)).toBeNull();
  });
});
