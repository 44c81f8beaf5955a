/**
 * Builds the executable schema from schema/*.graphql and the resolvers, with
 * @apollo/subgraph, so the same schema serves standalone and as a federation subgraph.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLScalarType, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { DateTimeISOResolver, DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/graphql.js';
import { backendResolvers, relatedTaskResolvers } from './resolvers/backend.js';
import { mutationResolvers } from './resolvers/mutation.js';
import { queryResolvers } from './resolvers/query.js';
import { subscriptionResolvers } from './resolvers/subscription.js';
import { taskResolvers } from './resolvers/task.js';
import { historyResolvers } from '../history/resolvers.js';

const SCHEMA_DIR = new URL('../../schema/', import.meta.url);

/** The SDL files, in a stable order. */
export function loadTypeDefs(): DocumentNode {
  const files = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.graphql')).sort();
  return parse(files.map((f) => readFileSync(new URL(f, SCHEMA_DIR), 'utf8')).join('\n'));
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * Date#toISOString, in JS: it runs three times per task of every list page and every
 * subscription event, and the builtin costs over twice as much (docs/performance.md, "What was
 * changed to get there"). Years outside 1000-9999, which toISOString writes differently (0999,
 * +010000), take the builtin.
 */
export function isoString(d: Date): string {
  const year = d.getUTCFullYear();
  if (year < 1000 || year > 9999) return d.toISOString();
  return `${year}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${pad3(d.getUTCMilliseconds())}Z`;
}

/**
 * graphql-scalars' DateTime, serializing to the RFC 3339 string itself: its own serialize hands
 * out the Date, and JSON.stringify then calls Date#toJSON on each, which cost a list page more
 * than the rest of its serialization (docs/performance.md). Same name and description.
 */
export const DateTime = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  // Model times are valid Dates (adapters map unreadable ones to null): the common case skips
  // the generic checks; anything else (strings, numbers, invalid Dates) takes them.
  serialize: (value) => (value instanceof Date && !Number.isNaN(value.getTime()) ? isoString(value) : DateTimeISOResolver.serialize(value)),
});

/** Merges resolver maps type by type (the history's Query and Task fields next to the others). */
function mergeResolvers(base: Resolvers, extra: Resolvers): Resolvers {
  const out: Record<string, unknown> = { ...base };
  for (const [type, fields] of Object.entries(extra)) {
    const own = out[type];
    out[type] = own && typeof own === 'object' && !(own instanceof GraphQLScalarType) ? { ...own, ...fields } : fields;
  }
  return out as Resolvers;
}

/** History fields answer HISTORY_UNAVAILABLE (off) unless startGateway passes a store's resolvers. */
const historyOff = historyResolvers(null);

export const resolvers: Resolvers = {
  DateTime,
  Query: { ...queryResolvers, ...historyOff.Query },
  Mutation: mutationResolvers,
  Subscription: subscriptionResolvers,
  Task: { ...taskResolvers, ...historyOff.Task },
  Backend: backendResolvers,
  RelatedTask: relatedTaskResolvers,
  Node: { __resolveType: () => 'Task' },
  TaskConnection: { nodes: (c) => c.edges.map((e) => e.node) },
};

/** `modules`: further typeDefs and resolvers, such as the federation types generated from config. */
export function buildSchema(extra: Resolvers = {}, modules: ReadonlyArray<{ typeDefs: DocumentNode; resolvers?: object }> = []): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs: loadTypeDefs(), resolvers: mergeResolvers(resolvers, extra) as never }, ...(modules as never[])]);
}
