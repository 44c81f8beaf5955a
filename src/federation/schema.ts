/**
 * The subgraph SDL taskgraph generates from its federation config at start: each configured
 * foreign entity type with its key field and the contributed `tasks` field, and one field per
 * type on `EntityReference` leading back to it. Merged into the subgraph schema, so
 * `_service { sdl }` and `taskgraph schema --federation --config FILE` print it.
 */
import { parse, type DocumentNode } from 'graphql';
import type { FederationConfig } from './config.js';
import { federationResolvers, type FederationResolvers } from './resolvers.js';

/** The contributed field's documentation (shared by every generated type). */
const TASKS_DOC =
  'Tasks of the backends taskgraph serves that affect this object, newest first, merged over every backend ' +
  'entity its key maps to (taskgraph config `federation.entities`). `filter.entity` is not allowed here. ' +
  'At most 1000 tasks per backend and batch of objects; for a longer history use `Query.tasks(filter: { entity })`.';

function block(text: string, indent: string): string {
  return `${indent}"""\n${indent}${text.replace(/"""/g, '\\"""')}\n${indent}"""`;
}

/** The SDL text of the configured extension; empty when no entity is configured. */
export function federationSdl(config: FederationConfig): string {
  const parts: string[] = [];
  const references: string[] = [];
  for (const entity of config.entities) {
    parts.push(
      [
        `type ${entity.type} @key(fields: "${entity.key}") {`,
        `  ${entity.key}: ${entity.keyType}!`,
        block(TASKS_DOC, '  '),
        `  ${entity.tasksField}(filter: TaskFilter, first: Int = 50, after: String): TaskConnection!`,
        '}',
      ].join('\n'),
    );
    if (entity.referenceField) {
      references.push(
        `  "The ${entity.type} this entity is, as its owning subgraph knows it; null when no reverse mapping rule applies."\n` +
          `  ${entity.referenceField}: ${entity.type}`,
      );
    }
  }
  if (references.length) parts.push(`extend type EntityReference {\n${references.join('\n')}\n}`);
  return parts.length ? `${parts.join('\n\n')}\n` : '';
}

/** The extension as a document for buildSubgraphSchema; null when nothing is configured. */
export function federationTypeDefs(config: FederationConfig): DocumentNode | null {
  const sdl = federationSdl(config);
  return sdl ? parse(sdl) : null;
}

/** A schema module for buildSubgraphSchema (the shape @apollo/subgraph takes). */
export interface SchemaModule {
  typeDefs: DocumentNode;
  resolvers: FederationResolvers;
}

/** The generated types and their resolvers, to merge into the subgraph schema; none when nothing is configured. */
export function federationModules(config: FederationConfig): SchemaModule[] {
  const typeDefs = federationTypeDefs(config);
  return typeDefs ? [{ typeDefs, resolvers: federationResolvers(config) }] : [];
}
