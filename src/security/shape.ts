/**
 * The shape of an operation, measured by GraphQL Armor's rules (@escape.tech/graphql-armor-*):
 * field depth, aliases and directives. Each rule walks a fragment once and reuses its count at
 * every further spread, so a document whose fragments spread each other twice over
 * (`F0 { ...F1 ...F1 } F1 { ...F2 ...F2 } ...`) is measured in time linear in its size.
 * Aliases and directives of introspection fields count like any other, and so does an alias of
 * `__typename`. Depth leaves out the inside of `__schema` (as armor does by default): the
 * standard introspection query nests `ofType` nine levels deep to read wrapped types; its size
 * is bounded by maxCost (each introspection list sized from the schema) and maxAliases.
 *
 * The rules are run with an unreachable limit and report what they counted (`onAccept`): the
 * refusals, with their config names, are made in limits.ts.
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { visit, type FragmentDefinitionNode, type OperationDefinitionNode, type ValidationContext } from 'graphql';

export interface OperationShape {
  /** Deepest nesting of fields (fragments add no level). */
  depth: number;
  /** Aliased fields, each fragment's counted once per spread. */
  aliases: number;
  /** Directives, likewise. */
  directives: number;
}

type Counted = (context: ValidationContext | null, measure: { n: number }) => void;

/**
 * The rules read nothing of their validation context but `getFragment`; they need no schema,
 * so documents of either copy of graphql (ESM under test runners, CommonJS under Node) work.
 */
function contextOf(fragments: ReadonlyMap<string, FragmentDefinitionNode>): ValidationContext {
  return { getFragment: (name: string) => fragments.get(name), reportError: () => {} } as unknown as ValidationContext;
}

export function measureShape(operation: OperationDefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): OperationShape {
  const shape: OperationShape = { depth: 0, aliases: 0, directives: 0 };
  const into = (field: keyof OperationShape): Counted[] => [(_context, { n }) => (shape[field] = n)];
  const context = contextOf(fragments);
  const common = { n: Infinity, propagateOnRejection: false, exposeLimits: false };
  const visitors = [
    maxDepthRule({ ...common, ignoreIntrospection: true, flattenFragments: true, onAccept: into('depth') })(context),
    maxAliasesRule({ ...common, allowList: [], onAccept: into('aliases') })(context),
    maxDirectivesRule({ ...common, onAccept: into('directives') })(context),
  ];
  for (const visitor of visitors) visit(operation, visitor);
  return shape;
}
