/**
 * A request's variables, coerced as graphql-js coerces them (GraphQL spec §6.4.2
 * CoerceVariableValues), before any executor sees them, on every path (Apollo's, known
 * operations, graphql-jit, graphql-ws):
 * - a value that does not fit its type is BAD_USER_INPUT (graphql-jit's own errors carry no
 *   code, and Apollo recognizes only graphql-js' wording, so they were masked as internal);
 * - the error message never quotes the value (it may be a secret the client put in the wrong
 *   place, and messages reach the logs): it names the variable, its type and the path inside it;
 * - a variable the request leaves out takes its default value, and an input object field left
 *   out takes its field's default, both handed on as inputs: graphql-jit 0.8 refuses a missing
 *   non-null variable even when it has a default (`query($per: Int! = 400)`), and a missing
 *   non-null input field with a default (`TaskOrder.field`), where graphql-js uses the defaults.
 */
import { createRequire } from 'node:module';
import type { GraphQLError, GraphQLSchema, OperationDefinitionNode, VariableDefinitionNode } from 'graphql';

// The graphql instance the schema was built with (Node resolves graphql's CommonJS `main`;
// a bundler-style resolver would hand this file the .mjs copy, whose checks refuse the schema).
const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');

export type CoercedVariables = { ok: true; variables: Record<string, unknown> } | { ok: false; errors: GraphQLError[] };

/** Most coercion errors reported for one request. */
const MAX_ERRORS = 10;

/** The coercion error in words that hold no part of the value: the variable, its type, where inside it. */
function withoutValue(error: GraphQLError, definitions: readonly VariableDefinitionNode[]): GraphQLError {
  const name = /^Variable "\$([_A-Za-z][_0-9A-Za-z]*)"/.exec(error.message)?.[1];
  const definition = definitions.find((d) => d.variable.name.value === name);
  const type = definition ? graphql.print(definition.type) : 'its type';
  const at = / at "(\$?[_A-Za-z][\w.[\]]*)"/.exec(error.message)?.[1];
  let message: string;
  if (name === undefined || / of (required|non-null) type .* (was not provided|must not be null)\.$/.test(error.message)) {
    // These name the variable and its type only (or no variable: "Too many errors ...").
    message = error.message;
  } else {
    message = `Variable "$${name ?? '?'}" got a value that is not a ${type}${at ? ` at "${at}"` : ''}; send a value of that type`;
  }
  return new graphql.GraphQLError(message, { nodes: definition, extensions: { code: 'BAD_USER_INPUT', argument: `$${name ?? ''}`, http: { status: 400 } } });
}

export function coerceVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, inputs: Record<string, unknown> | null | undefined): CoercedVariables {
  const definitions = operation.variableDefinitions ?? [];
  const given = inputs ?? {};
  if (definitions.length === 0) return { ok: true, variables: given };
  const coerced = graphql.getVariableValues(schema, definitions, given, { maxErrors: MAX_ERRORS });
  if (coerced.errors) return { ok: false, errors: coerced.errors.map((e) => withoutValue(e, definitions)) };
  const variables: Record<string, unknown> = { ...given };
  for (const definition of definitions) {
    const name = definition.variable.name.value;
    if (definition.defaultValue && !Object.hasOwn(given, name)) variables[name] = graphql.valueFromASTUntyped(definition.defaultValue);
    const type = graphql.typeFromAST(schema, definition.type);
    if (type && graphql.isInputType(type) && Object.hasOwn(variables, name)) variables[name] = withFieldDefaults(variables[name], type);
  }
  return { ok: true, variables };
}

/** An input value (already known to fit `type`) with the defaults of the input object fields it leaves out. */
function withFieldDefaults(value: unknown, type: import('graphql').GraphQLInputType): unknown {
  if (value === null || value === undefined) return value;
  const named = graphql.getNullableType(type);
  if (graphql.isListType(named)) return Array.isArray(value) ? value.map((v) => withFieldDefaults(v, named.ofType)) : withFieldDefaults(value, named.ofType);
  if (!graphql.isInputObjectType(named) || typeof value !== 'object') return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const field of Object.values(named.getFields())) {
    if (Object.hasOwn(out, field.name)) out[field.name] = withFieldDefaults(out[field.name], field.type);
    else if (field.defaultValue !== undefined) {
      const literal = graphql.astFromValue(field.defaultValue, field.type);
      if (literal) out[field.name] = graphql.valueFromASTUntyped(literal);
    }
  }
  return out;
}
