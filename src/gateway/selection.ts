/**
 * Which TaskModel fields an operation reads, from its selections: a list can then ask the
 * backend for those only (Prism's $select), which is most of the cost of a flat list (parsing
 * the upstream body). The answer covers every place a Task appears in the operation (the list,
 * parents, roots, subtasks, related tasks, node/_entities fragments), because a page's tasks
 * also prime the request's loaders: any task the request reads later needs no other field.
 */
import { createRequire } from 'node:module';
import type {
  FragmentDefinitionNode,
  GraphQLNamedType,
  GraphQLResolveInfo,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';
import type { TaskField } from '../model/task.js';

// The graphql instance the schema was built with (Node resolves graphql's CommonJS `main`); its
// type predicates check instanceof, and a bundler-style resolver (vitest) would hand this file
// the .mjs copy (as in fast-path/jit-executor.ts).
const { getNamedType, isAbstractType, isInterfaceType, isObjectType, Kind } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** Task's GraphQL fields -> the model fields their resolvers read (id and backend fields are always there). */
export const TASK_FIELD_NEEDS: Readonly<Record<string, readonly TaskField[]>> = {
  id: [],
  backend: [],
  backendType: [],
  nativeId: [],
  operation: ['operation'],
  description: ['description'],
  status: ['status'],
  nativeStatus: ['nativeStatus'],
  isTerminal: ['status'],
  progress: ['progress'],
  progressMessage: ['progressMessage'],
  createdAt: ['createdAt'],
  startedAt: ['startedAt'],
  completedAt: ['completedAt'],
  lastUpdatedAt: ['lastUpdatedAt'],
  expiresAt: ['expiresAt'],
  isCancelable: ['isCancelable'],
  cancelRequested: ['cancelRequested'],
  initiatedBy: ['initiatedBy'],
  tenant: ['tenant'],
  entitiesAffected: ['entitiesAffected'],
  parent: ['parentId'],
  root: ['rootId', 'parentId'],
  subtasks: ['embeddedSubtasks', 'subtaskCount'],
  steps: ['steps'],
  errors: ['errors'],
  warnings: ['warnings'],
  result: ['result'],
  completionDetails: ['completionDetails'],
  relatedTasks: ['relatedTasks'],
  // Task history's fields (src/history/resolvers.ts) read the store by backend and native id.
  transitions: [],
  retained: [],
  source: [],
};

const TASK = 'Task';

/** Operation -> its fields, or null when some selection could not be accounted for (then: all). */
const memo = new WeakMap<OperationDefinitionNode, ReadonlySet<TaskField> | null>();

/** The model fields `info`'s whole operation reads of any task; null means all of them. */
export function taskFieldsRead(info: Pick<GraphQLResolveInfo, 'schema' | 'operation' | 'fragments'>): ReadonlySet<TaskField> | null {
  const cached = memo.get(info.operation);
  if (cached !== undefined) return cached;
  const fields = new Set<TaskField>();
  const root = info.schema.getRootType(info.operation.operation);
  const complete = root ? collect(info.schema, info.fragments, info.operation.selectionSet, root, fields) : false;
  const result = complete ? fields : null;
  memo.set(info.operation, result);
  return result;
}

/** Can a value of this type be a Task (Task itself, Node, the federation _Entity union)? */
function mayBeTask(schema: GraphQLSchema, type: GraphQLNamedType): boolean {
  if (type.name === TASK) return true;
  const task = schema.getType(TASK);
  return isAbstractType(type) && isObjectType(task) && schema.isSubType(type, task);
}

/** Adds what the selection reads of tasks to `out`; false when it meets something it does not know. */
function collect(
  schema: GraphQLSchema,
  fragments: Record<string, FragmentDefinitionNode>,
  selectionSet: SelectionSetNode,
  type: GraphQLNamedType,
  out: Set<TaskField>,
): boolean {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      if (name.startsWith('__')) continue;
      if (mayBeTask(schema, type)) {
        const needs = TASK_FIELD_NEEDS[name];
        if (!needs) return false;
        for (const f of needs) out.add(f);
      }
      if (!selection.selectionSet) continue;
      const field = isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;
      if (!field || !collect(schema, fragments, selection.selectionSet, getNamedType(field.type), out)) return false;
      continue;
    }
    const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments[selection.name.value] : selection;
    if (!fragment) return false;
    const on = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : type;
    if (!on || !collect(schema, fragments, fragment.selectionSet, on, out)) return false;
  }
  return true;
}
